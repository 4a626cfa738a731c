"""Order writes: create, status transitions, shipping, payments and refunds, notes.

Each runs in one transaction and, inside it, keeps the other apps in step: the catalog (products that
were ever ordered are archived instead of deleted), the customer's order statistics, the inventory
(through the three `_…_stock` hooks below) and the webhook outbox (`order.created`, `order.updated`,
`order.cancelled`). A failure anywhere rolls everything back.

Locking: creating an order locks its products (primary-key order) before the customer's stats row is
updated; every change to an existing order locks the order row first, then (cancel, full refund) the
customer row. Status changes are also conditional updates (`status=<old>`), so of two concurrent
transitions exactly one wins and the other is a 409.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductStatus
from catalog.services import product_mark_ordered
from customers.exceptions import CustomerAnonymized
from customers.models import Customer
from customers.services import (
    customer_record_order,
    customer_record_refund,
    customer_reverse_order,
    customer_stats_set,
)
from inventory.services import stock_fulfil, stock_release, stock_reserve
from omnisales.api.errors import not_found
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from . import pricing, selectors
from .actors import SYSTEM, Actor
from .exceptions import (
    InvalidStatusTransition,
    OrderNotPayable,
    PaymentExceedsBalance,
    PaymentReferenceConflict,
    ProductNotAvailable,
    ProductsNotFound,
    RefundExceedsPaid,
    ShippingLocked,
    ValidationFailed,
)
from .models import (
    MAX_ITEMS,
    MAX_QUANTITY,
    Channel,
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

# --- the transition map ----------------------------------------------------------------------------

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
SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED})
NOT_PAYABLE = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})
SHIPPING_FIELDS = ("shipping_address", "shipping_method", "carrier", "tracking_number", "tracking_url")


def allowed_transitions(from_status: str, *, internal: bool = False) -> list[str]:
    """The statuses an order in `from_status` may move to (API callers never see the internal ones)."""
    return [to for to, rule in TRANSITIONS.get(from_status, {}).items() if rule == API or internal]


# --- inventory integration points --------------------------------------------------------------------


def _stock_actor(actor: Actor) -> str:
    """The ledger's actor string: a user's email, a credential's id (key_…, an OAuth client), or "system"."""
    if actor.type == "user":
        return actor.label or actor.id
    return actor.id or SYSTEM.type


def _reserve_stock(*, order: Order, lines: list[OrderItem], actor: Actor = SYSTEM) -> None:
    """Reserves stock for the new order's lines; short stock is 409 INSUFFICIENT_STOCK and the whole order
    rolls back. Products that do not track inventory are skipped; backorderable ones may reserve less."""
    stock_reserve(
        account=order.account,
        reference_id=order.pk,
        lines=[(line.product, line.quantity) for line in lines],
        actor=_stock_actor(actor),
        new_reference=True,  # the order was inserted in this transaction: it cannot hold reservations yet
    )


def _release_stock(*, order: Order, actor: Actor = SYSTEM) -> None:
    """Releases what was reserved for the order, which has just been cancelled."""
    stock_release(account=order.account, reference_id=order.pk, actor=_stock_actor(actor))


def _fulfil_stock(*, order: Order, actor: Actor = SYSTEM) -> None:
    """Turns the order's reservations into sales, as it has just shipped (409 INSUFFICIENT_STOCK while
    backordered units are still not in stock)."""
    stock_fulfil(account=order.account, reference_id=order.pk, actor=_stock_actor(actor))


# --- helpers -------------------------------------------------------------------------------------------


def _money(value: Decimal) -> float:
    return float(value)


def order_event_data(order: Order) -> dict[str, Any]:
    """The order as webhook consumers see it (money as numbers; keys are camelCased by the outbox)."""
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
        "total": _money(order.total),
        "amount_paid": _money(order.amount_paid),
        "amount_refunded": _money(order.amount_refunded),
        "items": [
            {
                "id": item.pk,
                "product_id": item.product_id,
                "product_name": item.product_name,
                "sku": item.sku,
                "quantity": item.quantity,
                "price": _money(item.unit_price),
                "line_total": _money(item.line_total),
            }
            for item in order.items.all()
        ],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _record_event(order: Order, *, kind: str, actor: Actor, note: str = "", **fields) -> OrderEvent:
    return OrderEvent.objects.create(
        account_id=order.account_id,
        order=order,
        kind=kind,
        note=note,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        **fields,
    )


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


# --- create ---------------------------------------------------------------------------------------------


def _check_lines(items: list[Mapping[str, Any]]) -> list[str]:
    """Shape rules the serializer also enforces, kept here for callers that are not the API."""
    if not items:
        raise _invalid({"items": ["At least one item is required."]})
    if len(items) > MAX_ITEMS:
        raise _invalid({"items": [f"At most {MAX_ITEMS} items per order."]})
    product_ids, first_line = [], {}
    for index, line in enumerate(items):
        product_id, quantity, price = line["product_id"], line["quantity"], line.get("price")
        if product_id in first_line:
            raise _invalid(
                {"items": [f"Product {product_id} is on lines {first_line[product_id]} and {index}: use one line."]}
            )
        first_line[product_id] = index
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise _invalid({"items": [f"Line {index}: quantity must be 1 to {MAX_QUANTITY}."]})
        if price is not None and (not isinstance(price, Decimal) or price < 0):
            raise _invalid({"items": [f"Line {index}: price must be a decimal of at least 0."]})
        product_ids.append(product_id)
    return product_ids


def _orderable_products(*, account: Account, product_ids: list[str]) -> dict[str, Product]:
    """The products, locked in primary-key order; unknown or another account's -> 404, not active -> 422."""
    products = {
        product.pk: product
        for product in Product.objects.select_for_update(no_key=True)
        .filter(account=account, pk__in=product_ids)
        .order_by("pk")
    }
    missing = [product_id for product_id in product_ids if product_id not in products]
    if missing:
        raise ProductsNotFound("Product not found", details=f"No product exists with ID: {', '.join(sorted(missing))}")
    unavailable = sorted(pk for pk, product in products.items() if product.status != ProductStatus.ACTIVE)
    if unavailable:
        example = unavailable[0] if len(unavailable) == 1 else "{productId}"
        raise ProductNotAvailable(
            "Only active products can be ordered: set the product's status to active first "
            f'(PATCH /api/products/{example} with {{"status": "active"}})',
            details={"productIds": unavailable, "items": [f"Not available: {', '.join(unavailable)}"]},
        )
    return products


def order_draft(
    *, account: Account, customer: Customer, lines: Iterable[tuple[Product, int, Decimal]], shipping: Decimal, **fields
) -> tuple[Order, list[OrderItem]]:
    """An unsaved order and its unsaved lines [(product, quantity, unit price)], priced with the account's
    tax settings: the one place an order's figures are put together (`order_create`, bulk imports, demo
    data). `fields` are further Order fields. Raises pricing.AmountTooLarge."""
    order = Order(
        account=account,
        customer=customer,
        currency=account.currency,
        tax_rate=account.tax_rate,
        prices_include_tax=account.prices_include_tax,
        tax_shipping=account.tax_shipping,
        **fields,
    )
    items = [
        OrderItem(
            account=account,
            order=order,
            product=product,
            position=position,
            product_name=product.name,
            sku=product.sku,
            quantity=quantity,
            unit_price=price,
            line_total=pricing.line_total(quantity=quantity, unit_price=price),
        )
        for position, (product, quantity, price) in enumerate(lines)
    ]
    totals = pricing.order_totals(
        line_totals=[item.line_total for item in items],
        shipping=shipping,
        tax_rate=account.tax_rate,
        prices_include_tax=account.prices_include_tax,
        tax_shipping=account.tax_shipping,
    )
    order.subtotal, order.tax, order.shipping_amount, order.total = (
        totals.subtotal,
        totals.tax,
        totals.shipping,
        totals.total,
    )
    order.payment_status = pricing.payment_status_for(
        total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
    )
    return order, items


@atomic_service
def order_create(
    *,
    account: Account,
    customer: Customer,
    items: list[Mapping[str, Any]],
    channel: str = Channel.ONLINE,
    shipping: Decimal = Decimal("0.00"),
    shipping_address: dict | None = None,
    notes: str = "",
    payment_method: str | None = None,
    placed_at: datetime.datetime | None = None,
    actor: Actor = SYSTEM,
) -> Order:
    """Places an order. `items`: [{product_id, quantity, price?}] — one line per product; `price`
    defaults to the catalog price. Name and SKU are copied onto each line; tax follows the account's
    settings (see `orders.pricing`). `placed_at` is for imported orders (default: now).

    Counts the order in the customer's stats, marks the products as ordered, reserves stock and
    emits `order.created`. Errors: CUSTOMER_NOT_FOUND / PRODUCT_NOT_FOUND (404), PRODUCT_NOT_AVAILABLE
    and VALIDATION_ERROR (422), CUSTOMER_ANONYMIZED and INSUFFICIENT_STOCK (409).
    """
    if customer.account_id != account.pk:
        raise not_found(Customer, customer.pk)
    if customer.is_anonymized:
        raise CustomerAnonymized("This customer was deleted and cannot place orders", details={"id": customer.pk})
    if channel not in Channel.values:
        raise _invalid({"channel": [f"Not one of {', '.join(Channel.values)}."]})
    if payment_method is not None and payment_method not in PaymentMethod.values:
        raise _invalid({"payment_method": [f"Not one of {', '.join(PaymentMethod.values)}."]})
    if not isinstance(shipping, Decimal) or shipping < 0:
        raise _invalid({"shipping": ["Must be a decimal of at least 0."]})
    product_ids = _check_lines(items)
    products = _orderable_products(account=account, product_ids=product_ids)

    priced = []
    for position, line in enumerate(items):
        product = products[line["product_id"]]
        price = line.get("price")
        if price is None and product.currency != account.currency:
            raise _invalid({"items": [f"Line {position}: {product.pk} is priced in {product.currency}; send a price."]})
        priced.append((product, line["quantity"], product.price if price is None else price))
    try:
        order, lines = order_draft(
            account=account,
            customer=customer,
            lines=priced,
            shipping=shipping,
            channel=channel,
            payment_method=payment_method,
            notes=notes,
            shipping_address=shipping_address or None,
        )
    except pricing.AmountTooLarge as exc:
        raise _invalid({"items": [str(exc)]}) from None
    if placed_at is not None:
        order.created_at = placed_at
    order.save(force_insert=True)
    OrderItem.objects.bulk_create(lines)
    selectors.order_items_loaded(order, lines)  # events and the API answer read them from memory

    _reserve_stock(order=order, lines=lines, actor=actor)
    product_mark_ordered(account=account, product_ids=product_ids)
    customer_record_order(customer=customer, amount=order.total, ordered_at=order.created_at, refresh=False)
    _record_event(
        order, kind=EventKind.CREATED, actor=actor, to_status=order.status, data={"total": _money(order.total)}
    )
    event_emit(account=account, event="order.created", data=order_event_data(order))
    return order


# --- status -----------------------------------------------------------------------------------------------


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
        _uncount(order)
    elif to_status == OrderStatus.SHIPPED:
        _fulfil_stock(order=order, actor=actor)

    _record_event(
        order, kind=EventKind.STATUS_CHANGED, actor=actor, note=note, from_status=from_status, to_status=to_status
    )
    changed = ["status"]
    if to_status in STATUS_TIMESTAMPS:
        changed.append(_camel(STATUS_TIMESTAMPS[to_status]))
    _emit_updated(order, changed=changed, changes={"status": {"from": from_status, "to": to_status}})
    if to_status == OrderStatus.CANCELLED:
        event_emit(account=order.account, event="order.cancelled", data=order_event_data(order))
    return order


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


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


# --- shipping -------------------------------------------------------------------------------------------


@atomic_service
def order_shipping_update(
    *, order: Order, changes: Mapping[str, Any], mark_shipped: bool = False, actor: Actor = SYSTEM
) -> Order:
    """Sets any of SHIPPING_FIELDS. The address is frozen once the order has shipped, and a cancelled
    order cannot change (409 SHIPPING_LOCKED). `mark_shipped` also moves a processing order to shipped
    (an order already shipped or delivered stays as it is; a pending one is a 409 INVALID_STATUS_TRANSITION)."""
    unknown = set(changes) - set(SHIPPING_FIELDS)
    if unknown:
        raise TypeError(f"Not shipping fields: {sorted(unknown)}")
    order = _lock(order)
    if order.status == OrderStatus.CANCELLED:
        raise ShippingLocked("A cancelled order's shipping cannot change", details={"status": order.status})
    changed = [name for name, value in changes.items() if getattr(order, name) != value]
    if "shipping_address" in changed and order.status in SHIPPED_OR_LATER:
        raise ShippingLocked(
            "The shipping address cannot change once the order has shipped", details={"status": order.status}
        )
    if changed:
        for name in changed:
            setattr(order, name, changes[name])
        _save(order, changed)
        api_names = sorted(_camel(name) for name in changed)
        tracking = {_camel(name): getattr(order, name) for name in changed if name != "shipping_address"}
        _record_event(
            order, kind=EventKind.SHIPPING_UPDATED, actor=actor, data={"changedFields": api_names, **tracking}
        )
        _emit_updated(order, changed=api_names)
    if mark_shipped and order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        _apply_transition(order, to_status=OrderStatus.SHIPPED, actor=actor, note="", internal=False)
    return order


# --- payments and refunds -------------------------------------------------------------------------------


def _recorded(order: Order, *, provider: str, kind: str, reference: str) -> OrderPayment | None:
    """The payment or refund a provider reference was already recorded as, if any."""
    return OrderPayment.objects.filter(
        account_id=order.account_id, provider=provider, kind=kind, provider_reference=reference
    ).first()


def _set_amounts(order: Order, *, paid_delta: Decimal, refunded_delta: Decimal = Decimal("0.00")) -> None:
    order.amount_paid += paid_delta
    order.amount_refunded += refunded_delta
    order.payment_status = pricing.payment_status_for(
        total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
    )
    _save(order, ["amount_paid", "amount_refunded", "payment_status", "payment_method"])


def _payable_balance(order: Order, *, excluding: OrderPayment | None = None) -> Decimal:
    """The balance less what pending payments hold: a card payment waiting for the provider's answer
    keeps its amount until it succeeds or fails, so two payments cannot both take the same balance."""
    pending = OrderPayment.objects.filter(order=order, kind=PaymentKind.PAYMENT, status=PaymentRecordStatus.PENDING)
    if excluding is not None:
        pending = pending.exclude(pk=excluding.pk)
    return order.balance - (pending.aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))


def _check_balance(order: Order, amount: Decimal, *, excluding: OrderPayment | None = None) -> None:
    balance = _payable_balance(order, excluding=excluding)
    if amount > balance:
        raise PaymentExceedsBalance(
            "The payment is more than the order's outstanding balance",
            details={"amount": amount, "balance": balance},
        )


def order_payment_check(*, order: Order, amount: Decimal, currency: str | None = None) -> Decimal:
    """Refuses a payment the order cannot take; returns the amount, quantized to cents.

    The one set of rules for money in, whoever takes it: merchants recording payments and card payments
    before the provider is asked to charge. Caller holds the order's row lock (see `_lock`) and found
    the order inside the paying account. Errors: 422 VALIDATION_ERROR (amount, or `currency` other
    than the order's), 409 ORDER_NOT_PAYABLE (cancelled or refunded), 409 PAYMENT_EXCEEDS_BALANCE
    (more than the balance less pending payments).
    """
    amount = _positive_amount(amount)
    if currency is not None and currency.upper() != order.currency.upper():
        raise _invalid({"currency": [f"Must be the order's currency, {order.currency}."]})
    if order.status in NOT_PAYABLE:
        raise OrderNotPayable(f"A {order.status} order cannot take payments", details={"status": order.status})
    _check_balance(order, amount)
    return amount


def _payment_succeeded(order: Order, payment: OrderPayment, actor: Actor) -> None:
    _check_balance(order, payment.amount, excluding=payment)
    if order.payment_method is None:
        order.payment_method = payment.method
    _set_amounts(order, paid_delta=payment.amount)
    _record_event(
        order,
        kind=EventKind.PAYMENT,
        actor=actor,
        note=payment.note,
        data={"paymentId": payment.pk, "amount": _money(payment.amount), "method": payment.method},
    )
    _emit_updated(order, changed=["amountPaid", "paymentStatus"])


def _replayed_payment(existing: OrderPayment, *, order: Order, amount: Decimal, status: str, actor: Actor):
    """A provider reference seen before: the same notification again, a pending payment settling, or a
    failed payment succeeding after all (a card payment the customer completed later at the provider;
    it is checked against the balance again, as it held nothing while failed)."""
    if existing.order_id != order.pk or existing.amount != amount:
        raise PaymentReferenceConflict(
            "This provider reference is already recorded for another order or amount",
            details={"paymentId": existing.pk},
        )
    if existing.status == status:
        return existing
    completed_later = existing.status == PaymentRecordStatus.FAILED and status == PaymentRecordStatus.SUCCEEDED
    if existing.status != PaymentRecordStatus.PENDING and not completed_later:
        raise PaymentReferenceConflict(
            f"A {existing.status} payment cannot become {status}",
            details={"paymentId": existing.pk, "status": existing.status},
        )
    if status == PaymentRecordStatus.SUCCEEDED:
        _payment_succeeded(order, existing, actor)
    existing.status = status
    existing.save(update_fields=["status", "updated_at"])
    return existing


@atomic_service
def order_payment_record(
    *,
    order: Order,
    amount: Decimal,
    method: str,
    provider: str = "manual",
    provider_reference: str = "",
    status: str = PaymentRecordStatus.SUCCEEDED,
    reference: str = "",
    note: str = "",
    currency: str | None = None,
    actor: Actor = SYSTEM,
) -> OrderPayment:
    """The one entry point for money received against an order: cash, terminal and bank transfers
    recorded by the merchant (POST /api/orders/{orderId}/payments) and card payments confirmed by the
    payment provider (billing).

    Only `succeeded` payments count: they raise amountPaid and set paymentStatus (and the order's
    paymentMethod if it had none). `pending` and `failed` rows are kept for the record; calling again
    with the same `provider_reference` and a new status settles a pending payment, and a repeat of
    the same call returns the payment already recorded (provider notifications are retried).

    A `pending` payment holds its amount against the balance until it settles (billing records one
    before asking the provider to charge, see `order_payment_release`). `currency`, when given, must
    be the order's.

    Errors: those of `order_payment_check` (not for `failed` rows, which are only kept for the
    record), and 409 PAYMENT_REFERENCE_CONFLICT when the reference was used for another order or amount.
    """
    amount = _positive_amount(amount)
    if method not in PaymentMethod.values:
        raise _invalid({"method": [f"Not one of {', '.join(PaymentMethod.values)}."]})
    if status not in PaymentRecordStatus.values:
        raise ValueError(f"Unknown payment status {status!r}")
    order = _lock(order)
    if provider_reference:
        existing = _recorded(order, provider=provider, kind=PaymentKind.PAYMENT, reference=provider_reference)
        if existing is not None:
            return _replayed_payment(existing, order=order, amount=amount, status=status, actor=actor)
    if status != PaymentRecordStatus.FAILED:
        order_payment_check(order=order, amount=amount, currency=currency)
    elif order.status in NOT_PAYABLE:
        raise OrderNotPayable(f"A {order.status} order cannot take payments", details={"status": order.status})
    payment = OrderPayment(
        account_id=order.account_id,
        order=order,
        kind=PaymentKind.PAYMENT,
        status=status,
        amount=amount,
        currency=order.currency,
        method=method,
        provider=provider,
        provider_reference=provider_reference,
        reference=reference,
        note=note,
    )
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        raise PaymentReferenceConflict(
            "This provider reference is already recorded", details={"providerReference": provider_reference}
        ) from None
    if status == PaymentRecordStatus.SUCCEEDED:
        _payment_succeeded(order, payment, actor)
    return payment


@atomic_service
def order_payment_release(*, order: Order, provider: str, provider_reference: str) -> bool:
    """Deletes the pending payment `provider_reference`, giving its amount back to the balance.

    For a charge the provider never made (unreachable, or it refused the request): nothing about it is
    kept. A payment that settled meanwhile stays. Returns whether a pending payment was removed.
    """
    order = _lock(order)
    deleted, _ = OrderPayment.objects.filter(
        order=order,
        kind=PaymentKind.PAYMENT,
        provider=provider,
        provider_reference=provider_reference,
        status=PaymentRecordStatus.PENDING,
    ).delete()
    return bool(deleted)


@atomic_service
def order_payment_refund(
    *,
    order: Order,
    amount: Decimal,
    payment: OrderPayment | None = None,
    provider: str = "manual",
    provider_reference: str = "",
    note: str = "",
    actor: Actor = SYSTEM,
) -> OrderPayment:
    """Records money given back (billing for card refunds, returns for returned goods).

    `amount` is at most what was paid and not yet refunded (of `payment`, when given): 409
    REFUND_EXCEEDS_PAID otherwise. amountPaid goes down, amountRefunded up, paymentStatus becomes
    partially_refunded or refunded. The customer's totalSpent goes down by `amount`; a refund of the
    whole order total takes the order out of the customer's stats instead, and moves a shipped or
    delivered order to `refunded`. A repeat with the same `provider_reference` returns the first refund.
    """
    amount = _positive_amount(amount)
    order = _lock(order)
    if provider_reference:
        existing = _recorded(order, provider=provider, kind=PaymentKind.REFUND, reference=provider_reference)
        if existing is not None:
            if existing.order_id != order.pk or existing.amount != amount:
                raise PaymentReferenceConflict(
                    "This refund reference is already recorded for another order or amount",
                    details={"paymentId": existing.pk},
                )
            return existing
    refundable = order.amount_paid
    if payment is not None:
        if payment.order_id != order.pk or payment.kind != PaymentKind.PAYMENT:
            raise not_found(OrderPayment, payment.pk)
        already = sum((refund.amount for refund in payment.refunds.all()), Decimal("0.00"))
        succeeded = payment.status == PaymentRecordStatus.SUCCEEDED
        refundable = min(refundable, payment.amount - already if succeeded else Decimal("0.00"))
    if amount > refundable:
        raise RefundExceedsPaid(
            "The refund is more than was paid", details={"amount": amount, "refundable": refundable}
        )
    refund = OrderPayment.objects.create(
        account_id=order.account_id,
        order=order,
        kind=PaymentKind.REFUND,
        amount=amount,
        currency=order.currency,
        method=payment.method if payment else (order.payment_method or PaymentMethod.OTHER),
        provider=provider,
        provider_reference=provider_reference,
        note=note,
        refunded_payment=payment,
    )
    in_full = order.amount_refunded + amount >= order.total
    if order.counted_in_stats:
        if in_full:
            _uncount(order)
        else:
            customer_record_refund(customer=order.customer, amount=amount)
    _set_amounts(order, paid_delta=-amount, refunded_delta=amount)
    _record_event(
        order,
        kind=EventKind.REFUND,
        actor=actor,
        note=note,
        data={"paymentId": refund.pk, "amount": _money(amount), "method": refund.method},
    )
    _emit_updated(order, changed=["amountPaid", "amountRefunded", "paymentStatus"])
    if in_full and OrderStatus.REFUNDED in allowed_transitions(order.status, internal=True):
        _apply_transition(order, to_status=OrderStatus.REFUNDED, actor=actor, note=note, internal=True)
    return refund


# --- notes and reconciliation ----------------------------------------------------------------------------


def order_note_add(*, order: Order, note: str, actor: Actor = SYSTEM) -> OrderEvent:
    """A note on the order's timeline (not sent to the customer)."""
    note = note.strip()
    if not note:
        raise _invalid({"note": ["This field may not be blank."]})
    return _record_event(order, kind=EventKind.NOTE, actor=actor, note=note)


@atomic_service
def order_customer_stats_rebuild(*, account: Account) -> int:
    """Recomputes every customer's order stats of the account from its orders (one aggregate query,
    then `customer_stats_set` per customer with orders; customers without counting orders are reset).
    For bulk imports and reconciliation. Returns the number of customers with orders."""
    rows = list(selectors.customer_stats_from_orders(account=account))
    with_orders = {row["customer_id"] for row in rows}
    customers = {customer.pk: customer for customer in Customer.objects.filter(account=account)}
    for row in rows:
        customer_stats_set(
            customer=customers[row["customer_id"]],
            total_orders=row["total_orders"],
            total_spent=row["total_spent"].quantize(pricing.CENT),
            first_order_at=row["first_order_at"],
            last_order_at=row["last_order_at"],
        )
    stale = Customer.objects.filter(account=account, total_orders__gt=0).exclude(pk__in=with_orders)
    for customer in stale:
        customer_stats_set(
            customer=customer, total_orders=0, total_spent=Decimal("0.00"), first_order_at=None, last_order_at=None
        )
    return len(rows)
