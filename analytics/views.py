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
from .renderers import FiguresCSVRenderer
from .serializers import DashboardSerializer

TAGS = ["analytics"]
DEFAULT_DAYS = 30
MAX_YEARS = 5
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

ERRORS = ErrorCatalog(
    error_example("INVALID_PARAMETER", "'startDate' must be a date (YYYY-MM-DD)", {"startDate": ["Got '2024-13-01'."]}),
)


def _date(params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise InvalidQueryParameter(
            f"'{name}' must be a date (YYYY-MM-DD)", details={name: [f"Got {raw!r}."]}
        ) from None


def _choice(params, name: str, choices, default=None) -> str | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if raw not in choices:
        raise InvalidQueryParameter(f"'{name}' must be one of {', '.join(choices)}", details={name: [f"Got {raw!r}."]})
    return raw


def dashboard_period(params, *, today: datetime.date) -> selectors.Period:
    """startDate/endDate (inclusive days): by default the last 30 days ending today, a lone startDate running
    to today and a lone endDate starting 29 days before it; at most five years."""
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


class DashboardView(BaseAPIView):
    scope_area = "analytics"
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
            OpenApiParameter("startDate", OpenApiTypes.DATE, description="First day, YYYY-MM-DD."),
            OpenApiParameter("endDate", OpenApiTypes.DATE, description="Last day, YYYY-MM-DD (inclusive)."),
            OpenApiParameter("channel", str, enum=Channel.values, description="Only this channel's sales."),
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
        period = dashboard_period(params, today=timezone.now().astimezone(account.zone).date())
        result = selectors.dashboard(
            account=account,
            period=period,
            compare_to=_choice(params, "compareTo", selectors.COMPARISONS, selectors.PREVIOUS_PERIOD),
            channel=_choice(params, "channel", Channel.values),
        )
        return self.respond(DashboardSerializer, result)

    def handle_exception(self, exc):
        # Errors are JSON whatever Accept asked for: the envelope has no CSV form.
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = CamelCaseJSONRenderer(), "application/json"
        return response
