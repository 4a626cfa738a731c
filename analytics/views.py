"""Analytics endpoints: parse the query, call one selector, render (JSON, or CSV when asked)."""

import datetime
import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.renderers import CamelCaseJSONRenderer
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import BaseAPIView
from orders.models import Channel

from . import examples, selectors
from .renderers import FiguresCSVRenderer, SeriesCSVRenderer
from .serializers import DashboardSerializer, FinancialReportSerializer, SalesReportSerializer

TAGS = ["analytics"]
DEFAULT_DAYS = 30
MAX_YEARS = 5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

ERRORS = ErrorCatalog(
    error_example("INVALID_PARAMETER", "'startDate' must be a date (YYYY-MM-DD)", {"startDate": ["Got '2024-13-01'."]}),
)
RANGE_PARAMETERS = [
    OpenApiParameter("startDate", OpenApiTypes.DATE, description="First day, YYYY-MM-DD."),
    OpenApiParameter("endDate", OpenApiTypes.DATE, description="Last day, YYYY-MM-DD (inclusive)."),
    OpenApiParameter("channel", str, enum=Channel.values, description="Only this channel's sales."),
]
GRANULARITY = OpenApiParameter(
    "granularity",
    str,
    enum=selectors.GRANULARITIES,
    description="Buckets of the series: day (default), week (starting Monday) or month, each labelled by its first "
    "day; the first and last are clipped to the range.",
)


def _date(params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise InvalidQueryParameter(
            f"'{name}' must be a date (YYYY-MM-DD)", details={name: [f"Got {raw!r}."]}
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        # Defaults, comparison periods and buckets step days and years away from it: bounded, they stay dates.
        raise InvalidQueryParameter(
            f"'{name}' must be from {FIRST_DAY} to {LAST_DAY}", details={name: [f"Got {raw!r}."]}
        )
    return day


def _choice(params, name: str, choices, default=None) -> str | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if raw not in choices:
        raise InvalidQueryParameter(f"'{name}' must be one of {', '.join(choices)}", details={name: [f"Got {raw!r}."]})
    return raw


def report_period(params, *, today: datetime.date) -> selectors.Period:
    """startDate/endDate (inclusive days), the same for every report: by default the last 30 days ending today,
    a lone startDate running to today and a lone endDate starting 29 days before it; at most five years."""
    start, end = _date(params, "startDate"), _date(params, "endDate")
    end = end or (today if start is None or start <= today else start)
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidQueryParameter(
            "'endDate' must be on or after 'startDate'", details={"endDate": [f"Got {end}; startDate is {start}."]}
        )
    last = selectors.shift_years(start, MAX_YEARS) - datetime.timedelta(days=1)
    if end > last:
        raise InvalidQueryParameter(
            f"The range is at most {MAX_YEARS} years",
            details={"endDate": [f"Got {end}; the last day allowed after {start} is {last}."]},
        )
    return selectors.Period(start, end)


class ReportView(BaseAPIView):
    """An analytics report: read:analytics, JSON or CSV, errors always JSON."""

    scope_area = "analytics"

    def handle_exception(self, exc):
        # Errors are JSON whatever Accept asked for: the envelope has no CSV form.
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = CamelCaseJSONRenderer(), "application/json"
        return response

    def report_arguments(self) -> dict:
        """The period (days of the account's time zone), the channel and the granularity every series report
        takes."""
        params = self.request.query_params
        return {
            "account": self.account,
            "period": report_period(params, today=timezone.now().astimezone(self.account.zone).date()),
            "channel": _choice(params, "channel", Channel.values),
            "granularity": _choice(params, "granularity", selectors.GRANULARITIES, selectors.DAY),
        }


class DashboardView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, FiguresCSVRenderer]

    @extend_schema(
        summary="Sales dashboard: revenue, orders, new customers and their growth",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years), on one channel or all, compared with the same "
        "number of days just before (compareTo=previous_period) or the same dates a year earlier "
        "(previous_year). totalRevenue is order totals less refunds made in the period (cancelled orders "
        "excluded); totalOrders the orders placed and not cancelled; totalCustomers the new customers (whose "
        "first order falls in the period); averageOrderValue totalRevenue / totalOrders. Growth is in "
        "percent, null when the comparison period had none. Accept: text/csv answers the same figures as CSV. "
        "Read from daily rollups (docs/analytics.md).",
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("compareTo", str, enum=selectors.COMPARISONS, description="Default previous_period."),
        ],
        responses={
            (200, "application/json"): DashboardSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.DASHBOARD, *examples.DASHBOARD_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        account, params = self.account, request.query_params
        period = report_period(params, today=timezone.now().astimezone(account.zone).date())
        result = selectors.dashboard(
            account=account,
            period=period,
            compare_to=_choice(params, "compareTo", selectors.COMPARISONS, selectors.PREVIOUS_PERIOD),
            channel=_choice(params, "channel", Channel.values),
        )
        return self.respond(DashboardSerializer, result)


class SalesView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, SeriesCSVRenderer]

    @extend_schema(
        summary="Sales over time: net revenue, orders and units by day, week or month, by channel and weekday",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years), on one channel or all: in total, per bucket of the "
        "granularity (every bucket of the range, zeros when empty) and per channel (highest revenue first, share "
        "in percent of the total revenue, null when it is 0). groupBy=weekday adds the seven weekdays. revenue "
        "is order totals less refunds made in the period (cancelled orders excluded), as on the dashboard. "
        "Hour of day is not offered: the reports read daily rows, and hours would need hourly ones. "
        "Accept: text/csv answers the series as CSV. Read from daily rollups (docs/analytics.md).",
        parameters=[
            *RANGE_PARAMETERS,
            GRANULARITY,
            OpenApiParameter("groupBy", str, enum=selectors.GROUPINGS, description="weekday: add byWeekday."),
        ],
        responses={
            (200, "application/json"): SalesReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.SALES, *examples.SALES_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        arguments = self.report_arguments()
        result = selectors.sales(**arguments, group_by=_choice(request.query_params, "groupBy", selectors.GROUPINGS))
        return self.respond(SalesReportSerializer, result)


class FinancialView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, SeriesCSVRenderer]

    @extend_schema(
        summary="Financial summary: sales, discounts, refunds, tax, shipping, cost and margin over time",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years), on one channel or all, in total and per bucket of the "
        "granularity (every bucket of the range, zeros when empty): grossSales (lines before discounts), "
        "discounts, refunds (made in the bucket), netSales = grossSales − discounts − refunds, tax, shipping, "
        "costOfGoods (unit cost × quantity, lines without a cost counted as 0 and in linesWithoutCost), "
        "grossProfit = netSales − costOfGoods and grossMargin = grossProfit / netSales in percent (null when "
        "netSales is 0). Cancelled orders are excluded. Accept: text/csv answers the series as CSV. Read from "
        "daily rollups (docs/analytics.md).",
        parameters=[*RANGE_PARAMETERS, GRANULARITY],
        responses={
            (200, "application/json"): FinancialReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.FINANCIAL, *examples.FINANCIAL_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        return self.respond(FinancialReportSerializer, selectors.financial(**self.report_arguments()))
