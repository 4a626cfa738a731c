"""Reads: RFM scoring, segment membership (the rule -> Q builder) and segment summaries, all in SQL."""

import datetime
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from omnisales.api.views import not_found

from . import rfm
from .models import RFM_SCORE_FIELDS, Customer, CustomerSegment
from .rfm import RfmSegment
from .rules import rules_for_display

ZERO = Decimal("0.00")
RFM_FIELDS = ("id", "name", "email", "total_orders", "total_spent", "last_order_date")


def account_zone(account) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(account.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def account_today(account) -> datetime.date:
    return timezone.localdate(timezone=account_zone(account))


def customers_of(*, account) -> QuerySet[Customer]:
    return Customer.objects.filter(account=account)


def active_customers(*, account) -> QuerySet[Customer]:
    """Customers that have not been deleted (anonymized): the ones lists and segments show."""
    return customers_of(account=account).filter(is_anonymized=False)


# --- RFM -------------------------------------------------------------------------------------------


# Customers the last refresh scored and who still have orders (an order reversed since then can
# leave none); anonymized ones are left out by `active_customers`.
SCORED = Q(rfm_segment__isnull=False, total_orders__gt=0, last_order_date__isnull=False)


def rfm_queryset(*, account) -> QuerySet[Customer]:
    """Active customers with stored RFM scores (`r_score`, `f_score`, `m_score`, `rfm_segment`, as of
    `rfm_computed_at`), biggest spenders first. The scores are written by
    `services.rfm_scores_refresh`; reads only filter, sort and slice indexed columns."""
    return (
        active_customers(account=account)
        .filter(SCORED)
        .only(*RFM_FIELDS, *RFM_SCORE_FIELDS)
        .order_by("-total_spent", "id")
    )


def with_recency(queryset: QuerySet, *, account, as_of: datetime.date) -> QuerySet:
    """Annotates `recency`: from the last order's date (in the account's time zone) to `as_of`.

    Order counters are running totals, not a history, so RFM cannot be rewound: an `as_of` before a
    customer's last order gives a recency of 0 rather than a negative one.
    """
    last_order_day = TruncDate("last_order_date", tzinfo=account_zone(account))
    elapsed = ExpressionWrapper(Value(as_of, output_field=DateField()) - last_order_day, output_field=DurationField())
    return queryset.annotate(recency=Greatest(elapsed, Value(datetime.timedelta(0))))


def rfm_members_q(*, segments: list[str]) -> Q:
    """Customers in any of the RFM `segments` as of the last refresh (an indexed column test)."""
    return SCORED & Q(rfm_segment__in=segments)


# --- Merchant-defined segments ---------------------------------------------------------------------


def _start_of_day(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def segment_q(*, account, rules: dict) -> Q:
    """The Q object selecting the customers that match stored (canonical) segment `rules`.

    All given rules must hold; see `customers.rules` for the format. The `segment` filter of the
    customer list and segment summaries both use this, over active customers. An `rfmSegment`
    rule tests the stored segment (see `rfm_members_q`).
    """
    condition = Q()
    tags = rules.get("tags", {})
    if tags.get("any"):
        condition &= reduce(or_, (Q(tags__json_array_contains=tag) for tag in tags["any"]))
    for tag in tags.get("all", []):
        condition &= Q(tags__json_array_contains=tag)
    spent = rules.get("totalSpent", {})
    if "min" in spent:
        condition &= Q(total_spent__gte=Decimal(spent["min"]))
    if "max" in spent:
        condition &= Q(total_spent__lte=Decimal(spent["max"]))
    orders = rules.get("totalOrders", {})
    if "min" in orders:
        condition &= Q(total_orders__gte=orders["min"])
    if "max" in orders:
        condition &= Q(total_orders__lte=orders["max"])
    last_order = rules.get("lastOrderDate", {})
    zone = account_zone(account)
    if "after" in last_order:
        first_day = datetime.date.fromisoformat(last_order["after"]) + datetime.timedelta(days=1)
        condition &= Q(last_order_date__gte=_start_of_day(first_day, zone))
    if "before" in last_order:
        condition &= Q(last_order_date__lt=_start_of_day(datetime.date.fromisoformat(last_order["before"]), zone))
    if rules.get("rfmSegment"):
        condition &= rfm_members_q(segments=rules["rfmSegment"])
    return condition


@dataclass(frozen=True)
class SegmentRef:
    """A segment id resolved within an account: an RFM segment name or a merchant segment."""

    id: str
    rfm: RfmSegment | None = None
    custom: CustomerSegment | None = None

    @property
    def type(self) -> str:
        return "rfm" if self.rfm else "custom"


def segment_get(*, account, segment_id: str) -> SegmentRef:
    """Resolves `champions`-style RFM names and `seg_…` ids; anything else is SEGMENT_NOT_FOUND (404)."""
    if segment_id in RfmSegment.values:
        return SegmentRef(id=segment_id, rfm=RfmSegment(segment_id))
    segment = CustomerSegment.objects.filter(account=account, pk=segment_id).first()
    if segment is None:
        raise not_found(CustomerSegment, segment_id)
    return SegmentRef(id=segment.pk, custom=segment)


def segment_members_q(*, account, ref: SegmentRef) -> Q:
    if ref.rfm:
        return rfm_members_q(segments=[ref.rfm.value])
    return segment_q(account=account, rules=ref.custom.rules)


def segment_members(*, account, ref: SegmentRef) -> QuerySet[Customer]:
    return active_customers(account=account).filter(segment_members_q(account=account, ref=ref))


# --- Segment summaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentStats:
    customer_count: int = 0
    revenue: Decimal = ZERO
    order_count: int = 0

    @property
    def average_order_value(self) -> Decimal:
        """Revenue per order, rounded half up to cents; 0 when the segment has no orders."""
        if not self.order_count:
            return ZERO
        return (self.revenue / self.order_count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SegmentSummary:
    id: str
    name: str
    type: str
    description: str
    rules: dict | None
    stats: SegmentStats = field(default_factory=SegmentStats)
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


def _stats_aggregates(key: str, condition: Q) -> dict:
    return {
        f"{key}_count": Count("pk", filter=condition),
        f"{key}_revenue": Coalesce(
            Sum("total_spent", filter=condition),
            Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        f"{key}_orders": Coalesce(Sum("total_orders", filter=condition), Value(0)),
    }


def _stats_from(row: dict, key: str) -> SegmentStats:
    return SegmentStats(
        customer_count=row[f"{key}_count"],
        revenue=Decimal(row[f"{key}_revenue"]).quantize(Decimal("0.01")),
        order_count=row[f"{key}_orders"],
    )


def segment_stats(
    *, account, rfm_segments: list[RfmSegment] = (), custom_segments: list[CustomerSegment] = ()
) -> dict[str, SegmentStats]:
    """Customer count, revenue and orders per segment id, in at most two queries over active customers.

    RFM segments: one GROUP BY over the stored `rfm_segment` (index on account, segment, spend);
    custom segments: one conditional aggregate per segment in a single query.
    """
    stats = {}
    if rfm_segments:
        rows = (
            active_customers(account=account)
            .filter(rfm_members_q(segments=[segment.value for segment in rfm_segments]))
            .order_by()
            .values("rfm_segment")
            .annotate(**_stats_aggregates("s", Q()))
        )
        by_segment = {row["rfm_segment"]: _stats_from(row, "s") for row in rows}
        stats.update({segment.value: by_segment.get(segment.value, SegmentStats()) for segment in rfm_segments})
    if custom_segments:
        keys = {segment.pk: f"s{index}" for index, segment in enumerate(custom_segments)}
        aggregates = {}
        for segment in custom_segments:
            aggregates.update(_stats_aggregates(keys[segment.pk], segment_q(account=account, rules=segment.rules)))
        row = active_customers(account=account).order_by().aggregate(**aggregates)
        stats.update({segment_id: _stats_from(row, key) for segment_id, key in keys.items()})
    return stats


def _rfm_summary(segment: RfmSegment, stats: SegmentStats) -> SegmentSummary:
    return SegmentSummary(
        id=segment.value,
        name=segment.label,
        type="rfm",
        description=rfm.DESCRIPTIONS[segment],
        rules=None,
        stats=stats,
    )


def _custom_summary(segment: CustomerSegment, stats: SegmentStats) -> SegmentSummary:
    return SegmentSummary(
        id=segment.pk,
        name=segment.name,
        type="custom",
        description=segment.description,
        rules=rules_for_display(segment.rules),
        stats=stats,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


def segment_summary(*, account, ref: SegmentRef) -> SegmentSummary:
    if ref.rfm:
        return _rfm_summary(ref.rfm, segment_stats(account=account, rfm_segments=[ref.rfm])[ref.id])
    stats = segment_stats(account=account, custom_segments=[ref.custom])[ref.id]
    return _custom_summary(ref.custom, stats)


class SegmentSummaryList:
    """RFM segments (in grid order) then merchant segments (oldest first), as one pageable sequence.

    The paginator calls `count()` and takes one slice; only the segments on that page are
    aggregated (see `segment_stats`).
    """

    def __init__(self, *, account, type: str | None = None):
        self.account = account
        self.rfm_segments = list(RfmSegment) if type in (None, "rfm") else []
        self.custom_segments = CustomerSegment.objects.filter(account=account).order_by("created_at", "id")
        if type == "rfm":
            self.custom_segments = self.custom_segments.none()

    def count(self) -> int:
        return len(self.rfm_segments) + self.custom_segments.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[SegmentSummary]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("SegmentSummaryList supports plain slices only")
        start, stop = page.start or 0, page.stop
        rfm_page = self.rfm_segments[start:stop]
        custom_start = max(start - len(self.rfm_segments), 0)
        custom_stop = None if stop is None else max(stop - len(self.rfm_segments), 0)
        has_customs = custom_stop is None or custom_stop > custom_start
        custom_page = list(self.custom_segments[custom_start:custom_stop]) if has_customs else []
        stats = segment_stats(account=self.account, rfm_segments=rfm_page, custom_segments=custom_page)
        return [
            *(_rfm_summary(segment, stats[segment.value]) for segment in rfm_page),
            *(_custom_summary(segment, stats[segment.pk]) for segment in custom_page),
        ]
