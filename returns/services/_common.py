"""What the returns services share: the transition map, row locks, event payloads, field errors."""

from decimal import Decimal
from typing import Any

from django.utils import timezone

from webhooks.services import event_emit

from ..exceptions import InvalidReturnTransition, ValidationFailed
from ..models import ReturnRequest, ReturnStatus

# Where a return may move from each status. refunded is reached by the first refund of a received return.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReturnStatus.REQUESTED: (ReturnStatus.AUTHORIZED, ReturnStatus.REJECTED),
    ReturnStatus.AUTHORIZED: (ReturnStatus.RECEIVED,),
    ReturnStatus.REJECTED: (),
    ReturnStatus.RECEIVED: (ReturnStatus.REFUNDED, ReturnStatus.CLOSED),
    ReturnStatus.REFUNDED: (),
    ReturnStatus.CLOSED: (),
}
STATUS_TIMESTAMPS = {
    ReturnStatus.AUTHORIZED: "authorized_at",
    ReturnStatus.REJECTED: "rejected_at",
    ReturnStatus.RECEIVED: "received_at",
    ReturnStatus.REFUNDED: "refunded_at",
    ReturnStatus.CLOSED: "closed_at",
}
# The event each status announces.
STATUS_EVENTS = {
    ReturnStatus.AUTHORIZED: "return.authorized",
    ReturnStatus.REJECTED: "return.rejected",
    ReturnStatus.RECEIVED: "return.received",
    ReturnStatus.REFUNDED: "return.refunded",
}


def _invalid(details: dict) -> ValidationFailed:
    return ValidationFailed("Validation failed", details=details)


def _item_errors(count: int, index: int, field: str, message: str) -> ValidationFailed:
    """A 422 naming `items[index].field`, in the shape serializers give nested list errors."""
    rows: list[dict] = [{} for _ in range(count)]
    rows[index] = {field: [message]}
    return _invalid({"items": rows})


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def allowed_transitions(from_status: str) -> list[str]:
    return list(TRANSITIONS.get(from_status, ()))


def _locked(return_request: ReturnRequest) -> ReturnRequest:
    return ReturnRequest.objects.select_for_update(of=("self",)).select_related("account").get(pk=return_request.pk)


def return_event_data(return_request: ReturnRequest) -> dict[str, Any]:
    """The return as webhook consumers see it (keys are camelCased by the outbox)."""
    return {
        "id": return_request.pk,
        "order_id": return_request.order_id,
        "customer_id": return_request.customer_id,
        "status": return_request.status,
        "items": [
            {
                "id": item.pk,
                "order_item_id": item.order_item_id,
                "product_id": item.product_id,
                "quantity": item.quantity,
                "reason": item.reason,
                "quantity_restocked": item.quantity_restocked,
                "quantity_damaged": item.quantity_damaged,
            }
            for item in return_request.items.order_by("position", "id")
        ],
        "amount_refunded": _money(return_request.amount_refunded),
        "currency": return_request.currency,
        "warehouse_id": return_request.warehouse_id,
        "created_at": return_request.created_at,
        "updated_at": return_request.updated_at,
    }


def _transition(locked: ReturnRequest, *, to_status: str, **changes) -> ReturnRequest:
    """Moves a locked return along TRANSITIONS as a conditional update on its old status (anything else is
    409 INVALID_RETURN_TRANSITION {from, to, allowed}), with `changes`, and emits the status's event."""
    from_status = locked.status
    allowed = allowed_transitions(from_status)
    if to_status not in allowed:
        raise InvalidReturnTransition(
            f"A return cannot go from {from_status} to {to_status}",
            details={"from": from_status, "to": to_status, "allowed": allowed},
        )
    now = timezone.now()
    changes = {"status": to_status, "updated_at": now, STATUS_TIMESTAMPS[to_status]: now, **changes}
    if not ReturnRequest.objects.filter(pk=locked.pk, status=from_status).update(**changes):
        raise InvalidReturnTransition(  # changed by another request first (only reachable without the row lock)
            "The return's status was changed by another request",
            details={"from": from_status, "to": to_status, "allowed": allowed},
        )
    for name, value in changes.items():
        setattr(locked, name, value)
    if to_status in STATUS_EVENTS:
        event_emit(account=locked.account, event=STATUS_EVENTS[to_status], data=return_event_data(locked))
    return locked


def _check_transition(locked: ReturnRequest, to_status: str) -> None:
    allowed = allowed_transitions(locked.status)
    if to_status not in allowed:
        raise InvalidReturnTransition(
            f"A return cannot go from {locked.status} to {to_status}",
            details={"from": locked.status, "to": to_status, "allowed": allowed},
        )
