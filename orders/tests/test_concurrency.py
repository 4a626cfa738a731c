"""Real concurrent requests on PostgreSQL: row locks and conditional updates decide, never luck."""

import threading
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from catalog.services import product_delete, product_update
from inventory.models import StockLevel, StockReservation
from inventory.selectors import ledger_discrepancies
from inventory.services import stock_adjust
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import CustomerFactory, WarehouseFactory, product_in_stock, product_with_variants
from orders import services
from orders.exceptions import ProductNotAvailable, ProductsNotFound
from orders.models import Order, OrderPayment

from .utils import customer_stats

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def processing_order(account):
    customer = CustomerFactory(account=account)
    product = product_in_stock(account, price=Decimal("40.00"))
    order = services.order_create(account=account, customer=customer, items=[{"product_id": product.pk, "quantity": 2}])
    return services.order_transition(order=order, to_status="processing")


@pytest.mark.parametrize("attempt", range(3))
def test_cancel_and_ship_at_once_exactly_one_wins(make_client, account, processing_order, attempt):
    clients = [make_client(account), make_client(account)]
    url = f"/api/orders/{processing_order.pk}/status"

    cancel, ship = run_together(
        lambda: clients[0].put(url, {"status": "cancelled"}, format="json"),
        lambda: clients[1].put(url, {"status": "shipped"}, format="json"),
    )

    assert sorted([cancel.status_code, ship.status_code]) == [200, 409], (cancel.content, ship.content)
    loser = cancel if cancel.status_code == 409 else ship
    assert loser.json()["code"] == "INVALID_STATUS_TRANSITION"
    order = Order.objects.get(pk=processing_order.pk)
    customer = order.customer
    if cancel.status_code == 200:
        assert (order.status, order.shipped_at, order.counted_in_stats) == ("cancelled", None, False)
        assert customer_stats(customer) == (0, Decimal("0.00"), None, None)
    else:
        assert (order.status, order.cancelled_at, order.counted_in_stats) == ("shipped", None, True)
        assert customer_stats(customer)[:2] == (1, Decimal("80.00"))
    assert order.events.filter(kind="status_changed").count() == 2  # processing, then the winner


def test_two_cancels_at_once_reverse_the_stats_once(make_client, account, processing_order):
    clients = [make_client(account), make_client(account)]
    url = f"/api/orders/{processing_order.pk}/status"

    results = run_together(*[lambda c=c: c.put(url, {"status": "cancelled"}, format="json") for c in clients])

    assert sorted(r.status_code for r in results) == [200, 409]
    assert customer_stats(processing_order.customer) == (0, Decimal("0.00"), None, None)


def test_payments_at_once_never_exceed_the_balance(make_client, account, processing_order):
    clients = [make_client(account) for _ in range(3)]
    url = f"/api/orders/{processing_order.pk}/payments"

    results = run_together(*[lambda c=c: c.post(url, {"amount": 50, "method": "cash"}, format="json") for c in clients])

    assert sorted(r.status_code for r in results) == [201, 409, 409]
    order = Order.objects.get(pk=processing_order.pk)
    assert (order.amount_paid, order.payment_status) == (Decimal("50.00"), "partially_paid")
    assert OrderPayment.objects.filter(order=order).count() == 1


def test_orders_placed_at_once_for_one_customer_all_count(account):
    customer = CustomerFactory(account=account)
    products = [product_in_stock(account, price=Decimal("10.00")) for _ in range(2)]

    def place(reverse: bool):
        chosen = list(reversed(products)) if reverse else products
        items = [{"product_id": product.pk, "quantity": 1} for product in chosen]
        return services.order_create(account=account, customer=customer, items=items)

    results = run_together(*[lambda r=bool(n % 2): place(r) for n in range(6)])

    assert all(isinstance(result, Order) for result in results), results
    assert customer_stats(customer)[:2] == (6, Decimal("120.00"))
    for product in products:
        product.refresh_from_db()
        assert product.order_count == 6


def test_fifty_orders_for_ten_units_exactly_ten_are_placed(make_client, account):
    """50 clients order the last 10 units at once: 10 orders, 40 × 409 INSUFFICIENT_STOCK, nothing oversold."""
    product = product_in_stock(account, price=Decimal("5.00"), stock=6)
    stock_adjust(
        account=account, product=product, warehouse=WarehouseFactory(account=account), quantity=4, reason="received"
    )
    customers = [CustomerFactory(account=account) for _ in range(50)]
    clients = [make_client(account) for _ in range(50)]
    body = {"items": [{"productId": product.pk, "quantity": 1}]}

    responses = run_together(
        *[
            lambda c=client, who=customer: c.post("/api/orders", {**body, "customerId": who.pk}, format="json")
            for client, customer in zip(clients, customers, strict=True)
        ]
    )

    codes = [getattr(response, "status_code", response) for response in responses]
    assert sorted(codes) == [201] * 10 + [409] * 40, codes
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {"INSUFFICIENT_STOCK"}
    assert Order.objects.filter(account=account).count() == 10
    levels = StockLevel.objects.filter(product=product)
    assert levels.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved")) == {"on_hand": 10, "reserved": 10}
    assert all(0 <= level.reserved <= level.on_hand for level in levels)
    placed = {response.json()["id"] for response in responses if response.status_code == 201}
    assert set(StockReservation.objects.values_list("reference_id", flat=True)) == placed
    assert ledger_discrepancies(account) == []
    assert sum(customer_stats(customer)[0] for customer in customers) == 10, "refused orders are not counted"


def test_fifty_orders_for_ten_units_of_one_variant_exactly_ten_are_placed(make_client, account):
    """The same race on one variant of a product with options: 10 orders, 40 × 409, nothing oversold, and
    the product's other variant untouched."""
    _, (wanted, other) = product_with_variants(account, sizes=("S", "M"))
    warehouse = WarehouseFactory(account=account)
    stock_adjust(account=account, variant=wanted, warehouse=warehouse, quantity=10, reason="received")
    stock_adjust(account=account, variant=other, warehouse=warehouse, quantity=10, reason="received")
    customers = [CustomerFactory(account=account) for _ in range(50)]
    clients = [make_client(account) for _ in range(50)]
    body = {"items": [{"variantId": wanted.pk, "quantity": 1}]}

    responses = run_together(
        *[
            lambda c=client, who=customer: c.post("/api/orders", {**body, "customerId": who.pk}, format="json")
            for client, customer in zip(clients, customers, strict=True)
        ]
    )

    codes = [getattr(response, "status_code", response) for response in responses]
    assert sorted(codes) == [201] * 10 + [409] * 40, codes
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {"INSUFFICIENT_STOCK"}
    assert Order.objects.filter(account=account).count() == 10
    level = StockLevel.objects.get(variant=wanted)
    assert (level.on_hand, level.reserved, level.available) == (10, 10, 0)
    untouched = StockLevel.objects.get(variant=other)
    assert (untouched.on_hand, untouched.reserved) == (10, 0)
    placed = {response.json()["id"] for response in responses if response.status_code == 201}
    reservations = StockReservation.objects.filter(account=account)
    assert set(reservations.values_list("reference_id", flat=True)) == placed
    assert set(reservations.values_list("variant_id", flat=True)) == {wanted.pk}
    assert ledger_discrepancies(account) == []


@pytest.mark.parametrize("change", ["archive", "delete"])
def test_a_product_archived_or_deleted_while_an_order_is_placed_refuses_the_order(account, change):
    """The placement reads its products without a lock and locks them at the end: a product archived (or
    deleted) by a transaction that commits in between is caught on the locked row, and nothing is written."""
    customer = CustomerFactory(account=account)
    # A product with stock levels is protected from deletion: the deleted one tracks no stock.
    product = product_in_stock(account, price=Decimal("10.00"), track_inventory=change == "archive")
    changed, release = threading.Event(), threading.Event()

    def change_product():
        with transaction.atomic():
            if change == "archive":
                product_update(product=product, data={"status": "archived"})
            else:
                assert product_delete(product=product) == "deleted"  # never ordered
            changed.set()
            release.wait(timeout=30)  # held open while the order is read and written

    def place():
        assert changed.wait(timeout=30)
        timer = threading.Timer(0.5, release.set)  # commits the change while the placement waits for the lock
        timer.start()
        return services.order_create(
            account=account, customer=customer, items=[{"product_id": product.pk, "quantity": 1}]
        )

    changer, placement = run_together(change_product, place)

    assert changer is None
    expected = ProductNotAvailable if change == "archive" else ProductsNotFound
    assert isinstance(placement, expected), placement
    assert not Order.objects.filter(account=account).exists()
    assert not StockReservation.objects.filter(account=account).exists()
    assert customer_stats(customer)[0] == 0
