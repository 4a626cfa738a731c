"""The products report endpoint: parse the query, call the selector, render (JSON, or the top products as CSV)."""

import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from omnisales.api.pagination import InvalidQueryParameter
from omnisales.api.renderers import CamelCaseJSONRenderer
from orders.models import Channel

from ..examples import products as examples
from ..renderers import TopProductsCSVRenderer
from ..selectors import common
from ..selectors import products as selectors
from ..serializers.products import ProductsReportSerializer
from .common import ERRORS, RANGE_PARAMETERS, TAGS, ReportView, choice, report_period

_DIGITS = re.compile(r"[0-9]{1,4}")


def _limit(params) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return selectors.DEFAULT_LIMIT
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= selectors.MAX_LIMIT:
        raise InvalidQueryParameter(
            f"'limit' must be a whole number from 1 to {selectors.MAX_LIMIT}", details={"limit": [f"Got {raw!r}."]}
        )
    return int(raw)


class ProductsReportView(ReportView):
    renderer_classes = [CamelCaseJSONRenderer, TopProductsCSVRenderer]

    @extend_schema(
        summary="Products: top products and variants by revenue, units or margin, and the slowest movers",
        description="Figures of the days startDate to endDate (inclusive, in the account's time zone; by default "
        "the last 30 days ending today, at most five years), on one channel or all, per product and variant: "
        "units, orders (the lines that sold it), grossSales (line totals before discounts), discounts, revenue = "
        "grossSales − discounts (net of discounts, before refunds: refunds are money back on an order, not split "
        "by product), costOfGoods (lines without a cost counted as 0 and in linesWithoutCost), margin = revenue − "
        "costOfGoods, marginPercent (of revenue) and share (of the total revenue), in percent, null when what they "
        "divide by is 0. "
        "topProducts and topVariants are ranked by sortBy, highest first (ties by id); slowMovers are the active "
        "products with the fewest units, zero-sale ones included, with their available stock. Each list has at "
        "most limit entries. With compareTo, each top product also has its revenue in the comparison period and "
        "its growth. Names, SKUs and categories are the catalog's current ones. Cancelled orders are excluded. "
        "Accept: text/csv answers topProducts as CSV. Read from the monthly and daily product rollups "
        "(docs/analytics.md).",
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter(
                "sortBy", str, enum=selectors.SORTS, description="What the top lists are ranked by; default revenue."
            ),
            OpenApiParameter(
                "limit",
                int,
                description=f"Entries per list, 1 to {selectors.MAX_LIMIT}; default {selectors.DEFAULT_LIMIT}.",
            ),
            OpenApiParameter(
                "compareTo",
                str,
                enum=common.COMPARISONS,
                description="Optional: add each top product's revenue in the same number of days just before "
                "(previous_period) or the same dates a year earlier (previous_year), and its growth.",
            ),
        ],
        responses={
            (200, "application/json"): ProductsReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: ERRORS.response("INVALID_PARAMETER"),
        },
        examples=[*examples.PRODUCTS, *examples.PRODUCTS_AS_CSV],
        tags=TAGS,
    )
    def get(self, request):
        account, params = self.account, request.query_params
        result = selectors.products_report(
            account=account,
            period=report_period(params, today=timezone.now().astimezone(account.zone).date()),
            channel=choice(params, "channel", Channel.values),
            sort_by=choice(params, "sortBy", selectors.SORTS, selectors.REVENUE),
            limit=_limit(params),
            compare_to=choice(params, "compareTo", common.COMPARISONS),
        )
        return self.respond(ProductsReportSerializer, result)
