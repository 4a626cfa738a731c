"""CSV answers (`Accept: text/csv`) of the analytics figures: the JSON's keys as the header row."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from omnisales.api.renderers import camel_key

from .serializers.products import TopProductSerializer

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Empty for null; text a spreadsheet would run as a formula gets a leading quote (a negative number is
    a number, not a formula)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


class FiguresCSVRenderer(BaseRenderer):
    """One object as a header row and a value row; a list of objects as one row each."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        out = io.StringIO()
        writer = csv.writer(out)
        if rows:
            keys = list(rows[0])
            writer.writerow([camel_key(key) for key in keys])
            writer.writerows([[_cell(row[key]) for key in keys] for row in rows])
        return out.getvalue().encode()


class SeriesCSVRenderer(FiguresCSVRenderer):
    """A report's `series`, one row per bucket: the part a spreadsheet charts. The totals and the other
    breakdowns are in the JSON answer."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return super().render(list(data["series"]), accepted_media_type, renderer_context)


class CohortsCSVRenderer(FiguresCSVRenderer):
    """The customers report's cohort table, one row per cohort and month: the cohort and its size, then the
    month's figures. The other figures are in the JSON answer."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = [
            {"cohort": cohort["cohort"], "size": cohort["size"], **month}
            for cohort in data["cohorts"]
            for month in cohort["months"]
        ]
        return super().render(rows, accepted_media_type, renderer_context)


class TopProductsCSVRenderer(FiguresCSVRenderer):
    """The products report's `topProducts`, one row per product, its category as `categoryId` and
    `categoryName` (empty without one). The header is written even without products (an empty body would have
    no Content-Type). The totals, variants and slow movers are in the JSON answer."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns = []
        for key in TopProductSerializer().fields:
            if key == "category":
                columns += ["category_id", "category_name"]
            elif key not in ("comparison_revenue", "revenue_growth") or "compare_to" in data:
                columns.append(key)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([camel_key(column) for column in columns])
        for product in data["top_products"]:
            category = product["category"] or {}
            row = {**product, "category_id": category.get("id"), "category_name": category.get("name")}
            writer.writerow([_cell(row[column]) for column in columns])
        return out.getvalue().encode()
