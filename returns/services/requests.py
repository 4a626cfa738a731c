"""Return requests: creating one for a shipped or delivered order, authorizing or rejecting it, receiving
the goods back (sellable units into stock through the inventory ledger), closing it without a refund."""

from collections import defaultdict

from django.db.models import F, Q, Sum

from accounts.models import Account
from inventory.models import Warehouse
from inventory.services import stock_return
from omnisales.api.actors import SYSTEM, Actor
from omnisales.api.transactions import atomic_service
from orders.models import Order, OrderItem, OrderStatus
from webhooks.services import event_emit

from ..exceptions import OrderNotReturnable
from ..models import (
    MAX_RETURN_ITEMS,
    ItemCondition,
    ReturnItem,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from ._common import _check_transition, _invalid, _item_errors, _locked, _transition, return_event_data

RETURNABLE_ORDER_STATUSES = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
# Returns whose requested quantities still count against what can be returned: not yet received.
_OPEN = (ReturnStatus.REQUESTED, ReturnStatus.AUTHORIZED)
# Returns that came back: what was received counts.
_RECEIVED = (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED, ReturnStatus.CLOSED)


def returned_quantities(*, order: Order) -> dict[str, int]:
    """Order item id -> units already returned (received) or requested in open returns. Rejected returns,
    and units an open return did not bring back, count for nothing."""
    counted = (
        ReturnItem.objects.filter(return_request__order=order)
        .values("order_item_id")
        .annotate(
            open=Sum("quantity", filter=Q(return_request__status__in=_OPEN)),
            received=Sum(
                F("quantity_restocked") + F("quantity_damaged"), filter=Q(return_request__status__in=_RECEIVED)
            ),
        )
    )
    return {row["order_item_id"]: (row["open"] or 0) + (row["received"] or 0) for row in counted}


@atomic_service
def return_create(
    *,
    account: Account,
    order: Order,
    items: list[dict],
    note: str = "",
    customer_note: str = "",
) -> ReturnRequest:
    """Opens a return (status requested) for lines of a shipped or delivered order (409 ORDER_NOT_RETURNABLE
    otherwise). `items`: [{order_item_id, quantity, reason}], one entry per order line; each quantity is at
    most what was bought less what is already returned or requested in open returns (422 naming the item).
    The order's row is locked, so concurrent returns of one order cannot together exceed it. Emits
    `return.requested`."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk, account=account)
    if order.status not in RETURNABLE_ORDER_STATUSES:
        raise OrderNotReturnable(
            f"A {order.status} order cannot be returned: only shipped or delivered orders",
            details={"status": order.status},
        )
    if not items:
        raise _invalid({"items": ["At least one item."]})
    if len(items) > MAX_RETURN_ITEMS:
        raise _invalid({"items": [f"At most {MAX_RETURN_ITEMS} items."]})
    lines = {line.pk: line for line in OrderItem.objects.filter(order=order)}
    taken = returned_quantities(order=order)
    seen = set()
    for index, item in enumerate(items):
        line = lines.get(item["order_item_id"])
        if line is None:
            raise _item_errors(len(items), index, "order_item_id", f"Not an item of order {order.pk}.")
        if line.pk in seen:
            raise _item_errors(len(items), index, "order_item_id", "This item is on an earlier line: use one line.")
        seen.add(line.pk)
        if item["reason"] not in ReturnReason.values:
            raise _item_errors(len(items), index, "reason", f"Not one of {', '.join(ReturnReason.values)}.")
        returnable = line.quantity - taken.get(line.pk, 0)
        if not 1 <= item["quantity"] <= returnable:
            raise _item_errors(
                len(items),
                index,
                "quantity",
                f"At most {max(returnable, 0)} can be returned: {line.quantity} bought, "
                f"{taken.get(line.pk, 0)} already returned or requested.",
            )
    return_request = ReturnRequest(
        account=account,
        order=order,
        customer_id=order.customer_id,
        note=note,
        customer_note=customer_note,
        currency=order.currency,
    )
    return_request.save(force_insert=True)
    ReturnItem.objects.bulk_create(
        [
            ReturnItem(
                account=account,
                return_request=return_request,
                order_item=lines[item["order_item_id"]],
                product_id=lines[item["order_item_id"]].product_id,
                variant_id=lines[item["order_item_id"]].variant_id,
                position=position,
                product_name=lines[item["order_item_id"]].product_name,
                sku=lines[item["order_item_id"]].sku,
                unit_price=lines[item["order_item_id"]].unit_price,
                quantity=item["quantity"],
                reason=item["reason"],
            )
            for position, item in enumerate(items)
        ]
    )
    return_request.account = account
    event_emit(account=account, event="return.requested", data=return_event_data(return_request))
    return return_request


@atomic_service
def return_authorize(*, return_request: ReturnRequest, approve: bool = True, note: str = "") -> ReturnRequest:
    """requested -> authorized (approve) or rejected; anything else is 409 INVALID_RETURN_TRANSITION.
    Emits `return.authorized` or `return.rejected`. A rejected return's quantities can be requested again."""
    locked = _locked(return_request)
    to_status = ReturnStatus.AUTHORIZED if approve else ReturnStatus.REJECTED
    return _transition(locked, to_status=to_status, decision_note=note)


@atomic_service
def return_close(*, return_request: ReturnRequest, note: str = "") -> ReturnRequest:
    """received -> closed: the goods came back and nothing will be refunded (an exchange, store credit)."""
    locked = _locked(return_request)
    return _transition(locked, to_status=ReturnStatus.CLOSED, decision_note=note)


@atomic_service
def return_receive(
    *, return_request: ReturnRequest, warehouse: Warehouse, items: list[dict], actor: Actor = SYSTEM
) -> ReturnRequest:
    """authorized -> received. `items`: [{order_item_id, quantity, condition}] (an item may come twice, once
    per condition); per item at most the authorized quantity (422 naming the entry). Sellable units go back
    on hand in `warehouse` through the inventory ledger (a `return` movement per variant, referencing the
    return); damaged units are recorded on the return item and not restocked. Emits `return.received`."""
    locked = _locked(return_request)
    _check_transition(locked, ReturnStatus.RECEIVED)
    if warehouse.account_id != locked.account_id:
        raise ValueError(f"{warehouse.pk} belongs to another account")
    if not items:
        raise _invalid({"items": ["At least one item."]})
    own = {item.order_item_id: item for item in locked.items.select_related("product", "variant__product")}
    counted: dict[str, dict[str, int]] = defaultdict(lambda: {ItemCondition.SELLABLE: 0, ItemCondition.DAMAGED: 0})
    for index, entry in enumerate(items):
        item = own.get(entry["order_item_id"])
        if item is None:
            raise _item_errors(len(items), index, "order_item_id", f"Not an item of return {locked.pk}.")
        if entry["condition"] not in ItemCondition.values:
            raise _item_errors(len(items), index, "condition", f"Not one of {', '.join(ItemCondition.values)}.")
        counted[item.order_item_id][entry["condition"]] += entry["quantity"]
        total = sum(counted[item.order_item_id].values())
        if entry["quantity"] < 1 or total > item.quantity:
            raise _item_errors(len(items), index, "quantity", f"At most {item.quantity} of this item were authorized.")
    restock: dict[str, int] = defaultdict(int)
    for order_item_id, quantities in counted.items():
        item = own[order_item_id]
        item.quantity_restocked = quantities[ItemCondition.SELLABLE]
        item.quantity_damaged = quantities[ItemCondition.DAMAGED]
        item.save(update_fields=["quantity_restocked", "quantity_damaged", "updated_at"])
        if item.quantity_restocked:
            restock[item.variant_id] += item.quantity_restocked
    variants = {item.variant_id: item.variant for item in own.values()}
    for variant_id in sorted(restock):  # variants in key order, as every stock change locks them
        stock_return(
            account=locked.account,
            reference_id=locked.pk,
            variant=variants[variant_id],
            quantity=restock[variant_id],
            warehouse=warehouse,
            actor=actor,
        )
    return _transition(locked, to_status=ReturnStatus.RECEIVED, warehouse=warehouse)
