"""The customers report endpoint: parse the query, call the selector, render (JSON, or the cohort table as CSV)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from omnisales.api.renderers import CamelCaseJSONRenderer
from orders.models import Channel

from ..examples import customers as examples
from ..renderers import CohortsCSVRenderer
from ..selectors import common
from ..selectors import customers as selectors
from ..serializers.customers import CustomersReportSerializer
from .common import ERRORS, RANGE_PARAMETERS, TAGS, ReportView, choice, report_period


class CustomersReportView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, CohortsCSVRenderer]

    @extend_schema(
        summary="Customers: acquisition, repeat purchases, lifetime value, RFM segments and monthly cohorts",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years). newCustomers (orders that are their customer's first "
        "order not cancelled), ordersFromNew and ordersFromReturning come from the daily rollups, on one channel "
        "or all, with their growth against the same number of days just before (compareTo=previous_period) or the "
        "same dates a year earlier (previous_year), null when that period had none. repeatPurchaseRate and "
        "cohortLifetimeValue are over the customers whose firstOrderDate falls in the period, averageLifetimeValue "
        "over every customer with orders, from the customers' own statistics (which leave out orders refunded in "
        "full as well as cancelled ones). rfmDistribution is the whole store as of the last RFM refresh; byMonth "
        "and cohorts cover every calendar month the range touches, whole months. The customer statistics, RFM "
        "segments and cohorts cover every channel. Accept: text/csv answers the cohort table as CSV. "
        "Definitions: docs/analytics.md.",
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("compareTo", str, enum=common.COMPARISONS, description="Default previous_period."),
        ],
        responses={
            (200, "application/json"): CustomersReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.CUSTOMERS, *examples.CUSTOMERS_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        account, params = self.account, request.query_params
        result = selectors.customers_report(
            account=account,
            period=report_period(params, today=timezone.now().astimezone(account.zone).date()),
            compare_to=choice(params, "compareTo", common.COMPARISONS, common.PREVIOUS_PERIOD),
            channel=choice(params, "channel", Channel.values),
        )
        return self.respond(CustomersReportSerializer, result)
