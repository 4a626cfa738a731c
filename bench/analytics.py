"""Benchmark: GET /api/analytics/dashboard, /sales, /financial, /products and /customers over a one-year range
on a store with 1,000,000 orders.

On PostgreSQL (its own database): the first run creates the store with `generate_bench_data` (an account
named "Analytics bench", ~3 lines an order, a year of orders, then its rollups), later runs reuse it. Then
it sends requests through the whole Django stack in-process (middleware, API-key authentication, rate
limiting, the selector, the renderer) with the test client and prints p50/p95 per scenario, and the
statements one request runs. Migrates the database first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_analytics \\
        .venv/bin/python bench/analytics.py --orders 1000000 --requests 500
"""

import argparse
import base64
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("DEBUG", "false")  # with DEBUG on Django keeps the text of every statement
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # plain HTTP through the test client
os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())  # bench-only

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from customers.models import Customer  # noqa: E402
from customers.services import rfm_scores_refresh  # noqa: E402
from omnisales.api import scopes  # noqa: E402
from orders.models import CohortMonth, Order, PaymentDay, ProductSalesDay, SalesDay, SalesHour  # noqa: E402

NAME = "Analytics bench"


def store(orders: int) -> Account:
    """The bench account with `orders` orders, created once (a partial one from an interrupted run is replaced)."""
    account = Account.objects.filter(name=NAME).order_by("-created_at").first()
    if account is not None and Order.objects.filter(account=account).count() == orders:
        return account
    if account is not None:
        account.delete()
    started = time.perf_counter()
    call_command("generate_bench_data", orders=orders, days=365)
    account = Account.objects.order_by("-created_at").first()
    account.name = NAME
    account.save(update_fields=["name"])
    rfm_scores_refresh(account=account)  # as the hourly refresh would: the customers report reads the segments
    with connection.cursor() as cursor:  # what autovacuum does after a bulk load
        cursor.execute(
            "VACUUM ANALYZE orders_order, orders_orderitem, orders_orderpayment, orders_salesday, orders_saleshour, "
            "orders_productsalesday, orders_cohortmonth, orders_paymentday, customers_customer"
        )
    print(f"built in {time.perf_counter() - started:.0f}s")
    return account


def measure(client: Client, url: str, requests: int, **headers) -> dict:
    for _ in range(10):
        response = client.get(url, **headers)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    latencies = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url, **headers)
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content[:300]
    latencies.sort()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    return {
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per scenario")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own")

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host is allowed
    settings.API_RATE_LIMITS = {"read": "100000000/hour", "write": "100000000/hour"}
    account = store(args.orders)
    if not Customer.objects.filter(account=account, rfm_segment__isnull=False).exists():
        rfm_scores_refresh(account=account)  # a store built before the refresh was part of it
    print(
        f"{account.pk}: {Order.objects.filter(account=account).count():,} orders, "
        f"{SalesDay.objects.filter(account=account).count():,} sales-day rows, "
        f"{SalesHour.objects.filter(account=account).count():,} sales-hour rows, "
        f"{ProductSalesDay.objects.filter(account=account).count():,} product-day rows, "
        f"{CohortMonth.objects.filter(account=account).count():,} cohort rows, "
        f"{PaymentDay.objects.filter(account=account).count():,} payment-day rows"
    )
    _, key = api_key_create(
        account=account, name="bench", scopes=["read:analytics"], grantor_scopes=scopes.expand(["admin"])
    )
    client = Client(HTTP_X_API_KEY=key)
    today = timezone.now().astimezone(account.zone).date()
    year = f"startDate={today - datetime.timedelta(days=364)}&endDate={today}"
    # A year whose first and last months are both partial: the products report reads their days.
    shifted = f"startDate={today - datetime.timedelta(days=379)}&endDate={today - datetime.timedelta(days=15)}"
    scenarios = [
        ("default (30 days)", "/api/analytics/dashboard", {}),
        ("one year", f"/api/analytics/dashboard?{year}", {}),
        ("one year, previous_year", f"/api/analytics/dashboard?{year}&compareTo=previous_year", {}),
        ("one year, channel=online", f"/api/analytics/dashboard?{year}&channel=online", {}),
        ("one year as CSV", f"/api/analytics/dashboard?{year}", {"HTTP_ACCEPT": "text/csv"}),
        ("sales: one year by day", f"/api/analytics/sales?{year}", {}),
        ("sales: by week, groupBy=weekday", f"/api/analytics/sales?{year}&granularity=week&groupBy=weekday", {}),
        ("sales: by month, channel=online", f"/api/analytics/sales?{year}&granularity=month&channel=online", {}),
        ("sales: by day as CSV", f"/api/analytics/sales?{year}", {"HTTP_ACCEPT": "text/csv"}),
        ("sales: groupBy=hourOfDay", f"/api/analytics/sales?{year}&groupBy=hourOfDay", {}),
        ("financial: one year by day", f"/api/analytics/financial?{year}", {}),
        ("financial: by month", f"/api/analytics/financial?{year}&granularity=month", {}),
        ("financial: by day as CSV", f"/api/analytics/financial?{year}", {"HTTP_ACCEPT": "text/csv"}),
        ("products: one year", f"/api/analytics/products?{year}", {}),
        ("products: a year of partial months", f"/api/analytics/products?{shifted}", {}),
        ("products: by margin, limit=50", f"/api/analytics/products?{year}&sortBy=margin&limit=50", {}),
        ("products: channel=online", f"/api/analytics/products?{year}&channel=online", {}),
        ("products: previous_year", f"/api/analytics/products?{year}&compareTo=previous_year", {}),
        ("customers: one year", f"/api/analytics/customers?{year}", {}),
        ("customers: previous_year", f"/api/analytics/customers?{year}&compareTo=previous_year", {}),
        ("customers: as CSV", f"/api/analytics/customers?{year}", {"HTTP_ACCEPT": "text/csv"}),
    ]
    print(f"{'scenario':36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for name, url, headers in scenarios:
        result = measure(client, url, args.requests, **headers)
        print(f"{name:36} {result['p50']:8.2f} {result['p95']:8.2f} {result['queries']:8d}")


if __name__ == "__main__":
    main()
