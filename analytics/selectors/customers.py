"""The customers report: acquisition and repeat orders from the daily sales rollups (`SalesDay`), repeat purchase
rate and lifetime value from the customers' own order statistics, the RFM segments as of their last refresh, and
monthly cohorts from `CohortMonth`. Five statements whatever the data; what each figure means is in
docs/analytics.md."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum

from accounts.models import Account
from customers.models import Customer
from customers.rfm import RfmSegment
from customers.selectors import SCORED, segment_stats
from orders.models import CohortMonth, SalesDay

from .common import Period, average, comparison, growth, money, percent

UNSCORED = "unscored"
RFM_ROWS = (*RfmSegment.values, UNSCORED)


@dataclass(frozen=True)
class CustomersReport:
    start_date: datetime.date
    end_date: datetime.date
    compare_to: str
    currency: str
    new_customers: int
    new_customers_growth: Decimal | None
    orders_from_new: int
    orders_from_new_growth: Decimal | None
    orders_from_returning: int
    orders_from_returning_growth: Decimal | None
    acquired_customers: int
    repeat_customers: int
    repeat_purchase_rate: Decimal | None
    customers_with_orders: int
    average_lifetime_value: Decimal
    cohort_lifetime_value: Decimal
    rfm_computed_at: datetime.datetime | None
    rfm_distribution: list[dict]
    by_month: list[dict]
    cohorts: list[dict]


def month_starts(period: Period) -> list[datetime.date]:
    """The first day of every calendar month the period touches, in order."""
    months, month = [], period.start.replace(day=1)
    while month <= period.end:
        months.append(month)
        month = next_month(month)
    return months


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def months_between(first: datetime.date, later: datetime.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _local_midnight(day: datetime.date, account: Account) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, tzinfo=account.zone)


def _order_figures(account: Account, period: Period, previous: Period, channel: str | None) -> dict:
    """New customers and orders of both periods: one statement over the account's sales days."""
    rows = SalesDay.objects.filter(account=account).filter(period.q | previous.q)
    if channel:
        rows = rows.filter(channel=channel)
    sums = rows.aggregate(
        current_new=Sum("new_customers", filter=period.q),
        current_orders=Sum("orders", filter=period.q),
        previous_new=Sum("new_customers", filter=previous.q),
        previous_orders=Sum("orders", filter=previous.q),
    )
    return {name: value or 0 for name, value in sums.items()}


def _customer_figures(account: Account, period: Period) -> dict:
    """One pass over the account's customers with orders: all of them, those acquired in the period (their
    `first_order_date` in its days of the account's time zone), and the active ones the last RFM refresh has not
    scored."""
    acquired = Q(
        first_order_date__gte=_local_midnight(period.start, account),
        first_order_date__lt=_local_midnight(period.end + datetime.timedelta(days=1), account),
    )
    unscored = Q(is_anonymized=False) & ~SCORED
    sums = Customer.objects.filter(account=account, total_orders__gt=0).aggregate(
        with_orders=Count("pk"),
        spent=Sum("total_spent"),
        acquired=Count("pk", filter=acquired),
        repeat=Count("pk", filter=acquired & Q(total_orders__gte=2)),
        acquired_spent=Sum("total_spent", filter=acquired),
        unscored=Count("pk", filter=unscored),
        unscored_spent=Sum("total_spent", filter=unscored),
        rfm_computed_at=Max("rfm_computed_at"),
    )
    computed_at = sums.pop("rfm_computed_at")
    return {**{name: value or 0 for name, value in sums.items()}, "rfm_computed_at": computed_at}


def _rfm_distribution(account: Account, unscored: int, unscored_spent) -> list[dict]:
    """Every segment in the order of `RfmSegment` (zeros included), then the customers with orders not scored
    yet; `share` is of all of them."""
    stats = segment_stats(account=account, rfm_segments=list(RfmSegment))
    rows = [
        (segment.value, stats[segment.value].customer_count, stats[segment.value].revenue) for segment in RfmSegment
    ]
    rows.append((UNSCORED, unscored, unscored_spent))
    total = sum(customers for _, customers, _ in rows)
    return [
        {"segment": segment, "customers": customers, "share": percent(customers, total), "total_spent": money(spent)}
        for segment, customers, spent in rows
    ]


def _by_month(account: Account, months: list[datetime.date]) -> list[dict]:
    """New and returning customers of every month: one GROUP BY over the months' cohort rows."""
    rows = (
        CohortMonth.objects.filter(account=account, month__gte=months[0], month__lte=months[-1])
        .values("month")
        .annotate(
            new=Sum("customers", filter=Q(cohort=F("month"))),
            returning=Sum("customers", filter=Q(cohort__lt=F("month"))),
        )
        .order_by()
    )
    found = {row["month"]: row for row in rows}
    return [
        {
            "month": month,
            "new_customers": (found.get(month) or {}).get("new") or 0,
            "returning_customers": (found.get(month) or {}).get("returning") or 0,
        }
        for month in months
    ]


def _cohorts(account: Account, months: list[datetime.date]) -> list[dict]:
    """Each cohort of the months and its activity in every month from its own to the last: one read of the cohort
    rows (at most 60 × 61 / 2 over five years)."""
    rows = (
        CohortMonth.objects.filter(
            account=account, cohort__gte=months[0], cohort__lte=months[-1], month__lte=months[-1]
        )
        .values_list("cohort", "month", "customers", "orders")
        .order_by()
    )
    found = {(cohort, month): (customers, orders) for cohort, month, customers, orders in rows}
    cohorts = []
    for index, cohort in enumerate(months):
        size = found.get((cohort, cohort), (0, 0))[0]
        activity = []
        for month in months[index:]:
            customers, orders = found.get((cohort, month), (0, 0))
            activity.append(
                {
                    "month": month,
                    "months_since": months_between(cohort, month),
                    "customers": customers,
                    "orders": orders,
                    "retention": percent(customers, size),
                }
            )
        cohorts.append({"cohort": cohort, "size": size, "months": activity})
    return cohorts


def customers_report(
    *, account: Account, period: Period, compare_to: str, channel: str | None = None
) -> CustomersReport:
    """The customers report of `period` (days of the account's time zone). `channel` narrows the figures read from
    the sales days (new customers and orders, and their growth); the customer statistics, RFM segments and cohorts
    cover every channel."""
    previous = comparison(period, compare_to)
    orders = _order_figures(account, period, previous, channel)
    new, previous_new = orders["current_new"], orders["previous_new"]
    returning = orders["current_orders"] - new
    previous_returning = orders["previous_orders"] - previous_new
    customers = _customer_figures(account, period)
    months = month_starts(period)
    return CustomersReport(
        start_date=period.start,
        end_date=period.end,
        compare_to=compare_to,
        currency=account.currency,
        new_customers=new,
        new_customers_growth=growth(new, previous_new),
        orders_from_new=new,
        orders_from_new_growth=growth(new, previous_new),
        orders_from_returning=returning,
        orders_from_returning_growth=growth(returning, previous_returning),
        acquired_customers=customers["acquired"],
        repeat_customers=customers["repeat"],
        repeat_purchase_rate=percent(customers["repeat"], customers["acquired"]),
        customers_with_orders=customers["with_orders"],
        average_lifetime_value=average(Decimal(customers["spent"]), customers["with_orders"]),
        cohort_lifetime_value=average(Decimal(customers["acquired_spent"]), customers["acquired"]),
        rfm_computed_at=customers["rfm_computed_at"],
        rfm_distribution=_rfm_distribution(account, customers["unscored"], customers["unscored_spent"]),
        by_month=_by_month(account, months),
        cohorts=_cohorts(account, months),
    )
