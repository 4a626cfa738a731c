"""The order transition map and status changes."""

from django.utils import timezone

from customers.models import Customer
from customers.services import customer_reverse_order
from omnisales.api.renderers import camel_key
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from .. import discounts, rollups, selectors
from ..actors import SYSTEM, Actor
from ..exceptions import InvalidStatusTransition
from ..models import EventKind, Order, OrderStatus
from ._common import _emit_updated, _fulfil_stock, _lock, _record_event, _release_stock, order_event_data

API = "api"  # any caller, including PUT /api/orders/{orderId}/status
INTERNAL = "internal"  # only services that pass internal=True (refunds; the returns work)

TRANSITIONS: dict[str, dict[str, str]] = {
    OrderStatus.PENDING: {OrderStatus.PROCESSING: API, OrderStatus.CANCELLED: API},
    OrderStatus.PROCESSING: {OrderStatus.SHIPPED: API, OrderStatus.CANCELLED: API},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED: API, OrderStatus.REFUNDED: INTERNAL},
    OrderStatus.DELIVERED: {OrderStatus.REFUNDED: INTERNAL},
    OrderStatus.CANCELLED: {},
    OrderStatus.REFUNDED: {},
}
# The moment each status is reached is kept on the order.
STATUS_TIMESTAMPS = {
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def allowed_transitions(from_status: str, *, internal: bool = False) -> list[str]:
    """The statuses an order in `from_status` may move to (API callers never see the internal ones)."""
    return [to for to, rule in TRANSITIONS.get(from_status, {}).items() if rule == API or internal]


def _uncount(order: Order) -> None:
    """Takes the order out of the customer's stats (cancelled, or refunded in full). Caller holds the order lock."""
    if not order.counted_in_stats:
        return
    customer = Customer.objects.select_for_update().get(pk=order.customer_id)
    first, last = selectors.counting_order_dates(customer_id=customer.pk, excluding_order_id=order.pk)
    customer_reverse_order(
        customer=customer, amount=order.total - order.amount_refunded, last_order_at=last, first_order_at=first
    )
    order.counted_in_stats = False
    Order.objects.filter(pk=order.pk).update(counted_in_stats=False)


def _apply_transition(order: Order, *, to_status: str, actor: Actor, note: str, internal: bool) -> Order:
    """Caller holds the order's row lock (`_lock`)."""
    from_status = order.status
    allowed = allowed_transitions(from_status, internal=internal)
    if to_status not in allowed:
        raise InvalidStatusTransition(
            f"An order cannot go from {from_status} to {to_status}",
            details={"from": from_status, "to": to_status, "allowed": allowed},
        )
    now = timezone.now()
    changes = {"status": to_status, "updated_at": now}
    if to_status in STATUS_TIMESTAMPS:
        changes[STATUS_TIMESTAMPS[to_status]] = now
    if not Order.objects.filter(pk=order.pk, status=from_status).update(**changes):
        raise InvalidStatusTransition(  # someone else changed it first (only reachable without row locks)
            "The order's status was changed by another request",
            details={"from": from_status, "to": to_status, "allowed": allowed},
        )
    for name, value in changes.items():
        setattr(order, name, value)

    if to_status == OrderStatus.CANCELLED:
        _release_stock(order=order, actor=actor)
        if order.discount_code:  # before the customer row, as placing an order locks them
            discounts.handler().release(order=order)
        _uncount(order)
    elif to_status == OrderStatus.SHIPPED:
        _fulfil_stock(order=order, actor=actor)

    _record_event(
        order, kind=EventKind.STATUS_CHANGED, actor=actor, note=note, from_status=from_status, to_status=to_status
    )
    changed = ["status"]
    if to_status in STATUS_TIMESTAMPS:
        changed.append(camel_key(STATUS_TIMESTAMPS[to_status]))
    _emit_updated(order, changed=changed, changes={"status": {"from": from_status, "to": to_status}})
    if to_status == OrderStatus.CANCELLED:
        event_emit(account=order.account, event="order.cancelled", data=order_event_data(order))
        rollups.rollups_cancel_order(order=order)  # the sales days last: the most contended rows
    return order


@atomic_service
def order_transition(
    *, order: Order, to_status: str, actor: Actor = SYSTEM, note: str = "", internal: bool = False
) -> Order:
    """Moves the order along TRANSITIONS; anything else is 409 INVALID_STATUS_TRANSITION {from, to, allowed}.

    cancelled: the order leaves the customer's stats and its stock is released. shipped: stock becomes
    sales and shippedAt is set. delivered: deliveredAt. `refunded` is `internal`: only services that
    move money back (refunds, returns) pass internal=True; the API cannot set it.
    """
    locked = _lock(order)
    return _apply_transition(locked, to_status=to_status, actor=actor, note=note, internal=internal)
