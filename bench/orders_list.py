"""Benchmark: GET /api/orders?limit=50 on a store with N orders (default 10,000, ~3 lines each).

Bulk-creates the orders (with customers, products and lines) in a fresh account, then sends requests
through the whole Django stack in-process (middleware, API-key authentication, rate limiting,
filtering, serialization) with the test client, and prints requests/second and p50/p95 latency per
scenario: several offsets, a status filter, a customer filter and a search. Migrates the database first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_orders_bench \\
        .venv/bin/python bench/orders_list.py --orders 10000 --requests 200
    .venv/bin/python bench/orders_list.py          # SQLite in a temporary file

The account it creates is deleted at the end (--keep to leave it).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'omnisales-bench.sqlite3'}")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Account  # noqa: E402
from accounts.services import api_key_create  # noqa: E402
from catalog.models import Product, ProductStatus, ProductVariant  # noqa: E402
from catalog.services import first_variant  # noqa: E402
from customers.models import Customer  # noqa: E402
from omnisales.api import scopes  # noqa: E402
from orders import services  # noqa: E402
from orders.models import Channel, Order, OrderItem, OrderStatus  # noqa: E402

STATUSES = [
    (OrderStatus.DELIVERED, 70),
    (OrderStatus.SHIPPED, 8),
    (OrderStatus.PROCESSING, 8),
    (OrderStatus.PENDING, 6),
    (OrderStatus.CANCELLED, 6),
    (OrderStatus.REFUNDED, 2),
]


def build_store(order_count: int) -> tuple[Account, str, str]:
    """Returns (account, API key, a customer id with orders)."""
    rng = random.Random(42)
    account = Account.objects.create(name=f"Orders benchmark {timezone.now():%H%M%S}", tax_rate=Decimal("8"))
    customers = Customer.objects.bulk_create(
        [Customer(account=account, name=f"Customer {n:04d}", email=f"c{n}@example.com") for n in range(500)]
    )
    products = Product.objects.bulk_create(
        [
            Product(
                account=account,
                sku=f"BENCH-{n:03d}",
                name=f"Product {n}",
                price=Decimal(5 + n * 3) + Decimal("0.99"),
                currency="USD",
                status=ProductStatus.ACTIVE,
            )
            for n in range(50)
        ]
    )
    ProductVariant.objects.bulk_create([first_variant(product) for product in products])
    now = timezone.now()
    statuses, weights = zip(*STATUSES, strict=True)
    for start in range(0, order_count, 2000):
        orders, items = [], []
        for _ in range(start, min(start + 2000, order_count)):
            order, lines = services.order_draft(
                account=account,
                customer=rng.choice(customers),
                lines=[
                    (product, rng.randrange(1, 4), product.price)
                    for product in rng.sample(products, k=rng.choice([2, 3, 3, 4]))
                ],
                shipping=Decimal("4.95"),
                created_at=now - datetime.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                status=rng.choices(statuses, weights)[0],
                channel=rng.choice(Channel.values),
            )
            orders.append(order)
            items.extend(lines)
        with transaction.atomic():
            Order.objects.bulk_create(orders, batch_size=1000)
            OrderItem.objects.bulk_create(items, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does after a bulk load: statistics, visibility map
            cursor.execute("VACUUM ANALYZE orders_order, orders_orderitem, customers_customer")
    _, key = api_key_create(
        account=account, name="bench", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
    )
    busiest = Order.objects.filter(account=account).values_list("customer_id", flat=True).first()
    return account, key, busiest


def measure(client: Client, url: str, requests: int) -> dict:
    for _ in range(5):
        assert client.get(url).status_code == 200
    latencies = []
    started = time.perf_counter()
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content[:300]
    elapsed = time.perf_counter() - started
    latencies.sort()
    with CaptureQueriesContext(connection) as queries:
        rows = len(client.get(url).json())
    return {
        "rps": requests / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "rows": rows,
        "queries": len(queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--keep", action="store_true", help="leave the benchmark account in the database")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host is allowed
    settings.API_RATE_LIMITS = {"read": "100000000/hour", "write": "100000000/hour"}

    started = time.perf_counter()
    account, key, customer_id = build_store(args.orders)
    items = OrderItem.objects.filter(account=account).count()
    print(f"{connection.vendor}: {args.orders} orders, {items} lines, built in {time.perf_counter() - started:.1f}s")

    client = Client(HTTP_X_API_KEY=key)
    scenarios = [
        ("limit=50", "/api/orders?limit=50"),
        ("limit=50&offset=1000", "/api/orders?limit=50&offset=1000"),
        ("limit=50&offset=5000", "/api/orders?limit=50&offset=5000"),
        ("limit=50&offset=9950", f"/api/orders?limit=50&offset={max(args.orders - 50, 0)}"),
        ("limit=50&status=processing", "/api/orders?limit=50&status=processing"),
        ("limit=50&status=delivered&offset=2000", "/api/orders?limit=50&status=delivered&offset=2000"),
        ("limit=50&customerId=…", f"/api/orders?limit=50&customerId={customer_id}"),
        ("limit=50&search=Customer 01", "/api/orders?limit=50&search=Customer%2001"),
        ("limit=250", "/api/orders?limit=250"),
    ]
    print(f"{'query':42} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5} {'queries':>8}")
    try:
        for name, url in scenarios:
            result = measure(client, url, args.requests)
            print(
                f"{name:42} {result['rps']:8.1f} {result['p50']:8.1f} {result['p95']:8.1f} "
                f"{result['rows']:5d} {result['queries']:8d}"
            )
    finally:
        if not args.keep:
            with transaction.atomic():
                Order.objects.filter(account=account).delete()
                account.delete()


if __name__ == "__main__":
    main()
