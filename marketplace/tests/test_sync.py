"""Order sync, end to end against each local platform: orders, customers, stock, webhooks, idempotency."""

import datetime
from decimal import Decimal

import pytest

from customers.models import Customer
from inventory.models import StockLevel, StockReservation
from marketplace import services
from marketplace.models import MarketplaceOrder, SyncStatus
from orders.models import Order
from webhooks.models import WebhookEvent

from .conftest import NOW, connect

pytestmark = pytest.mark.django_db

WEEK_AGO = NOW - datetime.timedelta(days=7)


def _sync(account, connection, **kwargs):
    job = services.sync_job_create(
        account=account,
        connection=connection,
        start_date=kwargs.pop("start", WEEK_AGO - datetime.timedelta(days=1)),
        end_date=kwargs.pop("end", NOW + datetime.timedelta(minutes=1)),
    )
    return services.sync_job_run(job_id=job.pk, sleep=lambda seconds: None, **kwargs)


def test_orders_come_in_with_customers_stock_and_events(account, catalog, platform):
    code, fake = platform
    connection = connect(account, code, fake)
    external = fake.add_order(
        buyer_id="buyer-1",
        buyer_name="Ana Lim",
        buyer_email="ana@example.com",
        lines=[
            {"sku": "SKU-A", "name": "Thing A", "quantity": 2, "price": "59.9"},
            {"sku": "GIFT-WRAP", "name": "Gift wrap", "quantity": 1, "price": "0.1"},
        ],
        shipping_fee="0.2",
        created_at=WEEK_AGO,
        updated_at=WEEK_AGO,
    )

    job = _sync(account, connection)

    assert job.status == SyncStatus.SUCCEEDED, job.errors
    assert (job.fetched, job.created, job.updated, job.unchanged, job.failed) == (1, 1, 0, 0, 0)
    order = Order.objects.get(account=account, marketplace_link__external_id=external)
    assert order.channel == code
    assert order.subtotal == Decimal("119.90")  # 2 × 59.9 + 0.1, exactly
    assert order.shipping_amount == Decimal("0.20")
    assert order.total == Decimal("120.10")
    assert order.marketplace["connection_id"] == connection.pk
    [unmatched] = order.marketplace["unmatched_items"]
    assert (unmatched["sku"], unmatched["name"], unmatched["quantity"]) == ("GIFT-WRAP", "Gift wrap", 1)
    assert Decimal(unmatched["price"]) == Decimal("0.1")  # as the platform wrote it ("0.1", "0.10")
    [item] = order.items.all()
    assert (item.sku, item.quantity, item.unit_price) == ("SKU-A", 2, Decimal("59.90"))
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.name == "Ana Lim"
    assert customer.total_orders == 1 and customer.total_spent == order.total
    assert StockReservation.objects.get(reference_id=order.pk).quantity == 2
    assert StockLevel.objects.get(product=catalog["SKU-A"]).reserved == 2
    assert WebhookEvent.objects.filter(account=account, event_type="order.created").count() == 1


def test_a_second_sync_of_the_same_window_creates_nothing_and_updates_what_changed(account, catalog, platform):
    code, fake = platform
    connection = connect(account, code, fake)
    for n in range(7):
        fake.add_order(
            buyer_id=f"buyer-{n % 3}",
            lines=[{"sku": "SKU-A", "name": "A", "quantity": 1, "price": "59.9"}],
            created_at=WEEK_AGO + datetime.timedelta(hours=n),
            updated_at=WEEK_AGO + datetime.timedelta(hours=n),
        )
    first = _sync(account, connection)
    assert (first.created, first.failed) == (7, 0), first.errors

    again = _sync(account, connection)
    assert (again.fetched, again.created, again.updated, again.unchanged) == (7, 0, 0, 7)
    assert Order.objects.filter(account=account).count() == 7
    assert MarketplaceOrder.objects.filter(connection=connection).count() == 7
