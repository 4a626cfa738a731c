"""/api/inventory/transfers: moving available stock between warehouses, and reading transfers back."""

import pytest

from inventory import services
from inventory.models import StockLevel, StockMovement, StockTransfer
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/inventory/transfers"


@pytest.fixture
def setup(account, make_warehouse, make_product, receive):
    east, west = make_warehouse(code="EAST"), make_warehouse(code="WEST")
    product = make_product(sku="TENT")
    receive(product, east, 10)
    services.stock_reserve(account=account, reference_id="ord_1", lines=[(product, 2)])
    return {"east": east, "west": west, "product": product}


def body_for(setup, **change):
    data = {
        "productId": setup["product"].id,
        "fromWarehouseId": setup["east"].id,
        "toWarehouseId": setup["west"].id,
        "quantity": 5,
    }
    data.update(change)
    return {key: value for key, value in data.items() if value is not None}


def on_hand(setup, name):
    return StockLevel.objects.get(product=setup["product"], warehouse=setup[name]).on_hand


def test_transfer_moves_stock_and_records_both_movements(api, setup, assert_ledger):
    response = api.post(URL, body_for(setup, note="rebalance"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("trf_")
    assert body | {"id": None, "createdAt": None, "actor": None} == {
        "id": None,
        "productId": setup["product"].id,
        "sku": "TENT",
        "variantId": None,
        "variantSku": None,
        "variantTitle": None,
        "fromWarehouseId": setup["east"].id,
        "fromWarehouseCode": "EAST",
        "toWarehouseId": setup["west"].id,
        "toWarehouseCode": "WEST",
        "quantity": 5,
        "note": "rebalance",
        "actor": None,
        "createdAt": None,
    }
    assert (on_hand(setup, "east"), on_hand(setup, "west")) == (5, 5)
    movements = api.get(f"/api/inventory/movements?referenceId={body['id']}").json()
    assert sorted((m["type"], m["quantity"], m["referenceType"]) for m in movements) == [
        ("transfer_in", 5, "transfer"),
        ("transfer_out", -5, "transfer"),
    ]
    assert api.get(f"{URL}/{body['id']}").json() == body
    assert_ledger()


def test_reserved_stock_does_not_move(api, setup):
    body = assert_error(api.post(URL, body_for(setup, quantity=9), format="json"), 409, "INSUFFICIENT_STOCK")
    assert body["details"]["productIds"] == [setup["product"].id]
    assert body["details"]["products"][0] | {"productId": None, "sku": None} == {
        "productId": None,
        "variantId": None,
        "sku": None,
        "requested": 9,
        "available": 8,
        "warehouseId": setup["east"].id,
    }
    assert not StockTransfer.objects.exists()
    assert on_hand(setup, "east") == 10 and not StockLevel.objects.filter(warehouse=setup["west"], on_hand__gt=0)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"quantity": 0}, 422, "VALIDATION_ERROR"),
        ({"quantity": -3}, 422, "VALIDATION_ERROR"),
        ({"quantity": "3x"}, 422, "VALIDATION_ERROR"),
        ({"quantity": None}, 422, "VALIDATION_ERROR"),
        ({"note": "n" * 501}, 422, "VALIDATION_ERROR"),
        ({"toWarehouseId": "SAME"}, 422, "SAME_WAREHOUSE"),
        ({"toWarehouseId": "wh_missing"}, 404, "WAREHOUSE_NOT_FOUND"),
        ({"fromWarehouseId": "wh_missing"}, 404, "WAREHOUSE_NOT_FOUND"),
        ({"fromWarehouseId": None}, 422, "VALIDATION_ERROR"),
        ({"productId": "prod_missing"}, 404, "PRODUCT_NOT_FOUND"),
        ({"productId": ["x"]}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_transfers_write_nothing(api, setup, change, status, code):
    if change.get("toWarehouseId") == "SAME":
        change["toWarehouseId"] = setup["east"].id
    assert_error(api.post(URL, body_for(setup, **change), format="json"), status, code)
    assert not StockTransfer.objects.exists()
    assert StockMovement.objects.filter(type__startswith="transfer").count() == 0
    assert on_hand(setup, "east") == 10


def test_another_accounts_product_or_warehouse_is_not_found(api, setup, other_account, make_warehouse, make_product):
    foreign = make_warehouse(account=other_account)
    assert_error(api.post(URL, body_for(setup, toWarehouseId=foreign.id), format="json"), 404, "WAREHOUSE_NOT_FOUND")
    foreign_product = make_product(account=other_account)
    assert_error(api.post(URL, body_for(setup, productId=foreign_product.id), format="json"), 404, "PRODUCT_NOT_FOUND")
    assert not StockTransfer.objects.exists()


def test_moving_into_an_inactive_warehouse_is_a_conflict(api, setup, make_warehouse):
    closed = make_warehouse(is_active=False)
    assert_error(api.post(URL, body_for(setup, toWarehouseId=closed.id), format="json"), 409, "WAREHOUSE_INACTIVE")
    assert not StockTransfer.objects.exists()


def test_list_filters_and_tenancy(api, setup, other_account, make_warehouse, make_product, receive):
    first = api.post(URL, body_for(setup, quantity=1), format="json").json()
    back = api.post(
        URL,
        body_for(setup, fromWarehouseId=setup["west"].id, toWarehouseId=setup["east"].id, quantity=1),
        format="json",
    ).json()
    other_product, other_warehouse = make_product(account=other_account), make_warehouse(account=other_account)
    receive(other_product, other_warehouse, 1)

    def ids(query=""):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids() == [back["id"], first["id"]]
    assert ids(f"fromWarehouseId={setup['east'].id}") == [first["id"]]
    assert ids(f"toWarehouseId={setup['east'].id}") == [back["id"]]
    assert ids(f"warehouseId={setup['east'].id}") == [back["id"], first["id"]]
    assert ids(f"productId={other_product.id}") == []
    assert ids("createdAfter=2999-01-01T00:00:00Z") == []
    assert_error(api.get(f"{URL}?createdAfter=yesterday"), 400, "INVALID_PARAMETER")
    assert_error(api.get(f"{URL}/trf_missing"), 404, "STOCK_TRANSFER_NOT_FOUND")


QUERY_BUDGET = 5


@pytest.mark.parametrize("count", [1, 25])
def test_list_query_count_is_the_same_for_1_and_many_rows(api, setup, django_assert_max_num_queries, count):
    for index in range(count):
        source, destination = (setup["east"], setup["west"]) if index % 2 == 0 else (setup["west"], setup["east"])
        services.stock_transfer_create(
            account=setup["product"].account,
            product=setup["product"],
            from_warehouse=source,
            to_warehouse=destination,
            quantity=1,
        )
    api.get(URL)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert len(api.get(URL).json()) == count


def test_scopes(account, make_client, setup):
    reader = make_client(account, scopes=["read:inventory"])
    assert reader.get(URL).status_code == 200
    assert_error(reader.post(URL, body_for(setup), format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(make_client(account, scopes=["read:orders"]).get(URL), 403, "INSUFFICIENT_SCOPE")
    assert not StockTransfer.objects.exists()
