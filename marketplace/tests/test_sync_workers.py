"""Order sync under real concurrency (two jobs of one window at once, PostgreSQL) and a real Celery worker
killed in the middle of a job: a fresh worker gets the unacknowledged message again (Redis visibility
timeout) and the job goes on from its last committed page, writing every platform order exactly once."""

import datetime
import os
import re
import threading
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection as db_connection
from django.db.models import F, Sum

from customers.models import Customer
from inventory.models import ReservationStatus, StockLevel, StockReservation
from marketplace import services
from marketplace.models import MarketplaceBuyer, MarketplaceOrder, SyncJob, SyncStatus
from marketplace.services import sync
from marketplace.services.reading import READ_AHEAD_PAGES
from marketplace.tasks import enqueue_sync
from omnisales.testing.celery_worker import WorkerProcess, database_url
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import product_in_stock
from orders.models import Order, OrderItem

from .conftest import NOW, connect

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

START = NOW - datetime.timedelta(days=3)
END = NOW + datetime.timedelta(minutes=1)
BUYER_BASE = 70_000_000
FINISHED = (SyncStatus.SUCCEEDED, SyncStatus.PARTIAL, SyncStatus.FAILED)


def _products(account) -> dict:
    return {
        "SKU-A": product_in_stock(account, sku="SKU-A", price=Decimal("59.90"), stock=5000),
        "SKU-B": product_in_stock(account, sku="SKU-B", price=Decimal("12.50"), stock=5000),
    }


def _add_orders(fake, count: int, buyers: int) -> list[str]:
    """`count` paid orders (ready to ship) of `buyers` buyers, each buyer with its own id and phone; every order
    has SKU-A (1-3 units), every other one SKU-B too."""
    numbers = []
    for n in range(count):
        buyer = n % buyers
        lines = [{"sku": "SKU-A", "name": "Thing A", "quantity": n % 3 + 1, "price": "59.9"}]
        if n % 2 == 0:
            lines.append({"sku": "SKU-B", "name": "Thing B", "quantity": 1, "price": "12.5"})
        moment = START + datetime.timedelta(minutes=n)
        numbers.append(
            fake.add_order(
                buyer_id=str(BUYER_BASE + buyer),
                buyer_name=f"Buyer {buyer}",
                buyer_phone=f"65{91_000_000 + buyer}",
                lines=lines,
                created_at=moment,
                updated_at=moment,
            )
        )
    return numbers


def _job(account, connection) -> SyncJob:
    return services.sync_job_create(account=account, connection=connection, start_date=START, end_date=END)


def _assert_each_platform_order_once(account, connection, numbers: list[str]) -> None:
    """One Omni Sales order and one link per platform order, and one active reservation per order line:
    nothing written twice, nothing reserved twice."""
    orders = Order.objects.filter(account=account)
    assert orders.count() == len(numbers)
    external_ids = list(orders.values_list("external_id", flat=True))
    assert sorted(external_ids) == sorted(numbers)  # each exactly once
    links = MarketplaceOrder.objects.filter(connection=connection)
    assert sorted(links.values_list("external_id", flat=True)) == sorted(numbers)
    assert links.values("order").distinct().count() == len(numbers)

    lines = Counter(OrderItem.objects.filter(account=account).values_list("order_id", "variant_id", "quantity"))
    reservations = StockReservation.objects.filter(account=account, status=ReservationStatus.ACTIVE)
    assert Counter(reservations.values_list("reference_id", "variant_id", "quantity")) == lines
    assert StockReservation.objects.filter(account=account).exclude(status=ReservationStatus.ACTIVE).count() == 0
    wanted = defaultdict(int)
    for (_, variant_id, quantity), times in lines.items():
        wanted[variant_id] += quantity * times
    reserved = dict(
        StockLevel.objects.filter(account=account)
        .values("variant_id")
        .annotate(total=Sum("reserved"))
        .values_list("variant_id", "total")
    )
    assert reserved == dict(wanted)


# ---- two jobs of one window at once ---------------------------------------------------------------------


def test_two_syncs_of_one_window_at_once_write_each_order_customer_and_reservation_once(account, shopee_fake, settings):
    settings.MARKETPLACE_SYNC_WRITE_BATCH = 5  # a transaction per page (5 orders): the two jobs' writes interleave
    fake = shopee_fake
    products = _products(account)
    numbers = _add_orders(fake, 40, buyers=10)
    fake.delay_seconds = 0.01  # each list and detail call waits a little: the two jobs interleave
    connection = connect(account, "shopee", fake)
    first, second = _job(account, connection), _job(account, connection)

    results = run_together(
        lambda: services.sync_job_run(job_id=first.pk, sleep=lambda seconds: None),
        lambda: services.sync_job_run(job_id=second.pk, sleep=lambda seconds: None),
    )

    assert all(isinstance(result, SyncJob) for result in results), results
    jobs = [SyncJob.objects.get(pk=first.pk), SyncJob.objects.get(pk=second.pk)]
    for job in jobs:
        assert (job.status, job.failed, job.errors, job.error) == (SyncStatus.SUCCEEDED, 0, [], "")
        assert job.fetched == 40
        assert job.created + job.unchanged + job.updated == job.fetched
        assert job.attempts == 1
    assert sum(job.created for job in jobs) == 40
    # They did run at the same time: each started before the other finished.
    assert jobs[0].started_at < jobs[1].finished_at and jobs[1].started_at < jobs[0].finished_at

    _assert_each_platform_order_once(account, connection, numbers)
    customers = Customer.objects.filter(account=account)
    assert customers.count() == 10
    buyers = MarketplaceBuyer.objects.filter(account=account, platform="shopee")
    assert sorted(buyers.values_list("buyer_id", flat=True)) == [str(BUYER_BASE + n) for n in range(10)]
    assert buyers.values("customer").distinct().count() == 10
    assert sorted(customers.values_list("total_orders", flat=True)) == [4] * 10  # each order counted once
    assert set(Order.objects.filter(account=account).values_list("status", flat=True)) == {"processing"}
    assert sum(StockLevel.objects.filter(product=products["SKU-B"]).values_list("reserved", flat=True)) == 20


# ---- batches written by the writer's thread -------------------------------------------------------------


def _connections_to_this_database() -> int:
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_batches_are_written_by_the_writer_thread_one_after_the_other_and_its_connection_is_closed(
    account, shopee_fake, settings, monkeypatch
):
    """On PostgreSQL a sync writes each batch on a thread (and connection) of its own while it prepares the
    next. Buyers recurring in later batches, planned before the earlier batches were committed, are still
    one customer each, every order is written once, and the writer's connection is closed at the end."""
    settings.MARKETPLACE_SYNC_WRITE_BATCH = 5
    _products(account)
    numbers = _add_orders(shopee_fake, 40, buyers=10)
    connection = connect(account, "shopee", shopee_fake)
    writers = []
    write_batch = sync.write_batch

    def recorded(**kwargs):
        writers.append(threading.current_thread().name)
        return write_batch(**kwargs)

    monkeypatch.setattr(sync, "write_batch", recorded)
    connections_before = _connections_to_this_database()

    job = services.sync_job_run(job_id=_job(account, connection).pk, sleep=lambda seconds: None)

    assert (job.status, job.fetched, job.created, job.failed) == (SyncStatus.SUCCEEDED, 40, 40, 0)
    assert len(writers) >= 8 and all(name.startswith("marketplace-writer") for name in writers), writers
    _assert_each_platform_order_once(account, connection, numbers)
    customers = Customer.objects.filter(account=account)
    assert sorted(customers.values_list("total_orders", flat=True)) == [4] * 10
    assert MarketplaceBuyer.objects.filter(account=account).values("customer").distinct().count() == 10
    assert _connections_to_this_database() == connections_before


def test_a_job_taken_over_while_a_batch_is_being_written_stops_after_the_batches_it_had_written(
    account, shopee_fake, settings
):
    """Another worker claims the job once the first batch is written: the batch written next by the writer
    thread is refused by the job's fence (nothing of it written) and the sync stops, leaving the job to the
    new worker."""
    settings.MARKETPLACE_SYNC_WRITE_BATCH = 5
    _products(account)
    _add_orders(shopee_fake, 20, buyers=20)
    connection = connect(account, "shopee", shopee_fake)
    job = _job(account, connection)

    def taken_over(current):
        SyncJob.objects.filter(pk=current.pk).update(attempts=F("attempts") + 1)

    assert services.sync_job_run(job_id=job.pk, progress=taken_over, sleep=lambda seconds: None) is None
    assert Order.objects.filter(account=account).count() == 5
    assert Customer.objects.filter(account=account).count() == 5
    job.refresh_from_db()
    assert (job.status, job.created, job.attempts) == (SyncStatus.RUNNING, 5, 2)


# ---- a worker killed mid-job --------------------------------------------------------------------------

TOTAL = 300
PAGE = 10  # the fake's page size: one detail call and one committed batch per 10 orders
VISIBILITY_SECONDS = 5  # the broker hands an unacknowledged message out again after this long
STALE_SECONDS = 2  # a running job whose heartbeat is this old may be taken over


@pytest.fixture
def start_worker(shopee_fake):
    database = database_url()
    if database is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot open; use PostgreSQL")
    broker = os.environ["CELERY_TEST_BROKER_URL"]
    workers = []

    def start(*, after: WorkerProcess | None = None) -> WorkerProcess:
        worker = WorkerProcess(
            broker_url=broker,
            database=database,
            queues=("marketplace",),
            env={
                "SHOPEE_API_BASE": shopee_fake.base_url,
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
                "MARKETPLACE_STALE_JOB_SECONDS": str(STALE_SECONDS),
                "MARKETPLACE_SYNC_WRITE_BATCH": str(PAGE),  # a transaction per page of the platform's list
            },
        )
        if after is not None:
            worker.key_prefix = after.key_prefix  # the same broker queues: it takes over the dead one's work
        workers.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            if worker.process is not None and worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=10)
            worker.close()
        _forget_broker_keys(broker, {worker.key_prefix for worker in workers})


def _forget_broker_keys(broker: str, prefixes: set[str]) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    try:
        for prefix in prefixes:
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def _wait_for(condition, timeout: float, what: str, output=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout}s\n{output()}")


def _children(pid: int) -> list[str]:
    children = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        children.extend(path.read_text().split())
    return children


def _received(worker: WorkerProcess) -> list[str]:
    """The ids of the sync tasks the worker was given (its log: "Task <name>[<id>] received")."""
    return re.findall(r"marketplace\.tasks\.sync_job_run_task\[([0-9a-f-]+)\] received", worker.output())


@pytest.mark.worker
def test_a_worker_killed_mid_sync_is_replaced_by_redelivery_and_every_order_is_written_once(
    account, shopee_fake, start_worker
):
    fake = shopee_fake
    fake.page_size = PAGE
    _products(account)
    numbers = _add_orders(fake, TOTAL, buyers=25)
    fake.delay_seconds = 0.05  # a slow platform: the job takes seconds, so the kill lands in the middle
    connection = connect(account, "shopee", fake)
    job = _job(account, connection)

    first = start_worker()
    with first.producer():
        enqueue_sync(job)  # the only message this test publishes
    jobs = SyncJob.objects.filter(pk=job.pk)
    progress = jobs.values_list("created", "status")
    _wait_for(lambda: (row := progress.get())[0] >= 5 * PAGE or row[1] in FINISHED, 30, "5 batches", first.output)

    assert not _children(first.process.pid)  # a solo pool: the worker is this one process
    first.process.kill()  # SIGKILL: no warm shutdown, no acknowledgement, no restore of the message
    first.process.wait(timeout=10)
    killed = jobs.get()
    committed = set(MarketplaceOrder.objects.filter(connection=connection).values_list("external_id", flat=True))
    assert killed.status == SyncStatus.RUNNING
    assert 0 < killed.created < TOTAL and killed.created % PAGE == 0  # whole batches only
    assert killed.resume is not None and killed.attempts == 1
    [task_id] = _received(first)

    # The broker gives the message out again once it is VISIBILITY_SECONDS old (counted from its first
    # delivery, just before the job started), and the job may be claimed once its heartbeat is STALE_SECONDS old.
    now = time.time()
    time.sleep(
        max(
            0.0,
            killed.started_at.timestamp() + VISIBILITY_SECONDS + 1 - now,
            killed.heartbeat_at.timestamp() + STALE_SECONDS + 0.5 - now,
        )
    )
    stalled = jobs.get()  # nobody went on with it meanwhile
    assert (stalled.status, stalled.created, stalled.heartbeat_at) == (
        SyncStatus.RUNNING,
        killed.created,
        killed.heartbeat_at,
    )

    second = start_worker(after=first)
    done = _wait_for(lambda: jobs.filter(status__in=FINISHED).first(), 60, "the job finishing", second.output)

    assert _received(second) == [task_id], second.output()  # the same message, delivered again
    assert (done.status, done.failed, done.errors, done.error) == (SyncStatus.SUCCEEDED, 0, [], ""), second.output()
    assert done.attempts == 2
    assert (done.fetched, done.created, done.updated, done.unchanged) == (TOTAL, TOTAL, 0, 0)
    assert done.resume is None and done.finished_at is not None
    _assert_each_platform_order_once(account, connection, numbers)
    # It went on from its last committed page: no committed order was read twice, only the batch in flight
    # at the kill and the pages read ahead of it.
    details = Counter(
        number
        for request in fake.requests
        if request["path"] == "/api/v2/order/get_order_detail"
        for number in request["query"]["order_sn_list"].split(",")
    )
    assert set(details) == set(numbers)
    assert len(committed) == killed.created and all(details[number] == 1 for number in committed)
    assert TOTAL <= details.total() <= TOTAL + PAGE * (1 + READ_AHEAD_PAGES + 1)
