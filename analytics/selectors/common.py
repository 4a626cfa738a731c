"""What every analytics report shares: the period, its comparison, buckets of days, and how figures are
rounded."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from orders.models import ZERO

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


def growth(current, previous) -> Decimal | None:
    """Percent change from `previous`, two decimals; None when there is nothing to compare with."""
    if not previous:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / abs(Decimal(previous))).quantize(CENT, ROUND_HALF_UP)


DAY, WEEK, MONTH = "day", "week", "month"
GRANULARITIES = (DAY, WEEK, MONTH)
WEEKDAY, HOUR_OF_DAY = "weekday", "hourOfDay"
GROUPINGS = (WEEKDAY, HOUR_OF_DAY)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _natural_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if granularity == MONTH:
        return day.replace(day=1)
    return day


def buckets(period: Period, granularity: str) -> list[datetime.date]:
    """The first day of every bucket of the period, in order: days, weeks starting on Monday or calendar
    months, the first and last clipped to the period, so the first is always `period.start`."""
    starts, day = [], period.start
    while day <= period.end:
        starts.append(day)
        if granularity == WEEK:
            day = _natural_start(day, WEEK) + datetime.timedelta(days=7)
        elif granularity == MONTH:
            day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        else:
            day += datetime.timedelta(days=1)
    return starts


def bucket_of(day: datetime.date, period: Period, granularity: str) -> datetime.date:
    """The label of the bucket `day` falls in: its natural start, clipped to the period."""
    return max(_natural_start(day, granularity), period.start)


def money(value) -> Decimal:
    return (value or ZERO).quantize(CENT, ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, rounded half up to 2 decimals; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(CENT, ROUND_HALF_UP)


def average(revenue: Decimal, orders: int) -> Decimal:
    return (revenue / orders).quantize(CENT, ROUND_HALF_UP) if orders else ZERO.quantize(CENT)
