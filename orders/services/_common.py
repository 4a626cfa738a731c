"""What the order services share: the inventory integration points and small helpers."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from inventory.services import stock_fulfil, stock_release, stock_reserve
from omnisales.api.bulk import insert
from webhooks.services import event_emit

from .. import pricing, selectors
from ..actors import SYSTEM, Actor
from ..exceptions import ValidationFailed
from ..models import Order, OrderEvent, OrderItem


def _reserve_stock(*, order: Order, lines: list[OrderItem], actor: Actor = SYSTEM) -> None:
    """Reserves stock for the new order's lines; short stock is 409 INSUFFICIENT_STOCK and the whole order
    rolls back. Products that do not track inventory are skipped; backorderable ones may reserve less.
    Each line's variant is loaded, with its product."""
    stock_reserve(
        account=order.account,
        reference_id=order.pk,
        lines=[(line.variant, line.quantity) for line in lines],
        actor=actor,
        new_reference=True,  # the order was inserted in this transaction: it cannot hold reservations yet
    )


def _release_stock(*, order: Order, actor: Actor = SYSTEM) -> None:
    """Releases what was reserved for the order, which has just been cancelled."""
    stock_release(account=order.account, reference_id=order.pk, actor=actor)


def _fulfil_stock(*, order: Order, actor: Actor = SYSTEM) -> None:
    """Turns the order's reservations into sales, as it has just shipped (409 INSUFFICIENT_STOCK while
    backordered units are still not in stock)."""
    stock_fulfil(account=order.account, reference_id=order.pk, actor=actor)


def _money(value: Decimal) -> float:
    return float(value)


def order_event_data(order: Order, items: Iterable[OrderItem] | None = None) -> dict[str, Any]:
    """The order as webhook consumers see it (money as numbers; keys are camelCased by the outbox). `items`:
    its lines when the caller holds them (an import), else `order.items.all()`."""
    return {
        "order_id": order.pk,
        "customer_id": order.customer_id,
        "status": order.status,
        "channel": order.channel,
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "subtotal": _money(order.subtotal),
        "tax": _money(order.tax),
        "shipping": _money(order.shipping_amount),
        "discount": _money(order.discount_amount),
        "discount_code": order.discount_code or None,
        "total": _money(order.total),
        "amount_paid": _money(order.amount_paid),
        "amount_refunded": _money(order.amount_refunded),
        "items": [
            {
                "id": item.pk,
                "product_id": item.product_id,
                "product_name": item.product_name,
                "sku": item.sku,
                "variant_id": item.shown_variant_id,
                "variant_sku": item.shown_variant_sku,
                "variant_title": item.shown_variant_title,
                "quantity": item.quantity,
                "price": _money(item.unit_price),
                "line_total": _money(item.line_total),
                "discount": _money(item.discount_amount),
            }
            for item in (order.items.all() if items is None else items)
        ],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _record_event(order: Order, *, kind: str, actor: Actor, note: str = "", **fields) -> OrderEvent:
    event = OrderEvent(
        account_id=order.account_id,
        order=order,
        kind=kind,
        note=note,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        **fields,
    )
    insert(OrderEvent, [event])
    return event


def _emit_updated(order: Order, *, changed: Iterable[str], changes: Mapping[str, Any] | None = None) -> None:
    data = {**order_event_data(order), "changed_fields": sorted(changed)}
    if changes:
        data["changes"] = dict(changes)
    event_emit(account=order.account, event="order.updated", data=data)


def _lock(order: Order) -> Order:
    """The order re-read under its row lock, with the account and the lines (for events) loaded."""
    return selectors.orders_with_items(Order.objects.select_for_update(of=("self",)).select_related("account")).get(
        pk=order.pk
    )


def _save(order: Order, fields: Iterable[str]) -> None:
    order.updated_at = timezone.now()
    order.save(update_fields=[*fields, "updated_at"])


def _invalid(details: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed("Validation failed", details=details)


def _positive_amount(amount: Decimal) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount != amount.quantize(pricing.CENT):
        raise _invalid({"amount": ["Must be a decimal number with at most two decimal places."]})
    if amount <= 0 or amount > pricing.MAX_AMOUNT:
        raise _invalid({"amount": [f"Must be more than 0 and at most {pricing.MAX_AMOUNT}."]})
    return amount.quantize(pricing.CENT)
