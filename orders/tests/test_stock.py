"""Orders and stock: creating an order reserves it, cancelling releases it, shipping sells it — and an order
that cannot be stocked is refused whole. After each scenario the inventory ledger sums to the stock."""

import pytest
from django.urls import reverse

from accounts.models import User
from inventory import services as inventory_services
from inventory.models import StockLevel, StockMovement, StockReservation
from inventory.selectors import ledger_discrepancies
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import WarehouseFactory, receive_stock
from orders.models import Order

from .utils import database_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ledger_holds(account):
    yield
    assert ledger_discrepancies(account) == []


def body(customer, *lines):
    return {"customerId": customer.pk, "items": [{"productId": p.pk, "quantity": q} for p, q in lines]}


def stock(product) -> tuple[int, int]:
    levels = StockLevel.objects.filter(product=product)
    return sum(level.on_hand for level in levels), sum(level.reserved for level in levels)


def movements(order_id) -> list[tuple[str, int]]:
    rows = StockMovement.objects.filter(reference_type="order", reference_id=order_id).order_by("created_at", "id")
    return [(movement.type, movement.quantity) for movement in rows]


def place(api, customer, *lines):
    response = api.post("/api/orders", body(customer, *lines), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def set_status(api, order_id, status):
    return api.put(f"/api/orders/{order_id}/status", {"status": status}, format="json")


def test_creating_an_order_reserves_its_lines(api, customer, make_product):
    tee, mug = make_product(stock=5), make_product(stock=3)
    order_id = place(api, customer, (tee, 2), (mug, 3))

    assert stock(tee) == (5, 2) and stock(mug) == (3, 3)
    assert sorted(movements(order_id)) == [("reservation", 2), ("reservation", 3)]
    actors = set(StockMovement.objects.filter(reference_id=order_id).values_list("actor", flat=True))
    assert len(actors) == 1 and actors.pop().startswith("key_"), "the API key that placed the order"
    assert StockReservation.objects.filter(reference_id=order_id, status="active").count() == 2


def test_an_order_that_cannot_be_stocked_is_refused_whole(api, account, customer, make_product):
    tee, mug = make_product(stock=5), make_product(stock=1)
    before = database_state(account)
    stock_before = (stock(tee), stock(mug), StockMovement.objects.count(), StockReservation.objects.count())

    response = api.post("/api/orders", body(customer, (tee, 2), (mug, 4)), format="json")

    error = assert_error(response, 409, "INSUFFICIENT_STOCK")
    assert "add stock with POST /api/inventory/stock/adjust" in error["error"], "says what to do"
    details = error["details"]
    assert details["productIds"] == [mug.pk]
    assert [(p["productId"], p["requested"], p["available"]) for p in details["products"]] == [(mug.pk, 4, 1)]
    assert database_state(account) == before, "no order, line, event, customer or product change"
    assert (stock(tee), stock(mug), StockMovement.objects.count(), StockReservation.objects.count()) == stock_before


def test_products_that_do_not_track_inventory_are_not_reserved(api, customer, make_product):
    service = make_product(track_inventory=False, stock=0)
    order_id = place(api, customer, (service, 3))
    assert movements(order_id) == [] and not StockLevel.objects.filter(product=service).exists()
    assert set_status(api, order_id, "processing").status_code == 200
    assert set_status(api, order_id, "shipped").status_code == 200


def test_cancelling_releases_the_reservation(api, customer, make_product):
    tee = make_product(stock=4)
    order_id = place(api, customer, (tee, 3))
    assert stock(tee) == (4, 3)

    assert set_status(api, order_id, "cancelled").status_code == 200

    assert stock(tee) == (4, 0)
    assert movements(order_id) == [("reservation", 3), ("release", -3)]
    assert set_status(api, order_id, "cancelled").status_code == 409
    assert movements(order_id) == [("reservation", 3), ("release", -3)]


def test_shipping_turns_the_reservation_into_a_sale(api, customer, make_product):
    tee = make_product(stock=4)
    order_id = place(api, customer, (tee, 3))
    set_status(api, order_id, "processing")

    assert set_status(api, order_id, "shipped").status_code == 200

    assert stock(tee) == (1, 0)
    assert movements(order_id) == [("reservation", 3), ("sale", -3)]
    assert set_status(api, order_id, "delivered").status_code == 200
    assert stock(tee) == (1, 0), "delivery moves no stock"


def test_marking_shipped_through_the_shipping_endpoint_sells_too(api, customer, make_product):
    tee = make_product(stock=2)
    order_id = place(api, customer, (tee, 2))
    set_status(api, order_id, "processing")
    response = api.patch(f"/api/orders/{order_id}/shipping", {"carrier": "UPS", "markShipped": True}, format="json")
    assert response.status_code == 200, response.content
    assert stock(tee) == (0, 0)
    assert movements(order_id)[-1] == ("sale", -2)


def test_a_cancelled_order_frees_stock_for_the_next_one(api, customer, make_product):
    tee = make_product(stock=2)
    first = place(api, customer, (tee, 2))
    assert_error(api.post("/api/orders", body(customer, (tee, 1)), format="json"), 409, "INSUFFICIENT_STOCK")
    set_status(api, first, "cancelled")
    place(api, customer, (tee, 1))
    assert stock(tee) == (2, 1)


def test_backordered_orders_ship_only_once_the_stock_is_in(api, account, customer, make_product):
    preorder = make_product(allow_backorder=True, stock=1)
    order_id = place(api, customer, (preorder, 3))
    assert stock(preorder) == (1, 1)
    backorder = StockReservation.objects.get(reference_id=order_id, warehouse__isnull=True)
    assert backorder.quantity == 2
    set_status(api, order_id, "processing")

    details = assert_error(set_status(api, order_id, "shipped"), 409, "INSUFFICIENT_STOCK")["details"]
    assert details["products"][0]["backordered"] is True
    assert Order.objects.get(pk=order_id).status == "processing", "the order stays where it was"

    receive_stock(preorder, 5)
    assert set_status(api, order_id, "shipped").status_code == 200
    assert stock(preorder) == (3, 0)
    assert sorted(movements(order_id)) == [("reservation", 1), ("sale", -2), ("sale", -1)]


def test_stock_is_taken_from_the_first_warehouse_then_the_next(api, account, customer, make_product):
    tee = make_product(stock=2)  # MAIN, priority 100
    near = WarehouseFactory(account=account, code="NEAR", priority=1)
    inventory_services.stock_adjust(account=account, product=tee, warehouse=near, quantity=1, reason="received")
    order_id = place(api, customer, (tee, 3))
    reserved = dict(StockReservation.objects.filter(reference_id=order_id).values_list("warehouse__code", "quantity"))
    assert reserved == {"NEAR": 1, "MAIN": 2}


def test_the_admin_ship_action_reports_orders_waiting_for_stock(client, settings, api, customer, make_product):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(User.objects.create_superuser(email="admin@example.com", password="a-long-admin-password"))
    preorder = make_product(allow_backorder=True, stock=0)
    order_id = place(api, customer, (preorder, 1))
    set_status(api, order_id, "processing")
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "mark_shipped", "_selected_action": [order_id]},
        follow=True,
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("backordered units are not in stock yet" in message and order_id in message for message in messages)
    assert Order.objects.get(pk=order_id).status == "processing"
