"""Campaigns end to end: a real Celery worker (CELERY_TEST_BROKER_URL), the test's database, a local SMTP
server. Ten thousand customers; every consenting one gets exactly one email, through a batch retried
mid-way, a send endpoint called twice, duplicated tasks and a worker killed mid-campaign."""

import os
import signal
import time
from collections import deque
from datetime import timedelta

import pytest

from customers.models import Customer
from messaging import dispatch
from messaging.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from messaging.services import campaigns_resume_stalled
from omnisales.testing.assertions import assert_error
from omnisales.testing.celery_worker import WorkerProcess, database_url
from omnisales.testing.smtp_server import SmtpServer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CUSTOMERS = 10_000
OPTED_OUT_EVERY = 10  # customers 0, 10, 20, ... declined marketing email


@pytest.fixture
def smtp():
    with SmtpServer(keep_content=False) as server:
        yield server


@pytest.fixture
def start_worker(smtp):
    database = database_url()
    if database is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot open; use PostgreSQL")
    workers = []

    def start(*, after=None, pool="solo", concurrency=1, **env):
        worker = WorkerProcess(
            broker_url=os.environ["CELERY_TEST_BROKER_URL"],
            database=database,
            queues=("messaging",),
            pool=pool,
            concurrency=concurrency,
            env={
                "EMAIL_URL": smtp.email_url,
                "MESSAGING_EMAIL_RATE_PER_SECOND": "0",
                "MESSAGING_BATCH_SIZE": "500",
                "MESSAGING_BATCH_RETRY_DELAYS_SECONDS": "1",
                **env,
            },
        )
        if after is not None:
            worker.key_prefix = after.key_prefix  # the same broker queues: it takes over the dead one's work
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.close()


def _customers(account, count: int = CUSTOMERS) -> tuple[set[str], set[str]]:
    rows = [
        Customer(
            account=account,
            name=f"Customer {number}",
            email=f"c{number}@example.com",
            tags=["newsletter"],
            accepts_email_marketing=number % OPTED_OUT_EVERY != 0,
        )
        for number in range(count)
    ]
    Customer.objects.bulk_create(rows, batch_size=2000)
    consenting = {row.email for row in rows if row.accepts_email_marketing}
    return consenting, {row.email for row in rows} - consenting


def _campaign(api) -> str:
    body = {
        "name": "Everyone",
        "subject": "News for {{ customer.first_name }}",
        "textBody": "Hello {{ customer.name }}. Unsubscribe: {{ unsubscribe_url }}",
        "tags": ["newsletter"],
    }
    response = api.post("/api/email/campaigns", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _wait(condition, timeout: float, worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; worker log:\n{worker.output()[-3000:]}")


def _status(campaign_id: str) -> str:
    return Campaign.objects.get(pk=campaign_id).status


def test_ten_thousand_customers_each_get_one_email_through_retries_and_duplicates(account, api, smtp, start_worker):
    consenting, opted_out = _customers(account)
    campaign_id = _campaign(api)
    # A transient refusal in the middle of the third batch: that batch is retried by the worker.
    smtp.sink.failures = deque([None] * 1234 + ["451 4.3.0 Try again later"])
    worker = start_worker(pool="prefork", concurrency=4)  # batches run side by side, as in production

    with worker.producer():
        assert api.post(f"/api/email/campaigns/{campaign_id}/send", {}, format="json").status_code == 202
        assert_error(
            api.post(f"/api/email/campaigns/{campaign_id}/send", {}, format="json"), 409, "CAMPAIGN_NOT_SENDABLE"
        )
        dispatch.enqueue(dispatch.CAMPAIGN_START, args=[campaign_id])  # a duplicated start task
        dispatch.enqueue(dispatch.CAMPAIGN_BATCH_SEND, args=[campaign_id, 0])  # and a duplicated batch
        _wait(lambda: _status(campaign_id) == CampaignStatus.SENT, 300, worker)

    assert smtp.sink.count == len(consenting), worker.output()[-3000:]
    assert set(smtp.sink.per_recipient) == consenting
    assert set(smtp.sink.per_recipient.values()) == {1}
    assert not set(smtp.sink.per_recipient) & opted_out
    assert "Retry in 1s" in worker.output()
    stats = api.get(f"/api/email/campaigns/{campaign_id}").json()["stats"]
    assert stats == {
        "recipients": CUSTOMERS,
        "pending": 0,
        "sent": len(consenting),
        "failed": 0,
        "skipped": len(opted_out),
        "skippedNoConsent": len(opted_out),
        "skippedNoAddress": 0,
        "cancelled": 0,
    }


def test_a_worker_killed_mid_campaign_is_survived_without_a_second_copy(account, api, smtp, start_worker):
    consenting, _ = _customers(account, 3000)
    campaign_id = _campaign(api)
    first = start_worker()
    with first.producer():
        assert api.post(f"/api/email/campaigns/{campaign_id}/send", {}, format="json").status_code == 202
        _wait(lambda: smtp.sink.count >= 800, 120, first)
        first.process.send_signal(signal.SIGKILL)  # no warm shutdown: the batch in hand stops mid-way
        first.process.wait()
        sent_before = smtp.sink.count
        # The sweep (beat, every few minutes) fails the row the dead worker had claimed and enqueues every
        # batch that still has pending rows; another worker takes them over.
        assert campaigns_resume_stalled(stalled_for=timedelta(0)) >= 1
        second = start_worker(after=first)
        _wait(lambda: _status(campaign_id) == CampaignStatus.SENT, 300, second)

    assert sent_before < len(consenting)
    assert set(smtp.sink.per_recipient.values()) == {1}  # nobody got two
    recipients = CampaignRecipient.objects.filter(campaign_id=campaign_id)
    interrupted = recipients.filter(status=RecipientStatus.FAILED)
    assert interrupted.count() <= 1 and all(row.error.startswith("Interrupted") for row in interrupted)
    assert recipients.filter(status=RecipientStatus.SENT).count() == len(consenting) - interrupted.count()
    assert smtp.sink.count in (len(consenting) - interrupted.count(), len(consenting))
