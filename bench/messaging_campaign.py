"""Campaign throughput: emails per second one Celery worker sends to a local SMTP sink.

A real worker process (`celery -A omnisales worker -Q messaging`) consumes the `messaging` queue of a real
broker and sends a campaign to N customers (all consenting, one tag) through Django's SMTP backend to an
aiosmtpd server on 127.0.0.1 that accepts everything and keeps only counts. The clock runs from the
send request's commit until the campaign is recorded `sent`: the audience frozen into recipient rows,
every message rendered (subject, HTML, text, a signed unsubscribe link), claimed, sent and recorded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_messaging \
        .venv/bin/python bench/messaging_campaign.py --customers 5000 --broker redis://127.0.0.1:6379/4

Options: --pool solo|prefork|threads and --concurrency N for the worker, --batch-size. The provider
rate limit is off (MESSAGING_EMAIL_RATE_PER_SECOND=0). The database is migrated if needed; the
benchmark's own account is deleted at the end.
"""

import argparse
import base64
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + uuid.uuid4().hex)
os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())  # a Fernet key

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from accounts.models import Account  # noqa: E402
from customers.models import Customer  # noqa: E402
from messaging.models import Campaign, CampaignStatus  # noqa: E402
from messaging.services import campaign_create, campaign_send  # noqa: E402
from omnisales.testing.celery_worker import WorkerProcess, database_url  # noqa: E402
from omnisales.testing.smtp_server import SmtpServer  # noqa: E402

HTML = (
    "<p>Hi {{ customer.first_name }},</p><p>New arrivals at {{ account.name }}.</p>"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def _wait_until_sent(campaign_id: str, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENT).exists():
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"The campaign was not sent within {timeout}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--broker", default=os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--pool", default="solo", choices=["solo", "prefork", "threads"])
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=500)
    options = parser.parse_args()

    database = database_url()
    if database is None:
        raise SystemExit("Set DATABASE_URL to a database another process can open (PostgreSQL or a SQLite file).")
    call_command("migrate", verbosity=0)

    account = Account.objects.create(name=f"Bench {uuid.uuid4().hex[:8]}")
    Customer.objects.bulk_create(
        [
            Customer(account=account, name=f"Customer {n}", email=f"c{n}@example.com", tags=["news"])
            for n in range(options.customers)
        ],
        batch_size=2000,
    )
    Customer.objects.filter(account=account).update(accepts_email_marketing=True)
    with SmtpServer(keep_content=False) as smtp:
        worker = WorkerProcess(
            broker_url=options.broker,
            database=database,
            queues=("messaging",),
            pool=options.pool,
            concurrency=options.concurrency,
            env={
                "EMAIL_URL": smtp.email_url,
                "MESSAGING_EMAIL_RATE_PER_SECOND": "0",
                "MESSAGING_BATCH_SIZE": str(options.batch_size),
                "LOG_LEVEL": "WARNING",
            },
        )
        try:
            with worker, worker.producer():
                campaign = campaign_create(account=account, name="Bench", subject="News", html_body=HTML, tags=["news"])
                campaign_send(campaign=campaign)  # its own transaction: the start task is published on commit
                committed_at = time.monotonic()
                finished = _wait_until_sent(campaign.pk, timeout=1800)
            elapsed = finished - committed_at
            load = os.getloadavg()[0]
            print(f"database:        {django.db.connection.vendor}")
            print(f"broker:          {options.broker.split('://')[0]}")
            print(f"worker:          --pool={options.pool} --concurrency={options.concurrency}")
            print(f"customers:       {options.customers}, batches of {options.batch_size}")
            print(f"sent in:         {elapsed:.1f}s from the commit to the campaign recorded sent")
            print(f"throughput:      {smtp.sink.count / elapsed:.0f} emails/s")
            print(f"SMTP sink got:   {smtp.sink.count} messages, {len(smtp.sink.per_recipient)} recipients")
            print(f"load average:    {load:.2f} (1 minute, at the end)")
        finally:
            Account.objects.filter(pk=account.pk).delete()


if __name__ == "__main__":
    main()
