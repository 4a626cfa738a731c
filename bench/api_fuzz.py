"""Contract fuzzing of the running service, with far more examples than the test suite uses.

Serves the project the way production does (gunicorn, DEBUG off, PostgreSQL, Redis) with the local
Stripe from the tests standing in for Stripe, loads the demo store, and runs the Schemathesis CLI over
every operation of /swagger.json as the demo store's admin API key: the example, coverage, fuzzing and
stateful phases, with the checks that the live API never answers 5xx, only answers documented status
codes and content types, and that every body matches its schema. Destructive operations (DELETE, refunds)
act on the demo store's own data, in a database this script creates and drops.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_fuzz REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/api_fuzz.py --max-examples 150

Prints Schemathesis' own summary; the JUnit report is written to --report (default /tmp/api-fuzz.xml).
Exits with Schemathesis' exit code.
"""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "fuzzing-only-not-secret")

from cryptography.fernet import Fernet  # noqa: E402

from omnisales.testing.stripe_server import FakeStripe  # noqa: E402

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not come up at {url}")


def login(base: str, email: str, password: str) -> str:
    """A JWT for the demo owner: the schema offers both credentials, so both are sent valid."""
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/api/auth/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access"]


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Unexpected database name: {name!r}")
    server = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=150)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--report", default="/tmp/api-fuzz.xml")
    parser.add_argument("--include-path-regex", default=None, help="Only operations whose path matches.")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database this script may reset.")
    python = sys.executable
    port = free_port()
    with FakeStripe() as stripe:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "API_RATE_LIMIT_READ": "10000000/hour",
            "API_RATE_LIMIT_WRITE": "10000000/hour",
            "STRIPE_SECRET_KEY": stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
            "STRIPE_API_BASE": stripe.base_url,
            "STRIPE_MAX_NETWORK_RETRIES": "0",
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "false",
            "CELERY_BROKER_URL": "",
            "JWT_ACCESS_MINUTES": "600",
            "LOCAL_CREDENTIALS_FILE": "",  # the demo key of a throwaway database is not worth keeping
        }
        manage = [python, str(ROOT / "manage.py")]
        recreate_database(database_url)
        subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
        subprocess.run([*manage, "collectstatic", "--noinput"], env=env, check=True, capture_output=True)
        seeded = subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True, text=True)
        match = re.search(r"API key:\s+(\S+)", seeded.stdout)
        if not match:
            raise SystemExit(f"seed_demo printed no API key:\n{seeded.stdout}")
        api_key = match.group(1)
        # The demo's card payments name Stripe objects that exist only in the real Stripe's demo, so the
        # local Stripe would answer 404 for them: drop them, and create the plans' prices in the local Stripe.
        prune = (
            "from billing.models import Payment, Refund; "
            "demo = Payment.objects.filter(stripe_payment_intent_id__startswith='pi_demo_'); "
            "Refund.objects.filter(payment__in=demo).delete(); demo.delete()"
        )
        subprocess.run([*manage, "shell", "-c", prune], env=env, check=True, capture_output=True)
        subprocess.run([*manage, "stripe_sync_plans"], env=env, check=True, capture_output=True)
        credentials = re.search(r"Login:\s+(\S+) / (\S+)", seeded.stdout).groups()

        server = subprocess.Popen(
            [
                str(Path(python).parent / "gunicorn"),
                "omnisales.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz")
            access_token = login(base, *credentials)
            command = [
                str(Path(python).parent / "schemathesis"),
                "run",
                f"{base}/swagger.json",
                "--url",
                base,
                "--header",
                f"X-API-Key: {api_key}",
                "--header",
                f"Authorization: Bearer {access_token}",
                "--checks",
                CHECKS,
                "--phases",
                args.phases,
                "--max-examples",
                str(args.max_examples),
                "--workers",
                args.workers,
                "--generation-deterministic",
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "30",
                "--report",
                "junit",
                "--report-junit-path",
                args.report,
            ]
            if args.include_path_regex:
                command += ["--include-path-regex", args.include_path_regex]
            started = time.monotonic()
            result = subprocess.run(command, cwd=ROOT, env=env, check=False)
            print(f"\nSchemathesis finished in {time.monotonic() - started:.0f} s with exit code {result.returncode}")
            return result.returncode
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
