"""Order lines per variant: named by variantId (or productId for a product without options), with the
variant's SKU, title and price, and stock reserved, released and sold per variant."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import variant_update
from inventory.models import StockLevel, StockReservation
from inventory.selectors import ledger_discrepancies
from inventory.services import stock_adjust
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory, WarehouseFactory, product_in_stock, product_with_variants
from orders import services
from orders.models import Order
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(account):
    """A product with sizes S, M, L (20, 21, 22), 10 of each in stock."""
    product, variants = product_with_variants(account)
    warehouse = WarehouseFactory(account=account, code="MAIN")
    for variant in variants:
        stock_adjust(account=account, variant=variant, warehouse=warehouse, quantity=10, reason="received")
    return product, variants


@pytest.fixture
def customer(account):
    return CustomerFactory(account=account)


def _order(api, customer, *items):
    return api.post("/api/orders", {"customerId": customer.pk, "items": list(items)}, format="json")


def _stock(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant)
    return level.on_hand, level.reserved


def test_a_line_by_variant_copies_its_sku_title_and_price_and_reserves_its_stock(api, account, customer, tee):
    product, (small, medium, large) = tee

    response = _order(api, customer, {"variantId": medium.pk, "quantity": 2})

    assert response.status_code == 201, response.content
    [line] = response.json()["items"]
    assert line == {
        "id": line["id"],
        "productId": product.pk,
        "productName": product.name,
        "sku": medium.sku,
        "variantId": medium.pk,
        "variantSku": medium.sku,
        "variantTitle": "M",
        "quantity": 2,
        "price": 21.0,
        "lineTotal": 42.0,
        "discount": 0.0,
    }
    assert api.get(f"/api/orders/{response.json()['id']}").json()["items"] == [line]
    assert api.get("/api/orders").json()[0]["items"] == [line]
    assert (_stock(medium), _stock(small), _stock(large)) == ((10, 2), (10, 0), (10, 0))
    data = WebhookEvent.objects.get(account=account, event_type="order.created").payload["data"]
    assert {key: data["items"][0][key] for key in ("variantId", "variantSku", "variantTitle")} == {
        "variantId": medium.pk,
        "variantSku": medium.sku,
        "variantTitle": "M",
    }


def test_a_product_without_options_is_ordered_by_product_and_shows_no_variant(api, account, customer):
    product = product_in_stock(account)

    response = _order(api, customer, {"productId": product.pk, "quantity": 1})

    assert response.status_code == 201, response.content
    [line] = response.json()["items"]
    assert (line["sku"], line["variantId"], line["variantSku"], line["variantTitle"]) == (product.sku, None, None, None)


def test_a_product_with_several_variants_needs_a_variant(api, customer, tee):
    product, variants = tee

    body = assert_error(_order(api, customer, {"productId": product.pk, "quantity": 1}), 422, "VARIANT_REQUIRED")

    assert body["details"]["variants"] == [{"id": v.pk, "sku": v.sku, "title": v.title} for v in variants]
    assert not Order.objects.exists() and not StockReservation.objects.exists()


def test_a_product_and_a_variant_that_disagree_are_refused(api, account, customer, tee):
    _, (small, *_) = tee
    other = product_in_stock(account)

    body = _order(api, customer, {"productId": other.pk, "variantId": small.pk, "quantity": 1})

    assert "items" in assert_error(body, 422, "VALIDATION_ERROR")["details"]
    assert not Order.objects.exists()


def test_a_line_without_product_or_variant_names_the_field(api, customer):
    body = assert_error(_order(api, customer, {"quantity": 1}), 422, "VALIDATION_ERROR")

    assert "productId" in str(body["details"])


def test_an_archived_variant_cannot_be_ordered(api, customer, tee):
    _, (_small, medium, _large) = tee
    variant_update(variant=medium, data={"status": "archived"})

    assert_error(_order(api, customer, {"variantId": medium.pk, "quantity": 1}), 422, "PRODUCT_NOT_AVAILABLE")
    assert not Order.objects.exists()


def test_another_accounts_variant_is_not_found(api, other_account, customer):
    _, (small, *_) = product_with_variants(other_account)

    assert_error(_order(api, customer, {"variantId": small.pk, "quantity": 1}), 404, "PRODUCT_VARIANT_NOT_FOUND")


def test_two_variants_of_one_product_are_two_lines_but_one_variant_is_one_line(api, customer, tee):
    product, (small, medium, _large) = tee

    response = _order(api, customer, {"variantId": small.pk, "quantity": 1}, {"variantId": medium.pk, "quantity": 3})
    twice = _order(api, customer, {"variantId": small.pk, "quantity": 1}, {"variantId": small.pk, "quantity": 1})

    assert response.status_code == 201, response.content
    assert [line["variantTitle"] for line in response.json()["items"]] == ["S", "M"]
    assert response.json()["subtotal"] == 20.0 + 3 * 21.0
    product.refresh_from_db()
    assert product.order_count == 1
    assert_error(twice, 422, "VALIDATION_ERROR")


def test_cancel_releases_and_shipping_sells_per_variant(api, account, customer, tee):
    _, (small, medium, _large) = tee
    cancelled = _order(api, customer, {"variantId": small.pk, "quantity": 4}).json()["id"]
    shipped = _order(api, customer, {"variantId": medium.pk, "quantity": 3}).json()["id"]

    api.put(f"/api/orders/{cancelled}/status", {"status": "cancelled"}, format="json")
    api.put(f"/api/orders/{shipped}/status", {"status": "processing"}, format="json")
    response = api.put(f"/api/orders/{shipped}/status", {"status": "shipped"}, format="json")

    assert response.status_code == 200, response.content
    assert (_stock(small), _stock(medium)) == ((10, 0), (7, 0))
    assert ledger_discrepancies(account) == []


def test_ordering_a_variant_costs_at_most_one_statement_more_than_a_product(api, account, customer, tee):
    _, (small, *_) = tee
    simple = product_in_stock(account)
    _order(api, customer, {"productId": simple.pk, "quantity": 1})  # warm up: caches, compiled reads

    with CaptureQueriesContext(connection) as by_product:
        assert _order(api, customer, {"productId": simple.pk, "quantity": 1}).status_code == 201
    with CaptureQueriesContext(connection) as by_variant:
        assert _order(api, customer, {"variantId": small.pk, "quantity": 1}).status_code == 201

    assert len(by_variant) <= len(by_product) + 1, [query["sql"] for query in by_variant]


def test_order_draft_takes_variants_and_products_without_options(account, tee):
    _, (small, *_) = tee
    simple = product_in_stock(account)

    _, lines = services.order_draft(
        account=account,
        customer=CustomerFactory(account=account),
        lines=[(small, 1, Decimal("5.00")), (simple, 2, Decimal("1.00"))],
        shipping=Decimal("0.00"),
    )

    assert [(line.variant_id, line.sku, line.variant_title) for line in lines] == [
        (small.pk, small.sku, "S"),
        (simple.variants.get().pk, simple.sku, ""),
    ]
