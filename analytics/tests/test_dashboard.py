"""GET /api/analytics/dashboard against a hand-computed store: refunds, discounts added after placing,
cancelled orders, a day boundary of the account's time zone, channels, both comparisons, empty periods,
bad parameters, scopes and tenancy."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.selectors.common import shift_years
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services
from orders.models import OrderStatus, SalesDay

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"


@pytest.fixture
def store(account, other_account):
    """Today T (New York). Current period T-29..T, previous T-59..T-30 (see the test for the figures)."""
    account.timezone = ZONE
    account.save(update_fields=["timezone"])
    zone = account.zone
    today = timezone.now().astimezone(zone).date()
    product = product_in_stock(account, price=Decimal("10.00"))
    customers = {name: CustomerFactory(account=account) for name in ("c1", "c2", "c3", "c4", "c6", "c7")}

    def at(days_ago: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        day = today - datetime.timedelta(days=days_ago)
        return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)

    def order(customer, days_ago, price, *, quantity=1, channel="online", shipping="0.00", **when):
        return place_order(
            account,
            customer=customers[customer],
            products=[product],
            quantities=[quantity],
            prices=[price],
            channel=channel,
            shipping=Decimal(shipping),
            placed_at=at(days_ago, **when),
        )

    a = order("c1", 20, "50.00", quantity=2, shipping="5.00")  # 105.00, 15.00 refunded today
    services.order_payment_record(order=a, amount=Decimal("105.00"), method="cash")
    services.order_payment_refund(order=a, amount=Decimal("15.00"))
    # 23:30 in New York on T-30 is 04:30 UTC on T-29: it belongs to the previous period.
    order("c2", 30, "40.00", channel="mobile", hour=23, minute=30)
    c = order("c1", 15, "20.00")
    services.order_transition(order=c, to_status=OrderStatus.CANCELLED)
    d = order("c3", 5, "60.00", channel="mobile")
    services.order_discount_add(order=d, amount=Decimal("10.00"), note="points")  # 50.00
    e = order("c4", 3, "30.00")  # refunded in full today: still an order, its 30.00 a refund
    services.order_payment_record(order=e, amount=Decimal("30.00"), method="cash")
    services.order_payment_refund(order=e, amount=Decimal("30.00"))
    order("c2", 2, "25.00")  # c2's first order was in the previous period
    order("c6", 40, "100.00")
    x = order("c7", 10, "10.00")  # c7's first order, cancelled: its next one makes c7 new
    order("c7", 8, "10.00")
    services.order_transition(order=x, to_status=OrderStatus.CANCELLED)
    place_order(other_account, prices=["999.00"])  # another account's: never counted
    return today


def period(today, days_ago_start, days_ago_end):
    return {
        "startDate": str(today - datetime.timedelta(days=days_ago_start)),
        "endDate": str(today - datetime.timedelta(days=days_ago_end)),
    }


def test_the_figures_are_the_hand_computed_ones(api, store):
    body = api.get("/api/analytics/dashboard").json()
    assert body == {
        "startDate": str(store - datetime.timedelta(days=29)),
        "endDate": str(store),
        "compareTo": "previous_period",
        "currency": "USD",
        # 105 + 50 + 30 + 25 + 10 placed and not cancelled, less 15 + 30 refunded
        "totalRevenue": 175.0,
        "totalOrders": 5,
        "totalCustomers": 4,  # c1, c3, c4, c7
        "averageOrderValue": 35.0,
        "revenueGrowth": 25.0,  # against 40 + 100
        "ordersGrowth": 150.0,
        "customersGrowth": 100.0,  # c2, c6
    }


def test_a_day_is_a_day_of_the_accounts_time_zone(api, store):
    boundary = store - datetime.timedelta(days=30)
    assert SalesDay.objects.get(day=boundary, channel="mobile").total == Decimal("40.00")
    assert not SalesDay.objects.filter(day=boundary + datetime.timedelta(days=1), channel="mobile").exists()
    body = api.get("/api/analytics/dashboard", period(store, 30, 30)).json()
    assert (body["totalOrders"], body["totalRevenue"], body["totalCustomers"]) == (1, 40.0, 1)


def test_the_channel_filter_counts_one_channel(api, store):
    body = api.get("/api/analytics/dashboard", {"channel": "mobile"}).json()
    assert (body["totalRevenue"], body["totalOrders"], body["totalCustomers"], body["averageOrderValue"]) == (
        50.0,
        1,
        1,
        50.0,
    )
    assert (body["revenueGrowth"], body["ordersGrowth"], body["customersGrowth"]) == (25.0, 0.0, 0.0)


def test_previous_year_with_nothing_a_year_ago_has_no_growth(api, store):
    body = api.get("/api/analytics/dashboard", {"compareTo": "previous_year"}).json()
    assert body["compareTo"] == "previous_year" and body["totalRevenue"] == 175.0
    assert (body["revenueGrowth"], body["ordersGrowth"], body["customersGrowth"]) == (None, None, None)


def test_previous_year_compares_the_same_dates_a_year_earlier(api, store):
    start, end = shift_years(store - datetime.timedelta(days=40), 1), shift_years(store, 1)
    params = {"startDate": str(start), "endDate": str(end), "compareTo": "previous_year"}
    body = api.get("/api/analytics/dashboard", params).json()
    assert (body["totalOrders"], body["totalRevenue"], body["averageOrderValue"]) == (0, 0.0, 0.0)
    # A year earlier is T-40..T: 7 orders of 360.00 less 45.00 refunded, 6 new customers; now nothing.
    assert (body["revenueGrowth"], body["ordersGrowth"], body["customersGrowth"]) == (-100.0, -100.0, -100.0)


def test_an_empty_period_is_zeros_and_no_growth(api, store):
    body = api.get("/api/analytics/dashboard", {"startDate": "2001-01-01", "endDate": "2001-12-31"}).json()
    assert body == {
        "startDate": "2001-01-01",
        "endDate": "2001-12-31",
        "compareTo": "previous_period",
        "currency": "USD",
        "totalRevenue": 0.0,
        "totalOrders": 0,
        "totalCustomers": 0,
        "averageOrderValue": 0.0,
        "revenueGrowth": None,
        "ordersGrowth": None,
        "customersGrowth": None,
    }


def test_one_statement_reads_the_figures(api, store):
    api.get("/api/analytics/dashboard")
    with CaptureQueriesContext(connection) as queries:
        assert (
            api.get("/api/analytics/dashboard", {"channel": "online", "compareTo": "previous_year"}).status_code == 200
        )
    statements = [query["sql"] for query in queries]
    # The API key's check (none once the credential cache has it) and the figures, both periods at once.
    assert len(statements) <= 2 and sum("orders_salesday" in sql for sql in statements) == 1, statements


def test_csv_answers_the_same_figures(api, store):
    json_body = api.get("/api/analytics/dashboard").json()
    response = api.get("/api/analytics/dashboard", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert list(row) == list(json_body)
    assert row["totalRevenue"] == "175.00" and row["totalOrders"] == "5" and row["customersGrowth"] == "100.00"
    error = api.get("/api/analytics/dashboard", {"startDate": "nope"}, HTTP_ACCEPT="text/csv")
    assert_error(error, 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"startDate": "2024-13-01"}, "startDate"),
        ({"startDate": "20240101"}, "startDate"),
        ({"endDate": "yesterday"}, "endDate"),
        ({"endDate": "0001-01-01"}, "endDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, "endDate"),
        ({"startDate": "2019-01-01", "endDate": "2024-01-01"}, "endDate"),
        ({"channel": "web"}, "channel"),
        ({"compareTo": "last_week"}, "compareTo"),
    ],
)
def test_a_bad_parameter_is_a_400(api, params, name):
    body = assert_error(api.get("/api/analytics/dashboard", params), 400, "INVALID_PARAMETER")
    assert list(body["details"]) == [name]


def test_five_years_is_the_longest_range(api):
    assert api.get("/api/analytics/dashboard", {"startDate": "2019-01-01", "endDate": "2023-12-31"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/analytics/dashboard", "/api/analytics/sales", "/api/analytics/financial"])
def test_the_analytics_scope_is_needed(account, make_client, path):
    assert_error(make_client(account, scopes=["read:orders"]).get(path), 403, "INSUFFICIENT_SCOPE")
    assert make_client(account, scopes=["read:analytics"]).get(path).status_code == 200


def test_another_accounts_sales_are_never_counted(other_api, store):
    body = other_api.get("/api/analytics/dashboard").json()
    assert (body["totalOrders"], body["totalRevenue"], body["totalCustomers"]) == (1, 999.0, 1)
