"""Sales figures across every account for the back office's dashboard: orders and revenue per day and
currency over the last days, in one aggregate query.

Revenue is what the customers' `totalSpent` counts: order totals less refunds, of orders that still count
(not cancelled, not refunded in full). Orders are all orders placed, whatever their status. Days are
calendar days in the site's time zone (`TIME_ZONE`), today included.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import ZERO, Order

DAYS = 30
NET_TOTAL = ExpressionWrapper(
    F("total") - F("amount_refunded"), output_field=DecimalField(max_digits=16, decimal_places=2)
)


@dataclass(frozen=True)
class DaySales:
    day: datetime.date
    orders: int = 0
    revenue: Decimal = ZERO


@dataclass
class CurrencySales:
    """One currency's days, oldest first, one per day of the period (days without orders are zeros)."""

    currency: str
    days: list[DaySales]

    @property
    def today(self) -> DaySales:
        return self.days[-1]

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self.days)

    @property
    def revenue(self) -> Decimal:
        return sum((day.revenue for day in self.days), ZERO)


@dataclass
class SalesOverview:
    days: int
    first_day: datetime.date
    today: datetime.date
    time_zone: str
    currencies: list[CurrencySales] = field(default_factory=list)  # the highest revenue over the period first

    @property
    def orders_today(self) -> int:
        return sum(sales.today.orders for sales in self.currencies)

    @property
    def orders(self) -> int:
        return sum(sales.orders for sales in self.currencies)


def sales_overview(*, days: int = DAYS, now: datetime.datetime | None = None) -> SalesOverview:
    """Orders and revenue per currency for each of the last `days` days up to `now` (one query)."""
    today = timezone.localdate(now or timezone.now())
    first_day = today - datetime.timedelta(days=days - 1)
    start, end = (
        timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        for day in (first_day, today + datetime.timedelta(days=1))
    )
    rows = (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("currency", "day")
        .annotate(orders=Count("id"), revenue=Sum(NET_TOTAL, filter=Q(counted_in_stats=True), default=ZERO))
    )
    found: dict[str, dict[datetime.date, DaySales]] = {}
    for row in rows:
        found.setdefault(row["currency"], {})[row["day"]] = DaySales(row["day"], row["orders"], row["revenue"])
    calendar = [first_day + datetime.timedelta(days=offset) for offset in range(days)]
    currencies = [
        CurrencySales(currency, [by_day.get(day, DaySales(day)) for day in calendar])
        for currency, by_day in found.items()
    ]
    currencies.sort(key=lambda sales: (-sales.revenue, -sales.orders, sales.currency))
    return SalesOverview(
        days=days,
        first_day=first_day,
        today=today,
        time_zone=timezone.get_current_timezone_name(),
        currencies=currencies,
    )
