"""Geometry of the back office's daily sales chart, drawn as inline SVG by a template (no script)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 900, 200  # the dashboard's width at full size, so text keeps its size
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 14, 28  # room for the axis labels around the plot
BAR_SHARE = 0.7  # of each day's slot; the rest is the gap between bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class DailyChart:
    """Revenue per day as bars against the left axis, orders per day as a line against the right one."""

    bars: list[Bar]
    points: list[Point]
    gridlines: list[float]  # y of each horizontal line
    revenue_labels: list[Label]
    order_labels: list[Label]
    day_labels: list[Label]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^n) at least `value`; 1 for nothing."""
    if value <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(value))
    return next(step * base for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if step * base >= value)


def compact(value: float) -> str:
    """1500 → 1.5k, 2000000 → 2M, 12.5 → 12.5: axis labels that stay narrow."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _day(day) -> str:
    return f"{day:%b} {day.day}"


def daily_chart(days: Sequence, *, currency: str) -> DailyChart:
    """`days`: objects with `day` (a date), `orders` (int) and `revenue` (Decimal), oldest first."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_height
    revenue_top = nice_ceiling(float(max((day.revenue for day in days), default=Decimal(0))))
    orders_top = nice_ceiling(max((day.orders for day in days), default=0))
    slot = plot_width / max(len(days), 1)
    bars, points = [], []
    for index, day in enumerate(days):
        centre = LEFT + slot * (index + 0.5)
        height = plot_height * float(day.revenue) / revenue_top
        when = _day(day.day)
        title = f"{when}: {day.revenue:,.2f} {currency}, {day.orders} order{'' if day.orders == 1 else 's'}"
        bars.append(Bar(centre - slot * BAR_SHARE / 2, bottom - height, slot * BAR_SHARE, height, title))
        points.append(Point(centre, bottom - plot_height * day.orders / orders_top, title))
    fractions = (0, 0.5, 1)
    gridlines = [bottom - plot_height * fraction for fraction in fractions]
    revenue_labels = [
        Label(LEFT - 6, y + 4, compact(revenue_top * f)) for f, y in zip(fractions, gridlines, strict=True)
    ]
    order_labels = [  # whole orders only: no "1.5" on the orders axis
        Label(WIDTH - RIGHT + 6, y + 4, compact(orders_top * f))
        for f, y in zip(fractions, gridlines, strict=True)
        if float(orders_top * f).is_integer()
    ]
    marked = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    day_labels = [Label(points[index].x, HEIGHT - 8, _day(days[index].day)) for index in marked]
    return DailyChart(bars, points, gridlines, revenue_labels, order_labels, day_labels)
