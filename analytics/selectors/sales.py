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


_SALES_SUMS = {"total": Sum("total"), "refunds": Sum("refunds"), "orders": Sum("orders"), "units": Sum("units")}


def sales(
    *, account: Account, period: Period, granularity: str, channel: str | None = None, group_by: str | None = None
) -> SalesReport:
    """Net revenue, orders and units of the period per bucket (every bucket present), per channel and, when
    asked, per weekday or hour of day: two statements, the period's days summed over channels and its channels
    summed over days, the days folded into buckets here (a year is at most 366 rows); a third for the hours,
    the period's hourly rows summed by hour (at most 24 rows)."""
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


def financial(*, account: Account, period: Period, granularity: str, channel: str | None = None) -> FinancialReport:
    """Sales, discounts, refunds, tax, shipping, cost and profit of the period per bucket (every bucket
    present) and in total, and the money moved by payment method: two statements, the period's days summed
    over channels (folded into buckets here) and its payment days summed by method."""
    by_bucket = {start: FinancialFigures.empty() for start in buckets(period, granularity)}
    total = FinancialFigures.empty()
    sums = {column: Sum(column) for column in (*FINANCIAL_COLUMNS, "lines_without_cost")}
    for row in _days(account, period, channel, **sums):
        by_bucket[bucket_of(row["day"], period, granularity)].add(row)
        total.add(row)
    return FinancialReport(
        start_date=period.start,
        end_date=period.end,
        granularity=granularity,
        currency=account.currency,
        totals=total.figures(),
        series=[{"period": start, **figures.figures()} for start, figures in by_bucket.items()],
        by_payment_method=_payment_methods(account, period, channel),
    )
