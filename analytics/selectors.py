"""Analytics reads: figures summed from the daily sales rollups (`orders.models.SalesDay`), never from the
orders themselves, so a year of a large store is a few thousand rows read in one statement. What each
figure means is in docs/analytics.md."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from accounts.models import Account
from orders.models import ZERO, SalesDay

PREVIOUS_PERIOD = "previous_period"
PREVIOUS_YEAR = "previous_year"
COMPARISONS = (PREVIOUS_PERIOD, PREVIOUS_YEAR)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def q(self) -> Q:
        return Q(day__gte=self.start, day__lte=self.end)


def shift_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (earlier when negative); 29 February becomes the 28th in a year
    without one."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def comparison(period: Period, compare_to: str) -> Period:
    """The period the figures are compared with: as many days just before, or the same dates a year earlier."""
    if compare_to == PREVIOUS_YEAR:
        return Period(shift_years(period.start, -1), shift_years(period.end, -1))
    days = period.end - period.start + datetime.timedelta(days=1)
    return Period(period.start - days, period.start - datetime.timedelta(days=1))


@dataclass(frozen=True)
class Dashboard:
    start_date: datetime.date
    end_date: datetime.date
    compare_to: str
    currency: str
    total_revenue: Decimal
    total_orders: int
    total_customers: int
    average_order_value: Decimal
    revenue_growth: Decimal | None
    orders_growth: Decimal | None
    customers_growth: Decimal | None


def growth(current, previous) -> Decimal | None:
    """Percent change from `previous`, two decimals; None when there is nothing to compare with."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / abs(Decimal(previous))).quantize(CENT, ROUND_HALF_UP)


def _sums(period: Period, prefix: str) -> dict:
    return {
        f"{prefix}_total": Sum("total", filter=period.q),
        f"{prefix}_refunds": Sum("refunds", filter=period.q),
        f"{prefix}_orders": Sum("orders", filter=period.q),
        f"{prefix}_customers": Sum("new_customers", filter=period.q),
    }


def dashboard(*, account: Account, period: Period, compare_to: str, channel: str | None = None) -> Dashboard:
    """The dashboard's figures for `period` (days of the account's time zone) and their growth against the
    comparison period, on one channel or all: one statement over the account's sales days."""
    previous = comparison(period, compare_to)
    rows = SalesDay.objects.filter(account=account).filter(period.q | previous.q)
    if channel:
        rows = rows.filter(channel=channel)
    sums = rows.aggregate(**_sums(period, "current"), **_sums(previous, "previous"))
    figures = {}
    for prefix in ("current", "previous"):
        total, refunds = sums[f"{prefix}_total"] or ZERO, sums[f"{prefix}_refunds"] or ZERO
        figures[prefix] = (
            (total - refunds).quantize(CENT),
            sums[f"{prefix}_orders"] or 0,
            sums[f"{prefix}_customers"] or 0,
        )
    revenue, orders, customers = figures["current"]
    previous_revenue, previous_orders, previous_customers = figures["previous"]
    return Dashboard(
        start_date=period.start,
        end_date=period.end,
        compare_to=compare_to,
        currency=account.currency,
        total_revenue=revenue,
        total_orders=orders,
        total_customers=customers,
        average_order_value=(revenue / orders).quantize(CENT, ROUND_HALF_UP) if orders else ZERO,
        revenue_growth=growth(revenue, previous_revenue),
        orders_growth=growth(orders, previous_orders),
        customers_growth=growth(customers, previous_customers),
    )
