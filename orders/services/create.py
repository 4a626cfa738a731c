"""Creating orders: drafts (priced, not saved) and orders."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from accounts.models import Account
from catalog.models import Product, ProductStatus, ProductVariant, VariantStatus, default_variant_id
from catalog.selectors import line_variants
from catalog.services import product_mark_ordered
from customers.exceptions import CustomerAnonymized
from customers.models import Customer
from customers.services import customer_record_order
from omnisales.api.bulk import insert
from omnisales.api.errors import not_found
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from .. import discounts, pricing, rollups, selectors
from ..actors import SYSTEM, Actor
from ..exceptions import (
    ProductNotAvailable,
    ProductsNotFound,
)
from ..models import (
    MAX_ITEMS,
    MAX_QUANTITY,
    Channel,
    EventKind,
    Order,
    OrderItem,
    PaymentMethod,
)
from ._common import (
    _invalid,
    _money,
    _record_event,
    _reserve_stock,
    order_event_data,
)


def _check_lines(items: list[Mapping[str, Any]]) -> None:
    """Shape rules the serializer also enforces, kept here for callers that are not the API."""
    if not items:
        raise _invalid({"items": ["At least one item is required."]})
    if len(items) > MAX_ITEMS:
        raise _invalid({"items": [f"At most {MAX_ITEMS} items per order."]})
    for index, line in enumerate(items):
        quantity, price = line["quantity"], line.get("price")
        if not line.get("product_id") and not line.get("variant_id"):
            raise _invalid({"items": [f"Line {index}: give productId or variantId."]})
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise _invalid({"items": [f"Line {index}: quantity must be 1 to {MAX_QUANTITY}."]})
        if price is not None and (not isinstance(price, Decimal) or price < 0):
            raise _invalid({"items": [f"Line {index}: price must be a decimal of at least 0."]})


def _orderable_variants(*, account: Account, items: list[Mapping[str, Any]]) -> list[ProductVariant]:
    """The variant of each line with its product, read in one statement without a lock
    (`_mark_products_ordered` checks the products again on their locked rows): one variant per line, of an
    active product, not archived."""
    variants = line_variants(
        account=account, lines=[(line.get("product_id"), line.get("variant_id")) for line in items]
    )
    missing = [line["product_id"] for line, variant in zip(items, variants, strict=True) if variant is None]
    statuses = {variant.product_id: variant.product.status for variant in variants if variant is not None}
    _check_orderable([*missing, *statuses], statuses)
    first_line = {}
    for index, variant in enumerate(variants):
        if variant.pk in first_line:
            raise _invalid(
                {"items": [f"Variant {variant.pk} is on lines {first_line[variant.pk]} and {index}: use one line."]}
            )
        first_line[variant.pk] = index
    _check_not_archived([variant.pk for variant in variants if variant.status == VariantStatus.ARCHIVED])
    return variants


def _check_not_archived(archived_ids: list[str]) -> None:
    if archived_ids:
        raise ProductNotAvailable(
            "Archived variants cannot be ordered: set the variant's status to active first",
            details={
                "variantIds": sorted(archived_ids),
                "items": [f"Not available: {', '.join(sorted(archived_ids))}"],
            },
        )


def _check_variants_still_sellable(variants: list[ProductVariant]) -> None:
    """Variants a product with options shows, checked again once their products are locked: a variant write
    locks its product first, so an archive committed since the variants were read is seen here. (The one
    variant of a product without options is never archived on its own.)"""
    shown = [variant.pk for variant in variants if not variant.is_default]
    if shown:
        archived = ProductVariant.objects.filter(pk__in=shown, status=VariantStatus.ARCHIVED).values_list(
            "pk", flat=True
        )
        _check_not_archived(list(archived))


def _mark_products_ordered(*, account: Account, product_ids: list[str]) -> None:
    """Counts the order on its products, locking their rows (catalog's lock order), and checks that each
    is still there and active: a concurrent archive or delete may have committed since they were read."""
    if product_mark_ordered(account=account, product_ids=product_ids, active_only=True) != len(set(product_ids)):
        statuses = dict(Product.objects.filter(account=account, pk__in=product_ids).values_list("pk", "status"))
        _check_orderable(product_ids, statuses)  # the rows are locked: the statuses cannot have moved back


def _check_orderable(product_ids: list[str], statuses: dict[str, str]) -> None:
    """Unknown or another account's product -> 404, one that is not active -> 422."""
    missing = [product_id for product_id in product_ids if product_id not in statuses]
    if missing:
        raise ProductsNotFound("Product not found", details=f"No product exists with ID: {', '.join(sorted(missing))}")
    unavailable = sorted(pk for pk, status in statuses.items() if status != ProductStatus.ACTIVE)
    if unavailable:
        example = unavailable[0] if len(unavailable) == 1 else "{productId}"
        raise ProductNotAvailable(
            "Only active products can be ordered: set the product's status to active first "
            f'(PATCH /api/products/{example} with {{"status": "active"}})',
            details={"productIds": unavailable, "items": [f"Not available: {', '.join(unavailable)}"]},
        )


def _line_item(
    account: Account, order: Order, position: int, item: ProductVariant | Product, quantity, price, discount=None
):
    """An unsaved line of `item`: a variant (its product loaded), or a product created without options (its
    implicit variant)."""
    if isinstance(item, ProductVariant):
        product, variant_fields = (
            item.product,
            {"variant": item, "sku": item.sku, "variant_title": item.shown_title or ""},
        )
    else:
        product, variant_fields = item, {"variant_id": default_variant_id(item.pk), "sku": item.sku}
    return OrderItem(
        account=account,
        order=order,
        product=product,
        position=position,
        product_name=product.name,
        quantity=quantity,
        unit_price=price,
        line_total=pricing.line_total(quantity=quantity, unit_price=price),
        discount_amount=discount if discount is not None else Decimal("0.00"),
        unit_cost=product.cost,
        **variant_fields,
    )


def order_draft(
    *,
    account: Account,
    customer: Customer,
    lines: Iterable[tuple[ProductVariant | Product, int, Decimal]],
    shipping: Decimal,
    discount: discounts.DiscountPrice | None = None,
    **fields,
) -> tuple[Order, list[OrderItem]]:
    """An unsaved order and its unsaved lines [(variant, quantity, unit price)], priced with the account's
    tax settings: the one place an order's figures are put together (`order_create`, bulk imports, demo
    data). A line may name a product created without options instead of a variant. `discount` is a code's
    price (what it takes off each line and off shipping). `fields` are further Order fields. Raises
    pricing.AmountTooLarge."""
    order = Order(
        account=account,
        customer=customer,
        currency=account.currency,
        tax_rate=account.tax_rate,
        prices_include_tax=account.prices_include_tax,
        tax_shipping=account.tax_shipping,
        **fields,
    )
    line_discounts = discount.line_discounts if discount is not None else [None] * len(lines)
    items = [
        _line_item(account, order, position, item, quantity, price, line_discount)
        for position, ((item, quantity, price), line_discount) in enumerate(zip(lines, line_discounts, strict=True))
    ]
    totals = pricing.order_totals(
        line_totals=[item.line_total for item in items],
        shipping=shipping,
        tax_rate=account.tax_rate,
        prices_include_tax=account.prices_include_tax,
        tax_shipping=account.tax_shipping,
        line_discounts=[item.discount_amount for item in items],
        shipping_discount=discount.shipping_discount if discount is not None else Decimal("0.00"),
    )
    order.subtotal, order.tax, order.shipping_amount, order.total, order.discount_amount = (
        totals.subtotal,
        totals.tax,
        totals.shipping,
        totals.total,
        totals.discount,
    )
    if discount is not None:
        order.discount_code = discount.code
    order.payment_status = pricing.payment_status_for(
        total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
    )
    return order, items


def _price_discount(*, account: Account, customer: Customer, code: str, priced: list, shipping: Decimal):
    lines = []
    for variant, quantity, price in priced:
        line_total = pricing.line_total(quantity=quantity, unit_price=price)
        lines.append(
            discounts.DiscountLine(
                product_id=variant.product_id,
                variant_id=variant.pk,
                category_id=variant.product.category_id,
                quantity=quantity,
                line_total=line_total,
            )
        )
    return discounts.handler().price(account=account, customer=customer, code=code, lines=lines, shipping=shipping)


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
    discount_code: str | None = None,
    actor: Actor = SYSTEM,
) -> Order:
    """Places an order. `items`: [{variant_id and/or product_id, quantity, price?}] — one line per variant
    (`product_id` alone: a product without options; one with several variants is a 422 VARIANT_REQUIRED);
    `price` defaults to the variant's price. The product's name and the variant's SKU and title are copied
    onto each line; tax follows the account's settings (see `orders.pricing`). `placed_at` is for imported
    orders (default: now). `discount_code`: a discount code of the account, applied line by line and
    redeemed in this transaction (see `orders.discounts`; its errors are the loyalty app's).

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
    _check_lines(items)
    variants = _orderable_variants(account=account, items=items)

    priced = []
    for position, (line, variant) in enumerate(zip(items, variants, strict=True)):
        product, price = variant.product, line.get("price")
        if price is None and product.currency != account.currency:
            raise _invalid({"items": [f"Line {position}: {product.pk} is priced in {product.currency}; send a price."]})
        priced.append((variant, line["quantity"], variant.price if price is None else price))
    discount = None
    if discount_code:
        discount = _price_discount(
            account=account, customer=customer, code=discount_code, priced=priced, shipping=shipping
        )
    try:
        order, lines = order_draft(
            account=account,
            customer=customer,
            lines=priced,
            shipping=shipping,
            discount=discount,
            channel=channel,
            payment_method=payment_method,
            notes=notes,
            shipping_address=shipping_address or None,
        )
    except pricing.AmountTooLarge as exc:
        raise _invalid({"items": [str(exc)]}) from None
    if placed_at is not None:
        order.created_at = placed_at
    insert(Order, [order])
    insert(OrderItem, lines)
    selectors.order_items_loaded(order, lines)  # events and the API answer read them from memory

    _record_event(
        order, kind=EventKind.CREATED, actor=actor, to_status=order.status, data={"total": _money(order.total)}
    )
    event_emit(account=account, event="order.created", data=order_event_data(order))

    # The rows every order of these products, or of this customer, must update come last, so their locks
    # are held from here to the commit only: concurrent orders of one product queue for these few
    # statements, not for the whole placement. Lock order: products, then stock levels, then the customer.
    _mark_products_ordered(account=account, product_ids=list({variant.product_id: None for variant in variants}))
    _check_variants_still_sellable(variants)
    _reserve_stock(order=order, lines=lines, actor=actor)
    if discount is not None:
        discounts.handler().claim(order=order, price=discount)
    customer_record_order(customer=customer, amount=order.total, ordered_at=order.created_at, refresh=False)
    # The account's sales day is the hottest row of all (every order of the day updates it): last.
    rollups.rollups_record_order(account=account, order=order, items=lines)
    return order
