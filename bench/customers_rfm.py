"""RFM and segment summaries over 100,000 customers with order stats, through the real API stack.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE omnisales_customers_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_customers_bench \\
        .venv/bin/python bench/customers_rfm.py [--customers 100000] [--runs 7]

Migrates the database, creates the bench account and its customers once (bulk_create, stats set
directly as the orders app would have left them), times one `rfm_scores_refresh` of the account
(the statement the hourly task runs), then times each request: one warm-up, then the median,
fastest and slowest of `--runs`. Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import base64
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/omnisales_customers_bench")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("API_RATE_LIMIT_READ", "1000000/hour")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # plain HTTP through the test client
os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())  # bench-only

import warnings

import django

warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import Account  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from customers.models import Customer, CustomerSegment  # noqa: E402
from customers.services import rfm_scores_refresh, segment_create  # noqa: E402
from omnisales.api import scopes  # noqa: E402

ACCOUNT_NAME = "RFM bench store"
NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
TAGS = ["vip", "wholesale", "newsletter", "regular", "local"]


def build_customers(account, count: int) -> None:
    rng = random.Random(7)
    batch = []
    for number in range(count):
        orders = min(int(rng.expovariate(1 / 4)) + 1, 200)
        spent = Decimal(str(round(sum(rng.lognormvariate(3.8, 0.7) for _ in range(min(orders, 20))), 2)))
        last = NOW - timedelta(minutes=rng.randrange(0, 730 * 24 * 60))
        batch.append(
            Customer(
                account=account,
                name=f"Customer {number}",
                email=f"customer{number}@example.com",
                tags=[tag for tag in TAGS if rng.random() < 0.15],
                total_orders=orders,
                total_spent=spent,
                first_order_date=last - timedelta(days=rng.randrange(0, 900)),
                last_order_date=last,
            )
        )
        if len(batch) == 5000:
            Customer.objects.bulk_create(batch)
            batch = []
    Customer.objects.bulk_create(batch)


def prepare(count: int) -> tuple[Account, str]:
    call_command("migrate", verbosity=0)
    account = Account.objects.filter(name=ACCOUNT_NAME).first() or Account.objects.create(name=ACCOUNT_NAME)
    if Customer.objects.filter(account=account).count() != count:
        print(f"Creating {count} customers…", flush=True)
        started = time.perf_counter()
        with transaction.atomic():
            Customer.objects.filter(account=account).delete()
            CustomerSegment.objects.filter(account=account).delete()
            build_customers(account, count)
            segment_create(
                account=account, name="VIP big spenders", rules={"tags": {"any": ["vip"]}, "totalSpent": {"min": 500}}
            )
            segment_create(
                account=account,
                name="Lapsed regulars",
                rules={"totalOrders": {"min": 3}, "lastOrderDate": {"before": "2024-01-01"}},
            )
            segment_create(
                account=account,
                name="Champions on the list",
                rules={"rfmSegment": ["champions"], "tags": {"any": ["newsletter"]}},
            )
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    rfm_scores_refresh(account=account)
    print(f"RFM refresh of {count} customers (one UPDATE): {time.perf_counter() - started:.2f} s", flush=True)
    with connection.cursor() as cursor:
        # The refresh rewrites every row; autovacuum follows such an update within a minute or so.
        cursor.execute("VACUUM ANALYZE customers_customer")
    _, key = api_key_create(
        account=account, name="bench", scopes=["read:customers"], grantor_scopes=scopes.expand(["admin"])
    )
    return account, key


def timed(client: Client, url: str, runs: int) -> tuple[list[float], int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, response.content[:500]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    body = response.json()
    return samples, len(body) if isinstance(body, list) else 1


def reference_sort(count: int, runs: int) -> float:
    """Median time of one NTILE(5) over `count` plain integers: how fast this machine sorts right now."""
    samples = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            started = time.perf_counter()
            cursor.execute(
                "SELECT max(tile) FROM (SELECT ntile(5) OVER (ORDER BY g) AS tile FROM generate_series(1, %s) g) t",
                [count],
            )
            cursor.fetchone()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark is meant for PostgreSQL: set DATABASE_URL.")

    account, key = prepare(args.customers)
    client = Client(HTTP_X_API_KEY=key)
    custom, _, rfm_rule = CustomerSegment.objects.filter(account=account).order_by("created_at")
    requests = [
        ("RFM, first page of 50", "/api/customers/rfm?limit=50&asOf=2024-06-30"),
        ("RFM, champions, page of 50", "/api/customers/rfm?limit=50&segment=champions"),
        ("RFM, first page by recency", "/api/customers/rfm?limit=50&ordering=recencyDays"),
        ("RFM, deep page (offset 90000) by recency", "/api/customers/rfm?limit=50&offset=90000&ordering=recencyDays"),
        (
            "RFM, deep page (offset 90000) by recency, descending",
            "/api/customers/rfm?limit=50&offset=90000&ordering=-recencyDays",
        ),
        ("Segments summary (11 RFM + 3 custom)", "/api/customers/segments"),
        ("Segments summary, RFM only (11)", "/api/customers/segments?type=rfm"),
        ("One RFM segment's summary (champions)", "/api/customers/segments/champions"),
        ("Customers in RFM segment champions, page of 50", "/api/customers/segments/champions/customers?limit=50"),
        ("Customers in RFM segment at_risk, page of 50", "/api/customers?segment=at_risk&limit=50"),
        ("Customers in a custom segment, page of 50", f"/api/customers/segments/{custom.pk}/customers?limit=50"),
        (
            "Customers in the custom RFM-rule segment, page of 50",
            f"/api/customers/segments/{rfm_rule.pk}/customers?limit=50",
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{args.customers} customers with order stats, PostgreSQL {server_version}, {os.cpu_count()} CPUs, "
        f"load average {load}, {args.runs} runs after a warm-up"
    )
    reference = reference_sort(args.customers, args.runs)
    print(f"Reference: one NTILE(5) over {args.customers} plain integers takes {reference:.0f} ms\n")
    print("| Request | Rows | Median | Fastest | Slowest |")
    print("|---|---:|---:|---:|---:|")
    for label, url in requests:
        samples, rows = timed(client, url, args.runs)
        median, fastest, slowest = statistics.median(samples), min(samples), max(samples)
        print(f"| {label} | {rows} | {median:.0f} ms | {fastest:.0f} ms | {slowest:.0f} ms |", flush=True)


if __name__ == "__main__":
    main()
