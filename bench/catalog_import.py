"""Benchmark: CSV product import through the real service (catalog.services.product_import).

Imports N generated rows (default 10,000) into a fresh account three times — all new, all changed,
all unchanged — and prints rows/second for each pass. Rows are variant rows (one row per variant,
--variants per product, 4 by default: 2,500 products with a Size option); --variants 1 gives products
without options (one row each). Uses the database DATABASE_URL names; migrates it first.

    .venv/bin/python bench/catalog_import.py                 # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_catalog_bench \\
        .venv/bin/python bench/catalog_import.py --rows 10000

The account it creates is deleted at the end (--keep to leave it).
"""

import argparse
import base64
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
# DEBUG off, as in production (with DEBUG on, Django keeps the text of every statement it runs); it then
# needs a field-encryption key, which this run never uses for anything kept.
os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'omnisales-bench.sqlite3'}")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Account  # noqa: E402
from catalog import services  # noqa: E402
from catalog.csv_format import COLUMNS  # noqa: E402
from catalog.models import Category, Product, ProductVariant  # noqa: E402
from webhooks.models import WebhookEvent  # noqa: E402

CATEGORY_SLUGS = ["apparel", "footwear", "electronics", "audio", "home-kitchen", "outdoor"]
TAGS = ["cotton", "wool", "sale", "new", "bestseller", "outdoor", "waterproof", "gift"]


SIZES = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"]


def generate_csv(rows: int, price_offset: int, variants: int = 1) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for i in range(0, rows, variants):
        price = 5 + (i * 7 + price_offset) % 495
        product = {
            "sku": f"BENCH-{i:06d}",
            "name": f"Benchmark product {i}",
            "description": f"Generated product number {i}, used to measure the CSV import.",
            "price": f"{price}.99",
            "compareAtPrice": f"{price + 10}.99" if i % 4 == 0 else "",
            "cost": f"{price // 2}.25",
            "currency": "USD",
            "status": "active" if i % 10 else "draft",
            "category": CATEGORY_SLUGS[i % len(CATEGORY_SLUGS)],
            "tags": ", ".join(sorted({TAGS[i % len(TAGS)], TAGS[(i // 3) % len(TAGS)]})),
            "images": f"https://cdn.example.com/products/{i}.jpg",
            "barcode": f"200{i:09d}",
            "weight": f"{(i % 50) / 10:.3f}",
            "attributes": '{"size": "M"}' if i % 2 else "",
            "trackInventory": "true",
            "allowBackorder": "false",
        }
        if variants == 1:
            writer.writerow(product)
            continue
        for v in range(min(variants, rows - i)):
            cells = product if v == 0 else {"sku": product["sku"]}
            writer.writerow(
                {
                    **cells,
                    "option1Name": "Size" if v == 0 else "",
                    "option1Value": SIZES[v % len(SIZES)] + ("" if v < len(SIZES) else str(v)),
                    "variantSku": product["sku"] if v == 0 else f"{product['sku']}-{v}",
                    "variantPrice": f"{price + v}.99",
                    "variantBarcode": f"300{i + v:09d}",
                    "variantWeight": f"{(i % 50) / 10:.3f}",
                    "variantPosition": str(v),
                }
            )
    return out.getvalue().encode()


def vacuum() -> None:
    """VACUUM ANALYZE of the tables an import writes (PostgreSQL), as autovacuum would do after a while."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Product, ProductVariant, WebhookEvent):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def timed_import(account: Account, payload: bytes) -> tuple[float, float, services.ImportReport]:
    """-> (wall seconds, this process's CPU seconds, report). CPU time is steadier on a busy machine."""
    started, cpu_started = time.perf_counter(), time.process_time()
    report = services.product_import(account=account, file=io.BytesIO(payload))
    return time.perf_counter() - started, time.process_time() - cpu_started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=4, help="Variant rows per product (1: no options).")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark account and its products.")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    vacuum()  # earlier runs' deleted rows would otherwise slow this one's writes
    account = Account.objects.create(name=f"Import benchmark {time.time():.0f}", product_limit=args.rows)
    for slug in CATEGORY_SLUGS:
        services.category_create(account=account, name=slug.replace("-", " ").title(), slug=slug)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"database: {connection.vendor} ({connection.settings_dict['NAME']}), rows: {args.rows}, "
        f"variants per product: {args.variants}, "
        f"cores: {os.cpu_count()}, load average: {load:.1f}"
    )
    passes = [("create", 0), ("update", 1), ("unchanged", 1)]
    try:
        for label, price_offset in passes:
            payload = generate_csv(args.rows, price_offset, args.variants)
            seconds, cpu_seconds, report = timed_import(account, payload)
            assert report.failed == 0, report.errors[:3]
            print(
                f"{label:>9}: {seconds:6.2f} s wall {args.rows / seconds:7.0f} rows/s | "
                f"{cpu_seconds:6.2f} s CPU {args.rows / cpu_seconds:7.0f} rows/s  "
                f"(created {report.created}, updated {report.updated}, unchanged {report.unchanged})"
            )
        print(
            f"products: {Product.objects.filter(account=account).count()}, "
            f"variants: {ProductVariant.objects.filter(account=account).count()}, "
            f"events: {WebhookEvent.objects.filter(account=account).count()}"
        )
    finally:
        if not args.keep:
            WebhookEvent.objects.filter(account=account).delete()
            Product.objects.filter(account=account).delete()
            Category.objects.filter(account=account).delete()
            account.delete()
            vacuum()


if __name__ == "__main__":
    main()
