"""The customer's totalOrders / totalSpent / first and last order dates through create, cancel and
refund sequences — always equal to what the orders themselves say."""

import datetime
import random
from decimal import Decimal

import pytest

from orders import services
from orders.models import Order

from .utils import customer_stats

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.timedelta(days=1)
JAN = datetime.datetime(2024, 1, 10, 14, 30, tzinfo=datetime.UTC)


@pytest.fixture
def place(make_order, make_product, customer):
    """place(price, days_after_jan) -> an order of `customer` for one product at `price`, placed then."""

    def build(price: str, day: int, **options):
        product = make_product(price=D(price))
        return make_order(customer=customer, products=[product], placed_at=JAN + day * DAY, **options)

    return build


def expected_from_orders(customer) -> tuple:
    """What the stats must be, worked out from the order rows alone."""
    counting = list(Order.objects.filter(customer=customer, counted_in_stats=True))
    if not counting:
        return (0, D("0.00"), None, None)
    dates = [order.created_at for order in counting]
    spent = sum((order.total - order.amount_refunded for order in counting), D("0.00"))
    return (len(counting), spent, min(dates), max(dates))


def test_create_then_cancel_the_latest(place, customer):
    first = place("10.10", 0)
    second = place("20.20", 5)
    assert customer_stats(customer) == (2, D("30.30"), first.created_at, second.created_at)

    services.order_transition(order=second, to_status="cancelled")

    assert customer_stats(customer) == (1, D("10.10"), first.created_at, first.created_at)


def test_cancel_the_earliest_moves_the_first_order_date(place, customer):
    first, middle, last = place("1.00", 0), place("2.00", 3), place("3.00", 9)
    services.order_transition(order=first, to_status="cancelled")
    assert customer_stats(customer) == (2, D("5.00"), middle.created_at, last.created_at)


def test_cancel_the_only_order_clears_everything(place, customer):
    only = place("99.99", 0)
    services.order_transition(order=only, to_status="cancelled")
    assert customer_stats(customer) == (0, D("0.00"), None, None)


def test_an_imported_older_order_only_widens_the_first_date(place, customer):
    recent = place("5.00", 10)
    older = place("7.00", -30)
    assert customer_stats(customer) == (2, D("12.00"), older.created_at, recent.created_at)


def test_partial_refund_then_cancel(place, customer):
    kept = place("50.00", 0)
    order = place("80.00", 1)
    services.order_payment_record(order=order, amount=D("80.00"), method="cash")
    services.order_payment_refund(order=order, amount=D("30.00"))
    assert customer_stats(customer) == (2, D("100.00"), kept.created_at, order.created_at)

    services.order_transition(order=order, to_status="cancelled")

    assert customer_stats(customer) == (1, D("50.00"), kept.created_at, kept.created_at)
    services.order_payment_refund(order=order, amount=D("50.00"))  # money back after cancelling
    assert customer_stats(customer) == (1, D("50.00"), kept.created_at, kept.created_at), "counted out once"


def test_full_refund_then_cancel_counts_out_once(place, customer):
    kept = place("10.00", 0)
    order = place("40.00", 2, shipping=D("5.00"))
    services.order_payment_record(order=order, amount=D("45.00"), method="cash")
    services.order_payment_refund(order=order, amount=D("45.00"))
    assert customer_stats(customer) == (1, D("10.00"), kept.created_at, kept.created_at)

    services.order_transition(order=order, to_status="cancelled")

    assert customer_stats(customer) == (1, D("10.00"), kept.created_at, kept.created_at)


def test_delivered_then_refunded_in_full(place, customer):
    order = place("40.00", 0)
    for status in ("processing", "shipped", "delivered"):
        services.order_transition(order=order, to_status=status)
    services.order_payment_record(order=order, amount=D("40.00"), method="cash")
    services.order_payment_refund(order=order, amount=D("15.00"))
    services.order_payment_refund(order=order, amount=D("25.00"))
    order.refresh_from_db()
    assert order.status == "refunded"
    assert customer_stats(customer) == (0, D("0.00"), None, None)


def test_random_sequences_keep_the_stats_equal_to_the_orders(place, customer):
    rng = random.Random(7)
    orders = []
    for step in range(40):
        action = rng.choice(["create", "create", "cancel", "pay_refund", "ship"])
        if action == "create" or not orders:
            orders.append(place(f"{rng.randrange(1, 5000)}.{rng.randrange(100):02d}", rng.randrange(-50, 50)))
            continue
        order = rng.choice(orders)
        order.refresh_from_db()
        if action == "cancel" and order.status in ("pending", "processing"):
            services.order_transition(order=order, to_status="cancelled")
        elif action == "ship" and order.status in ("pending", "processing"):
            if order.status == "pending":
                services.order_transition(order=order, to_status="processing")
            services.order_transition(order=order, to_status="shipped")
        elif action == "pay_refund" and order.balance > 0 and order.status != "cancelled":
            services.order_payment_record(order=order, amount=order.balance, method="cash")
            order.refresh_from_db()
            share = D(rng.choice(["0.25", "0.5", "1"]))
            services.order_payment_refund(order=order, amount=(order.amount_paid * share).quantize(D("0.01")))
        assert customer_stats(customer) == expected_from_orders(customer), f"after step {step} ({action})"

    assert services.order_customer_stats_rebuild(account=customer.account) == 1
    assert customer_stats(customer) == expected_from_orders(customer), "a rebuild agrees with the running stats"
