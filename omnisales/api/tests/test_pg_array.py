"""`pg_array`: an array parameter written as one literal reads back, element for element, as psycopg's own
array would, whatever the text holds (quotes, backslashes, commas, braces, the word NULL)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from omnisales.api.db import pg_array

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TEXTS = ["plain", 'say "hi"', "back\\slash", "a,b", "{braces}", "NULL", "", " spaced ", "ünïcode ✓", "it's", None]


def _read(sql: str, value):
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("cast", "values"),
    [
        ("text", TEXTS),
        ("integer", [0, -3, 2**31 - 1, None]),
        ("bigint", [2**62, -(2**40)]),
        ("numeric", [Decimal("0.10"), Decimal("-12345678901234.56"), Decimal("1E+3"), None]),
        ("boolean", [True, False, None]),
        ("date", [datetime.date(2026, 11, 30), datetime.date(1999, 1, 1)]),
        (
            "timestamptz",
            [
                datetime.datetime(2026, 11, 30, 10, 1, 2, 345678, tzinfo=datetime.UTC),
                datetime.datetime(2026, 6, 1, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=7))),
            ],
        ),
    ],
)
def test_a_literal_reads_back_as_the_array_psycopg_sends(cast, values):
    sql = f"SELECT %s::{cast}[]"
    assert _read(sql, pg_array(values)) == _read(sql, list(values)) == values


def test_no_array_is_null_and_an_empty_one_is_empty():
    assert pg_array(None) is None
    assert _read("SELECT %s::text[]", pg_array([])) == []
    assert _read("SELECT cardinality(%s::text[])", pg_array(iter(["a", "b"]))) == 2
