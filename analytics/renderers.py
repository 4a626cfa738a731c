"""CSV answers (`Accept: text/csv`) of the analytics figures: the JSON's keys as the header row."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from omnisales.api.renderers import camel_key

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
