from collections import Counter

import pytest
from django.db.models import Count, Q

from accounts.demo import demo_account
from catalog import demo as catalog_demo
from catalog.models import Product
from customers import demo as customers_demo
from customers.models import Customer
from orders import demo, pricing
from orders.models import Order, OrderEvent, OrderPayment
from orders.rollups import rollups_compute, rollups_stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_store():
    account, user = demo_account()
    for module in (catalog_demo, customers_demo):
        module.seed(account, user=user, log=lambda line: None)
    return account, user


def test_demo_orders_are_plausible_consistent_and_idempotent(demo_store, django_assert_max_num_queries):
    account, user = demo_store
    lines = []

    # Bulk writes: about two queries per order (its products marked ordered, stats per customer),
    # where placing 400 orders one by one through the API would take thousands.
    with django_assert_max_num_queries(1000):
        demo.seed(account, user=user, log=lines.append)
    demo.seed(account, user=user, log=lines.append)

    orders = Order.objects.filter(account=account)
    assert orders.count() == demo.DEMO_ORDER_COUNT
    assert lines[-1] == f"Orders: {demo.DEMO_ORDER_COUNT} already there."
    statuses = Counter(orders.values_list("status", flat=True))
    assert set(statuses) == {"pending", "processing", "shipped", "delivered", "cancelled", "refunded"}
    assert statuses["delivered"] > demo.DEMO_ORDER_COUNT / 2
    assert len(set(orders.values_list("channel", flat=True))) == 7
    oldest, newest = orders.order_by("created_at").first().created_at, orders.order_by("created_at").last().created_at
    assert (newest - oldest).days > 300

    for order in orders.prefetch_related("items"):
        items = list(order.items.all())
        assert items
        totals = pricing.order_totals(
            line_totals=[item.line_total for item in items],
            shipping=order.shipping_amount,
            tax_rate=account.tax_rate,
            prices_include_tax=account.prices_include_tax,
            tax_shipping=account.tax_shipping,
        )
        assert (order.subtotal, order.tax, order.total) == (totals.subtotal, totals.tax, totals.total)
        assert order.counted_in_stats == (order.status not in ("cancelled", "refunded"))
        assert order.payment_status == pricing.payment_status_for(
            total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
        )
    paid = OrderPayment.objects.filter(order__account=account, kind="payment").count()
    assert paid > demo.DEMO_ORDER_COUNT / 2
    assert OrderEvent.objects.filter(order__account=account, kind="created").count() == demo.DEMO_ORDER_COUNT


def test_demo_customer_stats_and_product_counts_match_the_orders(demo_store):
    account, user = demo_store
    demo.seed(account, user=user, log=lambda line: None)

    for customer in Customer.objects.filter(account=account):
        counting = Order.objects.filter(customer=customer, counted_in_stats=True)
        spent = sum((order.total - order.amount_refunded for order in counting), start=0)
        dates = sorted(counting.values_list("created_at", flat=True))
        assert (customer.total_orders, customer.total_spent) == (len(dates), spent)
        assert customer.first_order_date == (dates[0] if dates else None)
        assert customer.last_order_date == (dates[-1] if dates else None)
    assert Customer.objects.filter(account=account, total_orders__gt=3).exists(), "some customers are regulars"
    ordered = Product.objects.filter(account=account).annotate(
        orders=Count("order_items__order", distinct=True, filter=Q(order_items__order__account=account))
    )
    for product in ordered:
        assert product.order_count == product.orders
    # the daily sales rows (written around the services, in bulk) are the orders' own
    assert rollups_stored(account=account) == rollups_compute(account=account) != {}
