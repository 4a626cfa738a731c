"""GET /api/customers/rfm: NTILE(5) scores and segment names on a dataset with known quintiles."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Value

from accounts.models import Account
from customers import services
from customers.models import Customer
from customers.rfm import segment_case

from .factories import NOON, set_order_stats

pytestmark = pytest.mark.django_db


# Ten customers: NTILE(5) puts two in each quintile. Recency rank follows the days since the last
# order; frequency and monetary ranks are the order count and the spend (all distinct).
#          name  days ago  orders  spent    expected R F M  expected segment
DATASET = [
    ("A", 10, 10, "1000.00", (5, 5, 5), "champions"),
    ("B", 20, 1, "100.00", (5, 1, 1), "new"),
    ("C", 30, 5, "600.00", (4, 3, 3), "loyal"),
    ("D", 40, 3, "300.00", (4, 2, 2), "potential_loyalist"),
    ("E", 50, 6, "500.00", (3, 3, 3), "need_attention"),
    ("F", 60, 2, "400.00", (3, 1, 2), "about_to_sleep"),
    ("G", 70, 9, "900.00", (2, 5, 5), "cannot_lose_them"),
    ("H", 80, 7, "700.00", (2, 4, 4), "at_risk"),
    ("I", 90, 8, "800.00", (1, 4, 4), "cannot_lose_them"),
    ("J", 100, 4, "200.00", (1, 2, 1), "lost"),
]

# The documented grid: recency score -> segment for FM score 1..5, FM = (F + M) / 2 rounded half up.
GRID = {
    5: ["new", "potential_loyalist", "potential_loyalist", "champions", "champions"],
    4: ["promising", "potential_loyalist", "loyal", "loyal", "champions"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cannot_lose_them"],
    1: ["lost", "lost", "at_risk", "cannot_lose_them", "cannot_lose_them"],
}


def give_orders(customer, *, days_ago, orders, spent, now=NOON):
    return set_order_stats(customer, orders=orders, spent=spent, last_order_at=now - timedelta(days=days_ago))


@pytest.fixture
def dataset(account, other_account):
    customers = {}
    for name, days_ago, orders, spent, _, _ in DATASET:
        customer = services.customer_create(account=account, name=name, email=f"{name.lower()}@example.com")
        customers[name] = give_orders(customer, days_ago=days_ago, orders=orders, spent=spent)
    services.customer_create(account=account, name="No orders")
    gone = give_orders(services.customer_create(account=account, name="Gone"), days_ago=1, orders=50, spent="9999.00")
    services.customer_anonymize(customer=gone)
    for index in range(7):  # another account's big spenders must not shift these quintiles
        theirs = services.customer_create(account=other_account, name=f"Theirs {index}")
        give_orders(theirs, days_ago=index, orders=100 + index, spent="50000.00")
    services.rfm_scores_refresh(account=account)  # the anonymized customer leaves the quintiles
    return {name: Customer.objects.get(pk=customer.pk) for name, customer in customers.items()}


def rfm(api, **params):
    response = api.get("/api/customers/rfm", params)
    assert response.status_code == 200, response.json()
    return response


def test_scores_and_segments_follow_the_quintiles(api, dataset):
    response = rfm(api, asOf="2024-06-30")

    assert response["X-Total-Count"] == "10"
    by_name = {entry["name"]: entry for entry in response.json()}
    for name, days_ago, orders, spent, scores, segment in DATASET:
        entry = by_name[name]
        assert (entry["recencyScore"], entry["frequencyScore"], entry["monetaryScore"]) == scores, name
        assert entry["rfmScore"] == "".join(map(str, scores))
        assert entry["segment"] == segment, name
        assert (entry["recencyDays"], entry["frequency"], entry["monetary"]) == (days_ago, orders, float(spent))
        assert entry["customerId"] == dataset[name].pk


def test_entry_shape(api, dataset):
    entry = next(item for item in rfm(api, asOf="2024-06-30").json() if item["name"] == "C")

    assert entry == {
        "customerId": dataset["C"].pk,
        "name": "C",
        "email": "c@example.com",
        "recencyDays": 30,
        "frequency": 5,
        "monetary": 600.0,
        "lastOrderDate": "2024-05-31T12:00:00Z",
        "recencyScore": 4,
        "frequencyScore": 3,
        "monetaryScore": 3,
        "rfmScore": "433",
        "segment": "loyal",
        "segmentName": "Loyal",
        "rfmComputedAt": dataset["C"].rfm_computed_at.isoformat().replace("+00:00", "Z"),
    }


def test_default_order_is_biggest_spender_first(api, dataset):
    names = [entry["name"] for entry in rfm(api).json()]

    assert names == ["A", "G", "I", "H", "C", "E", "F", "D", "J", "B"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("recencyDays", list("ABCDEFGHIJ")),
        ("-recencyDays", list("JIHGFEDCBA")),
        ("frequency", list("BFDJCEHIGA")),
        ("-lastOrderDate", list("ABCDEFGHIJ")),
        ("name", list("ABCDEFGHIJ")),
    ],
)
def test_ordering(api, dataset, ordering, expected):
    assert [entry["name"] for entry in rfm(api, ordering=ordering).json()] == expected


def test_filter_by_segment_pages_in_sql(api, dataset):
    response = rfm(api, segment="cannot_lose_them", ordering="name")

    assert [entry["name"] for entry in response.json()] == ["G", "I"]
    assert response["X-Total-Count"] == "2"
    page = rfm(api, segment="cannot_lose_them", ordering="name", limit=1, offset=1)
    assert [entry["name"] for entry in page.json()] == ["I"]
    assert page["X-Total-Count"] == "2"
    assert 'rel="prev"' in page["Link"]


def test_an_empty_segment_is_an_empty_page(api, dataset):
    response = rfm(api, segment="hibernating")

    assert response.json() == []
    assert response["X-Total-Count"] == "0"


def test_as_of_shifts_recency_but_not_the_ranking(api, dataset):
    base = {entry["name"]: entry for entry in rfm(api, asOf="2024-06-30").json()}
    later = {entry["name"]: entry for entry in rfm(api, asOf="2024-07-10").json()}

    for name in base:
        assert later[name]["recencyDays"] == base[name]["recencyDays"] + 10
        assert later[name]["rfmScore"] == base[name]["rfmScore"]
        assert later[name]["segment"] == base[name]["segment"]


def test_as_of_before_the_last_order_gives_zero_days(api, dataset):
    entry = next(item for item in rfm(api, asOf="2024-06-01").json() if item["name"] == "A")

    assert entry["recencyDays"] == 0


def test_as_of_defaults_to_today(api, account):
    customer = services.customer_create(account=account, name="Recent")
    give_orders(customer, days_ago=3, orders=1, spent="10.00", now=datetime.now(UTC))

    (entry,) = rfm(api).json()

    assert entry["recencyDays"] == 3


def test_recency_counts_days_in_the_accounts_time_zone(api, account):
    account.timezone = "Asia/Tokyo"
    account.save()
    customer = services.customer_create(account=account, name="Night owl")
    # 20:00 UTC on the 29th is already 05:00 on the 30th in Tokyo.
    give_orders(customer, days_ago=0, orders=1, spent="10.00", now=datetime(2024, 6, 29, 20, 0, tzinfo=UTC))

    (entry,) = rfm(api, asOf="2024-06-30").json()

    assert entry["recencyDays"] == 0


def test_ties_split_deterministically_by_id(api, account):
    twins = [services.customer_create(account=account, name=f"Twin {index}") for index in range(5)]
    for twin in twins:
        give_orders(twin, days_ago=5, orders=1, spent="10.00")

    entries = sorted(rfm(api).json(), key=lambda entry: entry["customerId"])

    assert [entry["recencyScore"] for entry in entries] == [1, 2, 3, 4, 5]
    assert [entry["frequencyScore"] for entry in entries] == [1, 2, 3, 4, 5]
    assert [entry["monetaryScore"] for entry in entries] == [1, 2, 3, 4, 5]
    paged = [entry["customerId"] for offset in (0, 2, 4) for entry in rfm(api, limit=2, offset=offset).json()]
    assert sorted(paged) == [twin.pk for twin in sorted(twins, key=lambda twin: twin.pk)]


def test_customers_without_orders_give_an_empty_analysis(api, account):
    services.customer_create(account=account, name="Browser")

    response = rfm(api)

    assert response.json() == []
    assert response["X-Total-Count"] == "0"


def test_every_cell_of_the_grid_names_the_documented_segment(account):
    cells = {(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    annotations = {f"s{r}{f}{m}": segment_case(Value(r), Value(f), Value(m)) for r, f, m in cells}

    row = Account.objects.filter(pk=account.pk).annotate(**annotations).values(*annotations).get()

    for r, f, m in cells:
        fm = (f + m + 1) // 2
        assert row[f"s{r}{f}{m}"] == GRID[r][fm - 1], (r, f, m)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"asOf": "2024-13-01"}, "asOf"),
        ({"asOf": "2024/06/30"}, "asOf"),
        ({"asOf": "today"}, "asOf"),
        ({"asOf": "2024-06-30T00:00:00Z"}, "asOf"),
        ({"segment": "whales"}, "segment"),
        ({"segment": "Champions"}, "segment"),
        ({"ordering": "email"}, "ordering"),
        ({"limit": "-5"}, "limit"),
    ],
)
def test_bad_parameters_are_400(api, dataset, params, parameter):
    response = api.get("/api/customers/rfm", params)

    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_PARAMETER"
    assert parameter in response.json()["details"]


def test_query_count_does_not_grow_with_customers(api, account, django_assert_max_num_queries):
    give_orders(services.customer_create(account=account, name="C0"), days_ago=1, orders=1, spent="1.00")
    with django_assert_max_num_queries(6) as one_row:
        assert len(rfm(api).json()) == 1

    for index in range(1, 60):
        customer = services.customer_create(account=account, name=f"C{index}")
        give_orders(customer, days_ago=60 - index, orders=index, spent=f"{index}.00")
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        assert len(rfm(api, segment="champions").json()) > 0
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        assert len(rfm(api).json()) == 50
