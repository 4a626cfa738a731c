"""Orders placed elsewhere (a marketplace), written in batches.

A marketplace order has been sold already: nothing here refuses it for stock (short stock becomes a
backorder reservation) or for an archived product. Its money is the platform's, exactly: the lines at
the platform's unit prices, its shipping fee and its total; the platform's prices include any tax, so
no tax is added. A paid order gets a succeeded payment from the marketplace in its ledger.

One batch runs a fixed number of statements whatever its size, in the usual lock order (products, stock
levels, customers, the daily sales rows of `orders.rollups`). Each order is written in its platform's
status: stock is reserved for a pending or processing one, sold for a shipped or delivered one, untouched
for a cancelled one (which does not count in its customer's totals). A later change of an order's platform
status goes through `order_follow`, the transition map like any order.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from catalog.models import ProductVariant
from catalog.services import product_mark_ordered_counts
from customers.models import Customer
from customers.services import customer_record_orders
from inventory.services import stock_reserve_many
from omnisales.api.bulk import copy_insert, new
from omnisales.api.errors import ApplicationError, not_found
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from .. import pricing, rollups
from ..actors import SYSTEM, Actor
from ..models import (
    EventKind,
    Order,
    OrderEvent,
    OrderItem,
    OrderPayment,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
    PaymentRecordStatus,
)
from ._common import _invalid, _money, order_event_data
from .shipping import SHIPPED_OR_LATER
from .transitions import order_transition

# An imported order is written in the status its platform has it in; one already shipped has its stock sold
# (not reserved) and its shipped/delivered time set, as if it had moved through the transitions here.
_STATUS_TIMES = {
    OrderStatus.SHIPPED: ("shipped_at",),
    OrderStatus.DELIVERED: ("shipped_at", "delivered_at"),
    OrderStatus.CANCELLED: ("cancelled_at",),
}
_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
)
_FORWARD = [OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED]


@dataclass
class ImportLine:
    variant: ProductVariant  # its product loaded
    quantity: int
    unit_price: Decimal


@dataclass
class ImportOrder:
    customer: Customer
    channel: str
    status: str  # where the platform has it: pending, processing, shipped, delivered or cancelled
    placed_at: datetime.datetime
    currency: str
    lines: list[ImportLine]
    subtotal: Decimal
    shipping: Decimal
    total: Decimal
    paid: bool
    external_id: str
    marketplace: dict[str, Any]
    payment_method: str = PaymentMethod.MARKETPLACE
    payment_provider: str = ""  # who holds the buyer's money: the platform
    # What the platform's vouchers took off (subtotal + shipping - total): split over the lines, any part
    # beyond them being a shipping discount, as for a discount code.
    discount: Decimal = Decimal("0.00")
    shipping_address: dict[str, str] | None = None
    status_changed_at: datetime.datetime | None = None
    notes: str = ""
    order: Order | None = field(default=None, repr=False)  # set once written
    error: str = ""  # set when the order could not be taken to `status` (it stays where it got to)


def status_path(from_status: str, to_status: str) -> list[str] | None:
    """The transitions taking an order from one status to another: [] when already there, None when the
    transition map has no way (a shipped order cannot be cancelled)."""
    if from_status == to_status:
        return []
    if to_status == OrderStatus.CANCELLED:
        return [to_status] if from_status in (OrderStatus.PENDING, OrderStatus.PROCESSING) else None
    if from_status in _FORWARD and to_status in _FORWARD and _FORWARD.index(to_status) > _FORWARD.index(from_status):
        return _FORWARD[_FORWARD.index(from_status) + 1 : _FORWARD.index(to_status) + 1]
    return None


def _check(account: Account, imported: ImportOrder, index: int) -> None:
    for name in ("subtotal", "shipping", "total", "discount"):
        value = getattr(imported, name)
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > pricing.MAX_AMOUNT:
            raise _invalid({f"orders[{index}].{name}": ["Must be a decimal from 0 to the largest amount."]})
    if imported.status not in _STATUSES:
        raise _invalid({f"orders[{index}].status": [f"Not one of {', '.join(_STATUSES)}."]})
    if imported.customer.account_id != account.pk:
        raise not_found(Customer, imported.customer.pk)


def _order(account: Account, imported: ImportOrder, now: datetime.datetime) -> tuple[Order, list[OrderItem]]:
    status = imported.status
    total = imported.total.quantize(pricing.CENT)
    paid = total if imported.paid else Decimal("0.00")
    order = new(
        Order,
        account=account,
        customer=imported.customer,
        status=status,
        channel=imported.channel,
        payment_method=imported.payment_method,
        currency=imported.currency,
        subtotal=imported.subtotal.quantize(pricing.CENT),
        discount_amount=imported.discount.quantize(pricing.CENT),
        tax=Decimal("0.00"),
        shipping_amount=imported.shipping.quantize(pricing.CENT),
        total=total,
        tax_rate=Decimal("0.000"),
        prices_include_tax=True,
        tax_shipping=account.tax_shipping,
        amount_paid=paid,
        payment_status=pricing.payment_status_for(total=total, amount_paid=paid, amount_refunded=Decimal("0.00")),
        counted_in_stats=status != OrderStatus.CANCELLED,
        notes=imported.notes,
        shipping_address=imported.shipping_address or None,
        external_id=imported.external_id,
        marketplace=imported.marketplace,
        created_at=imported.placed_at,
    )
    for name in _STATUS_TIMES.get(status, ()):
        setattr(order, name, imported.status_changed_at or now)
    order.updated_at = now
    items = []
    for position, line in enumerate(imported.lines):
        variant = line.variant
        item = new(
            OrderItem,
            account=account,
            order=order,
            product=variant.product,
            variant=variant,
            position=position,
            product_name=variant.product.name,
            sku=variant.sku,
            variant_title=variant.shown_title or "",
            quantity=line.quantity,
            unit_price=line.unit_price.quantize(pricing.CENT),
            line_total=pricing.line_total(quantity=line.quantity, unit_price=line.unit_price),
            unit_cost=variant.product.cost,
        )
        item.created_at = item.updated_at = now
        items.append(item)
    if order.discount_amount:
        shares = pricing.allocate(order.discount_amount, [item.line_total for item in items])
        for item, share in zip(items, shares, strict=True):
            item.discount_amount = share
    return order, items


@atomic_service
def order_import_many(*, account: Account, orders: list[ImportOrder], actor: Actor = SYSTEM) -> list[Order]:
    """Writes a batch of orders placed on a marketplace (see the module docstring) and returns them, in the
    given order, each also set on its `ImportOrder.order`. Emits `order.created` for each, in its status.
    Errors: VALIDATION_ERROR (422) for a figure out
    of range; CUSTOMER_ANONYMIZED (409)."""
    if not orders:
        return []
    for index, imported in enumerate(orders):
        _check(account, imported, index)
    now = timezone.now()
    written, all_items, payments, events = [], [], [], []
    items_by_order: dict[str, list[OrderItem]] = {}
    for imported in orders:
        order, items = _order(account, imported, now)
        imported.order = order
        written.append(order)
        all_items.extend(items)
        items_by_order[order.pk] = items
        events.append(
            new(
                OrderEvent,
                account=account,
                order=order,
                kind=EventKind.CREATED,
                to_status=order.status,
                note=f"Imported from {imported.channel}: order {imported.external_id}",
                actor_type=actor.type,
                actor_id=actor.id,
                actor_label=actor.label,
                data={"total": _money(order.total)},
                created_at=now,
                updated_at=now,
            )
        )
        if order.amount_paid:
            payments.append(
                new(
                    OrderPayment,
                    account=account,
                    order=order,
                    kind=PaymentKind.PAYMENT,
                    status=PaymentRecordStatus.SUCCEEDED,
                    amount=order.amount_paid,
                    currency=order.currency,
                    method=order.payment_method or PaymentMethod.MARKETPLACE,
                    provider=imported.payment_provider or imported.channel,
                    provider_reference=imported.external_id,
                    note=f"Paid on {imported.channel}",
                    created_at=imported.placed_at,
                    updated_at=now,
                )
            )
    copy_insert(Order, written)
    copy_insert(OrderItem, all_items)
    copy_insert(OrderPayment, payments)
    copy_insert(OrderEvent, events)
    event_emit_many(
        account=account,
        events=[("order.created", order_event_data(order, items_by_order[order.pk])) for order in written],
    )

    counted = [imported for imported in orders if imported.order.status != OrderStatus.CANCELLED]
    product_counts: dict[str, int] = defaultdict(int)
    for imported in counted:
        for product_id in {line.variant.product_id for line in imported.lines}:
            product_counts[product_id] += 1
    if product_counts:
        product_mark_ordered_counts(account=account, counts=dict(product_counts))
    stock_reserve_many(
        account=account,
        references=[
            (imported.order.pk, [(line.variant, line.quantity) for line in imported.lines])
            for imported in counted
            if imported.lines
        ],
        actor=actor,
        allow_shortage=True,
        sold={imported.order.pk for imported in counted if imported.order.status in SHIPPED_OR_LATER},
        returning=False,
    )
    totals: dict[str, list] = {}
    for imported in counted:
        order = imported.order
        entry = totals.setdefault(order.customer_id, [0, Decimal("0.00"), order.created_at, order.created_at])
        entry[0] += 1
        entry[1] += order.total
        entry[2], entry[3] = min(entry[2], order.created_at), max(entry[3], order.created_at)
    if totals:
        customer_record_orders(account=account, orders={pk: tuple(entry) for pk, entry in totals.items()})
    # The rollups last: every order of the account and day updates them.
    rollups.rollups_record_orders(orders=written, items_by_order=items_by_order, payments=payments)
    return [imported.order for imported in orders]


def order_follow(imported: ImportOrder, *, actor: Actor = SYSTEM) -> Order:
    """Takes `imported.order` to `imported.status` through the transition map, each step in a savepoint: a
    step that is refused (no way from shipped to cancelled; shipping units still on backorder) leaves the
    order at the last status it reached and sets `imported.error`."""
    path = status_path(imported.order.status, imported.status)
    if path is None:
        imported.error = f"The platform's status ({imported.status}) cannot follow {imported.order.status}"
        return imported.order
    for step in path:
        try:
            with transaction.atomic():
                imported.order = order_transition(order=imported.order, to_status=step, actor=actor, internal=True)
        except ApplicationError as exc:
            imported.error = f"{exc.code}: {exc.message}"
            break
    return imported.order
