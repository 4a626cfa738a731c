"""Webhook delivery throughput: events per second one Celery worker delivers to a local receiver.

A real worker process (`celery -A omnisales worker`) consumes the `webhooks` queue of a real broker
and POSTs signed payloads to an HTTP receiver on 127.0.0.1 that answers 200 at once. N events are
emitted in one transaction (one endpoint subscribed, so N deliveries); the clock runs from the
commit until every delivery is recorded as succeeded in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_webhooks \
        .venv/bin/python bench/webhooks_delivery.py --events 2000 --broker redis://127.0.0.1:6379/4

Options: --pool solo|prefork|threads and --concurrency N for the worker. The database is migrated if
needed; the benchmark's own account is deleted at the end.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ["WEBHOOKS_ALLOW_PRIVATE_URLS"] = "true"
os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from accounts.models import Account  # noqa: E402
from omnisales.testing.celery_worker import WorkerProcess, database_url  # noqa: E402
from omnisales.testing.webhook_receiver import Receiver, serve  # noqa: E402
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt  # noqa: E402
from webhooks.services import endpoint_create, event_emit  # noqa: E402


def _wait_for_succeeded(account, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = WebhookDelivery.objects.filter(account=account, status=DeliveryStatus.SUCCEEDED).count()
        if done >= count:
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"Only {done} of {count} deliveries succeeded within {timeout}s")


def _emit(account, count: int) -> float:
    """Emits `count` events in one transaction; returns when its commit began (the tasks are
    published right after the commit, while the worker already consumes)."""
    with transaction.atomic():
        for number in range(count):
            event_emit(account=account, event="order.created", data={"order_id": f"ord_{number}", "total": "19.99"})
        committed_at = time.monotonic()
    return committed_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--broker", default=os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--pool", default="solo", choices=["solo", "prefork", "threads"])
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE for the worker (0: reconnect per task)"
    )
    options = parser.parse_args()

    database = database_url()
    if database is None:
        raise SystemExit("Set DATABASE_URL to a database another process can open (PostgreSQL or a SQLite file).")
    call_command("migrate", verbosity=0)

    receiver = Receiver()
    server = serve(receiver)
    account = Account.objects.create(name=f"Bench {uuid.uuid4().hex[:8]}")
    endpoint_create(account=account, url=receiver.url, events=["order.created"])
    worker = WorkerProcess(
        broker_url=options.broker,
        database=database,
        queues=("webhooks",),
        pool=options.pool,
        concurrency=options.concurrency,
        env={
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
            "LOG_LEVEL": "WARNING",
            "DATABASE_CONN_MAX_AGE": str(options.conn_max_age),
        },
    )
    try:
        with worker, worker.producer():
            warm_up = 50
            _emit(account, warm_up)
            _wait_for_succeeded(account, warm_up, timeout=60)

            started = time.monotonic()
            committed_at = _emit(account, options.events)
            publish_seconds = time.monotonic() - committed_at
            finished = _wait_for_succeeded(account, warm_up + options.events, timeout=600)
        elapsed = finished - committed_at
        latencies = sorted(WebhookDeliveryAttempt.objects.filter(account=account).values_list("latency_ms", flat=True))
        print(f"database:        {django.db.connection.vendor}")
        print(f"broker:          {options.broker.split('://')[0]}")
        print(
            f"worker:          --pool={options.pool} --concurrency={options.concurrency}, "
            f"DATABASE_CONN_MAX_AGE={options.conn_max_age}"
        )
        print(f"events:          {options.events}, emitted in one transaction in {committed_at - started:.2f}s")
        print(f"commit+publish:  {publish_seconds:.2f}s for {options.events} task messages")
        print(f"delivered in:    {elapsed:.2f}s from commit to the last success")
        print(f"throughput:      {options.events / elapsed:.0f} events/s")
        print(
            f"HTTP latency:    p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95) - 1]} ms"
        )
        print(f"receiver got:    {len(receiver.requests)} requests")
    finally:
        Account.objects.filter(pk=account.pk).delete()
        server.shutdown()


if __name__ == "__main__":
    main()
