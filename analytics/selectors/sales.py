"""The sales reads (dashboard, sales, financial): figures summed from the daily sales rollups
(`orders.models.SalesDay`), never from the orders themselves, so a year of a large store is a few thousand
rows read in one statement. What each figure means is in docs/analytics.md."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from accounts.models import Account
from orders.models import ZERO, PaymentDay, SalesDay, SalesHour

from .common import (
    CENT,
    HOUR_OF_DAY,
    WEEKDAY,
    WEEKDAYS,
    Period,
    average,
    bucket_of,
    buckets,
    comparison,
    growth,
    money,
    percent,
)


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
        average_order_value=average(revenue, orders),
        revenue_growth=growth(revenue, previous_revenue),
        orders_growth=growth(orders, previous_orders),
        customers_growth=growth(customers, previous_customers),
    )


def _rows(account: Account, period: Period, channel: str | None):
    rows = SalesDay.objects.filter(account=account).filter(period.q)
    return rows.filter(channel=channel) if channel else rows


def _days(account: Account, period: Period, channel: str | None, **sums):
    """The period's sales days summed over the channels by the database: at most one row a day, which the
    caller folds into buckets."""
    return _rows(account, period, channel).values("day").annotate(**sums).order_by("day")


@dataclass
class SalesFigures:
    revenue: Decimal = ZERO
    orders: int = 0
    units: int = 0

    def add(self, row: dict) -> None:
        self.revenue += (row["total"] or ZERO) - (row["refunds"] or ZERO)
        self.orders += row["orders"] or 0
        self.units += row["units"] or 0

    def figures(self) -> dict:
        revenue = money(self.revenue)
        return {"revenue": revenue, "orders": self.orders, "units": self.units}

    def with_average(self) -> dict:
        figures = self.figures()
        return {**figures, "average_order_value": average(figures["revenue"], self.orders)}

    # What a comparison period needs: its sums, how to start and end them, which figures grow.
    SUMS = {"total": Sum("total"), "refunds": Sum("refunds"), "orders": Sum("orders"), "units": Sum("units")}
    GROWING = ("revenue", "orders", "units", "average_order_value")

    @classmethod
    def empty(cls) -> "SalesFigures":
        return cls()

    def totals(self) -> dict:
        return self.with_average()


@dataclass(frozen=True)
class SalesReport:
    start_date: datetime.date
    end_date: datetime.date
    granularity: str
    currency: str
    totals: dict
    series: list[dict]
    by_channel: list[dict]
    by_weekday: list[dict] | None  # only when asked for (groupBy=weekday)
    by_hour: list[dict] | None = None  # only when asked for (groupBy=hourOfDay)
    compare_to: str | None = None  # the rest only when asked for (compareTo)
    comparison: dict | None = None
    growth: dict | None = None


def _compared(
    account: Account, period: Period, compare_to: str | None, channel: str | None, figures, totals: dict
) -> dict:
    """With `compare_to`: the comparison period's totals (one statement over its days, `figures` the class that
    adds them up) and each figure's growth against them, as the report's fields; nothing without it."""
    if not compare_to:
        return {}
    previous = comparison(period, compare_to)
    sums = figures.empty()
    row = _rows(account, previous, channel).aggregate(**figures.SUMS)
    sums.add(row)
    previous_totals = sums.totals()
    return {
        "compare_to": compare_to,
        "comparison": {"start_date": previous.start, "end_date": previous.end, "totals": previous_totals},
        "growth": {name: growth(totals[name], previous_totals[name]) for name in figures.GROWING},
    }


_SALES_SUMS = SalesFigures.SUMS


def sales(
    *,
    account: Account,
    period: Period,
    granularity: str,
    channel: str | None = None,
    group_by: str | None = None,
    compare_to: str | None = None,
) -> SalesReport:
    """Net revenue, orders and units of the period per bucket (every bucket present), per channel and, when
    asked, per weekday or hour of day, and against a comparison period: two statements, the period's days
    summed over channels and its channels summed over days, the days folded into buckets here (a year is at most
    366 rows); one more for the hours (the period's hourly rows summed by hour) and one for the comparison."""
    by_bucket = {start: SalesFigures() for start in buckets(period, granularity)}
    by_weekday = [SalesFigures() for _ in WEEKDAYS]
    total = SalesFigures()
    for row in _days(account, period, channel, **_SALES_SUMS):
        by_bucket[bucket_of(row["day"], period, granularity)].add(row)
        by_weekday[row["day"].weekday()].add(row)
        total.add(row)
    per_channel = []
    for row in _rows(account, period, channel).values("channel").annotate(**_SALES_SUMS).order_by("channel"):
        figures = SalesFigures()
        figures.add(row)
        if figures.revenue or figures.orders or figures.units:  # rows zeroed by cancellations are no sales
            per_channel.append({"channel": row["channel"], **figures.figures()})
    totals = total.with_average()
    for entry in per_channel:
        entry["share"] = percent(entry["revenue"], totals["revenue"])
    per_channel.sort(key=lambda entry: -entry["revenue"])  # stable: equal revenues stay in channel order
    return SalesReport(
        start_date=period.start,
        end_date=period.end,
        granularity=granularity,
        currency=account.currency,
        totals=totals,
        series=[{"period": start, **figures.with_average()} for start, figures in by_bucket.items()],
        by_channel=per_channel,
        by_weekday=(
            [{"weekday": name, **figures.figures()} for name, figures in zip(WEEKDAYS, by_weekday, strict=True)]
            if group_by == WEEKDAY
            else None
        ),
        by_hour=_hours(account, period, channel) if group_by == HOUR_OF_DAY else None,
        **_compared(account, period, compare_to, channel, SalesFigures, totals),
    )


def _hours(account: Account, period: Period, channel: str | None) -> list[dict]:
    """The period's sales by hour of day (the account's time zone), all 24 hours from 0."""
    by_hour = [SalesFigures() for _ in range(24)]
    rows = SalesHour.objects.filter(account=account).filter(period.q)
    if channel:
        rows = rows.filter(channel=channel)
    for row in rows.values("hour").annotate(**_SALES_SUMS).order_by("hour"):
        by_hour[row["hour"]].add(row)
    return [{"hour": hour, **figures.figures()} for hour, figures in enumerate(by_hour)]


FINANCIAL_COLUMNS = ("gross_sales", "discounts", "refunds", "tax", "shipping", "cost_of_goods")


@dataclass
class FinancialFigures:
    sums: dict[str, Decimal]
    lines_without_cost: int = 0

    @classmethod
    def empty(cls) -> "FinancialFigures":
        return cls(dict.fromkeys(FINANCIAL_COLUMNS, ZERO))

    SUMS = {column: Sum(column) for column in (*FINANCIAL_COLUMNS, "lines_without_cost")}
    GROWING = ("gross_sales", "discounts", "refunds", "net_sales", "tax", "shipping", "cost_of_goods", "gross_profit")

    def totals(self) -> dict:
        return self.figures()

    def add(self, row: dict) -> None:
        for column in FINANCIAL_COLUMNS:
            self.sums[column] += row[column] or ZERO
        self.lines_without_cost += row["lines_without_cost"] or 0

    def figures(self) -> dict:
        sums = {column: money(value) for column, value in self.sums.items()}
        net_sales = sums["gross_sales"] - sums["discounts"] - sums["refunds"]
        gross_profit = net_sales - sums["cost_of_goods"]
        return {
            "gross_sales": sums["gross_sales"],
            "discounts": sums["discounts"],
            "refunds": sums["refunds"],
            "net_sales": net_sales,
            "tax": sums["tax"],
            "shipping": sums["shipping"],
            "cost_of_goods": sums["cost_of_goods"],
            "gross_profit": gross_profit,
            "gross_margin": percent(gross_profit, net_sales),
            "lines_without_cost": self.lines_without_cost,
        }


@dataclass(frozen=True)
class FinancialReport:
    start_date: datetime.date
    end_date: datetime.date
    granularity: str
    currency: str
    totals: dict
    series: list[dict]
    by_payment_method: list[dict]
    compare_to: str | None = None  # the rest only when asked for (compareTo)
    comparison: dict | None = None
    growth: dict | None = None


def _payment_methods(account: Account, period: Period, channel: str | None) -> list[dict]:
    """Money that moved in the period by payment method (succeeded payments and refunds by the day they were
    recorded), the methods that moved any, most collected first: one statement over the payment days."""
    rows = PaymentDay.objects.filter(account=account).filter(period.q)
    if channel:
        rows = rows.filter(channel=channel)
    sums = rows.values("method").annotate(
        payments=Sum("payments"), collected=Sum("collected"), refunds=Sum("refunds"), refunded=Sum("refunded")
    )
    methods = []
    for row in sums.order_by("method"):
        if not (row["payments"] or row["refunds"]):
            continue
        collected, refunded = money(row["collected"]), money(row["refunded"])
        methods.append(
            {
                "method": row["method"],
                "payments": row["payments"],
                "collected": collected,
                "refunds": row["refunds"],
                "refunded": refunded,
                "net": collected - refunded,
            }
        )
    methods.sort(key=lambda entry: -entry["collected"])  # stable: equal amounts stay in method order
    return methods


def financial(
    *, account: Account, period: Period, granularity: str, channel: str | None = None, compare_to: str | None = None
) -> FinancialReport:
    """Sales, discounts, refunds, tax, shipping, cost and profit of the period per bucket (every bucket
    present) and in total, the money moved by payment method, and, when asked, the comparison period's totals:
    two statements, the period's days summed over channels (folded into buckets here) and its payment days
    summed by method; one more for the comparison."""
    by_bucket = {start: FinancialFigures.empty() for start in buckets(period, granularity)}
    total = FinancialFigures.empty()
    for row in _days(account, period, channel, **FinancialFigures.SUMS):
        by_bucket[bucket_of(row["day"], period, granularity)].add(row)
        total.add(row)
    return FinancialReport(
        start_date=period.start,
        end_date=period.end,
        granularity=granularity,
        currency=account.currency,
        totals=(totals := total.figures()),
        series=[{"period": start, **figures.figures()} for start, figures in by_bucket.items()],
        by_payment_method=_payment_methods(account, period, channel),
        **_compared(account, period, compare_to, channel, FinancialFigures, totals),
    )
