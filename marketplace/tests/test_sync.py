"""Order sync, end to end against each local platform: orders, customers, stock, webhooks, idempotency."""

import datetime
from decimal import Decimal

import pytest

from customers.models import Customer
from inventory.models import StockLevel, StockReservation
from marketplace import services
from marketplace.models import MarketplaceBuyer, MarketplaceOrder, SyncStatus
from marketplace.services import sync
from marketplace.services.mapping import Matcher
from omnisales.testing.factories import CustomerFactory
from orders.models import Order
from orders.rollups import rollups_rebuild, rollups_stored
from webhooks.models import WebhookEvent

from .conftest import NOW, connect

pytestmark = pytest.mark.django_db

WEEK_AGO = NOW - datetime.timedelta(days=7)


def _sync(account, connection, **kwargs):
    job = services.sync_job_create(
        account=account,
        connection=connection,
        start_date=kwargs.pop("start", WEEK_AGO - datetime.timedelta(days=1)),
        end_date=kwargs.pop("end", None),  # now: orders the test just added are in
    )
    kwargs.setdefault("sleep", lambda seconds: None)
    return services.sync_job_run(job_id=job.pk, **kwargs)


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
    if code == "facebook":  # the orders we acknowledged moved to IN_PROGRESS there: recorded once
        assert (again.created, again.updated) == (0, 7)
        again = _sync(account, connection)
    assert (again.fetched, again.created, again.updated, again.unchanged) == (7, 0, 0, 7)
    assert Order.objects.filter(account=account).count() == 7
    assert MarketplaceOrder.objects.filter(connection=connection).count() == 7
    # the daily sales rows counted each order once, as a recomputation from the orders does
    assert sum(day["orders"] for day in rollups_stored(account=account)["sales_day"].values()) == 7
    assert rollups_rebuild(account=account).differences == []


def _line(sku="SKU-A", quantity=1, price="59.9", name="A"):
    return {"sku": sku, "name": name, "quantity": quantity, "price": price}


def test_an_expired_token_mid_sync_is_refreshed_once_and_stored(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    old_refresh = connection.refresh_token
    shopee_fake.add_order(lines=[_line()], created_at=WEEK_AGO, updated_at=WEEK_AGO)
    shopee_fake.expire_access_tokens()

    job = _sync(account, connection)

    assert (job.status, job.created) == (SyncStatus.SUCCEEDED, 1)
    connection.refresh_from_db()
    assert connection.refresh_token != old_refresh  # Shopee's single-use refresh token, rotated and stored
    refreshes = [r for r in shopee_fake.requests if r["path"] == "/api/v2/auth/access_token/get"]
    assert len(refreshes) == 1


def test_rate_limits_are_waited_out_with_back_off(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    shopee_fake.add_order(lines=[_line()], created_at=WEEK_AGO, updated_at=WEEK_AGO)
    shopee_fake.fail_next("rate_limit", count=2)
    waits = []

    job = _sync(account, connection, sleep=waits.append)

    assert (job.status, job.created) == (SyncStatus.SUCCEEDED, 1)
    assert len(waits) == 2 and waits[1] > waits[0]  # exponential


def test_an_outage_beyond_the_retries_postpones_the_job_which_resumes_later(account, catalog, shopee_fake, settings):
    settings.MARKETPLACE_MAX_RETRIES = 1
    connection = connect(account, "shopee", shopee_fake)
    for n in range(3):
        shopee_fake.add_order(lines=[_line()], created_at=WEEK_AGO, updated_at=WEEK_AGO + datetime.timedelta(hours=n))
    job = services.sync_job_create(account=account, connection=connection, start_date=WEEK_AGO, end_date=NOW)
    shopee_fake.fail_next("server_error", count=2)

    with pytest.raises(services.SyncPostponed):
        services.sync_job_run(job_id=job.pk, sleep=lambda seconds: None)
    job.refresh_from_db()
    assert (job.status, job.created) == (SyncStatus.QUEUED, 0)  # claimable again by the task's retry
    assert "error_server" in job.error

    done = services.sync_job_run(job_id=job.pk, sleep=lambda seconds: None)
    assert (done.status, done.created, done.error, done.attempts) == (SyncStatus.SUCCEEDED, 3, "", 2)


def test_refused_credentials_fail_the_job_and_flag_the_connection(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    services.connection_update(connection=connection, changes={"api_secret": "not-the-partner-key"})

    job = _sync(account, connection)

    assert job.status == SyncStatus.FAILED and "refused" in job.error
    assert Order.objects.filter(account=account).count() == 0


def test_a_bad_order_fails_alone_and_the_job_is_partial(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    good = shopee_fake.add_order(lines=[_line()], created_at=WEEK_AGO, updated_at=WEEK_AGO)
    bad = shopee_fake.add_order(lines=[_line(quantity=0)], created_at=WEEK_AGO, updated_at=WEEK_AGO)

    job = _sync(account, connection)

    assert (job.status, job.fetched, job.created, job.failed) == (SyncStatus.PARTIAL, 2, 1, 1)
    assert [(error["external_id"], error["code"]) for error in job.errors] == [(bad, "INVALID_ORDER")]
    assert list(Order.objects.filter(account=account).values_list("external_id", flat=True)) == [good]


def test_status_changes_on_the_platform_move_the_order_and_its_stock(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    external = shopee_fake.add_order(
        status="UNPAID", lines=[_line(quantity=2)], created_at=WEEK_AGO, updated_at=WEEK_AGO
    )
    _sync(account, connection)
    order = Order.objects.get(account=account, external_id=external)
    assert (order.status, order.payment_status, order.amount_paid) == ("pending", "unpaid", Decimal("0.00"))
    level = StockLevel.objects.get(product=catalog["SKU-A"])
    assert (level.on_hand, level.reserved) == (10, 2)

    shopee_fake.update_order(external, status="SHIPPED", updated_at=WEEK_AGO + datetime.timedelta(days=1))
    job = _sync(account, connection)

    assert (job.updated, job.unchanged, job.failed) == (1, 0, 0), job.errors
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.amount_paid) == ("shipped", "paid", order.total)
    assert order.marketplace["platform_status"] == "SHIPPED"
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (8, 0)  # reserved, then sold
    assert WebhookEvent.objects.filter(account=account, event_type="order.updated").exists()

    shopee_fake.update_order(external, status="CANCELLED", updated_at=WEEK_AGO + datetime.timedelta(days=2))
    job = _sync(account, connection)
    assert [error["code"] for error in job.errors] == ["STATUS_NOT_FOLLOWED"]  # shipped -> cancelled: a return
    order.refresh_from_db()
    assert order.status == "shipped"


def test_orders_already_shipped_or_cancelled_arrive_in_their_status(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    shipped = shopee_fake.add_order(status="COMPLETED", lines=[_line(quantity=3)], created_at=WEEK_AGO)
    cancelled = shopee_fake.add_order(status="CANCELLED", lines=[_line(sku="SKU-B")], created_at=WEEK_AGO)

    job = _sync(account, connection)

    assert job.created == 2
    delivered = Order.objects.get(account=account, external_id=shipped)
    assert (delivered.status, delivered.shipped_at is not None, delivered.delivered_at is not None) == (
        "delivered",
        True,
        True,
    )
    assert StockLevel.objects.get(product=catalog["SKU-A"]).on_hand == 7  # sold, not reserved
    assert StockReservation.objects.get(reference_id=delivered.pk).status == "fulfilled"
    gone = Order.objects.get(account=account, external_id=cancelled)
    assert (gone.status, gone.counted_in_stats) == ("cancelled", False)
    assert not StockReservation.objects.filter(reference_id=gone.pk).exists()
    assert StockLevel.objects.get(product=catalog["SKU-B"]).reserved == 0
    assert Customer.objects.get(pk=gone.customer_id).total_orders in (0, 1)  # only the delivered one counts


def test_short_stock_never_refuses_a_marketplace_order(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    external = shopee_fake.add_order(lines=[_line(quantity=15)], created_at=WEEK_AGO)

    job = _sync(account, connection)

    assert (job.created, job.failed) == (1, 0)
    order = Order.objects.get(account=account, external_id=external)
    rows = {
        warehouse is None: quantity
        for warehouse, quantity in StockReservation.objects.filter(reference_id=order.pk).values_list(
            "warehouse_id", "quantity"
        )
    }
    assert rows == {False: 10, True: 5}  # 10 in stock, 5 on backorder


def test_buyers_are_matched_by_email_and_masked_emails_are_ignored(account, catalog, meta_fake):
    connection = connect(account, "facebook", meta_fake)  # Graph carries the buyer's email
    known = CustomerFactory(account=account, email="siti@example.com")
    customers_before = Customer.objects.filter(account=account).count()
    emailed = meta_fake.add_order(buyer_email="Siti@Example.com", lines=[_line()], created_at=WEEK_AGO)
    masked = meta_fake.add_order(
        buyer_name="Masked Buyer", buyer_email="s***@example.com", lines=[_line()], created_at=WEEK_AGO
    )

    _sync(account, connection)

    orders = {order.external_id: order for order in Order.objects.filter(account=account)}
    assert orders[emailed].customer_id == known.pk
    new = Customer.objects.get(pk=orders[masked].customer_id)
    assert (new.name, new.email, new.tags) == ("Masked Buyer", None, ["facebook"])
    assert Customer.objects.filter(account=account).count() == customers_before + 1


def test_buyers_are_matched_by_national_phone_numbers(account, catalog, lazada_fake):
    connection = connect(account, "lazada", lazada_fake)  # Lazada has no buyer email: its address has a phone
    known = CustomerFactory(account=account, phone="+6591234567")
    phoned = lazada_fake.add_order(buyer_phone="91234567", lines=[_line()], created_at=WEEK_AGO)
    masked = lazada_fake.add_order(buyer_phone="******67", lines=[_line()], created_at=WEEK_AGO)

    _sync(account, connection)

    orders = {order.external_id: order for order in Order.objects.filter(account=account)}
    assert orders[phoned].customer_id == known.pk  # "91234567" in Singapore is +6591234567
    assert orders[masked].customer_id != known.pk
    assert Customer.objects.get(pk=orders[masked].customer_id).phone is None


def test_a_buyer_id_maps_every_later_order_to_the_same_customer(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    for hour in range(3):
        moment = WEEK_AGO + datetime.timedelta(hours=hour)
        shopee_fake.add_order(buyer_id="77", buyer_name="Wei", lines=[_line()], created_at=moment, updated_at=moment)
    _sync(account, connection)
    later = NOW - datetime.timedelta(minutes=5)
    shopee_fake.add_order(buyer_id="77", lines=[_line()], created_at=later, updated_at=later)
    _sync(account, connection)

    customers = set(Order.objects.filter(account=account).values_list("customer_id", flat=True))
    assert len(customers) == 1
    customer = Customer.objects.get(pk=customers.pop())
    assert (customer.name, customer.total_orders) == ("Wei", 4)


def test_marketplace_orders_send_no_order_emails(account, catalog, shopee_fake, django_capture_on_commit_callbacks):
    from messaging.models import Message

    connection = connect(account, "shopee", shopee_fake)
    shopee_fake.add_order(buyer_email="", lines=[_line()], created_at=WEEK_AGO)
    CustomerFactory(account=account, email="known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        job = _sync(account, connection)
    assert job.created == 1
    assert not Message.objects.filter(account=account).exists()


def test_the_periodic_sync_queues_one_job_per_idle_connection(
    account, catalog, shopee_fake, lazada_fake, django_capture_on_commit_callbacks
):
    from marketplace import tasks
    from marketplace.models import SyncJob

    busy = connect(account, "shopee", shopee_fake)
    idle = connect(account, "lazada", lazada_fake)
    services.connection_create(account=account, platform="shopee", api_key="1", api_secret="x" * 12, shop_id="9")
    SyncJob.objects.create(account=account, connection=busy, start_date=WEEK_AGO, end_date=NOW)

    assert [connection.pk for connection in services.connections_due()] == [idle.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.connections_sync_task() == 1
    job = SyncJob.objects.get(connection=idle)
    assert job.trigger == "schedule" and job.status == SyncStatus.SUCCEEDED  # in-process here: run at once


def test_facebook_orders_are_acknowledged_once_they_are_in(account, catalog, meta_fake):
    connection = connect(account, "facebook", meta_fake)
    external = meta_fake.add_order(status="CREATED", lines=[_line()], created_at=WEEK_AGO)

    job = _sync(account, connection)

    assert (job.created, job.errors) == (1, [])
    order = Order.objects.get(account=account, external_id=external)
    placed = meta_fake.order(external)
    assert placed["order_status"]["state"] == "IN_PROGRESS"  # acknowledged, our order id as the reference
    assert placed.get("merchant_order_id") == order.pk
    acknowledgements = [r for r in meta_fake.requests if r["path"].endswith("/acknowledge_order")]
    assert len(acknowledgements) == 1

    again = _sync(account, connection)  # now IN_PROGRESS there: recorded, not acknowledged twice
    assert (again.updated, again.created) == (1, 0)
    assert len([r for r in meta_fake.requests if r["path"].endswith("/acknowledge_order")]) == 1
    order.refresh_from_db()
    assert order.marketplace["platform_status"] == "IN_PROGRESS"


def _read_all(connection) -> list:
    """Every order of the last week as the platform's client reads it (list pages, then details)."""
    client = services.client(connection)
    orders = []
    for page in client.order_pages(
        start=WEEK_AGO - datetime.timedelta(days=1), end=NOW + datetime.timedelta(minutes=1)
    ):
        orders.extend(client.orders(page.refs))
    return orders


def test_a_batch_planned_before_the_batch_ahead_of_it_was_written_writes_each_order_and_buyer_once(
    account, catalog, shopee_fake
):
    """A sync plans its next batch while the one before is being written, so the plan's reads miss that
    write. Planned with the first still unwritten, the second batch reuses the buyers the first planned (one
    customer per buyer), and an order of both batches, new when planned, is found written under the lock
    and not created again."""
    connection = connect(account, "shopee", shopee_fake)
    for hour in range(4):
        moment = WEEK_AGO + datetime.timedelta(hours=hour)
        shopee_fake.add_order(buyer_id="88", buyer_name="Mei", lines=[_line()], created_at=moment, updated_at=moment)
    orders = _read_all(connection)
    assert len(orders) == 4
    job = services.sync_job_create(account=account, connection=connection, start_date=WEEK_AGO, end_date=NOW)
    job = sync._claim(job.pk)
    matcher = Matcher(connection)

    first = sync.prepare_batch(job=job, matcher=matcher, orders=orders[:3], resume=None)
    second = sync.prepare_batch(job=job, matcher=matcher, orders=orders[2:], resume=None)  # orders[2] in both
    assert set(second.imports) == {orders[2].external_id, orders[3].external_id}, "both new when planned"
    assert Customer.objects.filter(account=account).count() == 0, "planning writes nothing"
    sync.write_batch(job=job, matcher=matcher, batch=first)
    sync.write_batch(job=job, matcher=matcher, batch=second)

    job.refresh_from_db()
    assert (job.fetched, job.created, job.unchanged, job.failed) == (5, 4, 1, 0)
    assert sorted(Order.objects.filter(account=account).values_list("external_id", flat=True)) == sorted(
        order.order_number or order.external_id for order in orders
    )
    customer = Customer.objects.get(account=account)
    assert (customer.name, customer.total_orders) == ("Mei", 4)
    assert MarketplaceBuyer.objects.get(account=account, buyer_id="88").customer_id == customer.pk
    assert WebhookEvent.objects.filter(account=account, event_type="customer.created").count() == 1
    assert WebhookEvent.objects.filter(account=account, event_type="order.created").count() == 4
    assert StockReservation.objects.filter(account=account).count() == 4
