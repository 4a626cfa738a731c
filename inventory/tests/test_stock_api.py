"""/api/inventory/stock: the list with per-product totals, reorder settings, and adjustments."""

import pytest

from inventory import services
from inventory.models import StockLevel, StockMovement, Warehouse
from omnisales.testing.assertions import assert_error
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

URL = "/api/inventory/stock"
ADJUST = f"{URL}/adjust"


@pytest.fixture
def stocked(account, make_warehouse, make_product, receive):
    """Two products over three warehouses (one inactive); the shirt is low in MAIN."""
    main = make_warehouse(code="MAIN", priority=1)
    east = make_warehouse(code="EAST", priority=2)
    closed = make_warehouse(code="CLOSED", priority=3, is_active=False)
    shirt = make_product(name="Shirt", sku="SHIRT")
    boots = make_product(name="Boots", sku="BOOTS")
    receive(shirt, main, 4)
    receive(shirt, east, 20)
    receive(shirt, closed, 100)
    receive(boots, main, 7)
    services.stock_reserve(account=account, reference_id="ord_1", lines=[(shirt, 3)])
    services.stock_level_update(stock_level=StockLevel.objects.get(product=shirt, warehouse=main), reorder_point=2)
    return {"main": main, "east": east, "closed": closed, "shirt": shirt, "boots": boots}


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_rows_per_product_and_warehouse_with_product_totals(api, stocked):
    body = rows(api.get(URL))
    assert [(row["sku"], row["warehouseCode"]) for row in body] == [
        ("BOOTS", "MAIN"),
        ("SHIRT", "MAIN"),
        ("SHIRT", "EAST"),
        ("SHIRT", "CLOSED"),
    ]
    shirt_main = body[1]
    assert shirt_main | {"id": None, "updatedAt": None} == {
        "id": None,
        "productId": stocked["shirt"].id,
        "productName": "Shirt",
        "sku": "SHIRT",
        "variantId": None,
        "variantSku": None,
        "variantTitle": None,
        "warehouseId": stocked["main"].id,
        "warehouseCode": "MAIN",
        "warehouseIsActive": True,
        "onHand": 4,
        "reserved": 3,
        "available": 1,
        "reorderPoint": 2,
        "reorderQuantity": 0,
        "isLowStock": True,
        "productTotals": {"onHand": 24, "reserved": 3, "available": 21},
        "updatedAt": None,
    }
    assert shirt_main["id"].startswith("stk_")
    assert body[3]["productTotals"] == shirt_main["productTotals"], "inactive warehouses are not in the totals"
    assert body[3]["isLowStock"] is False


def test_filters(api, stocked):
    def keys(query):
        return [(row["sku"], row["warehouseCode"]) for row in rows(api.get(f"{URL}?{query}"))]

    assert keys(f"productId={stocked['boots'].id}") == [("BOOTS", "MAIN")]
    assert keys(f"warehouseId={stocked['east'].id}") == [("SHIRT", "EAST")]
    assert keys("lowStock=true") == [("SHIRT", "MAIN")]
    assert len(keys("lowStock=false")) == 3
    assert keys("search=boo") == [("BOOTS", "MAIN")]
    assert keys("ordering=-available")[0] == ("SHIRT", "CLOSED")
    # Totals stay whole-product whatever the filters.
    [row] = rows(api.get(f"{URL}?warehouseId={stocked['east'].id}"))
    assert row["productTotals"] == {"onHand": 24, "reserved": 3, "available": 21}


@pytest.mark.parametrize("query", ["lowStock=yes", "lowStock=", "ordering=price", "productId=" + "x" * 41])
def test_bad_filters_are_400(api, query):
    assert_error(api.get(f"{URL}?{query}"), 400, "INVALID_PARAMETER")


def test_another_accounts_stock_is_invisible(api, other_account, make_warehouse, make_product, receive):
    receive(make_product(account=other_account), make_warehouse(account=other_account), 5)
    assert rows(api.get(URL)) == []
    level = StockLevel.objects.get()
    assert_error(api.get(f"{URL}/{level.id}"), 404, "STOCK_LEVEL_NOT_FOUND")
    assert_error(api.patch(f"{URL}/{level.id}", {"reorderPoint": 1}, format="json"), 404, "STOCK_LEVEL_NOT_FOUND")
    level.refresh_from_db()
    assert level.reorder_point == 0


QUERY_BUDGET = 5  # request savepoint + release, credential lookup, count, page


@pytest.mark.parametrize("products", [1, 30])
def test_list_query_count_is_the_same_for_1_and_many_rows(
    api, make_warehouse, make_product, receive, django_assert_max_num_queries, products
):
    first, second = make_warehouse(), make_warehouse()
    for _ in range(products):
        product = make_product()
        receive(product, first, 3)
        receive(product, second, 2)
    api.get(URL)  # warm the credential's last-used stamp
    with django_assert_max_num_queries(QUERY_BUDGET):
        body = rows(api.get(f"{URL}?limit=250&lowStock=false&search=Product&ordering=onHand"))
    assert len(body) == 2 * products
    assert {row["productTotals"]["onHand"] for row in body} == {5}


# --- reorder settings -----------------------------------------------------------------------------


def test_patch_sets_the_reorder_point_and_quantity(api, account, stocked):
    level = StockLevel.objects.get(product=stocked["boots"], warehouse=stocked["main"])
    response = api.patch(f"{URL}/{level.id}", {"reorderPoint": 7, "reorderQuantity": 40}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["reorderPoint"], body["reorderQuantity"], body["isLowStock"]) == (7, 40, True)
    assert body["productTotals"] == {"onHand": 7, "reserved": 0, "available": 7}
    events = WebhookEvent.objects.filter(account=account, event_type="inventory.low_stock")
    assert [event.payload["data"]["stockLevelId"] for event in events.order_by("created_at")][-1] == level.id
    assert api.get(f"{URL}/{level.id}").json() == body


@pytest.mark.parametrize(
    "data",
    [{}, {"reorderPoint": -1}, {"reorderQuantity": 1_000_000_001}, {"reorderPoint": "ten"}, {"onHand": 100}],
)
def test_patch_with_bad_settings_is_a_422_and_changes_nothing(api, stocked, data):
    level = StockLevel.objects.get(product=stocked["boots"], warehouse=stocked["main"])
    assert_error(api.patch(f"{URL}/{level.id}", data, format="json"), 422, "VALIDATION_ERROR")
    level.refresh_from_db()
    assert (level.on_hand, level.reorder_point, level.reorder_quantity) == (7, 0, 0)


def test_stock_levels_cannot_be_created_replaced_or_deleted(api, stocked):
    level = StockLevel.objects.get(product=stocked["boots"], warehouse=stocked["main"])
    assert_error(api.post(URL, {}, format="json"), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.put(f"{URL}/{level.id}", {}, format="json"), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.delete(f"{URL}/{level.id}"), 405, "METHOD_NOT_ALLOWED")


# --- adjustments ------------------------------------------------------------------------------------


def test_adjust_records_a_receipt(api, account, make_client, make_warehouse, make_product):
    warehouse, product = make_warehouse(), make_product()
    client = make_client(account, scopes=["write:inventory"])
    response = client.post(
        ADJUST,
        {"productId": product.id, "warehouseId": warehouse.id, "quantity": 12, "reason": "received", "note": "PO 77"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    movement = body["movement"]
    assert (movement["type"], movement["quantity"], movement["onHandAfter"], movement["reason"]) == (
        "receipt",
        12,
        12,
        "received",
    )
    assert movement["note"] == "PO 77" and movement["referenceType"] == "adjustment"
    assert movement["actor"].startswith("key_"), "an API key is recorded by its public id"
    assert body["stockLevel"]["onHand"] == 12 and body["stockLevel"]["available"] == 12
    assert StockMovement.objects.get().actor == movement["actor"]


def test_adjust_by_a_signed_in_member_records_their_email(account, make_warehouse, make_product):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.authentication import ACCOUNT_CLAIM
    from omnisales.testing.factories import MembershipFactory

    membership = MembershipFactory(account=account, user__email="stock.keeper@example.com")
    token = RefreshToken.for_user(membership.user)
    token[ACCOUNT_CLAIM] = account.id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.access_token}")
    warehouse, product = make_warehouse(), make_product()
    response = client.post(
        ADJUST,
        {"productId": product.id, "warehouseId": warehouse.id, "quantity": 1, "reason": "count_correction"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["movement"]["actor"] == "stock.keeper@example.com"


def test_removing_more_than_is_unreserved_is_a_conflict(api, account, stocked):
    shirt, main = stocked["shirt"], stocked["main"]
    before = StockMovement.objects.count()
    body = assert_error(
        api.post(
            ADJUST, {"productId": shirt.id, "warehouseId": main.id, "quantity": -2, "reason": "lost"}, format="json"
        ),
        409,
        "INSUFFICIENT_STOCK",
    )
    assert body["details"]["productIds"] == [shirt.id]
    assert body["details"]["products"][0]["available"] == 1
    assert StockMovement.objects.count() == before
    assert StockLevel.objects.get(product=shirt, warehouse=main).on_hand == 4


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"quantity": 0}, 422, "VALIDATION_ERROR"),
        ({"quantity": "five"}, 422, "VALIDATION_ERROR"),
        ({"quantity": 1.5}, 422, "VALIDATION_ERROR"),
        ({"quantity": 1_000_000_001}, 422, "VALIDATION_ERROR"),
        ({"quantity": None}, 422, "VALIDATION_ERROR"),
        ({"reason": "stolen"}, 422, "VALIDATION_ERROR"),
        ({"reason": None}, 422, "VALIDATION_ERROR"),
        ({"note": "n" * 501}, 422, "VALIDATION_ERROR"),
        ({"quantity": -1, "reason": "received"}, 422, "VALIDATION_ERROR"),
        ({"quantity": 3, "reason": "damaged"}, 422, "VALIDATION_ERROR"),
        ({"warehouseId": "wh_missing"}, 404, "WAREHOUSE_NOT_FOUND"),
        ({"warehouseId": None}, 422, "VALIDATION_ERROR"),
        ({"warehouseId": 12}, 422, "VALIDATION_ERROR"),
        ({"productId": "prod_missing"}, 404, "PRODUCT_NOT_FOUND"),
        ({"productId": None}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_adjustments_write_nothing(api, make_warehouse, make_product, change, status, code):
    data = {"productId": make_product().id, "warehouseId": make_warehouse().id, "quantity": 5, "reason": "received"}
    data.update(change)
    data = {key: value for key, value in data.items() if value is not None}
    assert_error(api.post(ADJUST, data, format="json"), status, code)
    assert not StockLevel.objects.exists() and not StockMovement.objects.exists()


def test_adjusting_another_accounts_product_or_warehouse_is_not_found(api, other_account, make_warehouse, make_product):
    mine = {"productId": make_product().id, "warehouseId": make_warehouse().id, "quantity": 5, "reason": "received"}
    foreign_product = make_product(account=other_account)
    foreign_warehouse = make_warehouse(account=other_account)
    assert_error(api.post(ADJUST, {**mine, "productId": foreign_product.id}, format="json"), 404, "PRODUCT_NOT_FOUND")
    assert_error(
        api.post(ADJUST, {**mine, "warehouseId": foreign_warehouse.id}, format="json"), 404, "WAREHOUSE_NOT_FOUND"
    )
    assert not StockLevel.objects.exists()


def test_untracked_products_and_archived_warehouses_refuse_stock(api, make_warehouse, make_product):
    warehouse = make_warehouse()
    untracked = make_product(track_inventory=False)
    data = {"productId": untracked.id, "warehouseId": warehouse.id, "quantity": 5, "reason": "received"}
    assert_error(api.post(ADJUST, data, format="json"), 422, "PRODUCT_NOT_TRACKED")
    archived = make_warehouse()
    Warehouse.objects.filter(pk=archived.pk).update(archived_at="2024-01-01T00:00Z", is_active=False)
    data = {"productId": make_product().id, "warehouseId": archived.id, "quantity": 5, "reason": "received"}
    assert_error(api.post(ADJUST, data, format="json"), 409, "WAREHOUSE_ARCHIVED")
    assert not StockMovement.objects.exists()


def test_scopes(account, make_client, stocked):
    reader = make_client(account, scopes=["read:inventory"])
    level = StockLevel.objects.get(product=stocked["boots"], warehouse=stocked["main"])
    assert reader.get(URL).status_code == 200
    data = {"productId": stocked["boots"].id, "warehouseId": stocked["main"].id, "quantity": 1, "reason": "received"}
    assert_error(reader.post(ADJUST, data, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(reader.patch(f"{URL}/{level.id}", {"reorderPoint": 1}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(make_client(account, scopes=["write:products"]).get(URL), 403, "INSUFFICIENT_SCOPE")
    level.refresh_from_db()
    assert (level.on_hand, level.reorder_point) == (7, 0)
