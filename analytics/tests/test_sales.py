"""GET /api/analytics/sales against the hand-computed store of conftest.py: every figure to the cent, day,
week and month buckets (clipped and empty ones included), a time zone day boundary, channels, weekdays,
bad parameters, scopes, tenancy, CSV and the statements one request runs."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/analytics/sales"
TWO_MONTHS = {"startDate": "2024-01-01", "endDate": "2024-02-29"}


def figures(revenue, orders, units, average):
    return {"revenue": revenue, "orders": orders, "units": units, "averageOrderValue": average}


def test_months_and_channels_are_the_hand_computed_figures(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "granularity": "month"}).json()
    assert body == {
        "startDate": "2024-01-01",
        "endDate": "2024-02-29",
        "granularity": "month",
        "currency": "USD",
        # A 25 − 5 refunded + B 25 + C 54 = 99; E 50 − 50 refunded + F 10.01 = 10.01
        "totals": figures(109.01, 5, 12, 21.8),
        "series": [
            {"period": "2024-01-01", **figures(99.0, 3, 6, 33.0)},
            {"period": "2024-02-01", **figures(10.01, 2, 6, 5.01)},  # 5.005 rounded half up
        ],
        "byChannel": [
            {"channel": "online", "revenue": 84.01, "orders": 3, "units": 6, "share": 77.07},
            {"channel": "mobile", "revenue": 25.0, "orders": 1, "units": 1, "share": 22.93},
            {"channel": "shopee", "revenue": 0.0, "orders": 1, "units": 5, "share": 0.0},
        ],
    }


def test_weeks_start_on_monday_and_the_edges_are_clipped(api, report_store):
    body = api.get(URL, {"startDate": "2024-01-03", "endDate": "2024-01-16", "granularity": "week"}).json()
    assert body["series"] == [
        {"period": "2024-01-03", **figures(20.0, 1, 1, 20.0)},  # Wed 3 – Sun 7: 5.00 refunded, B
        {"period": "2024-01-08", **figures(54.0, 1, 3, 54.0)},  # C
        {"period": "2024-01-15", **figures(0.0, 0, 0, 0.0)},  # Mon 15 – Tue 16, empty
    ]
    assert body["totals"] == figures(74.0, 2, 4, 37.0)


def test_months_are_clipped_and_empty_ones_are_zeros(api, report_store):
    body = api.get(URL, {"startDate": "2024-01-15", "endDate": "2024-03-10", "granularity": "month"}).json()
    assert body["series"] == [
        {"period": "2024-01-15", **figures(0.0, 0, 0, 0.0)},
        {"period": "2024-02-01", **figures(10.01, 2, 6, 5.01)},
        {"period": "2024-03-01", **figures(0.0, 0, 0, 0.0)},
    ]


def test_days_are_the_default_and_every_day_is_present(api, report_store):
    body = api.get(URL, {"startDate": "2024-01-01", "endDate": "2024-01-04"}).json()
    assert body["granularity"] == "day"
    assert body["series"] == [
        {"period": "2024-01-01", **figures(25.0, 1, 2, 25.0)},
        {"period": "2024-01-02", **figures(0.0, 0, 0, 0.0)},
        {"period": "2024-01-03", **figures(-5.0, 0, 0, 0.0)},  # a refund only
        {"period": "2024-01-04", **figures(0.0, 0, 0, 0.0)},
    ]


def test_a_day_is_a_day_of_the_accounts_time_zone(api, report_store):
    # B was placed at 23:30 in New York on Sunday 7 January, Monday 8 January in UTC.
    body = api.get(URL, {"startDate": "2024-01-07", "endDate": "2024-01-08", "groupBy": "weekday"}).json()
    assert [entry["revenue"] for entry in body["series"]] == [25.0, 0.0]
    weekdays = {entry["weekday"]: entry for entry in body["byWeekday"]}
    assert weekdays["sunday"] == {"weekday": "sunday", "revenue": 25.0, "orders": 1, "units": 1}
    assert weekdays["monday"]["orders"] == 0


def test_weekdays_are_all_seven_in_order(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "groupBy": "weekday"}).json()
    assert body["byWeekday"] == [
        {"weekday": "monday", "revenue": -25.0, "orders": 1, "units": 2},  # A; E's 50.00 refunded on a Monday
        {"weekday": "tuesday", "revenue": 64.01, "orders": 2, "units": 4},  # C, F
        {"weekday": "wednesday", "revenue": -5.0, "orders": 0, "units": 0},  # A's refund; D cancelled
        {"weekday": "thursday", "revenue": 0.0, "orders": 0, "units": 0},
        {"weekday": "friday", "revenue": 50.0, "orders": 1, "units": 5},  # E
        {"weekday": "saturday", "revenue": 0.0, "orders": 0, "units": 0},
        {"weekday": "sunday", "revenue": 25.0, "orders": 1, "units": 1},  # B
    ]
    assert "byWeekday" not in api.get(URL, TWO_MONTHS).json()


def test_the_channel_filter_counts_one_channel(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "granularity": "month", "channel": "online"}).json()
    assert body["totals"] == figures(84.01, 3, 6, 28.0)
    assert [entry["revenue"] for entry in body["series"]] == [74.0, 10.01]
    assert body["byChannel"] == [{"channel": "online", "revenue": 84.01, "orders": 3, "units": 6, "share": 100.0}]


def test_the_share_is_null_without_revenue(api, report_store):
    body = api.get(URL, {"startDate": "2024-02-02", "endDate": "2024-02-05"}).json()
    assert body["totals"] == figures(0.0, 1, 5, 0.0)
    assert body["byChannel"] == [{"channel": "shopee", "revenue": 0.0, "orders": 1, "units": 5, "share": None}]


def test_a_cancelled_orders_day_is_no_channel_sale(api, report_store):
    body = api.get(URL, {"startDate": "2024-01-10", "endDate": "2024-01-10"}).json()
    assert body["byChannel"] == [] and body["totals"] == figures(0.0, 0, 0, 0.0)


def test_two_statements_read_the_figures(api, report_store):
    api.get(URL, TWO_MONTHS)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, {**TWO_MONTHS, "granularity": "week", "groupBy": "weekday", "channel": "online"})
    assert response.status_code == 200
    statements = [query["sql"] for query in queries]
    # The days (summed over channels) and the channels (summed over days); the API key is cached.
    assert len(statements) <= 3 and sum("orders_salesday" in sql for sql in statements) == 2, statements


def test_hours_of_day_count_orders_when_placed_and_refunds_when_made(api, report_store):
    body = api.get(URL, {**TWO_MONTHS, "groupBy": "hourOfDay"}).json()
    assert "byWeekday" not in body
    hours = {entry["hour"]: entry for entry in body["byHour"]}
    assert list(hours) == list(range(24))
    # 10:00 New York: A 25 + C 54 + E 50 + F 10.01; 12:00: the refunds of A (5) and E (50); 23:30: B.
    assert hours[10] == {"hour": 10, "revenue": 139.01, "orders": 4, "units": 11}
    assert hours[12] == {"hour": 12, "revenue": -55.0, "orders": 0, "units": 0}
    assert hours[23] == {"hour": 23, "revenue": 25.0, "orders": 1, "units": 1}
    quiet = [hour for hour in range(24) if hour not in (10, 12, 23)]
    assert all(hours[hour] == {"hour": hour, "revenue": 0.0, "orders": 0, "units": 0} for hour in quiet)
    assert sum(Decimal(str(entry["revenue"])) for entry in body["byHour"]) == Decimal("109.01")
    assert body["totals"]["revenue"] == 109.01
    online = api.get(URL, {**TWO_MONTHS, "groupBy": "hourOfDay", "channel": "mobile"}).json()["byHour"]
    assert [entry["hour"] for entry in online if entry["orders"]] == [23]


def test_hours_are_one_more_statement(api, report_store):
    api.get(URL, TWO_MONTHS)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, {**TWO_MONTHS, "groupBy": "hourOfDay"})
    assert response.status_code == 200
    statements = [query["sql"] for query in queries]
    assert len(statements) <= 4 and sum("orders_saleshour" in sql for sql in statements) == 1, statements


def test_compare_to_adds_the_comparison_totals_and_their_growth(api, report_store):
    # February and two days of March against the 31 days just before: January.
    body = api.get(URL, {"startDate": "2024-02-01", "endDate": "2024-03-02", "compareTo": "previous_period"}).json()
    assert body["totals"] == figures(10.01, 2, 6, 5.01)
    assert body["compareTo"] == "previous_period"
    assert body["comparison"] == {
        "startDate": "2024-01-01",
        "endDate": "2024-01-31",
        "totals": figures(99.0, 3, 6, 33.0),
    }
    # (10.01 − 99) / 99 = −89.888…; (2 − 3) / 3 = −33.333…; (5.01 − 33) / 33 = −84.818…
    assert body["growth"] == {"revenue": -89.89, "orders": -33.33, "units": 0.0, "averageOrderValue": -84.82}
    on_shopee = api.get(
        URL,
        {"startDate": "2024-02-01", "endDate": "2024-03-02", "channel": "shopee"} | {"compareTo": "previous_period"},
    ).json()
    assert on_shopee["comparison"]["totals"] == figures(0.0, 0, 0, 0.0)  # no Shopee sale in January
    assert set(on_shopee["growth"].values()) == {None}
    assert "growth" not in api.get(URL, TWO_MONTHS).json()


def test_csv_answers_the_series(api, report_store):
    response = api.get(URL, {**TWO_MONTHS, "granularity": "month"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == (
        "period,revenue,orders,units,averageOrderValue\r\n2024-01-01,99.00,3,6,33.00\r\n2024-02-01,10.01,2,6,5.01\r\n"
    )
    assert_error(api.get(URL, {"granularity": "year"}, HTTP_ACCEPT="text/csv"), 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"startDate": "2024-13-01"}, "startDate"),
        ({"endDate": "yesterday"}, "endDate"),
        ({"startDate": "0001-01-01"}, "startDate"),
        ({"endDate": "9999-12-31"}, "endDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, "endDate"),
        ({"startDate": "2019-01-01", "endDate": "2024-01-01"}, "endDate"),
        ({"channel": "web"}, "channel"),
        ({"granularity": "year"}, "granularity"),
        ({"groupBy": "hour"}, "groupBy"),
        ({"compareTo": "yesterday"}, "compareTo"),
        ({"groupBy": "channel"}, "groupBy"),
    ],
)
def test_a_bad_parameter_is_a_400(api, params, name):
    body = assert_error(api.get(URL, params), 400, "INVALID_PARAMETER")
    assert list(body["details"]) == [name]


def test_another_accounts_sales_are_never_counted(other_api, report_store):
    body = other_api.get(URL, {**TWO_MONTHS, "granularity": "month"}).json()
    assert body["totals"] == figures(999.0, 1, 1, 999.0)
    assert [entry["revenue"] for entry in body["series"]] == [999.0, 0.0]
    assert [entry["channel"] for entry in body["byChannel"]] == ["online"]


def test_five_years_of_days_is_every_day(api, report_store):
    body = api.get(URL, {"startDate": "2020-01-01", "endDate": "2024-12-31"}).json()
    assert len(body["series"]) == 366 + 365 * 3 + 366 and body["totals"] == figures(109.01, 5, 12, 21.8)
    assert csv.DictReader(io.StringIO(api.get(URL, HTTP_ACCEPT="text/csv").content.decode())).fieldnames == [
        "period",
        "revenue",
        "orders",
        "units",
        "averageOrderValue",
    ]
