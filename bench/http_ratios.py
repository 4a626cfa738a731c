"""Benchmark: each endpoint's HTTP throughput as a share of a bare Django view, served the same way.

The machine this runs on is shared and noisy, so absolute requests/second mean little; this script
reports each endpoint as a RATIO to a bare Django view returning a small JsonResponse, measured in
the same run with the same gunicorn settings, the same Django settings and the same middleware.

What it does:

1. Creates the PostgreSQL database named by DATABASE_URL if it is missing and migrates it (it refuses
   SQLite), then seeds one account with 10,000 orders (~3 lines each), customers and products (the
   bulk creation of bench/orders_list.py), a product with stock for the POST, and an admin API key.
2. Starts two gunicorns on free 127.0.0.1 ports, 2 sync workers each, DEBUG off: the project
   (omnisales.settings) and the bare view (bench.http_bare_settings: the same settings with a
   one-view URLconf, bench/http_bare_urls.py). The bare view opts out of ATOMIC_REQUESTS, so it
   touches no database: it is the floor of the stack (middleware, routing, JSON), not of a query.
3. Runs wrk -t2 -c16 for --duration seconds per run, interleaved — bare, endpoint, bare, endpoint, …,
   bare — and compares each endpoint with the mean of the two bare runs either side of it, so drift
   of the shared machine cancels out. `--rounds N` repeats the whole sequence and reports each
   endpoint's median ratio over the rounds with its range, so one burst of load elsewhere on the
   machine does not decide a figure.
4. Prints requests/s of each endpoint and of its neighbouring bare runs, the ratio in percent, the
   non-2xx/3xx responses and socket errors wrk counted, and the SQL statements per request (measured
   once in-process with the test client).

Gunicorn and the seeded account are always cleaned up (--keep leaves the account). Needs wrk on PATH
or at /usr/bin/wrk (`apt-get install wrk`), PostgreSQL and Redis (the rate-limit counters live in the
cache; REDIS_URL, default redis://127.0.0.1:6379/0). Tasks are enqueued as in production, to
CELERY_BROKER_URL (default: REDIS_URL) under the key prefix `omnisales-http-bench:`, so a placed order pays
the enqueue of its confirmation email, not the sending; no worker runs, and those keys are deleted at the end:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_http_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/http_ratios.py --duration 10

Other variables in the environment (DATABASE_CONN_MAX_AGE, for one) reach both gunicorns unchanged.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER_COUNT_DEFAULT = 10_000
WRK_THREADS, WRK_CONNECTIONS, GUNICORN_WORKERS = 2, 16, 2
HUGE_RATE = "1000000000/hour"
BROKER_KEY_PREFIX = "omnisales-http-bench:"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk run (default 10)")
    parser.add_argument("--orders", type=int, default=ORDER_COUNT_DEFAULT, help="orders in the seeded store")
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the interleaved runs; each ratio is the median over rounds"
    )
    parser.add_argument("--keep", action="store_true", help="leave the benchmark account in the database")
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the endpoints whose name contains TEXT (e.g. POST)"
    )
    args = parser.parse_args()
    if args.duration < 1 or args.orders < 1 or args.rounds < 1:
        parser.error("--duration, --orders and --rounds must be at least 1")
    return args


def configure_environment() -> None:
    """The environment both the seeding (in-process) and the gunicorns run with. Refuses SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (postgres://user@host:port/name); SQLite is refused.")
    from cryptography.fernet import Fernet

    # WhiteNoise warns once per process that STATIC_ROOT is missing (no collectstatic); irrelevant to an API.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "omnisales.settings",
            "DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "API_RATE_LIMIT_READ": HUGE_RATE,
            "API_RATE_LIMIT_WRITE": HUGE_RATE,
            "LOG_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
        }
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + Fernet.generate_key().decode())
    os.environ.setdefault("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Tasks go to a broker as in production (a placed order enqueues its confirmation email), so a request
    # pays the enqueue, not the task. No worker consumes them here; purge_queued_tasks() deletes them.
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    os.environ.setdefault("CELERY_BROKER_KEY_PREFIX", BROKER_KEY_PREFIX)


def purge_queued_tasks() -> None:
    """Deletes what the run enqueued: the broker keys under the benchmark's own prefix."""
    import redis

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    prefix = os.environ["CELERY_BROKER_KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def create_database() -> None:
    """CREATE DATABASE for DATABASE_URL's name unless it exists (connecting to the `postgres` database)."""
    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}")


def find_wrk() -> str:
    wrk = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if wrk is None:
        sys.exit("wrk is needed: apt-get install wrk")
    return wrk


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- seeding (in-process, through the project's services) --------------------------------------------


def seed(order_count: int) -> dict:
    """The store of bench/orders_list.py plus a stocked product for the POST and an admin API key."""
    sys.path.insert(0, str(ROOT / "bench"))
    import orders_list  # django.setup() with the environment above, then the bulk creation we reuse
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.services import api_key_create
    from catalog.models import Product, ProductStatus, ProductVariant
    from catalog.services import first_variant
    from inventory import services as inventory_services
    from inventory.models import AdjustmentReason
    from loyalty.services import discount_code_create
    from omnisales.api import scopes
    from orders.models import Order

    started = time.perf_counter()
    account, _read_key, customer_id = orders_list.build_store(order_count)
    product = Product.objects.create(
        account=account,
        sku="BENCH-POST",
        name="Stocked product for POST /api/orders",
        price=Decimal("9.99"),
        currency="USD",
        status=ProductStatus.ACTIVE,
    )
    ProductVariant.objects.bulk_create([first_variant(product)])
    warehouse = inventory_services.warehouse_create(account=account, name="Main", code="MAIN")
    inventory_services.stock_adjust(
        account=account, product=product, warehouse=warehouse, quantity=1_000_000, reason=AdjustmentReason.RECEIVED
    )
    discount_code_create(account=account, code="BENCH10", type="percentage", value=Decimal("10"))
    _, key = api_key_create(
        account=account, name="http bench", scopes=["admin"], grantor_scopes=scopes.expand(["admin"])
    )
    order_id = Order.objects.filter(account=account).order_by("-created_at").values_list("pk", flat=True).first()
    print(f"seeded {order_count} orders in {time.perf_counter() - started:.1f}s (account {account.pk})")
    return {
        "account": account,
        "key": key,
        "order_id": order_id,
        "post_body": {"customerId": str(customer_id), "items": [{"productId": str(product.pk), "quantity": 1}]},
        "discount_code": "BENCH10",
    }


def statement_counts(endpoints: list[dict], key: str) -> dict[str, int]:
    """SQL statements per request of each endpoint: in-process, the second of two requests."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_X_API_KEY=key)
    counts = {}
    with override_settings(ROOT_URLCONF="bench.http_bare_urls"), CaptureQueriesContext(connection) as queries:
        assert client.get("/api/bare").status_code == 200
    counts["bare view"] = len(queries)
    for endpoint in endpoints:
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                if endpoint["method"] == "POST":
                    response = client.post(endpoint["path"], endpoint["body"], content_type="application/json")
                else:
                    response = client.get(endpoint["path"])
            assert 200 <= response.status_code < 300, (endpoint["name"], response.status_code, response.content[:300])
        counts[endpoint["name"]] = len(queries)
    return counts


# --- gunicorn ----------------------------------------------------------------------------------------


def start_gunicorn(settings_module: str, port: int, log_dir: Path) -> tuple[subprocess.Popen, Path]:
    log = log_dir / f"gunicorn-{port}.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "omnisales.wsgi:application",
        f"--workers={GUNICORN_WORKERS}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        f"--chdir={ROOT}",
        "--log-level=warning",
        "--timeout=60",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return process, log


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the gunicorn master and its workers, in their own session
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def request(port: int, method: str, path: str, key: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if key:
            headers["X-API-Key"] = key
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(process: subprocess.Popen, log: Path, port: int, path: str, key: str | None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn on port {port} exited:\n{log.read_text()[-3000:]}")
        try:
            status, body = request(port, "GET", path, key)
        except OSError:
            time.sleep(0.3)
            continue
        if status != 200:
            sys.exit(f"GET {path} on port {port} answered {status}: {body[:500]!r}\n{log.read_text()[-3000:]}")
        return
    sys.exit(f"gunicorn on port {port} was not ready within 60 s:\n{log.read_text()[-3000:]}")


# --- wrk ---------------------------------------------------------------------------------------------


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for ASCII text


def write_wrk_script(directory: Path, name: str, method: str, key: str | None, body: dict | None) -> Path:
    """A wrk Lua script setting the method, the API key and, for a POST, the JSON body."""
    lines = ["-- written by bench/http_ratios.py", f"wrk.method = {lua_string(method)}"]
    if key:
        lines.append(f'wrk.headers["X-API-Key"] = {lua_string(key)}')
    if body is not None:
        lines.append('wrk.headers["Content-Type"] = "application/json"')
        lines.append(f"wrk.body = {lua_string(json.dumps(body))}")
    script = directory / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def run_wrk(wrk: str, url: str, script: Path, duration: int) -> dict:
    command = [
        wrk,
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{duration}s",
        "--timeout=30s",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if rps is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


# --- main --------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    configure_environment()
    wrk = find_wrk()
    create_database()
    store = seed(args.orders)  # sets Django up
    try:
        measure(args, wrk, store)
    finally:
        purge_queued_tasks()
        if not args.keep:
            from throwaway import drop_account  # bench/ is on the path once seed() ran

            drop_account(store["account"])


def measure(args: argparse.Namespace, wrk: str, store: dict) -> None:
    key = store["key"]
    endpoints = [
        {"name": "GET /api/auth/me", "method": "GET", "path": "/api/auth/me"},
        {"name": "GET /api/orders/{id}", "method": "GET", "path": f"/api/orders/{store['order_id']}"},
        {"name": "GET /api/orders?limit=50", "method": "GET", "path": "/api/orders?limit=50"},
        {"name": "GET /api/products?limit=50", "method": "GET", "path": "/api/products?limit=50"},
        {"name": "GET /api/customers?limit=50", "method": "GET", "path": "/api/customers?limit=50"},
        {"name": "POST /api/orders", "method": "POST", "path": "/api/orders", "body": store["post_body"]},
        {
            "name": "POST /api/orders with a discount code",
            "method": "POST",
            "path": "/api/orders",
            "body": {**store["post_body"], "discountCode": store["discount_code"]},
        },
        {
            "name": "POST /api/discounts/validate",
            "method": "POST",
            "path": "/api/discounts/validate",
            "body": {"code": store["discount_code"], "orderTotal": 100.0},
        },
    ]
    if args.only:
        endpoints = [endpoint for endpoint in endpoints if args.only in endpoint["name"]]
        if not endpoints:
            sys.exit(f"No endpoint name contains {args.only!r}")
    processes = []
    work = Path(tempfile.mkdtemp(prefix="omnisales-http-bench-"))
    try:
        statements = statement_counts(endpoints, key)
        app_port, bare_port = free_port(), free_port()
        while bare_port == app_port:
            bare_port = free_port()
        app, app_log = start_gunicorn("omnisales.settings", app_port, work)
        processes.append(app)
        bare, bare_log = start_gunicorn("bench.http_bare_settings", bare_port, work)
        processes.append(bare)
        wait_ready(app, app_log, app_port, "/api/auth/me", key)
        wait_ready(bare, bare_log, bare_port, "/api/bare", None)
        for endpoint in endpoints:  # each answers 2xx through gunicorn, without a redirect, before it is timed
            status, body = request(app_port, endpoint["method"], endpoint["path"], key, endpoint.get("body"))
            if not 200 <= status < 300:
                sys.exit(f"{endpoint['name']} answered {status}: {body[:500]!r}")

        bare_script = write_wrk_script(work, "bare", "GET", None, None)
        bare_url = f"http://127.0.0.1:{bare_port}/api/bare"
        for endpoint in endpoints:
            endpoint["script"] = write_wrk_script(
                work, f"endpoint{endpoints.index(endpoint)}", endpoint["method"], key, endpoint.get("body")
            )
            endpoint["url"] = f"http://127.0.0.1:{app_port}{endpoint['path']}"
        warm_up = min(3, args.duration)
        run_wrk(wrk, bare_url, bare_script, warm_up)
        run_wrk(wrk, endpoints[0]["url"], endpoints[0]["script"], warm_up)

        runs = (len(endpoints) * 2 + 1) * args.rounds
        print(
            f"\n{runs} wrk runs of {args.duration}s (-t{WRK_THREADS} -c{WRK_CONNECTIONS}) in {args.rounds} round(s), "
            f"gunicorn {GUNICORN_WORKERS} sync workers each, DATABASE_CONN_MAX_AGE="
            f"{os.environ.get('DATABASE_CONN_MAX_AGE', 'the settings default')}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        results = {endpoint["name"]: [] for endpoint in endpoints}
        for round_number in range(1, args.rounds + 1):
            previous_bare = run_wrk(wrk, bare_url, bare_script, args.duration)
            for endpoint in endpoints:
                measured = run_wrk(wrk, endpoint["url"], endpoint["script"], args.duration)
                next_bare = run_wrk(wrk, bare_url, bare_script, args.duration)
                bare_rps = (previous_bare["rps"] + next_bare["rps"]) / 2
                results[endpoint["name"]].append((measured, bare_rps, previous_bare, next_bare))
                print(
                    f"  round {round_number}: {endpoint['name']:30} {measured['rps']:9.1f} req/s  (bare "
                    f"{bare_rps:9.1f})  {100 * measured['rps'] / bare_rps:5.1f}%",
                    flush=True,
                )
                previous_bare = next_bare

        print(
            f"\n{'endpoint':30} {'req/s':>9} {'bare req/s':>11} {'ratio':>7} {'range':>13} {'non-2xx':>8} "
            f"{'sock err':>8} {'SQL/req':>8}"
        )
        for endpoint in endpoints:
            rounds = results[endpoint["name"]]
            ratios = sorted(100 * measured["rps"] / bare_rps for measured, bare_rps, _, _ in rounds)
            median = statistics.median(ratios)
            measured_rps = statistics.median(measured["rps"] for measured, _, _, _ in rounds)
            bare_rps = statistics.median(bare_rps for _, bare_rps, _, _ in rounds)
            non_2xx = sum(measured["non_2xx"] for measured, _, _, _ in rounds)
            socket_errors = sum(measured["socket_errors"] for measured, _, _, _ in rounds)
            bare_errors = sum(
                run["non_2xx"] + run["socket_errors"] for _, _, before, after in rounds for run in (before, after)
            )
            print(
                f"{endpoint['name']:30} {measured_rps:9.1f} {bare_rps:11.1f} {median:6.1f}% "
                f"{f'{ratios[0]:.1f}–{ratios[-1]:.1f}%':>13} {non_2xx:8d} {socket_errors:8d} "
                f"{statements[endpoint['name']]:8d}" + (f"  (bare runs: {bare_errors} errors)" if bare_errors else "")
            )
        print(f"SQL statements per request of the bare view: {statements['bare view']}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        for process in processes:
            stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
