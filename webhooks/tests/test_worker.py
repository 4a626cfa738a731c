"""End to end through a real broker (CELERY_TEST_BROKER_URL) and a real `celery worker` process.

The worker is another process, so everything it must see is committed (transaction=True) and it is
pointed at this test's database. Each worker gets its own broker key prefix, so concurrent runs
sharing a Redis database do not take each other's tasks.
"""

import itertools
import os
import time
from collections import deque
from decimal import Decimal

import pytest
from django.db import transaction

from omnisales.testing.celery_worker import WorkerProcess, database_url
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import endpoint_create, event_emit
from webhooks.tasks import deliveries_enqueue_due_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def start_worker():
    database = database_url()
    if database is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot open; use PostgreSQL")
    workers = []

    def start(*, started=True, **env):
        worker = WorkerProcess(
            broker_url=os.environ["CELERY_TEST_BROKER_URL"],
            database=database,
            env={"WEBHOOKS_ALLOW_PRIVATE_URLS": "true", **env},
        )
        workers.append(worker)
        return worker.start() if started else worker

    yield start
    for worker in workers:
        worker.close()


def wait_until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _all_succeeded(events) -> bool:
    statuses = WebhookDelivery.objects.filter(event__in=events).values_list("status", flat=True)
    return len(statuses) == len(events) and set(statuses) == {DeliveryStatus.SUCCEEDED}


def test_worker_delivers_committed_events_and_nothing_rolled_back(
    account, receiver, private_urls_allowed, start_worker, verify_signature
):
    _, secret = endpoint_create(account=account, url=receiver.url, events=["order.created", "payment.succeeded"])
    worker = start_worker()

    with worker.producer():
        with transaction.atomic():
            order = event_emit(
                account=account,
                event="order.created",
                data={"order_id": "ord_123", "customer_id": "cus_456", "total": Decimal("199.99")},
            )
            payment = event_emit(account=account, event="payment.succeeded", data={"payment_id": "pay_1"})
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit(account=account, event="order.created", data={"order_id": "ord_rolled_back"})
            raise RuntimeError("rolled back")
        requests = receiver.wait_for(2)

    assert wait_until(lambda: _all_succeeded([order, payment])), worker.output()
    assert {r.headers["Omni-Event-Id"] for r in requests} == {order.id, payment.id}
    assert all(verify_signature(r.body, r.headers["Omni-Signature"], secret) for r in requests)
    by_event = {r.headers["Omni-Event-Id"]: r.json() for r in requests}
    assert by_event[order.id]["data"] == {"orderId": "ord_123", "customerId": "cus_456", "total": 199.99}
    time.sleep(0.5)
    assert len(receiver.requests) == 2  # the rolled-back event never left
    assert WebhookDelivery.objects.count() == 2


def test_worker_retries_failed_attempts_with_broker_countdowns(account, receiver, private_urls_allowed, start_worker):
    endpoint_create(account=account, url=receiver.url, events=["*"])
    receiver.statuses = deque([500, 503])
    worker = start_worker(WEBHOOKS_RETRY_DELAYS_SECONDS="1,1,1")

    with worker.producer():
        with transaction.atomic():
            event = event_emit(account=account, event="order.created", data={"order_id": "ord_retry"})
        assert len(receiver.wait_for(3)) == 3, worker.output()

    assert wait_until(lambda: _all_succeeded([event])), worker.output()
    delivery = WebhookDelivery.objects.get(event=event)
    attempts = list(delivery.attempts.all())
    assert [a.status_code for a in attempts] == [500, 503, 200]
    for previous, following in itertools.pairwise(attempts):
        assert (following.created_at - previous.finished_at).total_seconds() >= 0.9  # the countdown held it back


def test_worker_runs_the_sweep_for_deliveries_whose_messages_were_lost(
    account, receiver, private_urls_allowed, start_worker
):
    endpoint_create(account=account, url=receiver.url, events=["*"])
    worker = start_worker(started=False)

    with worker.producer() as producer:
        with transaction.atomic():
            event = event_emit(account=account, event="order.created", data={"order_id": "ord_lost"})
        assert producer.control.purge() >= 1  # the broker loses the waiting message
        worker.start()
        assert not wait_until(lambda: receiver.requests, timeout=1.0)
        deliveries_enqueue_due_task.apply_async(kwargs={"grace_seconds": 0})
        assert len(receiver.wait_for(1)) == 1, worker.output()

    assert wait_until(lambda: _all_succeeded([event])), worker.output()
