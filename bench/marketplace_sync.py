"""Benchmark: a marketplace order sync end to end, from the local Shopee server into PostgreSQL.

Generates N orders (default 10,000, 3 lines each: 30,000 lines) on the local Shopee Open Platform server
(omnisales/testing/shopee_server.py: signed requests checked as Shopee checks them, 100 orders per list page,
50 per detail call), for a fresh account whose catalogue has the orders' SKUs in stock, then runs one sync
job of the whole range the way a worker does (`sync_job_run`, the body of the Celery task; `--worker` runs
it on a real Celery worker instead) and reports the wall time, orders per second, and the rows it wrote. The
platform runs in a process of its own. As the in-run baseline it then reads the same orders again through
the client without writing them: the share of the platform and of the HTTP client.
The status mix is the server's: 40% ready to ship, 10% processed, 20% shipped, 20% completed, 10% unpaid.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omni_bench .venv/bin/python bench/marketplace_sync.py
    ... --orders 2000            # a smaller run
    ... --worker                 # through a Celery worker (needs CELERY_TEST_BROKER_URL, e.g. redis://127.0.0.1:6379/2)
    ... --phases                 # also where the time goes: wall and CPU of each step of the sync

The account is deleted at the end (--keep to leave it).
"""

import argparse
import base64
import datetime
import multiprocessing
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from throwaway import drop_account  # noqa: E402

from accounts.models import Account  # noqa: E402
from catalog import services as catalog_services  # noqa: E402
from inventory import services as inventory_services  # noqa: E402
from inventory.models import StockMovement, StockReservation, Warehouse  # noqa: E402
from marketplace import services  # noqa: E402
from marketplace.models import SyncJob  # noqa: E402
from omnisales.testing.shopee_server import FakeShopee  # noqa: E402
from orders.models import Order, OrderItem  # noqa: E402
from webhooks.models import WebhookEvent  # noqa: E402

SKUS = 300


def catalogue(account: Account) -> list[str]:
    warehouse = Warehouse.objects.create(account=account, name="Main", code="MAIN")
    skus = []
    for index in range(SKUS):
        product = catalog_services.product_create(
            account=account, sku=f"MKT-{index:04d}", name=f"Product {index}", price=Decimal("19.90")
        )
        inventory_services.stock_adjust(
            account=account, product=product, warehouse=warehouse, quantity=1_000, reason="received"
        )
        skus.append(product.sku)
    return skus


def run_in_worker(job_id: str, env: dict) -> float:
    from omnisales.testing.celery_worker import WorkerProcess, database_url, producing_to

    broker = os.environ["CELERY_TEST_BROKER_URL"]
    from marketplace.tasks import sync_job_run_task

    worker = WorkerProcess(broker_url=broker, database=database_url(), queues=("marketplace",), env=env)
    with worker, producing_to(broker, worker.key_prefix):
        started = time.perf_counter()
        sync_job_run_task.apply_async(args=[job_id])
        while SyncJob.objects.filter(pk=job_id, finished_at__isnull=True).exists():
            if time.perf_counter() - started > 600:
                raise SystemExit(f"The worker did not finish the job in 10 minutes; its log: {worker.log.name}")
            time.sleep(0.05)
        return time.perf_counter() - started


PHASES = {  # module, function: what it does in a sync
    ("marketplace.services.sync", "prepare_batch"): "preparing a batch (reads, customers planned)",
    ("marketplace.services.sync", "write_batch"): "writing a batch (all of it)",
    ("marketplace.services.sync", "order_import_many"): "  the orders (below: its parts)",
    ("orders.services.imports", "stock_reserve_many"): "    stock reserved or sold",
    ("orders.services.imports", "copy_insert"): "    orders, lines, payments, timeline (COPY)",
    ("orders.services.imports", "event_emit_many"): "    order.created events",
    ("orders.services.imports", "customer_record_orders"): "    customers' totals",
    ("orders.services.imports", "product_mark_ordered_counts"): "    products' order counts",
    ("orders.services.imports", "rollups.rollups_record_orders"): "    sales rollups (below: its parts)",
    ("orders.rollups", "_add_order"): "      each order's figures",
    ("orders.rollups", "_batch_customers"): "      customers' first orders and months",
    ("orders.rollups", "_upsert"): "      the upserts",
    ("marketplace.services.mapping", "Matcher.create_customers"): "  creating customers",
    ("django.db.backends.base.base", "BaseDatabaseWrapper._commit"): "  commits (deferred foreign-key checks)",
    ("marketplace.providers.shopee", "ShopeeClient.orders"): "reading order details (both passes)",
}


def time_phases() -> dict:
    """Wraps the functions of PHASES to add up their wall and CPU time."""
    import importlib

    totals = {label: [0.0, 0.0] for label in PHASES.values()}
    for (module_name, name), label in PHASES.items():
        module = importlib.import_module(module_name)
        owner, attribute = (getattr(module, name.split(".")[0]), name.split(".")[1]) if "." in name else (module, name)
        original = getattr(owner, attribute)

        def timed(*args, _original=original, _label=label, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_label][0] += time.perf_counter() - wall
                totals[_label][1] += time.thread_time() - cpu

        setattr(owner, attribute, timed)
    return totals


def database_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL server's processes when it runs on this host (read from
    /proc: each process's own, plus what the postmaster holds for its ended backends, such as the sync's
    writer connection), else None. The wall time hides how the work splits between our process and the
    database; this shows the database's share."""
    total, found = 0, False
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat_file:
                stat = stat_file.read()
        except OSError:
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        found = True
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK") if found else None


def read_only(connection_row, start, end) -> float:
    """Seconds to read every order of the range through the client (list pages and details), writing nothing:
    the platform's and the client's share of a sync, measured in the same run."""
    client = services.client(connection_row)
    started = time.perf_counter()
    for page in client.order_pages(start=start, end=end):
        for index in range(0, len(page.refs), client.detail_batch):
            client.orders(page.refs[index : index + client.detail_batch])
    return time.perf_counter() - started


def serve_platform(orders: int, lines: int, skus: list[str], start, end, pipe) -> None:
    """The local Shopee server in a process of its own, as the platform is another machine: its CPU is not
    the sync's. Sends the credentials and tokens back, then serves until told to stop."""
    with FakeShopee(page_size=100) as fake:
        fake.add_random_orders(orders, skus=skus, lines_per_order=lines, start=start, end=end, seed=7)
        pipe.send(
            {
                "base_url": fake.base_url,
                "api_key": fake.api_key,
                "api_secret": fake.api_secret,
                "shop_id": fake.shop_id,
                **fake.issue_tokens(),
            }
        )
        pipe.recv()  # the sync is over
        pipe.send(len(fake.requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help="Run the job on a real Celery worker.")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--phases", action="store_true", help="Also print where the sync's time goes.")
    args = parser.parse_args()
    phases = time_phases() if args.phases else None
    call_command("migrate", verbosity=0)
    account = Account.objects.create(name=f"Marketplace benchmark {time.time():.0f}", product_limit=SKUS)
    now = datetime.datetime.now(datetime.UTC)
    start = now - datetime.timedelta(days=30)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    try:
        skus = catalogue(account)
        platform = context.Process(
            target=serve_platform, args=(args.orders, args.lines, skus, start, now, theirs), daemon=True
        )
        platform.start()
        shop = ours.recv()
        settings.SHOPEE_API_BASE = shop["base_url"]
        connection_row = services.connection_create(
            account=account,
            platform="shopee",
            api_key=shop["api_key"],
            api_secret=shop["api_secret"],
            shop_id=shop["shop_id"],
            access_token=shop["access_token"],
            refresh_token=shop["refresh_token"],
            token_expires_at=now + datetime.timedelta(hours=4),
        )
        job = services.sync_job_create(
            account=account, connection=connection_row, start_date=start - datetime.timedelta(days=1), end_date=now
        )
        cpu, database = time.process_time(), database_cpu()
        if args.worker:
            seconds = run_in_worker(job.pk, {"SHOPEE_API_BASE": shop["base_url"]})
        else:
            started = time.perf_counter()
            services.sync_job_run(job_id=job.pk)
            seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        database = database_cpu() - database if database is not None else None
        read = read_only(connection_row, start - datetime.timedelta(days=1), now)
        ours.send("done")
        requests = ours.recv()
        platform.join(timeout=10)
        job.refresh_from_db()
        orders = Order.objects.filter(account=account).count()
        lines = OrderItem.objects.filter(account=account).count()
        print(
            f"{connection.vendor}: {job.fetched} orders ({lines} lines) synced in {seconds:.2f} s "
            f"({job.fetched / seconds:,.0f} orders/s); the sync's CPU {cpu:.2f} s"
            f"{' (in the worker, not counted here)' if args.worker else ''}; "
            f"{f'the database server CPU {database:.2f} s; ' if database is not None else ''}"
            f"{requests} requests to the platform (both passes)"
        )
        print(
            f"baseline, the same run: reading the same orders from the platform without writing them took "
            f"{read:.2f} s; the sync took {seconds / read:.1f}× that"
        )
        print(
            f"job {job.status}: created {job.created}, updated {job.updated}, unchanged {job.unchanged}, "
            f"failed {job.failed}; orders {orders}, reservations "
            f"{StockReservation.objects.filter(account=account).count()}, movements "
            f"{StockMovement.objects.filter(account=account).count()}, webhook events "
            f"{WebhookEvent.objects.filter(account=account).count()}"
        )
        if job.errors:
            print("first errors:", job.errors[:3])
        for label, (wall, cpu) in (phases or {}).items():
            print(f"  {label:46s} wall {wall:6.2f} s   CPU {cpu:6.2f} s")
    finally:
        if not args.keep:
            drop_account(account)


if __name__ == "__main__":
    main()
