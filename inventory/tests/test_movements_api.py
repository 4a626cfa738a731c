"""/api/inventory/movements: the read-only ledger, its sign conventions, filters and a fixed query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/inventory/movements"


@pytest.fixture
def history(account, make_warehouse, make_product, receive):
    """receipt 10 → reservation 4 → sale 4 (ord_1); reservation 2 → release 2 (ord_2); damaged −1."""
    warehouse = make_warehouse(code="MAIN")
    product = make_product(sku="MUG")
    receive(product, warehouse, 10, actor="buyer@example.com")
    services.stock_reserve(account=account, reference_id="ord_1", lines=[(product, 4)])
    services.stock_fulfil(account=account, reference_id="ord_1")
    services.stock_reserve(account=account, reference_id="ord_2", lines=[(product, 2)])
    services.stock_release(account=account, reference_id="ord_2")
    services.stock_adjust(account=account, product=product, warehouse=warehouse, quantity=-1, reason="damaged")
    return {"warehouse": warehouse, "product": product}


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_the_ledger_newest_first_with_signed_quantities_and_balances(api, history):
    body = rows(api.get(URL))
    summary = [
        (m["type"], m["quantity"], m["onHandChange"], m["reservedChange"], m["onHandAfter"], m["reservedAfter"])
        for m in reversed(body)
    ]
    assert summary == [
        ("receipt", 10, 10, 0, 10, 0),
        ("reservation", 4, 0, 4, 10, 4),
        ("sale", -4, -4, -4, 6, 0),
        ("reservation", 2, 0, 2, 6, 2),
        ("release", -2, 0, -2, 6, 0),
        ("adjustment", -1, -1, 0, 5, 0),
    ]
    receipt = body[-1]
    assert receipt["actor"] == "buyer@example.com" and receipt["reason"] == "received"
    assert receipt["sku"] == "MUG" and receipt["warehouseCode"] == "MAIN"
    assert receipt["stockLevelId"].startswith("stk_") and receipt["id"].startswith("mov_")
    sale = body[3]
    assert (sale["referenceType"], sale["referenceId"], sale["reason"], sale["actor"]) == (
        "order",
        "ord_1",
        None,
        "system",
    )
    assert rows(api.get(f"{URL}/{sale['id']}")) == sale


def test_filters(api, history, other_account, make_warehouse, make_product, receive):
    receive(make_product(account=other_account), make_warehouse(account=other_account), 3)

    def types(query):
        return [m["type"] for m in rows(api.get(f"{URL}?{query}"))]

    assert types("type=sale") == ["sale"]
    assert types("referenceId=ord_2") == ["release", "reservation"]
    assert types("referenceType=order&type=reservation") == ["reservation", "reservation"]
    assert len(types(f"productId={history['product'].id}")) == 6
    assert len(types(f"warehouseId={history['warehouse'].id}")) == 6
    assert types("productId=prod_elsewhere") == []
    soon = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert types(f"createdAfter={soon}") == []
    assert len(types(f"createdBefore={soon}")) == 6, "another account's movements never show"


def test_date_filters_take_any_offset(api, history):
    assert len(rows(api.get(f"{URL}?createdAfter=2000-01-01T00:00:00-16:23"))) == 6
    assert rows(api.get(f"{URL}?createdBefore=2000-01-01T00:00:00%2B21:22")) == []


@pytest.mark.parametrize(
    "query",
    [
        "type=theft",
        "referenceType=invoice",
        "createdAfter=yesterday",
        "createdBefore=",
        "offset=x",
        "createdAfter=9999-12-31T23:59:59-10:00",
        "referenceId=a%00b",
    ],
)
def test_bad_filters_are_400(api, query):
    assert_error(api.get(f"{URL}?{query}"), 400, "INVALID_PARAMETER")


def test_the_ledger_is_read_only(api, history):
    movement = rows(api.get(URL))[0]
    assert_error(api.post(URL, movement, format="json"), 405, "METHOD_NOT_ALLOWED")
    for method in ("put", "patch", "delete"):
        assert_error(getattr(api, method)(f"{URL}/{movement['id']}", {}, format="json"), 405, "METHOD_NOT_ALLOWED")
    assert rows(api.get(f"{URL}/{movement['id']}")) == movement


def test_another_accounts_movement_is_not_found(api, other_account, make_warehouse, make_product, receive):
    movement = receive(make_product(account=other_account), make_warehouse(account=other_account), 1)
    assert_error(api.get(f"{URL}/{movement.id}"), 404, "STOCK_MOVEMENT_NOT_FOUND")


QUERY_BUDGET = 5


@pytest.mark.parametrize("count", [1, 60])
def test_list_query_count_is_the_same_for_1_and_many_rows(
    api, make_warehouse, make_product, receive, django_assert_max_num_queries, count
):
    warehouse = make_warehouse()
    for _ in range(count):
        receive(make_product(), warehouse, 2)
    api.get(URL)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert len(rows(api.get(f"{URL}?limit=250&type=receipt"))) == count


def test_scopes(account, make_client, history):
    assert make_client(account, scopes=["read:inventory"]).get(URL).status_code == 200
    assert_error(make_client(account, scopes=["read:orders"]).get(URL), 403, "INSUFFICIENT_SCOPE")
