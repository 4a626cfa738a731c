"""Reads of discount codes: their targets in one query each, the status a merchant sees, redemptions."""

import datetime

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import Account
from catalog.models import Category, Product

from ..models import AppliesTo, DiscountCode, DiscountRedemption


class CodeStatus:
    """What a code is now, in this order: switched off, past its end, before its start, used up, or usable."""

    INACTIVE = "inactive"
    EXPIRED = "expired"
    SCHEDULED = "scheduled"
    EXHAUSTED = "exhausted"
    CURRENT = "current"
    CHOICES = [(value, value) for value in (CURRENT, SCHEDULED, EXPIRED, EXHAUSTED, INACTIVE)]


def codes_with_targets(queryset: QuerySet[DiscountCode]) -> QuerySet[DiscountCode]:
    """The codes with the ids of their products and categories: two queries for any number of codes."""
    return queryset.prefetch_related(
        Prefetch("products", queryset=Product.objects.only("id")),
        Prefetch("categories", queryset=Category.objects.only("id")),
    )


def code_by_text(*, account: Account, code: str) -> DiscountCode | None:
    """The account's code spelled `code` in any case, through the (account, lower(code)) unique index."""
    return DiscountCode.objects.alias(code_lower=Lower("code")).filter(account=account, code_lower=code.lower()).first()


def codes_taken(*, account: Account, codes: list[str]) -> set[str]:
    """Which of `codes` (lower-cased) the account already has, in any case."""
    lowered = [code.lower() for code in codes]
    return set(
        DiscountCode.objects.annotate(code_lower=Lower("code"))
        .filter(account=account, code_lower__in=lowered)
        .values_list("code_lower", flat=True)
    )


def code_status(discount: DiscountCode, now: datetime.datetime) -> str:
    if not discount.active:
        return CodeStatus.INACTIVE
    if discount.ends_at is not None and discount.ends_at <= now:
        return CodeStatus.EXPIRED
    if discount.starts_at is not None and discount.starts_at > now:
        return CodeStatus.SCHEDULED
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return CodeStatus.EXHAUSTED
    return CodeStatus.CURRENT


def codes_with_status(queryset: QuerySet[DiscountCode], status: str, now: datetime.datetime) -> QuerySet:
    """The codes `code_status` gives `status`, as one condition in SQL."""
    started = Q(starts_at__isnull=True) | Q(starts_at__lte=now)
    not_ended = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    exhausted = Q(usage_limit__isnull=False, times_used__gte=F("usage_limit"))
    conditions = {
        CodeStatus.INACTIVE: Q(active=False),
        CodeStatus.EXPIRED: Q(active=True, ends_at__lte=now),
        CodeStatus.SCHEDULED: Q(active=True, starts_at__gt=now) & not_ended,
        CodeStatus.EXHAUSTED: Q(active=True) & started & not_ended & exhausted,
        CodeStatus.CURRENT: Q(active=True) & started & not_ended & ~exhausted,
    }
    return queryset.filter(conditions[status])


def redemptions_held(*, discount_id: str, customer_id: str) -> int:
    """The customer's redemptions of the code that still count (their orders were not cancelled)."""
    return DiscountRedemption.objects.filter(
        discount_id=discount_id, customer_id=customer_id, released_at__isnull=True
    ).count()


def target_ids(discount: DiscountCode) -> tuple[set[str], set[str]]:
    """(product ids, category ids) the code is limited to; empty for the kind it does not use."""
    products, categories = set(), set()
    if discount.applies_to == AppliesTo.PRODUCTS:
        products = set(discount.products.values_list("pk", flat=True))
    elif discount.applies_to == AppliesTo.CATEGORIES:
        categories = set(discount.categories.values_list("pk", flat=True))
    return products, categories
