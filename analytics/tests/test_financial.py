"""GET /api/analytics/financial against the hand-computed store of conftest.py: every figure to the cent,
margins (rounded half up, null without net sales), lines without a cost, week and month buckets (clipped and
empty ones included), a time zone day boundary, channels, bad parameters, scopes, tenancy, CSV and the
statement one request runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/analytics/financial"
TWO_MONTHS = {"startDate": "2024-01-01", "endDate": "2024-02-29"}
EMPTY = {
    "grossSales": 0.0,
    "discounts": 0.0,
    "refunds": 0.0,
    "netSales": 0.0,
    "tax": 0.0,
    "shipping": 0.0,
    "costOfGoods": 0.0,
    "grossProfit": 0.0,
    "grossMargin": None,
    "linesWithoutCost": 0,
}
JANUARY = {
    "grossSales": 105.0,  # A 20 + B 25 + C 60 (D cancelled)
    "discounts": 6.0,  # C's, added after placing
    "refunds": 5.0,  # A's
    "netSales": 94.0,
    "tax": 0.0,
    "shipping": 5.0,  # A's
    "costOfGoods": 12.0,  # A 2 × 4 + C 1 × 4 (Q has no cost)
    "grossProfit": 82.0,
    "grossMargin": 87.23,  # 82 / 94
    "linesWithoutCost": 2,  # B's and C's Q lines
}
FEBRUARY = {
    "grossSales": 60.01,  # E 50 + F 10.01
    "discounts": 0.0,
    "refunds": 50.0,  # E's, in full
    "netSales": 10.01,
    "tax": 0.0,
    "shipping": 0.0,
    "costOfGoods": 24.0,  # E 5 × 4 + F 4
    "grossProfit": -13.99,
    "grossMargin": -139.76,  # −13.99 / 10.01 = −139.7602…
    "linesWithoutCost": 0,
}


def test_months_are_the_hand_computed_figures(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "granularity": "month"}).json()
    assert body == {
        "startDate": "2024-01-01",
        "endDate": "2024-02-29",
        "granularity": "month",
        "currency": "USD",
        "totals": {
            "grossSales": 165.01,
            "discounts": 6.0,
            "refunds": 55.0,
            "netSales": 104.01,
            "tax": 0.0,
            "shipping": 5.0,
            "costOfGoods": 36.0,
            "grossProfit": 68.01,
            "grossMargin": 65.39,  # 68.01 / 104.01 = 65.3879…
            "linesWithoutCost": 2,
        },
        "series": [{"period": "2024-01-01", **JANUARY}, {"period": "2024-02-01", **FEBRUARY}],
        "byPaymentMethod": [
            # A 25.00 and E 50.00 in cash, 5.00 and 50.00 of it refunded; C 54.00 by card terminal.
            {"method": "cash", "payments": 2, "collected": 75.0, "refunds": 2, "refunded": 55.0, "net": 20.0},
            {"method": "card_terminal", "payments": 1, "collected": 54.0, "refunds": 0, "refunded": 0.0, "net": 54.0},
        ],
    }


def test_compare_to_adds_the_comparison_totals_and_their_growth(api, report_store):
    # February and two days of March against the 31 days just before: January.
    body = api.get(URL, {"startDate": "2024-02-01", "endDate": "2024-03-02", "compareTo": "previous_period"}).json()
    assert body["totals"] == FEBRUARY
    assert body["compareTo"] == "previous_period"
    assert body["comparison"] == {"startDate": "2024-01-01", "endDate": "2024-01-31", "totals": JANUARY}
    assert body["growth"] == {
        "grossSales": -42.85,  # (60.01 − 105) / 105 = −42.847…
        "discounts": -100.0,
        "refunds": 900.0,  # 5 → 50
        "netSales": -89.35,  # (10.01 − 94) / 94 = −89.351…
        "tax": None,  # none either time
        "shipping": -100.0,
        "costOfGoods": 100.0,  # 12 → 24
        "grossProfit": -117.06,  # (−13.99 − 82) / 82 = −117.060…
    }
    empty = api.get(URL, {**TWO_MONTHS, "compareTo": "previous_year"}).json()
    assert empty["comparison"] == {"startDate": "2023-01-01", "endDate": "2023-02-28", "totals": EMPTY}
    assert set(empty["growth"].values()) == {None}
    plain = api.get(URL, TWO_MONTHS).json()
    assert not {"compareTo", "comparison", "growth"} & set(plain)


def test_payment_methods_count_money_on_the_day_it_moved_on_the_channel(api, report_store):
    def methods(**params):
        return api.get(URL, {**TWO_MONTHS, **params}).json()["byPaymentMethod"]

    # E was paid on 2 February and refunded on the 5th: the days of the money, not the order's.
    assert methods(startDate="2024-02-03") == [
        {"method": "cash", "payments": 0, "collected": 0.0, "refunds": 1, "refunded": 50.0, "net": -50.0}
    ]
    assert methods(channel="shopee") == [
        {"method": "cash", "payments": 1, "collected": 50.0, "refunds": 1, "refunded": 50.0, "net": 0.0}
    ]
    assert methods(channel="mobile") == []  # B was never paid


def test_weeks_are_clipped_and_empty_ones_are_zeros(api, report_store):
    body = api.get(URL, {"startDate": "2024-01-07", "endDate": "2024-01-22", "granularity": "week"}).json()
    # B at 23:30 on Sunday 7 January in New York (Monday in UTC) is in the clipped first week.
    assert body["series"] == [
        {"period": "2024-01-07", **EMPTY, "grossSales": 25.0, "netSales": 25.0, "grossProfit": 25.0}
        | {"grossMargin": 100.0, "linesWithoutCost": 1},
        {
            "period": "2024-01-08",
            **EMPTY,
            "grossSales": 60.0,
            "discounts": 6.0,
            "netSales": 54.0,
            "costOfGoods": 4.0,
            "grossProfit": 50.0,
            "grossMargin": 92.59,  # 50 / 54 = 92.592…
            "linesWithoutCost": 1,
        },
        {"period": "2024-01-15", **EMPTY},
        {"period": "2024-01-22", **EMPTY},  # clipped to one day
    ]


def test_days_are_the_default(api, report_store):
    body = api.get(URL, {"startDate": "2024-02-04", "endDate": "2024-02-05"}).json()
    assert body["granularity"] == "day"
    assert body["series"] == [
        {"period": "2024-02-04", **EMPTY},
        {"period": "2024-02-05", **EMPTY, "refunds": 50.0, "netSales": -50.0, "grossProfit": -50.0}
        | {"grossMargin": 100.0},
    ]


def test_the_margin_is_null_without_net_sales(api, report_store):
    body = api.get(URL, {"startDate": "2024-02-02", "endDate": "2024-02-05"}).json()
    assert body["totals"] == {
        **EMPTY,
        "grossSales": 50.0,
        "refunds": 50.0,
        "costOfGoods": 20.0,
        "grossProfit": -20.0,
    }


def test_the_channel_filter_counts_one_channel(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "granularity": "month", "channel": "mobile"}).json()
    january = {**EMPTY, "grossSales": 25.0, "netSales": 25.0, "grossProfit": 25.0, "grossMargin": 100.0}
    january["linesWithoutCost"] = 1
    assert body["series"] == [{"period": "2024-01-01", **january}, {"period": "2024-02-01", **EMPTY}]
    assert body["totals"] == january


def test_two_statements_read_the_figures(api, report_store):
    api.get(URL, TWO_MONTHS)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, {**TWO_MONTHS, "granularity": "week", "channel": "online"})
    assert response.status_code == 200
    statements = [query["sql"] for query in queries]
    # The days (summed over channels) and the payment days (summed by method); the API key is cached.
    assert len(statements) <= 3 and sum("orders_salesday" in sql for sql in statements) == 1, statements
    assert sum("orders_paymentday" in sql for sql in statements) == 1, statements


def test_csv_answers_the_series(api, report_store):
    response = api.get(URL, {**TWO_MONTHS, "granularity": "month"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == (
        "period,grossSales,discounts,refunds,netSales,tax,shipping,costOfGoods,grossProfit,grossMargin,"
        "linesWithoutCost\r\n"
        "2024-01-01,105.00,6.00,5.00,94.00,0.00,5.00,12.00,82.00,87.23,2\r\n"
        "2024-02-01,60.01,0.00,50.00,10.01,0.00,0.00,24.00,-13.99,-139.76,0\r\n"
    )
    assert_error(api.get(URL, {"channel": "web"}, HTTP_ACCEPT="text/csv"), 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"startDate": "20240101"}, "startDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, "endDate"),
        ({"startDate": "2019-01-01", "endDate": "2024-01-01"}, "endDate"),
        ({"channel": "web"}, "channel"),
        ({"granularity": "quarter"}, "granularity"),
        ({"compareTo": "last_year"}, "compareTo"),
    ],
)
def test_a_bad_parameter_is_a_400(api, params, name):
    body = assert_error(api.get(URL, params), 400, "INVALID_PARAMETER")
    assert list(body["details"]) == [name]


def test_another_accounts_sales_are_never_counted(other_api, report_store):
    body = other_api.get(URL, {**TWO_MONTHS, "granularity": "month"}).json()
    assert body["totals"]["grossSales"] == 999.0 and body["totals"]["linesWithoutCost"] == 1
    assert [entry["grossSales"] for entry in body["series"]] == [999.0, 0.0]
