"""Inventory reads: stock levels (one per variant per warehouse) with per-product totals, alerts with days of
cover, and the ledger check.
Every figure is computed in SQL (annotations and correlated subqueries), one query per page."""

from datetime import datetime, timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from accounts.models import Account
from omnisales.api.compiled import CompiledRead

from .models import (
    MovementType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    Warehouse,
)

SALES_WINDOW_DAYS = 30


def _sum_of(queryset: QuerySet, group: str, column: str) -> Coalesce:
    """A correlated subquery summing `column` over `queryset` (already filtered on OuterRef), 0 when empty."""
    total = queryset.values(group).annotate(total=Sum(column)).values("total")[:1]
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def _product_total(column: str) -> Coalesce:
    """`column` summed over the product's stock levels in active warehouses (what can be allocated)."""
    levels = StockLevel.objects.filter(product_id=OuterRef("product_id"), warehouse__is_active=True)
    return _sum_of(levels, "product_id", column)


def low_stock_condition() -> Q:
    """At or below the reorder point, in a warehouse that is allocated from."""
    return Q(available_quantity__lte=F("reorder_point"), warehouse__is_active=True)


def stock_levels(queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Stock levels (an account's: the caller scopes `queryset`) with product, variant and warehouse,
    `available_quantity`, and the product's totals across active warehouses (`total_on_hand`,
    `total_reserved`), whatever the filters."""
    return (
        queryset.select_related("product", "variant", "warehouse")
        .with_available()
        .annotate(
            total_on_hand=_product_total("on_hand"),
            total_reserved=_product_total("reserved"),
        )
        .order_by(
            "product__name",
            "product_id",
            "variant__position",
            "variant_id",
            "warehouse__priority",
            "warehouse__code",
            "pk",
        )
    )


def stock_alerts(queryset: QuerySet[StockLevel], *, now: datetime | None = None) -> QuerySet[StockLevel]:
    """Stock levels (of `queryset`, scoped by the caller) of active warehouses at or below their reorder
    point, most urgent first, each with:

    - `sold_last_30_days`: units sold from this stock level in the last 30 days (sale movements);
    - `days_of_cover`: available ÷ average daily sales over those 30 days, null when nothing sold;
    - `suggested_reorder_quantity`: the reorder quantity, or enough to get back above the reorder point if
      that is more;
    - the product's totals across active warehouses, as in `stock_levels`.
    """
    since = (now or timezone.now()) - timedelta(days=SALES_WINDOW_DAYS)
    sales = StockMovement.objects.filter(stock_level_id=OuterRef("pk"), type=MovementType.SALE, created_at__gte=since)
    per_day = Cast(F("sold_last_30_days"), FloatField()) / Value(float(SALES_WINDOW_DAYS))
    return (
        stock_levels(queryset)
        .filter(low_stock_condition())
        .annotate(sold_last_30_days=-_sum_of(sales, "stock_level_id", "on_hand_change"))
        .annotate(
            average_daily_sales=per_day,
            days_of_cover=Case(
                When(sold_last_30_days__gt=0, then=Cast(F("available_quantity"), FloatField()) / per_day),
                default=None,
                output_field=FloatField(),
            ),
            suggested_reorder_quantity=Greatest(
                F("reorder_quantity"),
                F("reorder_point") - F("available_quantity") + Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by(F("days_of_cover").asc(nulls_last=True), "available_quantity", "pk")
    )


def movements(queryset: QuerySet[StockMovement]) -> QuerySet[StockMovement]:
    return queryset.select_related("product", "variant", "warehouse").order_by("-created_at", "-id")


def transfers(queryset: QuerySet[StockTransfer]) -> QuerySet[StockTransfer]:
    return queryset.select_related("product", "variant", "from_warehouse", "to_warehouse").order_by(
        "-created_at", "-id"
    )


def warehouses(queryset: QuerySet[Warehouse]) -> QuerySet[Warehouse]:
    return queryset.order_by("priority", "code", "pk")


def ledger_discrepancies(account: Account) -> list[dict]:
    """Stock levels of `account` that disagree with their ledger, in one query. Empty when all is well.

    A stock level agrees when the sum of its movements' on-hand changes is `on_hand`, the sum of their
    reserved changes is `reserved`, its active reservations add up to `reserved`, and its low-stock flag
    says whether available is at or below the reorder point.
    """
    level_movements = StockMovement.objects.filter(stock_level_id=OuterRef("pk"))
    active = StockReservation.objects.filter(
        variant_id=OuterRef("variant_id"), warehouse_id=OuterRef("warehouse_id"), status=ReservationStatus.ACTIVE
    )
    flag_wrong = Q(below_reorder_point=True, available_quantity__gt=F("reorder_point")) | Q(
        below_reorder_point=False, available_quantity__lte=F("reorder_point")
    )
    rows = (
        StockLevel.objects.filter(account=account)
        .with_available()
        .annotate(
            ledger_on_hand=_sum_of(level_movements, "stock_level_id", "on_hand_change"),
            ledger_reserved=_sum_of(level_movements, "stock_level_id", "reserved_change"),
            reservations_reserved=_sum_of(active, "variant_id", "quantity"),
        )
        .filter(
            ~Q(on_hand=F("ledger_on_hand"))
            | ~Q(reserved=F("ledger_reserved"))
            | ~Q(reserved=F("reservations_reserved"))
            | flag_wrong
        )
        .order_by("pk")
        .values(
            "id",
            "product_id",
            "variant_id",
            "warehouse_id",
            "on_hand",
            "ledger_on_hand",
            "reserved",
            "ledger_reserved",
            "reservations_reserved",
            "below_reorder_point",
        )
    )
    return list(rows)


def _stock_by_variant(product_ids):
    return (
        StockLevel.objects.filter(product_id__in=product_ids, warehouse__is_active=True)
        .values("product_id", "variant_id")
        .annotate(on_hand_total=Sum("on_hand"), reserved_total=Sum("reserved"))
        .order_by()
    )


STOCK_BY_VARIANT = CompiledRead(_stock_by_variant)


def variant_stock_totals(product_ids, using: str) -> list[tuple[str, str, int, int]]:
    """The catalog's stock reader (catalog.stock): each variant's on hand and reserved across active
    warehouses, one statement for all of `product_ids`."""
    return [
        (row["product_id"], row["variant_id"], row["on_hand_total"], row["reserved_total"])
        for row in STOCK_BY_VARIANT.rows(product_ids=list(product_ids), using=using)
    ]
