"""The sales endpoints: dashboard, sales and financial reports. Parse the query, call one selector, render
(JSON, or CSV when asked)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from omnisales.api.renderers import CamelCaseJSONRenderer
from orders.models import Channel

from ..examples import sales as examples
from ..renderers import FiguresCSVRenderer, SeriesCSVRenderer
from ..selectors import common
from ..selectors import sales as selectors
from ..serializers.sales import DashboardSerializer, FinancialReportSerializer, SalesReportSerializer
from .common import ERRORS, GRANULARITY, RANGE_PARAMETERS, TAGS, ReportView, choice, report_period

COMPARE_TO = OpenApiParameter(
    "compareTo",
    str,
    enum=common.COMPARISONS,
    description="Optional: adds the totals of the same number of days just before (previous_period) or of the same "
    "dates a year earlier (previous_year) as comparison, and each total's growth in percent (null when the "
    "comparison's is 0).",
)


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
            OpenApiParameter("compareTo", str, enum=common.COMPARISONS, description="Default previous_period."),
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
            compare_to=choice(params, "compareTo", common.COMPARISONS, common.PREVIOUS_PERIOD),
            channel=choice(params, "channel", Channel.values),
        )
        return self.respond(DashboardSerializer, result)


class SalesView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, SeriesCSVRenderer]

    @extend_schema(
        summary="Sales over time: net revenue, orders and units by day, week or month, by channel, weekday and hour",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years), on one channel or all: in total, per bucket of the "
        "granularity (every bucket of the range, zeros when empty) and per channel (highest revenue first, share "
        "in percent of the total revenue, null when it is 0). groupBy=weekday adds the seven weekdays, "
        "groupBy=hourOfDay the 24 hours of the account's time zone (orders at the hour they were placed, refunds "
        "at the hour they were made). revenue is order totals less refunds made in the period (cancelled orders "
        "excluded), as on the dashboard. compareTo adds the comparison period's totals and their growth. "
        "Accept: text/csv answers the series as CSV. Read from daily and hourly rollups (docs/analytics.md).",
        parameters=[
            *RANGE_PARAMETERS,
            GRANULARITY,
            OpenApiParameter(
                "groupBy", str, enum=common.GROUPINGS, description="weekday: add byWeekday; hourOfDay: add byHour."
            ),
            COMPARE_TO,
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
        params = request.query_params
        result = selectors.sales(
            **self.report_arguments(),
            group_by=choice(params, "groupBy", common.GROUPINGS),
            compare_to=choice(params, "compareTo", common.COMPARISONS),
        )
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
        "netSales is 0). Cancelled orders are excluded. byPaymentMethod is the money that moved by payment method: "
        "succeeded payments and refunds by the day they were recorded, whatever became of their orders. compareTo "
        "adds the comparison period's totals and their growth. Accept: text/csv answers the series as CSV. Read "
        "from daily rollups (docs/analytics.md).",
        parameters=[*RANGE_PARAMETERS, GRANULARITY, COMPARE_TO],
        responses={
            (200, "application/json"): FinancialReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.FINANCIAL, *examples.FINANCIAL_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        compare_to = choice(request.query_params, "compareTo", common.COMPARISONS)
        return self.respond(
            FinancialReportSerializer, selectors.financial(**self.report_arguments(), compare_to=compare_to)
        )
