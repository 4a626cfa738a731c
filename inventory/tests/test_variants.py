"""Stock per variant: adjustments, transfers, lists and events name the variant; a product with several
variants must be named by variant."""

import pytest

from inventory.models import StockLevel, StockMovement, StockTransfer
from inventory.selectors import ledger_discrepancies
from inventory.services import stock_adjust, stock_level_update, stock_return
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import WarehouseFactory, product_in_stock, product_with_variants
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

ADJUST = "/api/inventory/stock/adjust"


@pytest.fixture
def tee(account):
    return product_with_variants(account)


@pytest.fixture
def warehouse(account):
    return WarehouseFactory(account=account, code="MAIN")


def test_adjusting_a_variant_stocks_that_variant_only(api, account, tee, warehouse):
    product, (_small, medium, _large) = tee
    body = {"variantId": medium.pk, "warehouseId": warehouse.pk, "quantity": 7, "reason": "received"}

    response = api.post(ADJUST, body, format="json")

    assert response.status_code == 201, response.content
    level = response.json()["stockLevel"]
    assert (level["productId"], level["variantId"], level["variantSku"], level["variantTitle"]) == (
        product.pk,
        medium.pk,
        medium.sku,
        "M",
    )
    assert response.json()["movement"]["variantId"] == medium.pk
    assert dict(StockLevel.objects.filter(product=product).values_list("variant_id", "on_hand")) == {medium.pk: 7}
    assert ledger_discrepancies(account) == []


def test_a_product_with_several_variants_needs_a_variant(api, tee, warehouse):
    product, variants = tee
    body = {"productId": product.pk, "warehouseId": warehouse.pk, "quantity": 7, "reason": "received"}

    body = assert_error(api.post(ADJUST, body, format="json"), 422, "VARIANT_REQUIRED")

    assert body["details"]["variants"] == [{"id": v.pk, "sku": v.sku, "title": v.title} for v in variants]
    assert "productId" in body["details"]
    assert not StockLevel.objects.filter(product=product).exists()
    assert not StockMovement.objects.exists()


def test_a_variant_of_another_product_is_refused(api, account, tee, warehouse):
    _, (small, *_) = tee
    other = product_in_stock(account, stock=0)
    body = {
        "productId": other.pk,
        "variantId": small.pk,
        "warehouseId": warehouse.pk,
        "quantity": 1,
        "reason": "received",
    }

    body = assert_error(api.post(ADJUST, body, format="json"), 422, "VALIDATION_ERROR")

    assert "variantId" in body["details"]
    assert not StockMovement.objects.exists()


def test_neither_product_nor_variant_is_a_422_naming_the_field(api, warehouse):
    body = {"warehouseId": warehouse.pk, "quantity": 1, "reason": "received"}

    body = assert_error(api.post(ADJUST, body, format="json"), 422, "VALIDATION_ERROR")

    assert "productId" in body["details"]


def test_another_accounts_variant_is_not_found(api, other_account, warehouse):
    _, (small, *_) = product_with_variants(other_account)
    body = {"variantId": small.pk, "warehouseId": warehouse.pk, "quantity": 1, "reason": "received"}

    assert_error(api.post(ADJUST, body, format="json"), 404, "PRODUCT_VARIANT_NOT_FOUND")
    assert not StockMovement.objects.exists()


def test_a_product_without_options_looks_as_before(api, account, warehouse):
    product = product_in_stock(account, stock=0)
    body = {"productId": product.pk, "warehouseId": warehouse.pk, "quantity": 3, "reason": "received"}

    response = api.post(ADJUST, body, format="json")

    assert response.status_code == 201, response.content
    level = response.json()["stockLevel"]
    assert (level["variantId"], level["variantSku"], level["variantTitle"], level["sku"]) == (
        None,
        None,
        None,
        product.sku,
    )


def test_transfers_move_one_variant(api, account, tee, warehouse):
    _, (small, medium, _large) = tee
    east = WarehouseFactory(account=account, code="EAST")
    for variant in (small, medium):
        stock_adjust(account=account, variant=variant, warehouse=warehouse, quantity=5, reason="received")
    body = {"variantId": medium.pk, "fromWarehouseId": warehouse.pk, "toWarehouseId": east.pk, "quantity": 4}

    response = api.post("/api/inventory/transfers", body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["variantId"] == medium.pk
    assert StockTransfer.objects.get().variant_id == medium.pk
    on_hand = {(level.variant_id, level.warehouse_id): level.on_hand for level in StockLevel.objects.all()}
    assert on_hand == {(small.pk, warehouse.pk): 5, (medium.pk, warehouse.pk): 1, (medium.pk, east.pk): 4}
    assert ledger_discrepancies(account) == []


def test_transfer_of_a_product_with_several_variants_needs_a_variant(api, account, tee, warehouse):
    product, _ = tee
    east = WarehouseFactory(account=account, code="EAST")
    body = {"productId": product.pk, "fromWarehouseId": warehouse.pk, "toWarehouseId": east.pk, "quantity": 1}

    assert_error(api.post("/api/inventory/transfers", body, format="json"), 422, "VARIANT_REQUIRED")
    assert not StockTransfer.objects.exists()


def test_stock_and_movement_lists_filter_by_variant(api, account, tee, warehouse):
    product, (small, medium, _large) = tee
    for variant, quantity in ((small, 2), (medium, 3)):
        stock_adjust(account=account, variant=variant, warehouse=warehouse, quantity=quantity, reason="received")

    stock = api.get(f"/api/inventory/stock?variantId={medium.pk}").json()
    movements = api.get(f"/api/inventory/movements?variantId={small.pk}").json()
    everything = api.get(f"/api/inventory/stock?productId={product.pk}").json()

    assert [(row["variantId"], row["onHand"]) for row in stock] == [(medium.pk, 3)]
    assert [(row["variantId"], row["quantity"]) for row in movements] == [(small.pk, 2)]
    assert [row["variantTitle"] for row in everything] == ["S", "M"]
    assert {row["productTotals"]["onHand"] for row in everything} == {5}  # the product over all its variants


def test_low_stock_event_names_the_variant(account, tee, warehouse):
    _, (small, *_) = tee
    stock_adjust(account=account, variant=small, warehouse=warehouse, quantity=10, reason="received")
    level = StockLevel.objects.get(variant=small, warehouse=warehouse)
    stock_level_update(stock_level=level, reorder_point=5, reorder_quantity=20)
    assert not WebhookEvent.objects.filter(account=account, event_type="inventory.low_stock").exists()
    stock_adjust(account=account, variant=small, warehouse=warehouse, quantity=-6, reason="damaged")

    data = WebhookEvent.objects.get(account=account, event_type="inventory.low_stock").payload["data"]

    assert (data["variantId"], data["variantSku"], data["variantTitle"]) == (small.pk, small.sku, "S")


def test_returns_restock_the_variant_once(account, tee, warehouse):
    _, (small, medium, _large) = tee

    first = stock_return(account=account, reference_id="ret_1", variant=medium, quantity=2, warehouse=warehouse)
    again = stock_return(account=account, reference_id="ret_1", variant=medium, quantity=2, warehouse=warehouse)
    other = stock_return(account=account, reference_id="ret_1", variant=small, quantity=1, warehouse=warehouse)

    assert first.variant_id == medium.pk and again is None and other.variant_id == small.pk
    assert dict(StockLevel.objects.values_list("variant_id", "on_hand")) == {medium.pk: 2, small.pk: 1}
    assert ledger_discrepancies(account) == []
