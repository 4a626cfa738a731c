"""/api/customers/segments: RFM and custom segments, their rules, summaries and customers."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customers import services
from customers.models import CustomerSegment
from customers.rfm import RfmSegment

from .factories import NOON, set_order_stats

pytestmark = pytest.mark.django_db


def customer(account, name, *, tags=(), orders=0, spent="0.00", last_order_at=NOON):
    created = services.customer_create(account=account, name=name, tags=list(tags))
    return set_order_stats(created, orders=orders, spent=spent, last_order_at=last_order_at) if orders else created


def create_segment(api, rules, name="Segment", **extra):
    response = api.post("/api/customers/segments", {"name": name, "rules": rules, **extra}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def member_names(api, segment_id, **params):
    response = api.get(f"/api/customers/segments/{segment_id}/customers", params)
    assert response.status_code == 200, response.json()
    return sorted(item["name"] for item in response.json())


# --- list --------------------------------------------------------------------------------------------


def test_list_has_the_rfm_segments_then_custom_ones_in_one_shape(api, account, segment_factory):
    # Two scored customers: NTILE(5) puts the weaker in quintile 1 (lost), the other in 2 (hibernating).
    customer(account, "Stronger", orders=4, spent="100.00")
    customer(account, "Weaker", orders=3, spent="30.00", last_order_at=NOON - timedelta(days=400))
    customer(account, "No orders")
    custom = segment_factory(name="VIPs", rules={"tags": {"any": ["vip"]}})

    response = api.get("/api/customers/segments")

    assert response.status_code == 200
    body = response.json()
    assert response["X-Total-Count"] == "12"
    assert [item["id"] for item in body] == [*RfmSegment.values, custom.pk]
    assert {item["type"] for item in body[:11]} == {"rfm"}
    lost = body[RfmSegment.values.index("lost")]
    assert lost == {
        "id": "lost",
        "name": "Lost",
        "type": "rfm",
        "description": "Lowest recency, frequency and spend.",
        "rules": None,
        "customerCount": 1,
        "revenue": 30.0,
        "orderCount": 3,
        "averageOrderValue": 10.0,
        "createdAt": None,
        "updatedAt": None,
    }
    hibernating = body[RfmSegment.values.index("hibernating")]
    assert (hibernating["customerCount"], hibernating["revenue"], hibernating["averageOrderValue"]) == (1, 100.0, 25.0)
    assert sum(item["customerCount"] for item in body[:11]) == 2
    assert body[0]["customerCount"] == 0 and body[0]["averageOrderValue"] == 0
    assert body[-1]["type"] == "custom"
    assert body[-1]["name"] == "VIPs"
    assert body[-1]["rules"] == {"tags": {"any": ["vip"]}}
    assert body[-1]["createdAt"].endswith("Z")


def test_rfm_summary_counts_revenue_and_average_order_value(api, ranked_customers):
    body = {item["id"]: item for item in api.get("/api/customers/segments", {"type": "rfm"}).json()}

    assert body["champions"]["customerCount"] == 1  # R5 F5 M5
    assert body["champions"]["revenue"] == 50.01
    assert body["champions"]["averageOrderValue"] == 10.0  # 50.01 / 5 rounded half up
    assert body["lost"]["customerCount"] == 1  # R1 F1 M1
    assert sum(item["customerCount"] for item in body.values()) == 5
    assert sum(Decimal(str(item["revenue"])) for item in body.values()) == Decimal("150.05")


def test_custom_summary_counts_its_customers(api, account):
    customer(account, "VIP big", tags=["vip"], orders=3, spent="300.00")
    customer(account, "VIP new", tags=["vip"])
    customer(account, "Regular", orders=1, spent="10.00")
    segment = create_segment(api, {"tags": {"any": ["vip"]}})

    assert (segment["customerCount"], segment["revenue"], segment["orderCount"]) == (2, 300.0, 3)
    assert segment["averageOrderValue"] == 100.0


def test_type_filter_and_paging_span_both_kinds(api, account, segment_factory):
    customs = [segment_factory(name=f"Custom {index}") for index in range(3)]

    only_custom = api.get("/api/customers/segments", {"type": "custom"})
    assert [item["id"] for item in only_custom.json()] == [segment.pk for segment in customs]
    assert only_custom["X-Total-Count"] == "3"
    only_rfm = api.get("/api/customers/segments", {"type": "rfm"})
    assert [item["id"] for item in only_rfm.json()] == RfmSegment.values
    straddling = api.get("/api/customers/segments", {"limit": 3, "offset": 10})
    assert [item["id"] for item in straddling.json()] == ["lost", customs[0].pk, customs[1].pk]
    assert straddling["X-Total-Count"] == "14"
    beyond = api.get("/api/customers/segments", {"limit": 5, "offset": 13})
    assert [item["id"] for item in beyond.json()] == [customs[2].pk]


@pytest.mark.parametrize("params", [{"type": "smart"}, {"limit": "many"}])
def test_list_bad_parameters_are_400(api, params):
    response = api.get("/api/customers/segments", params)

    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_PARAMETER"


def test_list_shows_only_the_accounts_custom_segments(api, segment_factory, other_account):
    segment_factory(name="Theirs", account=other_account)

    assert [item["type"] for item in api.get("/api/customers/segments").json()] == ["rfm"] * 11


def all_members(api, segment_id) -> list[dict]:
    members, offset = [], 0
    while batch := api.get(f"/api/customers/segments/{segment_id}/customers", {"limit": 250, "offset": offset}).json():
        members += batch
        offset += len(batch)
    return members


def test_summaries_of_a_mixed_page_add_up_their_members(api, account):
    rng = random.Random(8)
    for index in range(60):
        tags = [tag for tag in ("vip", "wholesale", "newsletter") if rng.random() < 0.4]
        orders = rng.choice([0, 1, 2, 3, 5, 9])
        created = services.customer_create(account=account, name=f"M{index}", tags=tags)
        if orders:
            last_order_at = NOON - timedelta(days=rng.randrange(0, 400), hours=rng.randrange(24))
            services.customer_stats_set(
                customer=created,
                total_orders=orders,
                total_spent=Decimal(rng.randrange(0, 90000)) / 100,
                first_order_at=last_order_at - timedelta(days=30),
                last_order_at=last_order_at,
            )
        if rng.random() < 0.1:
            services.customer_anonymize(customer=created)
    services.rfm_scores_refresh(account=account)
    for name, rules in [
        ("Tagged", {"tags": {"any": ["vip", "wholesale"]}}),
        ("Both tags", {"tags": {"all": ["vip", "newsletter"]}}),
        ("Spenders", {"totalSpent": {"min": 200, "max": 700}}),
        ("Regulars", {"totalOrders": {"min": 3}, "lastOrderDate": {"after": "2024-01-01"}}),
        ("Lapsed", {"lastOrderDate": {"before": "2024-03-01"}}),
        ("Newsletter winners", {"rfmSegment": ["champions", "loyal", "lost"], "tags": {"any": ["newsletter"]}}),
        ("No orders", {"totalOrders": {"max": 0}}),
    ]:
        create_segment(api, rules, name=name)

    summaries = api.get("/api/customers/segments", {"limit": 250}).json()

    assert len(summaries) == 18
    assert sum(item["customerCount"] for item in summaries[:11]) > 0
    for item in summaries:
        members = all_members(api, item["id"])
        revenue = sum((Decimal(str(member["totalSpent"])) for member in members), Decimal("0.00"))
        orders = sum(member["totalOrders"] for member in members)
        assert (item["customerCount"], item["orderCount"]) == (len(members), orders), item["name"]
        assert Decimal(str(item["revenue"])) == revenue, item["name"]
        assert item == api.get(f"/api/customers/segments/{item['id']}").json()


def test_list_query_count_does_not_grow_with_segments(api, account, segment_factory, django_assert_max_num_queries):
    customer(account, "Someone", tags=["vip"], orders=2, spent="20.00")
    segment_factory(name="One", rules={"rfmSegment": ["lost"], "tags": {"all": ["vip"]}})
    with django_assert_max_num_queries(8) as one:
        api.get("/api/customers/segments")

    for index in range(20):
        segment_factory(name=f"More {index}", rules={"totalOrders": {"min": index}})
        customer(account, f"More {index}", orders=index + 1, spent="5.00")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.get("/api/customers/segments").json()) == 32


# --- create ------------------------------------------------------------------------------------------


def test_create_stores_rules_in_canonical_form(api):
    rules = {
        "tags": {"any": ["VIP", "vip", " Wholesale"], "all": ["newsletter"]},
        "totalSpent": {"min": 100, "max": "5000.5"},
        "totalOrders": {"min": 2, "max": 10},
        "lastOrderDate": {"after": "2024-01-01", "before": "2024-07-01"},
        "rfmSegment": ["champions", "loyal", "champions"],
    }

    segment = create_segment(api, rules, name="  Best customers ", description="Our favourites")

    assert segment["id"].startswith("seg_")
    assert (segment["name"], segment["type"], segment["description"]) == ("Best customers", "custom", "Our favourites")
    assert segment["rules"] == {
        "tags": {"any": ["vip", "wholesale"], "all": ["newsletter"]},
        "totalSpent": {"min": 100.0, "max": 5000.5},
        "totalOrders": {"min": 2, "max": 10},
        "lastOrderDate": {"after": "2024-01-01", "before": "2024-07-01"},
        "rfmSegment": ["champions", "loyal"],
    }
    stored = CustomerSegment.objects.get(pk=segment["id"])
    assert stored.rules["totalSpent"] == {"min": "100.00", "max": "5000.50"}


@pytest.mark.parametrize(
    ("rules", "key"),
    [
        ({}, "nonFieldErrors"),
        ([], "nonFieldErrors"),
        ("vip", "nonFieldErrors"),
        ({"country": "US"}, "country"),
        ({"tags": ["vip"]}, "tags"),
        ({"tags": {}}, "tags"),
        ({"tags": {"some": ["vip"]}}, "tags"),
        ({"tags": {"any": []}}, "tags"),
        ({"tags": {"any": [1]}}, "tags"),
        ({"tags": {"any": ["x" * 51]}}, "tags"),
        ({"tags": {"any": [f"t{i}" for i in range(51)]}}, "tags"),
        ({"totalSpent": 100}, "totalSpent"),
        ({"totalSpent": {"min": -1}}, "totalSpent"),
        ({"totalSpent": {"min": "lots"}}, "totalSpent"),
        ({"totalSpent": {"min": 1.005}}, "totalSpent"),
        ({"totalSpent": {"min": True}}, "totalSpent"),
        ({"totalSpent": {"min": "1e20"}}, "totalSpent"),
        ({"totalSpent": {"min": "NaN"}}, "totalSpent"),
        ({"totalSpent": {"min": 10, "max": 5}}, "totalSpent"),
        ({"totalSpent": {"minimum": 10}}, "totalSpent"),
        ({"totalOrders": {"min": 1.5}}, "totalOrders"),
        ({"totalOrders": {"min": "2"}}, "totalOrders"),
        ({"totalOrders": {"max": -1}}, "totalOrders"),
        ({"totalOrders": {"min": 5, "max": 1}}, "totalOrders"),
        ({"lastOrderDate": {"before": "2024-02-30"}}, "lastOrderDate"),
        ({"lastOrderDate": {"after": "yesterday"}}, "lastOrderDate"),
        ({"lastOrderDate": {"after": "20240101"}}, "lastOrderDate"),
        ({"lastOrderDate": {"after": "2024-03-01", "before": "2024-03-01"}}, "lastOrderDate"),
        ({"lastOrderDate": {"on": "2024-03-01"}}, "lastOrderDate"),
        ({"rfmSegment": "champions"}, "rfmSegment"),
        ({"rfmSegment": ["whales"]}, "rfmSegment"),
        ({"rfmSegment": []}, "rfmSegment"),
    ],
)
def test_bad_rules_are_422_and_nothing_is_written(api, rules, key):
    response = api.post("/api/customers/segments", {"name": "Bad", "rules": rules}, format="json")

    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert key in response.json()["details"]["rules"]
    assert not CustomerSegment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": {"totalOrders": {"min": 1}}}, "name"),
        ({"name": "", "rules": {"totalOrders": {"min": 1}}}, "name"),
        ({"name": "x" * 101, "rules": {"totalOrders": {"min": 1}}}, "name"),
        ({"name": 7, "rules": {"totalOrders": {"min": 1}}}, "name"),
        ({"name": "Ok", "description": "x" * 501, "rules": {"totalOrders": {"min": 1}}}, "description"),
        ({"name": "Ok"}, "rules"),
    ],
)
def test_bad_segment_fields_are_422(api, body, field):
    response = api.post("/api/customers/segments", body, format="json")

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert not CustomerSegment.objects.exists()


def test_duplicate_segment_name_is_409_case_insensitively(api, segment_factory):
    segment_factory(name="VIPs")

    response = api.post(
        "/api/customers/segments", {"name": "vips", "rules": {"totalOrders": {"min": 1}}}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_SEGMENT_NAME"
    assert CustomerSegment.objects.count() == 1


def test_segment_writes_need_write_customers(make_client, account, segment_factory):
    segment = segment_factory(name="Keep")
    reader = make_client(account, scopes=["read:customers"])
    body = {"name": "New", "rules": {"totalOrders": {"min": 1}}}

    assert reader.post("/api/customers/segments", body, format="json").status_code == 403
    assert reader.patch(f"/api/customers/segments/{segment.pk}", body, format="json").status_code == 403
    response = reader.delete(f"/api/customers/segments/{segment.pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_SCOPE"
    assert list(CustomerSegment.objects.values_list("name", flat=True)) == ["Keep"]
    assert reader.get(f"/api/customers/segments/{segment.pk}").status_code == 200
    assert reader.get(f"/api/customers/segments/{segment.pk}/customers").status_code == 200


# --- detail ------------------------------------------------------------------------------------------


def test_get_a_custom_or_an_rfm_segment(api, segment_factory):
    segment = segment_factory(name="VIPs")

    custom = api.get(f"/api/customers/segments/{segment.pk}")
    rfm = api.get("/api/customers/segments/at_risk")

    assert custom.status_code == 200 and custom.json()["name"] == "VIPs"
    assert rfm.status_code == 200
    assert (rfm.json()["id"], rfm.json()["name"], rfm.json()["type"]) == ("at_risk", "At Risk", "rfm")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_or_another_accounts_segment_is_404(api, other_account, segment_factory, method):
    theirs = segment_factory(name="Theirs", account=other_account)

    for segment_id in (theirs.pk, "seg_missing", "Champions"):
        response = getattr(api, method)(f"/api/customers/segments/{segment_id}", {"name": "Mine"}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "SEGMENT_NOT_FOUND"
        listing = api.get(f"/api/customers/segments/{segment_id}/customers")
        assert listing.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_patch_changes_name_description_and_rules(api, account, segment_factory):
    customer(account, "Spender", orders=1, spent="500.00")
    segment = segment_factory(name="Old", rules={"tags": {"any": ["vip"]}})

    response = api.patch(
        f"/api/customers/segments/{segment.pk}",
        {"name": "Big spenders", "rules": {"totalSpent": {"min": 250}}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Big spenders"
    assert response.json()["rules"] == {"totalSpent": {"min": 250.0}}
    assert response.json()["customerCount"] == 1
    segment.refresh_from_db()
    assert segment.rules == {"totalSpent": {"min": "250.00"}}


def test_patch_with_bad_rules_or_a_taken_name_changes_nothing(api, segment_factory):
    segment_factory(name="Taken")
    segment = segment_factory(name="Mine", rules={"tags": {"any": ["vip"]}})

    bad_rules = api.patch(f"/api/customers/segments/{segment.pk}", {"rules": {"tags": "vip"}}, format="json")
    taken = api.patch(f"/api/customers/segments/{segment.pk}", {"name": "TAKEN"}, format="json")

    assert (bad_rules.status_code, bad_rules.json()["code"]) == (422, "VALIDATION_ERROR")
    assert (taken.status_code, taken.json()["code"]) == (409, "DUPLICATE_SEGMENT_NAME")
    segment.refresh_from_db()
    assert (segment.name, segment.rules) == ("Mine", {"tags": {"any": ["vip"]}})


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_rfm_segments_are_read_only(api, method):
    response = getattr(api, method)("/api/customers/segments/champions", {"name": "Heroes"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "SEGMENT_READ_ONLY"


def test_delete_removes_the_definition_only(api, account, segment_factory):
    member = customer(account, "Member", tags=["vip"])
    segment = segment_factory(rules={"tags": {"any": ["vip"]}})

    response = api.delete(f"/api/customers/segments/{segment.pk}")

    assert response.status_code == 204
    assert not CustomerSegment.objects.exists()
    member.refresh_from_db()
    assert member.tags == ["vip"]


# --- rule evaluation ---------------------------------------------------------------------------------


@pytest.fixture
def population(account):
    return [
        customer(account, "Gold", tags=["vip", "wholesale"], orders=12, spent="2400.00", last_order_at=NOON),
        customer(account, "Silver", tags=["vip"], orders=3, spent="300.00", last_order_at=NOON - timedelta(days=40)),
        customer(
            account, "Trade", tags=["wholesale"], orders=2, spent="100.00", last_order_at=NOON - timedelta(days=200)
        ),
        customer(account, "Window shopper", tags=["newsletter"]),
    ]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"tags": {"any": ["vip", "wholesale"]}}, ["Gold", "Silver", "Trade"]),
        ({"tags": {"all": ["vip", "wholesale"]}}, ["Gold"]),
        ({"tags": {"any": ["VIP"], "all": ["wholesale"]}}, ["Gold"]),
        ({"tags": {"any": ["nobody"]}}, []),
        ({"totalSpent": {"min": 300}}, ["Gold", "Silver"]),
        ({"totalSpent": {"max": 300}}, ["Silver", "Trade", "Window shopper"]),
        ({"totalSpent": {"min": 100, "max": 300}}, ["Silver", "Trade"]),
        ({"totalOrders": {"min": 3}}, ["Gold", "Silver"]),
        ({"totalOrders": {"max": 0}}, ["Window shopper"]),
        ({"lastOrderDate": {"after": "2024-05-21"}}, ["Gold"]),
        ({"lastOrderDate": {"after": "2024-05-20"}}, ["Gold", "Silver"]),
        ({"lastOrderDate": {"before": "2024-05-22"}}, ["Silver", "Trade"]),
        ({"lastOrderDate": {"before": "2024-05-21"}}, ["Trade"]),
        ({"lastOrderDate": {"after": "2023-01-01", "before": "2024-06-30"}}, ["Silver", "Trade"]),
        ({"tags": {"any": ["wholesale"]}, "totalSpent": {"min": 1000}}, ["Gold"]),
        # Three scored customers take quintiles 1-3: Gold R3 FM3, Silver R2 FM2, Trade R1 FM1.
        ({"rfmSegment": ["need_attention"], "tags": {"any": ["vip"]}}, ["Gold"]),
        ({"rfmSegment": ["hibernating", "lost"], "tags": {"all": ["wholesale"]}}, ["Trade"]),
        ({"rfmSegment": ["hibernating", "lost", "need_attention"], "totalSpent": {"max": 300}}, ["Silver", "Trade"]),
        ({"rfmSegment": ["lost"], "lastOrderDate": {"after": "2024-01-01"}}, []),
    ],
)
def test_rules_select_the_right_customers(api, population, rules, expected):
    segment = create_segment(api, rules)

    assert member_names(api, segment["id"]) == expected
    assert segment["customerCount"] == len(expected)
    filtered = api.get("/api/customers", {"segment": segment["id"]})
    assert sorted(item["name"] for item in filtered.json()) == expected


def test_last_order_dates_are_days_in_the_accounts_time_zone(api, account):
    account.timezone = "America/New_York"
    account.save()
    # 2024-03-02 02:00 UTC is still 1 March in New York.
    customer(account, "Late", orders=1, spent="1.00", last_order_at=datetime(2024, 3, 2, 2, 0, tzinfo=UTC))

    segment = create_segment(api, {"lastOrderDate": {"before": "2024-03-02"}})

    assert member_names(api, segment["id"]) == ["Late"]


def test_rfm_segment_rule_uses_the_scores(api, ranked_customers):
    segment = create_segment(api, {"rfmSegment": ["champions", "lost"]})

    assert member_names(api, segment["id"]) == ["C0", "C4"]
    assert member_names(api, "champions") == ["C4"]


def test_segment_members_leave_out_anonymized_customers(api, account):
    gone = customer(account, "Gone", tags=["vip"], orders=1, spent="10.00")
    customer(account, "Here", tags=["vip"], orders=1, spent="10.00")
    services.customer_anonymize(customer=gone)
    segment = create_segment(api, {"totalOrders": {"min": 1}})

    assert member_names(api, segment["id"]) == ["Here"]
    assert member_names(api, segment["id"], includeAnonymized="true") == ["Here"]
    assert segment["customerCount"] == 1


def test_segment_customers_take_the_list_filters(api, population):
    segment = create_segment(api, {"tags": {"any": ["vip", "wholesale"]}})

    response = api.get(f"/api/customers/segments/{segment['id']}/customers", {"ordering": "-totalSpent", "limit": 2})

    assert [item["name"] for item in response.json()] == ["Gold", "Silver"]
    assert response["X-Total-Count"] == "3"
    bad = api.get(f"/api/customers/segments/{segment['id']}/customers", {"ordering": "secret"})
    assert (bad.status_code, bad.json()["code"]) == (400, "INVALID_PARAMETER")


@pytest.mark.parametrize("segment_id", ["custom", "lost"])
def test_segment_customers_query_count_does_not_grow(
    api, account, segment_factory, django_assert_max_num_queries, segment_id
):
    custom = segment_factory(rules={"totalOrders": {"min": 1}, "rfmSegment": ["lost", "hibernating"]})
    url = f"/api/customers/segments/{custom.pk if segment_id == 'custom' else segment_id}/customers"
    customer(account, "C0", orders=1, spent="1.00")
    with django_assert_max_num_queries(7) as one:
        assert len(api.get(url).json()) == 1

    for index in range(1, 40):
        customer(
            account, f"C{index}", orders=index + 1, spent=f"{index + 1}.00", last_order_at=NOON + timedelta(days=index)
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.get(url).json()) > 1
