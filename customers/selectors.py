"""Reads: RFM scoring, segment membership (the rule -> Q builder) and segment summaries, all in SQL."""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OrderBy,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, TruncDate
from django.utils import timezone

from omnisales.api.errors import not_found

from . import rfm
from .models import RFM_SCORE_FIELDS, SHOWN_FIELDS, Customer, CustomerSegment
from .rfm import RfmSegment
from .rules import rules_for_display

ZERO = Decimal("0.00")
RFM_FIELDS = ("id", "name", "email", "total_orders", "total_spent", "last_order_date")


def account_today(account) -> datetime.date:
    return timezone.localdate(timezone=account.zone)


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
    """Active customers of `account` with stored RFM scores: `rfm_scored` of the account's customers."""
    return rfm_scored(RfmQuerySet(model=Customer).filter(account=account))


def customer_rows() -> QuerySet:
    """Customers as dicts of what CustomerSerializer shows, for reads that only render them (the list and
    the detail): no model instances. Filter it (the account first)."""
    return Customer.objects.values(*SHOWN_FIELDS)


def rfm_scored(customers: "RfmQuerySet") -> "RfmQuerySet":
    """The active ones of `customers` (an account's, scoped by the caller) with stored RFM scores
    (`r_score`, `f_score`, `m_score`, `rfm_segment`, as of `rfm_computed_at`), biggest spenders first.
    The scores are written by `services.rfm_scores_refresh`; reads only filter, sort and slice indexed
    columns."""
    return (
        customers.filter(is_anonymized=False)
        .filter(SCORED)
        .only(*RFM_FIELDS, *RFM_SCORE_FIELDS)
        .order_by("-total_spent", "id")
    )


def recency_of(last_order_date, *, zone: zoneinfo.ZoneInfo, as_of: datetime.date):
    """Days (an interval) from the local date of `last_order_date` (an expression) to `as_of`, never below 0."""
    last_order_day = TruncDate(last_order_date, tzinfo=zone)
    elapsed = ExpressionWrapper(Value(as_of, output_field=DateField()) - last_order_day, output_field=DurationField())
    return Greatest(elapsed, Value(datetime.timedelta(0)))


def with_recency(queryset: QuerySet, *, account, as_of: datetime.date) -> QuerySet:
    """Annotates `recency`: from the last order's date (in the account's time zone) to `as_of`.

    Order counters are running totals, not a history, so RFM cannot be rewound: an `as_of` before a
    customer's last order gives a recency of 0 rather than a negative one.
    """
    zone = account.zone
    annotated = queryset.annotate(recency=recency_of(F("last_order_date"), zone=zone, as_of=as_of))
    if isinstance(annotated, RfmQuerySet):
        annotated.recency_basis = RecencyBasis(zone=zone, as_of=as_of)
    return annotated


@dataclass(frozen=True)
class RecencyBasis:
    """The time zone and date the `recency` annotation counts days in and to."""

    zone: zoneinfo.ZoneInfo
    as_of: datetime.date


class RfmQuerySet(QuerySet):
    """The RFM rows. A page in recency order (`recency` then id, either way) is not cut from all the
    rows sorted by recency: on PostgreSQL it is found by walking the index on the last order date
    (see `_recency_page`), so a deep offset costs an index walk, not a sort of every customer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recency_basis: RecencyBasis | None = None

    def _clone(self):
        clone = super()._clone()
        clone.recency_basis = self.recency_basis
        return clone

    def __getitem__(self, k):
        if isinstance(k, slice) and k.step is None and k.stop is not None and self._result_cache is None:
            descending = self._recency_ordering()
            start = k.start or 0
            if descending is not None and 0 <= start < k.stop:
                page = self.filter(pk__in=_recency_page(self, start=start, stop=k.stop, descending=descending))
                page.recency_basis = None  # the page is the result: slicing it again cuts the page itself
                return page
        return super().__getitem__(k)

    def _recency_ordering(self) -> bool | None:
        """Whether this is ordered by `recency` descending (True) or ascending (False), then by id, in a
        plain one-table query on PostgreSQL; None otherwise (then slices are taken as usual)."""
        query = self.query
        if (
            self.recency_basis is None
            or connections[self.db].vendor != "postgresql"
            or query.is_sliced
            or query.distinct
            or query.combinator
            or not query.where
            or sum(1 for alias in query.alias_map if query.alias_refcount[alias]) != 1
            or len(query.order_by) != 2
            or query.order_by[1] not in ("pk", "id")
        ):
            return None
        first = query.order_by[0]
        if isinstance(first, str):
            name, descending = first.removeprefix("-"), first.startswith("-")
        elif isinstance(first, OrderBy) and isinstance(first.expression, F):
            name, descending = first.expression.name, first.descending
        else:
            return None
        return descending if name == "recency" else None


# The statement behind `_recency_page`. `{name}` stands for a fragment (SQL and its parameters).
# Everything is compared with two days to spare (`{slack}`): an instant two days later is on a later
# local date in any time zone, so the exact recency test always has the last word.
_RECENCY_PAGE_SQL = """
    WITH rfm_walk AS MATERIALIZED (
        SELECT MAX(walked.last_order) AS newest, MIN(walked.last_order) AS oldest FROM (
            SELECT {last_order} AS last_order FROM {table} WHERE {where}
            ORDER BY {last_order} {walk_direction} LIMIT {limit} OFFSET {offset}
        ) AS walked
    ), rfm_bounds AS MATERIALIZED (
        SELECT newest, oldest, {newest_recency} AS newest_recency, {oldest_recency} AS oldest_recency,
            LEAST(oldest, {as_of_start}) - {slack} AS low,
            CASE WHEN {newest_recency} = interval '0' THEN 'infinity' ELSE newest + {slack} END AS high
        FROM rfm_walk WHERE newest IS NOT NULL
    )
    SELECT {pk} FROM {table} WHERE {where}
        AND {last_order} >= (SELECT low FROM rfm_bounds) AND {last_order} <= (SELECT high FROM rfm_bounds)
        AND {recency} >= (SELECT newest_recency FROM rfm_bounds)
        AND {recency} <= (SELECT oldest_recency FROM rfm_bounds)
    ORDER BY {recency} {recency_direction}, {pk} ASC
    OFFSET (SELECT GREATEST({offset} - ({before}), 0) FROM rfm_bounds)
    LIMIT {limit}
"""
# The rows before the page. Ascending recency: rows newer than the page's newest date, unless the
# page starts among the recency-0 rows (nothing comes before those). Descending: rows older than
# the page's oldest date.
_NEWER_SQL = """
    CASE WHEN rfm_bounds.newest_recency = interval '0' THEN 0 ELSE
        (SELECT COUNT(*) FROM {table} WHERE {where} AND {last_order} > rfm_bounds.high)
        + (SELECT COUNT(*) FROM {table} WHERE {where} AND {last_order} > rfm_bounds.newest
            AND {last_order} <= rfm_bounds.high AND {recency} < rfm_bounds.newest_recency)
    END
"""
_OLDER_SQL = """
    (SELECT COUNT(*) FROM {table} WHERE {where} AND {last_order} < rfm_bounds.low)
    + (SELECT COUNT(*) FROM {table} WHERE {where} AND {last_order} >= rfm_bounds.low
        AND {last_order} < rfm_bounds.oldest AND {recency} > rfm_bounds.oldest_recency)
"""


def _fill(template: str, fragments: dict[str, tuple[str, tuple]]) -> tuple[str, tuple]:
    """`template` with each `{name}` replaced by its fragment's SQL, and the parameters in order."""
    params = []

    def fragment(match) -> str:
        sql, fragment_params = fragments[match[1]]
        params.extend(fragment_params)
        return sql

    return re.sub(r"\{(\w+)\}", fragment, template), tuple(params)


def _recency_page(queryset: RfmQuerySet, *, start: int, stop: int, descending: bool) -> RawSQL:
    """The ids of `queryset[start:stop]` in recency order, found without sorting every row.

    Recency is a function of the last order's local date, which never decreases as the last order
    date increases (true of every time zone since 2011), so the rows in last-order-date order are
    also in recency order. The statement
    1. walks the partial index `customer_rfm_last_order` over positions start..stop-1 (newest first
       for ascending recency, oldest first for descending) and takes the newest and oldest last
       order dates there: the page's recencies lie between theirs;
    2. counts the rows whose recency comes before the page's first one: those more than two days
       beyond the first walked date (counted in the index), plus those within two days whose
       recency, computed exactly, comes first;
    3. sorts just the rows with a recency in the page's range, by recency and id as the plain query
       would, and skips as many as the page starts after the rows counted.
    Recency 0 covers every order from the start of `as_of` on, however recent: such rows are bounded
    by that instant instead of a walked date.
    """
    basis = queryset.recency_basis
    query = queryset.query.chain()
    compiler = query.get_compiler(using=queryset.db)
    quote = compiler.connection.ops.quote_name
    table = quote(Customer._meta.db_table)
    last_order = f"{table}.{quote(Customer._meta.get_field('last_order_date').column)}"

    def recency(source: str) -> tuple[str, tuple]:
        source = RawSQL(source, (), output_field=DateTimeField())  # noqa: S611 - a column or CTE name
        sql, params = compiler.compile(recency_of(source, zone=basis.zone, as_of=basis.as_of).resolve_expression(query))
        return sql, tuple(params)

    where, where_params = compiler.compile(query.where)
    fragments = {
        "table": (table, ()),
        "pk": (f"{table}.{quote(Customer._meta.pk.column)}", ()),
        "last_order": (last_order, ()),
        "where": (where, tuple(where_params)),
        "recency": recency(last_order),
        "newest_recency": recency("newest"),
        "oldest_recency": recency("oldest"),
        "as_of_start": ("%s", (_start_of_day(basis.as_of, basis.zone),)),
        "slack": ("interval '2 days'", ()),
        "limit": ("%s", (stop - start,)),
        "offset": ("%s", (start,)),
        "walk_direction": ("ASC" if descending else "DESC", ()),
        "recency_direction": ("DESC" if descending else "ASC", ()),
    }
    fragments["before"] = _fill(_OLDER_SQL if descending else _NEWER_SQL, fragments)
    return RawSQL(*_fill(_RECENCY_PAGE_SQL, fragments))  # noqa: S611 - values are parameters


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
    zone = account.zone
    if "after" in last_order:
        first_day = datetime.date.fromisoformat(last_order["after"]) + datetime.timedelta(days=1)
        condition &= Q(last_order_date__gte=_start_of_day(first_day, zone))
    if "before" in last_order:
        condition &= Q(last_order_date__lt=_start_of_day(datetime.date.fromisoformat(last_order["before"]), zone))
    if rules.get("rfmSegment"):
        condition &= rfm_members_q(segments=rules["rfmSegment"])
    # Tags last: the JSON containment tests cost the most, and where the whole condition is one
    # expression (the custom segment sums) they then run only for customers the columns let through.
    tags = rules.get("tags", {})
    if tags.get("any"):
        condition &= reduce(or_, (Q(tags__json_array_contains=tag) for tag in tags["any"]))
    for tag in tags.get("all", []):
        condition &= Q(tags__json_array_contains=tag)
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


def segment_members(*, account, ref: SegmentRef, customers: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """The active customers of the segment, among `customers` (default: all of the account's)."""
    customers = customers_of(account=account) if customers is None else customers
    return customers.filter(is_anonymized=False).filter(segment_members_q(account=account, ref=ref))


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


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def segment_stats(
    *, account, rfm_segments: list[RfmSegment] = (), custom_segments: list[CustomerSegment] = ()
) -> dict[str, SegmentStats]:
    """Customer count, revenue and orders per segment id over active customers, in at most two
    queries: one for the RFM segments, one for the custom segments."""
    return {
        **(_rfm_segment_stats(account=account, segments=rfm_segments) if rfm_segments else {}),
        **(_custom_segment_stats(account=account, segments=custom_segments) if custom_segments else {}),
    }


def _rfm_segment_stats(*, account, segments: list[RfmSegment]) -> dict[str, SegmentStats]:
    """One aggregate per segment, joined by UNION ALL: each reads its own range of the partial
    index `customer_rfm_scored` (account, segment, spend, orders) and nothing else, and PostgreSQL
    may run them in parallel. (One GROUP BY over all segments hashes every row's segment name and
    tends to be planned as a scan of the whole table.)"""
    per_segment = [
        active_customers(account=account)
        .filter(rfm_members_q(segments=[segment.value]))
        .order_by()
        .values("rfm_segment")
        .annotate(customers=Count("*"), revenue=Sum("total_spent"), orders=Sum("total_orders"))
        for segment in segments
    ]
    rows = per_segment[0].union(*per_segment[1:], all=True) if len(per_segment) > 1 else per_segment[0]
    found = {row["rfm_segment"]: SegmentStats(row["customers"], _cents(row["revenue"]), row["orders"]) for row in rows}
    return {segment.value: found.get(segment.value, SegmentStats()) for segment in segments}


def _custom_segment_stats(*, account, segments: list[CustomerSegment]) -> dict[str, SegmentStats]:
    """One pass over the account's active customers: a subquery tests each segment's rules once per
    customer (flags `in_segment_<n>`) and the outer query sums what each flag selects. On
    PostgreSQL `OFFSET 0` keeps the planner from folding the subquery into the aggregates, which
    would test every rule again for each of its three sums."""
    flags = {}
    for index, segment in enumerate(segments):
        condition = segment_q(account=account, rules=segment.rules)
        flags[f"in_segment_{index}"] = (
            ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)
        )
    members = (
        active_customers(account=account).order_by().annotate(**flags).values("total_spent", "total_orders", *flags)
    )
    members_sql, params = members.query.sql_with_params()
    connection = connections[members.db]
    quote = connection.ops.quote_name
    sums = []
    for flag in flags:
        selected = f"FILTER (WHERE {quote(flag)})"
        sums.append(
            f"COUNT(*) {selected}, SUM({quote('total_spent')}) {selected}, SUM({quote('total_orders')}) {selected}"
        )
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    # Only quoted identifiers and the ORM's compiled SELECT are interpolated; values are parameters.
    sql = f"SELECT {', '.join(sums)} FROM ({members_sql}{fence}) AS members"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {
        segment.pk: SegmentStats(row[3 * index], _cents(row[3 * index + 1]), row[3 * index + 2] or 0)
        for index, segment in enumerate(segments)
    }


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
