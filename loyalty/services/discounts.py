"""Discount codes: create, change, delete, generate in bulk, check against a cart, and the handler orders call
to price, claim and release a code (`orders.discounts`).

One rule set, `_price`, decides whether a code applies and what it takes off each line and off shipping:
POST /api/discounts/validate answers with it and an order placed with the code is priced by it, so a code
that validates is priced the same on the order. Only `discount_redeem` can know that the last use was taken
meanwhile: it counts the use with a conditional UPDATE of the code's row, whose lock then orders every
other claim of the code until the order commits.
"""

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from catalog.models import Category, Product
from catalog.selectors import category_parent_map, line_variants
from customers.models import Customer
from omnisales.api.bulk import insert
from omnisales.api.errors import ValidationFailed, not_found
from omnisales.api.ids import new_id
from omnisales.api.transactions import atomic_service
from orders import pricing
from orders.discounts import DiscountLine, DiscountPrice
from orders.models import Order

from ..exceptions import DiscountCodeExists, DiscountCodeInUse, DiscountCodeNotFound, DiscountNotApplicable
from ..models import CODE_MAX_LENGTH, ZERO, AppliesTo, DiscountCode, DiscountRedemption, DiscountType
from ..selectors import discounts as selectors

__all__ = [
    "CODE_PATTERN",
    "GENERATED_ALPHABET",
    "HANDLER",
    "MAX_GENERATED",
    "DiscountCheck",
    "discount_check",
    "discount_code_create",
    "discount_code_delete",
    "discount_code_update",
    "discount_codes_generate",
    "discount_codes_set_active",
    "discount_redeem",
    "discount_release",
]

CODE_PATTERN = r"^[A-Za-z0-9_-]+$"  # ASCII: Python's lower() and PostgreSQL's agree, so any case matches
GENERATED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper
MAX_GENERATED = 1000
GENERATED_LENGTHS = (6, 32)
GENERATE_ATTEMPTS = 3
HUNDRED = Decimal("100")
# The fields a code is made of (its products and categories apart); `code` aside, what a generated batch shares.
CODE_FIELDS = (
    "code",
    "description",
    "type",
    "value",
    "minimum_order_total",
    "starts_at",
    "ends_at",
    "usage_limit",
    "per_customer_limit",
    "applies_to",
    "combinable",
    "active",
)
MESSAGES = {
    "inactive": "This discount code is not active",
    "not_started": "This discount code is not valid yet",
    "expired": "This discount code has expired",
    "currency_mismatch": "This discount code is in another currency than the store's",
    "exhausted": "This discount code has reached its usage limit",
    "customer_limit_reached": "This customer has already used this discount code as often as allowed",
    "below_minimum": "The order is below this discount code's minimum order total",
    "not_applicable_items": "This discount code applies to none of the order's items",
}


def _invalid(details: dict) -> ValidationFailed:
    return ValidationFailed("Validation failed", details=details)


def _refused(discount: DiscountCode, reason: str) -> DiscountNotApplicable:
    return DiscountNotApplicable(MESSAGES[reason], details={"code": discount.code, "reason": reason})


def _find(*, account: Account, code: str) -> DiscountCode:
    discount = selectors.code_by_text(account=account, code=code.strip())
    if discount is None:
        raise DiscountCodeNotFound("Discount code not found", details={"code": code})
    return discount


# --- the rules ------------------------------------------------------------------------------------------


def _check_usable(
    discount: DiscountCode, *, account: Account, customer: Customer | None, subtotal: Decimal, now
) -> None:
    """Everything about the code and the customer that could refuse it, cheapest first."""
    if not discount.active:
        raise _refused(discount, "inactive")
    if discount.starts_at is not None and now < discount.starts_at:
        raise _refused(discount, "not_started")
    if discount.ends_at is not None and now >= discount.ends_at:
        raise _refused(discount, "expired")
    if discount.currency != account.currency:
        raise _refused(discount, "currency_mismatch")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise _refused(discount, "exhausted")
    # Without a customer (a cart checked before sign-in) the per-customer limit waits for the order, which
    # always names one.
    if discount.per_customer_limit is not None and customer is not None:
        held = selectors.redemptions_held(discount_id=discount.pk, customer_id=customer.pk)
        if held >= discount.per_customer_limit:
            raise _refused(discount, "customer_limit_reached")
    if discount.minimum_order_total is not None and subtotal < discount.minimum_order_total:
        raise _refused(discount, "below_minimum")


def _eligible(discount: DiscountCode, *, account: Account, lines: Sequence[DiscountLine]) -> list[bool]:
    """Which lines the code reduces: all, those of its products, or those in its categories or below them."""
    if discount.applies_to == AppliesTo.ALL:
        return [True] * len(lines)
    product_ids, category_ids = selectors.target_ids(discount)
    if discount.applies_to == AppliesTo.PRODUCTS:
        return [line.product_id in product_ids for line in lines]
    parents = category_parent_map(account=account) if any(line.category_id for line in lines) else {}

    def in_categories(category_id: str | None) -> bool:
        seen = set()
        while category_id is not None and category_id not in seen:
            if category_id in category_ids:
                return True
            seen.add(category_id)
            category_id = parents.get(category_id)
        return False

    return [in_categories(line.category_id) for line in lines]


def _price(
    discount: DiscountCode,
    *,
    account: Account,
    customer: Customer | None,
    lines: Sequence[DiscountLine],
    shipping: Decimal,
) -> DiscountPrice:
    """What the code takes off each line and off shipping, or DiscountNotApplicable with the reason.

    A percentage is taken off each eligible line and rounded to the cent there; a fixed amount is split over
    the eligible lines in proportion to their totals (`orders.pricing.allocate`: exact cents, never more
    than the lines); free shipping takes the shipping off. The minimum is the subtotal of every line."""
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    _check_usable(discount, account=account, customer=customer, subtotal=subtotal, now=timezone.now())
    eligible = _eligible(discount, account=account, lines=lines)
    if not any(eligible):
        raise _refused(discount, "not_applicable_items")
    line_discounts, shipping_discount = [ZERO] * len(lines), ZERO
    if discount.type == DiscountType.PERCENTAGE:
        line_discounts = [
            min(pricing.to_cents(line.line_total * discount.value / HUNDRED), line.line_total) if ok else ZERO
            for line, ok in zip(lines, eligible, strict=True)
        ]
    elif discount.type == DiscountType.FIXED_AMOUNT:
        weights = [line.line_total if ok else ZERO for line, ok in zip(lines, eligible, strict=True)]
        line_discounts = pricing.allocate(discount.value, weights)
    else:
        shipping_discount = pricing.to_cents(shipping)
    return DiscountPrice(
        code=discount.code,
        line_discounts=line_discounts,
        shipping_discount=shipping_discount,
        context={"discount_id": discount.pk},
    )


# --- validate -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscountCheck:
    """The answer of POST /api/discounts/validate: `valid`, else the `reason` an order would be refused."""

    valid: bool
    code: str
    discount_id: str
    type: str
    currency: str
    order_total: Decimal
    discount_amount: Decimal
    shipping_discount: Decimal
    total_after_discount: Decimal
    line_discounts: list[Decimal] = field(default_factory=list)
    reason: str | None = None
    message: str | None = None


def _cart_lines(*, account: Account, items: list[dict]) -> list[DiscountLine]:
    """The items as an order would read them (same 404s and 422s), priced as sent."""
    variants = line_variants(account=account, lines=[(item["product_id"], item.get("variant_id")) for item in items])
    lines = []
    for item, variant in zip(items, variants, strict=True):
        if variant is None:
            raise not_found(Product, item["product_id"])
        lines.append(
            DiscountLine(
                product_id=variant.product_id,
                variant_id=variant.pk,
                category_id=variant.product.category_id,
                quantity=item["quantity"],
                line_total=pricing.line_total(quantity=item["quantity"], unit_price=item["price"]),
            )
        )
    return lines


def discount_check(
    *,
    account: Account,
    code: str,
    order_total: Decimal | None = None,
    items: list[dict] | None = None,
    customer: Customer | None = None,
    shipping: Decimal = ZERO,
) -> DiscountCheck:
    """Whether `code` applies to a cart, and what it takes off, by the rules an order placed with it follows.
    Writes nothing. `items` ([{product_id, variant_id?, quantity, price}]) are the cart's lines; without them
    `order_total` is one line of the whole order, which only a code for every product can reduce. With both,
    `order_total` must be the items' total. Unknown code: DiscountCodeNotFound (404)."""
    discount = _find(account=account, code=code)
    if items:
        try:
            lines = _cart_lines(account=account, items=items)
        except pricing.AmountTooLarge as exc:
            raise _invalid({"items": [str(exc)]}) from None
        subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
        if order_total is not None and order_total != subtotal:
            raise _invalid({"order_total": [f"Must be the items' total, {subtotal}, when items are given."]})
    elif order_total is not None:
        lines = [DiscountLine(product_id="", variant_id="", category_id=None, quantity=1, line_total=order_total)]
        subtotal = order_total
    else:
        raise _invalid({"order_total": ["Give orderTotal, items, or both."]})
    if subtotal + shipping > pricing.MAX_AMOUNT:
        raise _invalid({"order_total": [f"The order's total and shipping come to more than {pricing.MAX_AMOUNT}."]})
    answer = {
        "code": discount.code,
        "discount_id": discount.pk,
        "type": discount.type,
        "currency": discount.currency,
        "order_total": subtotal,
    }
    try:
        price = _price(discount, account=account, customer=customer, lines=lines, shipping=shipping)
    except DiscountNotApplicable as refusal:
        return DiscountCheck(
            valid=False,
            discount_amount=ZERO,
            shipping_discount=ZERO,
            total_after_discount=subtotal + shipping,
            reason=refusal.details["reason"],
            message=refusal.message,
            **answer,
        )
    amount = sum(price.line_discounts, ZERO) + price.shipping_discount
    return DiscountCheck(
        valid=True,
        discount_amount=amount,
        shipping_discount=price.shipping_discount,
        total_after_discount=subtotal + shipping - amount,
        line_discounts=price.line_discounts if items else [],
        **answer,
    )


# --- the orders hook ------------------------------------------------------------------------------------


@atomic_service
def discount_redeem(*, order: Order, price: DiscountPrice) -> DiscountRedemption:
    """Records the code's use on `order` (its discount already priced by `_price`), late in the order's
    transaction. The use is counted by one conditional UPDATE (no more uses than `usage_limit`, however many
    orders race for the last one); its row lock, held to the commit, then makes the customer's count exact."""
    discount_id = price.context["discount_id"]
    counted = (
        DiscountCode.objects.filter(pk=discount_id, active=True)
        .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
        .update(times_used=F("times_used") + 1)
    )
    discount = DiscountCode.objects.filter(pk=discount_id).first()
    if discount is None:  # deleted since it was priced
        raise DiscountCodeNotFound("Discount code not found", details={"code": price.code})
    if not counted:
        raise _refused(discount, "inactive" if not discount.active else "exhausted")
    if discount.per_customer_limit is not None:
        held = selectors.redemptions_held(discount_id=discount_id, customer_id=order.customer_id)
        if held >= discount.per_customer_limit:
            raise _refused(discount, "customer_limit_reached")
    redemption = DiscountRedemption(
        account_id=order.account_id,
        discount_id=discount_id,
        order=order,
        customer_id=order.customer_id,
        code=discount.code,
        amount=order.discount_amount,
    )
    insert(DiscountRedemption, [redemption])
    return redemption


@atomic_service
def discount_release(*, order: Order) -> None:
    """The cancelled order's redemption stops counting against the limits; it stays as history."""
    held = list(
        DiscountRedemption.objects.select_for_update()
        .filter(order=order, released_at__isnull=True)
        .values_list("pk", "discount_id")
    )
    for redemption_id, discount_id in held:
        DiscountRedemption.objects.filter(pk=redemption_id).update(released_at=timezone.now())
        DiscountCode.objects.filter(pk=discount_id, times_used__gt=0).update(times_used=F("times_used") - 1)


class CodeHandler:
    """The `orders.discounts.DiscountHandler` loyalty registers (loyalty.apps)."""

    def price(
        self, *, account: Account, customer: Customer, code: str, lines: Sequence[DiscountLine], shipping: Decimal
    ) -> DiscountPrice:
        discount = _find(account=account, code=code)
        return _price(discount, account=account, customer=customer, lines=lines, shipping=shipping)

    def claim(self, *, order: Order, price: DiscountPrice) -> None:
        discount_redeem(order=order, price=price)

    def release(self, *, order: Order) -> None:
        discount_release(order=order)


HANDLER = CodeHandler()


# --- codes ----------------------------------------------------------------------------------------------


def _check_code_free(*, account: Account, code: str, exclude_id: str | None = None) -> None:
    existing = selectors.code_by_text(account=account, code=code)
    if existing is not None and existing.pk != exclude_id:
        raise DiscountCodeExists(
            f"The discount code {existing.code} already exists", details={"code": existing.code, "id": existing.pk}
        )


def _check_value(discount: DiscountCode, *, value_given: bool) -> None:
    if discount.type == DiscountType.FREE_SHIPPING:
        if not value_given:
            discount.value = ZERO
        elif discount.value != 0:
            raise _invalid({"value": ["Must be 0 (or left out) for free_shipping."]})
    elif discount.value is None:
        raise _invalid({"value": [f"Required for {discount.type}."]})
    elif discount.value <= 0:
        raise _invalid({"value": ["Must be more than 0."]})
    elif discount.type == DiscountType.PERCENTAGE and discount.value > HUNDRED:
        raise _invalid({"value": ["A percentage is at most 100."]})


def _check_fields(discount: DiscountCode, *, value_given: bool) -> None:
    """The rules between fields, the same for a new code, a changed one and a generated batch."""
    if not re.match(CODE_PATTERN, discount.code or "x"):
        raise _invalid({"code": ["Letters, digits, - and _ only."]})
    _check_value(discount, value_given=value_given)
    if discount.starts_at is not None and discount.ends_at is not None and discount.ends_at <= discount.starts_at:
        raise _invalid({"ends_at": ["Must be after startsAt."]})
    if discount.usage_limit is not None and discount.usage_limit < discount.times_used:
        raise _invalid({"usage_limit": [f"At least the uses that hold ({discount.times_used})."]})


def _kept(discount: DiscountCode, given: list | None, relation: str) -> list:
    if given is not None:
        return list(dict.fromkeys(given))
    return [] if discount._state.adding else list(getattr(discount, relation).all())


def _targets(
    discount: DiscountCode, *, products: list | None, categories: list | None
) -> tuple[list[Product], list[Category]]:
    """The products and categories the code keeps: the kind its `applies_to` names (at least one), none of the
    other. Lists not given keep the code's current ones when they still fit."""
    for given, kind, name in (
        (products, AppliesTo.PRODUCTS, "product_ids"),
        (categories, AppliesTo.CATEGORIES, "category_ids"),
    ):
        if given and discount.applies_to != kind:
            raise _invalid({name: [f"Only with appliesTo {kind}."]})
    if discount.applies_to == AppliesTo.PRODUCTS:
        chosen = _kept(discount, products, "products")
        if not chosen:
            raise _invalid({"product_ids": ["At least one product with appliesTo products."]})
        return chosen, []
    if discount.applies_to == AppliesTo.CATEGORIES:
        chosen = _kept(discount, categories, "categories")
        if not chosen:
            raise _invalid({"category_ids": ["At least one category with appliesTo categories."]})
        return [], chosen
    return [], []


def _check_account(account_id: str, rows: Iterable) -> None:
    """Callers that are not the API (which resolves ids inside the account) cannot reach another account."""
    for row in rows:
        if row.account_id != account_id:
            raise not_found(type(row), row.pk)


def _save(discount: DiscountCode, **kwargs) -> None:
    """Saves in a savepoint: a code taken by a concurrent request becomes DISCOUNT_CODE_EXISTS."""
    try:
        with transaction.atomic():
            discount.save(**kwargs)
    except IntegrityError:
        _check_code_free(account=discount.account, code=discount.code, exclude_id=discount.pk)
        raise


@atomic_service
def discount_code_create(
    *,
    account: Account,
    code: str,
    type: str,
    value: Decimal | None = None,
    products: list[Product] | None = None,
    categories: list[Category] | None = None,
    **fields,
) -> DiscountCode:
    """A code of the account in its currency. `fields`: the other CODE_FIELDS. The code is kept as spelled
    and matched in any case; one the account has in any case is a 409 DISCOUNT_CODE_EXISTS."""
    discount = DiscountCode(account=account, currency=account.currency, code=code.strip(), type=type, value=value)
    for name, field_value in fields.items():
        if name not in CODE_FIELDS:
            raise TypeError(f"Not a discount code field: {name}")
        setattr(discount, name, field_value)
    _check_fields(discount, value_given=value is not None)
    products, categories = _targets(discount, products=products, categories=categories)
    _check_account(account.pk, [*products, *categories])
    _check_code_free(account=account, code=discount.code)
    _save(discount, force_insert=True)
    discount.products.set(products)
    discount.categories.set(categories)
    return discount


@atomic_service
def discount_code_update(*, discount: DiscountCode, changes: dict) -> DiscountCode:
    """Applies `changes` (CODE_FIELDS, `products`, `categories`) with the code's row locked, so its uses
    cannot move past a lowered `usage_limit` meanwhile. A limit below the uses that hold is a 422."""
    discount = DiscountCode.objects.select_for_update().select_related("account").get(pk=discount.pk)
    changes = dict(changes)
    products, categories = changes.pop("products", None), changes.pop("categories", None)
    for name, value in changes.items():
        if name not in CODE_FIELDS:
            raise TypeError(f"Not a discount code field: {name}")
        setattr(discount, name, value.strip() if name == "code" else value)
    _check_fields(discount, value_given="value" in changes)
    products, categories = _targets(discount, products=products, categories=categories)
    _check_account(discount.account_id, [*products, *categories])
    if "code" in changes:
        _check_code_free(account=discount.account, code=discount.code, exclude_id=discount.pk)
    _save(discount)
    discount.products.set(products)
    discount.categories.set(categories)
    return discount


@atomic_service
def discount_code_delete(*, discount: DiscountCode) -> None:
    """Only a code never used: a redemption (even of a cancelled order) is history that would go with it, so
    that is a 409 DISCOUNT_CODE_IN_USE; deactivate the code instead."""
    discount = DiscountCode.objects.select_for_update().get(pk=discount.pk)
    used = DiscountRedemption.objects.filter(discount=discount).count()
    if used:
        raise DiscountCodeInUse(
            "This discount code was used on orders: deactivate it instead (active: false)",
            details={"id": discount.pk, "redemptions": used},
        )
    discount.delete()


@atomic_service
def discount_codes_set_active(*, discounts: QuerySet[DiscountCode], active: bool) -> int:
    """Switches codes on or off (the admin's actions); returns how many changed."""
    return discounts.exclude(active=active).update(active=active, updated_at=timezone.now())


def _random_codes(*, prefix: str, length: int, count: int) -> set[str]:
    return {prefix + "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(length)) for _ in range(count)}


def _fresh_codes(*, account: Account, prefix: str, length: int, quantity: int) -> list[str]:
    """`quantity` random codes the account has in no case: drawn, then drawn again for any already taken."""
    codes: set[str] = set()
    while len(codes) < quantity:
        drawn = _random_codes(prefix=prefix, length=length, count=quantity - len(codes)) - codes
        taken = selectors.codes_taken(account=account, codes=list(drawn))
        codes |= {code for code in drawn if code.lower() not in taken}
    return sorted(codes)


@atomic_service
def discount_codes_generate(
    *,
    account: Account,
    quantity: int,
    prefix: str = "",
    length: int = 10,
    type: str,
    value: Decimal | None = None,
    products: list[Product] | None = None,
    categories: list[Category] | None = None,
    **fields,
) -> tuple[str, list[DiscountCode]]:
    """`quantity` (1 to MAX_GENERATED) single-use codes, `prefix` then `length` random characters of an
    unambiguous alphabet, sharing the other settings (`fields`: CODE_FIELDS but code and usage_limit) and
    one batch id; written in bulk. Returns (batch, codes)."""
    if not 1 <= quantity <= MAX_GENERATED:
        raise _invalid({"quantity": [f"1 to {MAX_GENERATED}."]})
    low, high = GENERATED_LENGTHS
    if not low <= length <= high:
        raise _invalid({"length": [f"{low} to {high}."]})
    if prefix and not re.match(CODE_PATTERN, prefix):
        raise _invalid({"prefix": ["Letters, digits, - and _ only."]})
    if len(prefix) + length > CODE_MAX_LENGTH:
        raise _invalid({"prefix": [f"prefix and length make at most {CODE_MAX_LENGTH} characters."]})
    if "code" in fields or "usage_limit" in fields:
        raise TypeError("Generated codes get their own code and a usage limit of 1")
    template = DiscountCode(
        account=account, currency=account.currency, code=prefix or "X", type=type, value=value, usage_limit=1
    )
    for name, field_value in fields.items():
        if name not in CODE_FIELDS:
            raise TypeError(f"Not a discount code field: {name}")
        setattr(template, name, field_value)
    _check_fields(template, value_given=value is not None)
    products, categories = _targets(template, products=products, categories=categories)
    _check_account(account.pk, [*products, *categories])
    batch = new_id("batch")
    for attempt in range(GENERATE_ATTEMPTS):
        discounts = [
            DiscountCode(
                account=account,
                batch=batch,
                code=code,
                currency=template.currency,
                **{name: getattr(template, name) for name in CODE_FIELDS if name != "code"},
            )
            for code in _fresh_codes(account=account, prefix=prefix, length=length, quantity=quantity)
        ]
        try:
            with transaction.atomic():
                insert(DiscountCode, discounts)
            break
        except IntegrityError:  # a code made meanwhile took one of them: draw the batch again
            if attempt == GENERATE_ATTEMPTS - 1:
                raise
    DiscountCode.products.through.objects.bulk_create(
        [DiscountCode.products.through(discountcode_id=d.pk, product_id=p.pk) for d in discounts for p in products]
    )
    DiscountCode.categories.through.objects.bulk_create(
        [DiscountCode.categories.through(discountcode_id=d.pk, category_id=c.pk) for d in discounts for c in categories]
    )
    return batch, discounts
