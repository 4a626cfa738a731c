"""GET /api/analytics/customers against a hand-computed store placed through the order services (the account is in
New York; the first quarter of 2024 is the range, 91 days, compared with 2 October – 31 December 2023):

| customer | orders (New York time, price) | what it shows |
| --- | --- | --- |
| Ann | 10 Jan 10.00, 5 Feb 20.00, 20 Mar 30.00 | a customer ordering in three months (cohort January) |
| Gil | 20 Jan 40.00 | January's other customer: retention 50 % after January |
| Ben | 15 Jan 100.00 cancelled, 10 Feb 15.00, 20 Feb 25.00 | a cancelled first order moves the cohort to February |
| Dee | 29 Feb 80.00, refunded in full | new in the rollups and the cohorts, gone from the customer stats |
| Cal | 31 Dec 2023 23:30 50.00 (mobile), 3 Mar 70.00 | 04:30 UTC on 1 January: cohort December, returning in March |
| Eve | 31 Mar 23:30 33.33 (mobile) | 03:30 UTC on 1 April: cohort March, acquired in the range |
| Fay | 15 Nov 2023 12.00 | the comparison period only |

Another account has one customer ordering on 2 January.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from customers.models import Customer
from customers.rfm import RfmSegment
from customers.services import rfm_scores_refresh
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services
from orders.models import CohortMonth, OrderStatus

pytestmark = pytest.mark.django_db

URL = "/api/analytics/customers"
ZONE = "America/New_York"
QUARTER = {"startDate": "2024-01-01", "endDate": "2024-03-31"}
SEGMENTS = [*RfmSegment.values, "unscored"]


@pytest.fixture
def zoned(account):
    account.timezone = ZONE
    account.save(update_fields=["timezone"])
    return account


@pytest.fixture
def shop(zoned):
    """Places one customer's orders: shop(name, (month, day, "price"[, {hour, minute, channel, year}]), ...)."""
    product = product_in_stock(zoned, price=Decimal("10.00"))
    customers = {}

    def place(name, *orders):
        customer = customers.setdefault(name, CustomerFactory(account=zoned, name=name))
        placed = []
        for month, day, price, *options in orders:
            options = options[0] if options else {}
            when = datetime.datetime(
                options.get("year", 2024),
                month,
                day,
                options.get("hour", 10),
                options.get("minute", 0),
                tzinfo=zoned.zone,
            )
            placed.append(
                place_order(
                    zoned,
                    customer=customer,
                    products=[product],
                    prices=[price],
                    channel=options.get("channel", "online"),
                    placed_at=when,
                )
            )
        return placed

    place.customers = customers
    return place


def cancel(order) -> None:
    services.order_transition(order=order, to_status=OrderStatus.CANCELLED)


def refund_in_full(order) -> None:
    services.order_payment_record(order=order, amount=order.total, method="cash")
    services.order_payment_refund(order=order, amount=order.total)


@pytest.fixture
def store(shop, other_account):
    shop("Ann", (1, 10, "10.00"), (2, 5, "20.00"), (3, 20, "30.00"))
    shop("Gil", (1, 20, "40.00"))
    (first, *_) = shop("Ben", (1, 15, "100.00"), (2, 10, "15.00"), (2, 20, "25.00"))
    cancel(first)
    (dee,) = shop("Dee", (2, 29, "80.00"))
    refund_in_full(dee)
    shop("Cal", (12, 31, "50.00", {"year": 2023, "hour": 23, "minute": 30, "channel": "mobile"}), (3, 3, "70.00"))
    shop("Eve", (3, 31, "33.33", {"hour": 23, "minute": 30, "channel": "mobile"}))
    shop("Fay", (11, 15, "12.00", {"year": 2023}))
    place_order(other_account, prices=["999.00"], placed_at=datetime.datetime(2024, 1, 2, 15, tzinfo=datetime.UTC))
    return shop


def activity(month, since, customers, orders, retention):
    return {"month": month, "monthsSince": since, "customers": customers, "orders": orders, "retention": retention}


QUARTER_COHORTS = [
    {
        "cohort": "2024-01-01",
        "size": 2,  # Ann, Gil
        "months": [
            activity("2024-01-01", 0, 2, 2, 100.0),
            activity("2024-02-01", 1, 1, 1, 50.0),  # Ann
            activity("2024-03-01", 2, 1, 1, 50.0),  # Ann
        ],
    },
    {
        "cohort": "2024-02-01",
        "size": 2,  # Ben (his January order cancelled), Dee (refunded, still an order)
        "months": [activity("2024-02-01", 0, 2, 3, 100.0), activity("2024-03-01", 1, 0, 0, 0.0)],
    },
    {"cohort": "2024-03-01", "size": 1, "months": [activity("2024-03-01", 0, 1, 1, 100.0)]},  # Eve
]


def test_the_quarter_is_the_hand_computed_figures(api, store):
    body = api.get(URL, QUARTER).json()
    assert body.pop("rfmDistribution") == [
        {"segment": segment, "customers": 0, "share": 0.0, "totalSpent": 0.0} for segment in SEGMENTS[:-1]
    ] + [{"segment": "unscored", "customers": 6, "share": 100.0, "totalSpent": 305.33}]
    assert body == {
        "startDate": "2024-01-01",
        "endDate": "2024-03-31",
        "compareTo": "previous_period",
        "currency": "USD",
        # Orders not cancelled: January Ann, Gil; February Ann, Ben ×2, Dee; March Ann, Cal, Eve.
        "newCustomers": 5,  # Ann, Gil, Ben (10 Feb), Dee, Eve
        "newCustomersGrowth": 150.0,  # against Fay and Cal
        "ordersFromNew": 5,
        "ordersFromNewGrowth": 150.0,
        "ordersFromReturning": 4,  # Ann ×2, Ben's second, Cal
        "ordersFromReturningGrowth": None,  # none in the previous period
        "acquiredCustomers": 4,  # Ann, Gil, Ben, Eve: Dee's only order was refunded in full, Cal's is December's
        "repeatCustomers": 2,  # Ann, Ben
        "repeatPurchaseRate": 50.0,
        "customersWithOrders": 6,  # all but Dee
        "averageLifetimeValue": 50.89,  # (60 + 40 + 40 + 120 + 33.33 + 12) / 6 = 50.888…
        "cohortLifetimeValue": 43.33,  # (60 + 40 + 40 + 33.33) / 4 = 43.3325
        "rfmComputedAt": None,
        "byMonth": [
            {"month": "2024-01-01", "newCustomers": 2, "returningCustomers": 0},
            {"month": "2024-02-01", "newCustomers": 2, "returningCustomers": 1},  # Ann
            {"month": "2024-03-01", "newCustomers": 1, "returningCustomers": 2},  # Ann, Cal (December's cohort)
        ],
        "cohorts": QUARTER_COHORTS,
    }
    assert sum(month["newCustomers"] for month in body["byMonth"]) == body["newCustomers"]


def test_the_cohort_rows_are_kept_by_the_order_services(store, account):
    rows = {
        (row.cohort.isoformat(), row.month.isoformat()): (row.customers, row.orders)
        for row in CohortMonth.objects.filter(account=account)
        if row.customers or row.orders
    }
    assert rows == {
        ("2023-11-01", "2023-11-01"): (1, 1),  # Fay
        ("2023-12-01", "2023-12-01"): (1, 1),  # Cal
        ("2023-12-01", "2024-03-01"): (1, 1),
        ("2024-01-01", "2024-01-01"): (2, 2),  # Ann, Gil
        ("2024-01-01", "2024-02-01"): (1, 1),
        ("2024-01-01", "2024-03-01"): (1, 1),
        ("2024-02-01", "2024-02-01"): (2, 3),  # Ben ×2, Dee
        ("2024-03-01", "2024-03-01"): (1, 1),  # Eve
    }


def test_cancelling_a_first_order_moves_the_customer_to_the_next_orders_cohort(api, shop):
    first, _ = shop("Ben", (1, 15, "100.00"), (3, 10, "15.00"))
    body = api.get(URL, QUARTER).json()
    assert [(cohort["cohort"], cohort["size"]) for cohort in body["cohorts"]] == [
        ("2024-01-01", 1),
        ("2024-02-01", 0),
        ("2024-03-01", 0),
    ]
    assert body["cohorts"][0]["months"][2] == activity("2024-03-01", 2, 1, 1, 100.0)
    assert (body["newCustomers"], body["ordersFromReturning"], body["repeatPurchaseRate"]) == (1, 1, 100.0)
    cancel(first)
    body = api.get(URL, QUARTER).json()
    assert [(cohort["cohort"], cohort["size"]) for cohort in body["cohorts"]] == [
        ("2024-01-01", 0),
        ("2024-02-01", 0),
        ("2024-03-01", 1),
    ]
    assert body["cohorts"][0]["months"] == [
        activity("2024-01-01", 0, 0, 0, None),
        activity("2024-02-01", 1, 0, 0, None),
        activity("2024-03-01", 2, 0, 0, None),
    ]
    assert body["byMonth"][0] == {"month": "2024-01-01", "newCustomers": 0, "returningCustomers": 0}
    assert body["byMonth"][2] == {"month": "2024-03-01", "newCustomers": 1, "returningCustomers": 0}
    assert (body["newCustomers"], body["ordersFromReturning"], body["repeatPurchaseRate"]) == (1, 0, 0.0)
    assert (body["acquiredCustomers"], body["cohortLifetimeValue"]) == (1, 15.0)


def test_a_month_is_a_month_of_the_accounts_time_zone(api, store):
    # Cal's first order, 23:30 on 31 December in New York, is 1 January in UTC; Eve's, 31 March, is 1 April.
    december = api.get(URL, {"startDate": "2023-12-31", "endDate": "2023-12-31"}).json()
    assert (december["newCustomers"], december["acquiredCustomers"]) == (1, 1)
    assert december["byMonth"] == [{"month": "2023-12-01", "newCustomers": 1, "returningCustomers": 0}]
    assert december["cohorts"] == [
        {"cohort": "2023-12-01", "size": 1, "months": [activity("2023-12-01", 0, 1, 1, 100.0)]}
    ]
    first_day = api.get(URL, {"startDate": "2024-01-01", "endDate": "2024-01-01"}).json()
    assert (first_day["newCustomers"], first_day["acquiredCustomers"]) == (0, 0)
    april = api.get(URL, {"startDate": "2024-04-01", "endDate": "2024-04-30"}).json()
    assert (april["newCustomers"], april["acquiredCustomers"]) == (0, 0)
    assert april["byMonth"] == [{"month": "2024-04-01", "newCustomers": 0, "returningCustomers": 0}]


def test_months_are_whole_while_the_other_figures_keep_the_days(api, store):
    body = api.get(URL, {"startDate": "2024-02-15", "endDate": "2024-03-10"}).json()
    # 15 February – 10 March: Ben's second order, Dee's (new) and Cal's.
    assert (body["newCustomers"], body["ordersFromReturning"]) == (1, 2)
    assert (body["acquiredCustomers"], body["repeatPurchaseRate"]) == (0, None)
    assert body["byMonth"] == [
        {"month": "2024-02-01", "newCustomers": 2, "returningCustomers": 1},
        {"month": "2024-03-01", "newCustomers": 1, "returningCustomers": 2},
    ]
    assert body["cohorts"] == QUARTER_COHORTS[1:]


def test_the_channel_narrows_the_sales_day_figures_only(api, store):
    everything = api.get(URL, QUARTER).json()
    body = api.get(URL, {**QUARTER, "channel": "mobile"}).json()
    # Mobile: Eve's first order now, Cal's first order in the previous period.
    assert (body["newCustomers"], body["ordersFromNew"], body["ordersFromReturning"]) == (1, 1, 0)
    assert (body["newCustomersGrowth"], body["ordersFromReturningGrowth"]) == (0.0, None)
    unchanged = ("acquiredCustomers", "repeatPurchaseRate", "averageLifetimeValue", "rfmDistribution", "byMonth")
    assert {key: body[key] for key in (*unchanged, "cohorts")} == {
        key: everything[key] for key in (*unchanged, "cohorts")
    }


def test_previous_year_compares_the_same_dates_a_year_earlier(api, store):
    body = api.get(URL, {"startDate": "2024-11-01", "endDate": "2024-12-31", "compareTo": "previous_year"}).json()
    assert body["compareTo"] == "previous_year"
    assert (body["newCustomers"], body["newCustomersGrowth"], body["ordersFromNewGrowth"]) == (0, -100.0, -100.0)
    assert (body["ordersFromReturning"], body["ordersFromReturningGrowth"]) == (0, None)


def test_returning_orders_grow_against_the_previous_period(api, store):
    # 1–31 March against 30 January – 29 February: returning orders 2 (Ann, Cal) against 2 (Ann, Ben's second).
    body = api.get(URL, {"startDate": "2024-03-01", "endDate": "2024-03-31"}).json()
    assert (body["ordersFromReturning"], body["ordersFromReturningGrowth"]) == (2, 0.0)
    assert (body["newCustomers"], body["newCustomersGrowth"]) == (1, -50.0)  # Eve against Ben and Dee


def test_an_empty_period_is_zeros_and_no_growth_or_rates(api, store):
    body = api.get(URL, {"startDate": "2001-01-01", "endDate": "2001-02-28"}).json()
    assert {key: value for key, value in body.items() if key not in ("rfmDistribution", "cohorts", "byMonth")} == {
        "startDate": "2001-01-01",
        "endDate": "2001-02-28",
        "compareTo": "previous_period",
        "currency": "USD",
        "newCustomers": 0,
        "newCustomersGrowth": None,
        "ordersFromNew": 0,
        "ordersFromNewGrowth": None,
        "ordersFromReturning": 0,
        "ordersFromReturningGrowth": None,
        "acquiredCustomers": 0,
        "repeatCustomers": 0,
        "repeatPurchaseRate": None,
        "customersWithOrders": 6,  # the whole store, whatever the range
        "averageLifetimeValue": 50.89,
        "cohortLifetimeValue": 0.0,
        "rfmComputedAt": None,
    }
    assert body["byMonth"] == [
        {"month": "2001-01-01", "newCustomers": 0, "returningCustomers": 0},
        {"month": "2001-02-01", "newCustomers": 0, "returningCustomers": 0},
    ]
    assert body["cohorts"] == [
        {
            "cohort": "2001-01-01",
            "size": 0,
            "months": [activity("2001-01-01", 0, 0, 0, None), activity("2001-02-01", 1, 0, 0, None)],
        },
        {"cohort": "2001-02-01", "size": 0, "months": [activity("2001-02-01", 0, 0, 0, None)]},
    ]


def test_a_store_without_orders_is_all_zeros(api):
    body = api.get(URL, {"startDate": "2024-01-01", "endDate": "2024-01-31"}).json()
    assert (body["customersWithOrders"], body["averageLifetimeValue"], body["rfmComputedAt"]) == (0, 0.0, None)
    assert body["rfmDistribution"] == [
        {"segment": segment, "customers": 0, "share": None, "totalSpent": 0.0} for segment in SEGMENTS
    ]


def test_the_rfm_distribution_counts_the_stored_segments(api, store, account):
    customers = store.customers
    stored = {"Ann": "champions", "Ben": "champions", "Cal": "lost", "Fay": "lost", "Dee": "new"}
    for name, segment in stored.items():
        Customer.objects.filter(pk=customers[name].pk).update(rfm_segment=segment)
    Customer.objects.filter(pk=customers["Gil"].pk).update(rfm_segment="loyal", is_anonymized=True)
    body = api.get(URL, QUARTER).json()
    # Dee has no orders left (no RFM row); Gil is anonymized (no RFM row, but his spending is a lifetime value);
    # Eve has orders and no segment: unscored.
    figures = {row["segment"]: row for row in body["rfmDistribution"]}
    assert [row["segment"] for row in body["rfmDistribution"]] == SEGMENTS
    assert figures["champions"] == {"segment": "champions", "customers": 2, "share": 40.0, "totalSpent": 100.0}
    assert figures["lost"] == {"segment": "lost", "customers": 2, "share": 40.0, "totalSpent": 132.0}  # Cal, Fay
    assert figures["unscored"] == {"segment": "unscored", "customers": 1, "share": 20.0, "totalSpent": 33.33}
    assert figures["new"]["customers"] == figures["loyal"]["customers"] == 0
    assert (body["customersWithOrders"], body["averageLifetimeValue"]) == (6, 50.89)


def test_the_rfm_distribution_is_as_of_the_last_refresh(api, store, account, shop):
    rfm_scores_refresh(account=account)
    shop("Hal", (4, 2, "5.00"))  # after the refresh: not scored yet
    body = api.get(URL, QUARTER).json()
    assert body["rfmComputedAt"] is not None
    scored = Customer.objects.filter(account=account, rfm_segment__isnull=False)
    assert sorted(scored.values_list("name", flat=True)) == ["Ann", "Ben", "Cal", "Eve", "Fay", "Gil"]
    assert sum(row["customers"] for row in body["rfmDistribution"]) == 7
    assert body["rfmDistribution"][-1] == {"segment": "unscored", "customers": 1, "share": 14.29, "totalSpent": 5.0}
    assert sum(Decimal(str(row["totalSpent"])) for row in body["rfmDistribution"]) == Decimal("310.33")


def test_the_statements_are_fixed_whatever_the_data(store, api, other_api, django_assert_num_queries):
    # The keys are made after the accounts last changed, so the credential cache answers once warm.
    api.get(URL, QUARTER)
    other_api.get(URL, QUARTER)
    # The sales days, the customers, the RFM segments, the months and the cohorts: for five years of a store
    # with cohorts, one day of it, and another account with a single order.
    for client, params in (
        (api, {"startDate": "2019-04-01", "endDate": "2024-03-31", "channel": "online"}),
        (api, {"startDate": "2024-03-31", "endDate": "2024-03-31"}),
        (other_api, {**QUARTER, "compareTo": "previous_year"}),
    ):
        with django_assert_num_queries(5):
            assert client.get(URL, params).status_code == 200


def test_the_report_reads_the_rollups_and_the_customers_never_the_orders(store, api):
    api.get(URL, QUARTER)
    with CaptureQueriesContext(connection) as queries:
        api.get(URL, QUARTER)
    tables = {table for query in queries for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', query["sql"])}
    assert tables == {"orders_salesday", "customers_customer", "orders_cohortmonth"}


def test_five_years_is_every_month_and_cohort(api, store):
    body = api.get(URL, {"startDate": "2019-04-01", "endDate": "2024-03-31"}).json()
    assert len(body["byMonth"]) == 60 and len(body["cohorts"]) == 60
    assert len(body["cohorts"][0]["months"]) == 60 and len(body["cohorts"][-1]["months"]) == 1
    assert body["cohorts"][-3:] == QUARTER_COHORTS
    assert [(cohort["cohort"], cohort["size"]) for cohort in body["cohorts"] if cohort["size"]] == [
        ("2023-11-01", 1),
        ("2023-12-01", 1),
        ("2024-01-01", 2),
        ("2024-02-01", 2),
        ("2024-03-01", 1),
    ]


def test_csv_answers_the_cohort_table(api, store):
    response = api.get(URL, QUARTER, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == (
        "cohort,size,month,monthsSince,customers,orders,retention\r\n"
        "2024-01-01,2,2024-01-01,0,2,2,100.00\r\n"
        "2024-01-01,2,2024-02-01,1,1,1,50.00\r\n"
        "2024-01-01,2,2024-03-01,2,1,1,50.00\r\n"
        "2024-02-01,2,2024-02-01,0,2,3,100.00\r\n"
        "2024-02-01,2,2024-03-01,1,0,0,0.00\r\n"
        "2024-03-01,1,2024-03-01,0,1,1,100.00\r\n"
    )
    empty = api.get(URL, {"startDate": "2001-01-01", "endDate": "2001-01-31"}, HTTP_ACCEPT="text/csv")
    assert list(csv.reader(io.StringIO(empty.content.decode()))) == [
        ["cohort", "size", "month", "monthsSince", "customers", "orders", "retention"],
        ["2001-01-01", "0", "2001-01-01", "0", "0", "0", ""],
    ]
    assert_error(api.get(URL, {"compareTo": "last_week"}, HTTP_ACCEPT="text/csv"), 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"startDate": "2024-13-01"}, "startDate"),
        ({"startDate": "20240101"}, "startDate"),
        ({"endDate": "yesterday"}, "endDate"),
        ({"startDate": "0001-01-01"}, "startDate"),
        ({"endDate": "9999-12-31"}, "endDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, "endDate"),
        ({"startDate": "2019-04-01", "endDate": "2024-04-01"}, "endDate"),
        ({"channel": "web"}, "channel"),
        ({"compareTo": "last_week"}, "compareTo"),
    ],
)
def test_a_bad_parameter_is_a_400(api, params, name):
    body = assert_error(api.get(URL, params), 400, "INVALID_PARAMETER")
    assert list(body["details"]) == [name]


def test_the_default_range_is_the_last_30_days(api, zoned):
    body = api.get(URL).json()
    start, end = datetime.date.fromisoformat(body["startDate"]), datetime.date.fromisoformat(body["endDate"])
    assert end - start == datetime.timedelta(days=29) and body["compareTo"] == "previous_period"
    assert body["byMonth"][0]["month"] == start.replace(day=1).isoformat()


def test_credentials_and_the_analytics_scope_are_needed(account, make_client, anonymous_client):
    assert_error(anonymous_client.get(URL), 401, "AUTHENTICATION_REQUIRED")
    assert_error(make_client(account, scopes=["read:orders", "read:customers"]).get(URL), 403, "INSUFFICIENT_SCOPE")
    assert make_client(account, scopes=["read:analytics"]).get(URL).status_code == 200


def test_another_accounts_customers_are_never_counted(other_api, store):
    body = other_api.get(URL, QUARTER).json()
    assert (body["newCustomers"], body["ordersFromReturning"], body["acquiredCustomers"]) == (1, 0, 1)
    assert (body["customersWithOrders"], body["averageLifetimeValue"], body["cohortLifetimeValue"]) == (1, 999.0, 999.0)
    assert body["byMonth"][0] == {"month": "2024-01-01", "newCustomers": 1, "returningCustomers": 0}
    assert [cohort["size"] for cohort in body["cohorts"]] == [1, 0, 0]
    assert body["rfmDistribution"][-1]["customers"] == 1


def test_orders_placed_and_cancelled_through_the_api_move_the_cohorts(api, zoned):
    customer = CustomerFactory(account=zoned)
    product = product_in_stock(zoned, price=Decimal("25.00"))
    body = {"customerId": customer.pk, "items": [{"productId": product.pk, "quantity": 1}]}

    with freeze_time(datetime.datetime(2024, 1, 31, 23, 30, tzinfo=zoned.zone)):  # 04:30 UTC on 1 February
        first = api.post("/api/orders", body, format="json")
    with freeze_time(datetime.datetime(2024, 2, 10, 12, tzinfo=zoned.zone)):
        second = api.post("/api/orders", body, format="json")
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    report = api.get(URL, {"startDate": "2024-01-01", "endDate": "2024-02-29"}).json()
    assert [(cohort["cohort"], cohort["size"]) for cohort in report["cohorts"]] == [
        ("2024-01-01", 1),
        ("2024-02-01", 0),
    ]
    assert report["cohorts"][0]["months"][1] == activity("2024-02-01", 1, 1, 1, 100.0)
    assert report["byMonth"][1] == {"month": "2024-02-01", "newCustomers": 0, "returningCustomers": 1}

    cancelled = api.put(f"/api/orders/{first.json()['id']}/status", {"status": "cancelled"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    report = api.get(URL, {"startDate": "2024-01-01", "endDate": "2024-02-29"}).json()
    assert [(cohort["cohort"], cohort["size"]) for cohort in report["cohorts"]] == [
        ("2024-01-01", 0),
        ("2024-02-01", 1),
    ]
    assert report["byMonth"] == [
        {"month": "2024-01-01", "newCustomers": 0, "returningCustomers": 0},
        {"month": "2024-02-01", "newCustomers": 1, "returningCustomers": 0},
    ]
    assert (report["newCustomers"], report["ordersFromReturning"], report["acquiredCustomers"]) == (1, 0, 1)
