"""Discounts added to an order after it was placed (loyalty points turned into money off)."""

from decimal import Decimal

from customers.models import Customer
from customers.services import customer_record_refund
from omnisales.api.transactions import atomic_service

from .. import pricing, rollups
from ..actors import SYSTEM, Actor
from ..exceptions import OrderNotDiscountable
from ..models import EventKind, Order, OrderItem, OrderStatus
from ._common import _emit_updated, _invalid, _lock, _money, _positive_amount, _record_event, _save

DISCOUNTABLE = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})


def order_discount_room(order: Order) -> Decimal:
    """How much more discount the order's lines can take: what is left of their totals."""
    return sum((item.line_total - item.discount_amount for item in order.items.all()), Decimal("0.00"))


@atomic_service
def order_discount_add(*, order: Order, amount: Decimal, note: str, actor: Actor = SYSTEM) -> Order:
    """Takes `amount` off the order's lines, split in proportion to what is left of each line (cents that
    add up exactly), and prices the order again: tax, total and payment status follow, and the customer's
    totalSpent drops by what the total did. Locks the order first.

    Only a pending or processing order (409 ORDER_NOT_DISCOUNTABLE), never more than the lines have left
    (422 VALIDATION_ERROR), and never below what was already paid (409 ORDER_NOT_DISCOUNTABLE: that would
    be a refund). Records a `discount` event on the timeline and emits `order.updated`.
    """
    amount = _positive_amount(amount)
    order = _lock(order)
    if order.status not in DISCOUNTABLE:
        raise OrderNotDiscountable(
            f"A discount cannot be added to a {order.status} order", details={"status": order.status}
        )
    items = list(order.items.all())
    room = order_discount_room(order)
    if amount > room:
        raise _invalid({"amount": [f"The order's lines have {room} left to discount."]})
    shares = pricing.allocate(amount, [item.line_total - item.discount_amount for item in items])
    shipping_discount = order.discount_amount - sum((item.discount_amount for item in items), Decimal("0.00"))
    for item, share in zip(items, shares, strict=True):
        item.discount_amount += share
    totals = pricing.order_totals(
        line_totals=[item.line_total for item in items],
        shipping=order.shipping_amount,
        tax_rate=order.tax_rate,
        prices_include_tax=order.prices_include_tax,
        tax_shipping=order.tax_shipping,
        line_discounts=[item.discount_amount for item in items],
        shipping_discount=shipping_discount,
    )
    if totals.total < order.amount_paid:
        raise OrderNotDiscountable(
            "The order was paid beyond what it would cost after this discount: refund it instead",
            details={"amountPaid": order.amount_paid, "totalAfterDiscount": totals.total},
        )
    OrderItem.objects.bulk_update(
        [item for item, share in zip(items, shares, strict=True) if share], ["discount_amount"]
    )
    previous_discount, previous_tax, previous_total = order.discount_amount, order.tax, order.total
    order.tax, order.total, order.discount_amount = totals.tax, totals.total, totals.discount
    order.payment_status = pricing.payment_status_for(
        total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
    )
    _save(order, ["tax", "total", "discount_amount", "payment_status"])
    if order.counted_in_stats and previous_total > order.total:
        customer_record_refund(customer=Customer(pk=order.customer_id), amount=previous_total - order.total)
    _record_event(order, kind=EventKind.DISCOUNT, actor=actor, note=note, data={"amount": _money(amount)})
    _emit_updated(order, changed=["discount", "tax", "total"], changes={"discount": {"added": _money(amount)}})
    rollups.rollups_record_repricing(  # last: the rollup rows are the contended ones
        order=order,
        discounts=order.discount_amount - previous_discount,
        tax=order.tax - previous_tax,
        total=order.total - previous_total,
        lines=zip(items, shares, strict=True),
    )
    return order
