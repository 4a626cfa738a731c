"""The daily sales rollups (orders.rollups): kept by every order write inside its transaction, equal at all
times to what `rollups_rebuild` recomputes from the orders, lines and payments."""

import datetime
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from omnisales.api.errors import ApplicationError
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services
from orders.models import Order, OrderItem, OrderStatus, SalesDay
from orders.rollups import (
    local_day,
    rollups_compute,
    rollups_rebuild,
    rollups_record_orders,
    rollups_stored,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokyo(account):
    account.timezone = "Asia/Tokyo"
    account.save(update_fields=["timezone"])
    return account


def assert_consistent(account):
    stored = rollups_stored(account=account)
    assert stored == rollups_compute(account=account)
    assert rollups_rebuild(account=account).differences == []
    assert rollups_stored(account=account) == stored


def test_a_placed_order_counts_on_its_local_day_with_its_cost(tokyo):
    with_cost = product_in_stock(tokyo, price=Decimal("10.00"), cost=Decimal("6.50"))
    without_cost = product_in_stock(tokyo, price=Decimal("4.00"))
    placed_at = datetime.datetime(2024, 3, 1, 20, 0, tzinfo=datetime.UTC)  # 2 March in Tokyo
    order = place_order(
        tokyo, products=[with_cost, without_cost], quantities=[3, 2], channel="phone", placed_at=placed_at
    )
    assert [item.unit_cost for item in order.items.all()] == [Decimal("6.50"), None]
    row = SalesDay.objects.get(account=tokyo)
    assert (row.day, row.channel) == (datetime.date(2024, 3, 2), "phone")
    assert (row.orders, row.units, row.gross_sales, row.total) == (1, 5, Decimal("38.00"), Decimal("38.00"))
    assert (row.cost_of_goods, row.lines_without_cost, row.new_customers) == (Decimal("19.50"), 1, 1)


def test_the_order_representation_does_not_show_the_cost(account, api):
    order = place_order(account, products=[product_in_stock(account, cost=Decimal("5.00"))])
    (item,) = api.get(f"/api/orders/{order.pk}").json()["items"]
    assert "unitCost" not in item and "cost" not in item


def test_the_first_order_moves_with_earlier_orders_and_cancellations(tokyo):
    customer = CustomerFactory(account=tokyo)
    product = product_in_stock(tokyo)
    day = datetime.datetime(2024, 5, 10, 3, 0, tzinfo=datetime.UTC)
    later = place_order(tokyo, customer=customer, products=[product], placed_at=day)
    earlier = place_order(tokyo, customer=customer, products=[product], placed_at=day - datetime.timedelta(days=2))

    def new_customers():
        return dict(SalesDay.objects.filter(account=tokyo, new_customers__gt=0).values_list("day", "new_customers"))

    assert new_customers() == {local_day(tokyo, earlier.created_at): 1}
    services.order_transition(order=earlier, to_status=OrderStatus.CANCELLED)
    assert new_customers() == {local_day(tokyo, later.created_at): 1}
    services.order_transition(order=later, to_status=OrderStatus.CANCELLED)
    assert new_customers() == {}
    assert_consistent(tokyo)


def test_refunds_count_on_their_day_and_leave_with_a_cancellation(tokyo):
    order = place_order(tokyo, prices=["50.00"], placed_at=timezone.now() - datetime.timedelta(days=3))
    services.order_payment_record(order=order, amount=Decimal("50.00"), method="cash")
    services.order_payment_refund(order=order, amount=Decimal("20.00"))
    today = local_day(tokyo, timezone.now())
    assert SalesDay.objects.get(account=tokyo, day=today).refunds == Decimal("20.00")
    services.order_transition(order=order, to_status=OrderStatus.CANCELLED)
    services.order_payment_refund(order=order, amount=Decimal("30.00"))  # after cancelling: not counted
    stored = rollups_stored(account=tokyo)
    assert not stored["sales_day"] and not stored["sales_hour"] and not stored["cohort_month"]
    # The money still moved: one cash payment in, two refunds out.
    assert list(stored["payment_day"].values()) == [
        {"payments": 1, "refunds": 2, "collected": Decimal("50.00"), "refunded": Decimal("50.00")}
    ]
    assert_consistent(tokyo)


def test_a_random_mix_of_writes_keeps_the_rows_equal_to_their_rebuild(tokyo):
    rng = random.Random(20241130)
    products = [
        product_in_stock(tokyo, price=Decimal("12.34"), cost=Decimal("7.00")),
        product_in_stock(tokyo, price=Decimal("5.00"), cost=Decimal("2.25")),
        product_in_stock(tokyo, price=Decimal("99.99")),  # no cost
    ]
    customers = [CustomerFactory(account=tokyo) for _ in range(6)]
    now = timezone.now()
    placed: list[Order] = []
    for _ in range(90):
        move = rng.random()
        live = [Order.objects.get(pk=order.pk) for order in placed]
        try:
            if move < 0.45 or not live:
                customer = rng.choice(customers)
                mine = [order for order in live if order.customer_id == customer.pk]
                if mine and rng.random() < 0.2:
                    placed_at = rng.choice(mine).created_at  # a tie: the id decides which is first
                else:
                    # Over about three months: first orders move between cohorts.
                    placed_at = now - datetime.timedelta(days=rng.randint(0, 75), minutes=rng.randint(0, 1440))
                chosen = rng.sample(products, rng.randint(1, 3))
                placed.append(
                    place_order(
                        tokyo,
                        customer=customer,
                        products=chosen,
                        quantities=[rng.randint(1, 4) for _ in chosen],
                        channel=rng.choice(["online", "mobile", "shopee"]),
                        shipping=rng.choice([Decimal("0.00"), Decimal("4.95")]),
                        placed_at=placed_at,
                    )
                )
            elif move < 0.6:
                candidates = [order for order in live if order.status in (OrderStatus.PENDING, OrderStatus.PROCESSING)]
                if candidates:
                    services.order_transition(order=rng.choice(candidates), to_status=OrderStatus.CANCELLED)
            elif move < 0.7:
                candidates = [order for order in live if order.status == OrderStatus.PENDING]
                if candidates:
                    services.order_transition(order=rng.choice(candidates), to_status=OrderStatus.PROCESSING)
            elif move < 0.85:
                order = rng.choice(live)
                if order.status not in services.NOT_PAYABLE and order.balance > 0:
                    method = rng.choice(["cash", "card_terminal", "bank_transfer"])
                    services.order_payment_record(order=order, amount=order.balance, method=method)
                    order.refresh_from_db()
                if order.amount_paid > 0:
                    cents = rng.randint(1, int(order.amount_paid * 100))
                    services.order_payment_refund(order=order, amount=Decimal(cents) / 100)
            else:
                candidates = [
                    order for order in live if order.status in services.DISCOUNTABLE and not order.amount_paid
                ]
                if candidates:
                    order = rng.choice(candidates)
                    room = services.order_discount_room(order)
                    if room > 0:
                        amount = min(room, Decimal(rng.randint(1, 800)) / 100)
                        services.order_discount_add(order=order, amount=amount, note="points")
        except ApplicationError as exc:  # a move the rules refuse writes nothing
            assert exc.status_code in (409, 422), exc
    statuses = {order.status for order in Order.objects.filter(account=tokyo)}
    assert {OrderStatus.CANCELLED, OrderStatus.PENDING} <= statuses
    assert SalesDay.objects.filter(account=tokyo, refunds__gt=0).exists()
    assert SalesDay.objects.filter(account=tokyo, discounts__gt=0).exists()
    stored = rollups_stored(account=tokyo)
    assert len({cohort for cohort, _ in stored["cohort_month"]}) > 1
    assert len({method for _, _, method in stored["payment_day"]}) > 1
    assert_consistent(tokyo)


def test_a_batch_of_imported_orders_is_one_upsert_per_table(tokyo, django_assert_max_num_queries):
    product = product_in_stock(tokyo, price=Decimal("8.00"), cost=Decimal("3.00"))
    uncosted = product_in_stock(tokyo, price=Decimal("2.50"))
    regular, newcomer = CustomerFactory(account=tokyo), CustomerFactory(account=tokyo)
    day = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=datetime.UTC)
    place_order(tokyo, customer=regular, products=[product], placed_at=day)
    batch, items_by_order = [], {}
    for customer, days, status, channel in [
        (regular, -3, OrderStatus.DELIVERED, "shopee"),  # earlier than the regular's first: takes it over
        (regular, 2, OrderStatus.SHIPPED, "shopee"),
        (newcomer, 1, OrderStatus.CANCELLED, "lazada"),  # cancelled: adds nothing
        (newcomer, 4, OrderStatus.PENDING, "lazada"),
    ]:
        order, lines = services.order_draft(
            account=tokyo,
            customer=customer,
            lines=[(product, 2, product.price), (uncosted, 1, uncosted.price)],
            shipping=Decimal("1.00"),
            channel=channel,
            status=status,
        )
        order.created_at = day + datetime.timedelta(days=days)
        batch.append(order)
        items_by_order[order.pk] = lines
    Order.objects.bulk_create(batch)
    OrderItem.objects.bulk_create([line for lines in items_by_order.values() for line in lines])

    # The customers' orders (their first orders and months, without the batch and with it), then one upsert
    # per table with changes: days, hours, product days and months, and cohorts (no payments in this batch).
    with django_assert_max_num_queries(6) as queries:
        rollups_record_orders(orders=batch, items_by_order=items_by_order)
    assert sum(query["sql"].startswith("INSERT") for query in queries.captured_queries) == 5
    assert_consistent(tokyo)
    lazada = SalesDay.objects.get(account=tokyo, channel="lazada")
    assert (lazada.orders, lazada.units, lazada.new_customers, lazada.lines_without_cost) == (1, 3, 1, 1)
    assert lazada.cost_of_goods == Decimal("6.00") and lazada.total == Decimal("19.50")
