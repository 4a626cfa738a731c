"""What every analytics endpoint shares: the query parameters (period, channel, granularity), their errors, and a
base view that answers JSON or CSV with errors always JSON."""

import datetime
import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.renderers import CamelCaseJSONRenderer
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import BaseAPIView
from orders.models import Channel

from ..selectors import common as selectors

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


def choice(params, name: str, choices, default=None) -> str | None:
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
            "channel": choice(params, "channel", Channel.values),
            "granularity": choice(params, "granularity", selectors.GRANULARITIES, selectors.DAY),
        }
