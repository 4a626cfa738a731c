"""Runs the generated Postman collection with newman against a freshly seeded local server (`make postman-check`).

Serves the project as `make run` does (runserver, DEBUG on, migrated, demo data loaded), on a free port, in a
SQLite database of its own, and runs the whole collection twice as the demo store's API key:

1. without Stripe keys, as `make run` serves: the payment requests must answer the documented 503
   PAYMENTS_NOT_CONFIGURED (and Cancel a subscription a 404: without Stripe the store has none);
2. with the local Stripe of the tests standing in for Stripe: every request must succeed. Before this run the
   script buys a plan for the demo store through that Stripe's Checkout, as a merchant would, so the
   collection has a subscription to cancel.

Exits non-zero when any assertion fails.

    .venv/bin/python scripts/postman_check.py      # after `npm ci`; `make postman-check` does both
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from omnisales.testing.stripe_server import FakeStripe  # noqa: E402

NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
SAMPLE_FILES = ROOT / "docs" / "examples"  # the CSV the product import uploads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, *, body: dict | None = None, headers: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@contextmanager
def server(env: dict, port: int, log: Path):
    """`manage.py runserver` (threaded, as `make run` serves) until the block ends."""
    with log.open("a") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"The server did not come up:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def newman(collection: Path, variables: dict, *extra: str) -> int:
    command = [str(NEWMAN), "run", str(collection), "--working-dir", str(SAMPLE_FILES), "--timeout-request", "30000"]
    for name, value in variables.items():
        command += ["--env-var", f"{name}={value}"]
    return subprocess.run([*command, *extra], cwd=ROOT, check=False).returncode


def subscribe(base: str, api_key: str, stripe: FakeStripe) -> None:
    """Buys the Growth plan for the demo store: Checkout, paid on the local Stripe, recorded from its webhooks."""
    session = call(f"{base}/api/billing/checkout", body={"planId": "plan_growth"}, headers={"X-API-Key": api_key})
    stripe.complete_checkout(session["sessionId"])
    stripe.webhook_url = f"{base}/api/payments/webhook"
    answers = stripe.deliver()
    if any(status != 200 for status, _ in answers):
        raise SystemExit(f"The Stripe webhook refused the checkout's events: {answers}")


def main() -> int:
    if not NEWMAN.exists():
        raise SystemExit("newman is not installed: run `npm ci` (make postman-check does).")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="postman-check-") as tmp, FakeStripe() as stripe:
        tmp = Path(tmp)
        env = {
            **os.environ,
            "DEBUG": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
            "API_RATE_LIMIT_READ": "100000/hour",
            "API_RATE_LIMIT_WRITE": "100000/hour",
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRET": "",
        }
        with_stripe = {
            **env,
            "STRIPE_SECRET_KEY": stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
            "STRIPE_API_BASE": stripe.base_url,
            "STRIPE_MAX_NETWORK_RETRIES": "0",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True)
        seeded = subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        api_key = re.search(r"API key:\s+(\S+)", seeded.stdout).group(1)
        email, password = re.search(r"Login:\s+(\S+) / (\S+)", seeded.stdout).groups()
        collection, log = tmp / "collection.json", tmp / "server.log"
        variables = {"apiKey": api_key, "email": email, "password": password}
        port = free_port()

        with server(env, port, log) as base:
            collection.write_bytes(urllib.request.urlopen(f"{base}/postman-collection.json", timeout=30).read())
            print("== The collection against a server without Stripe keys", flush=True)
            failed = newman(collection, {**variables, "baseUrl": base, "paymentsConfigured": "false"})

        subprocess.run([*manage, "stripe_sync_plans"], cwd=ROOT, env=with_stripe, check=True, capture_output=True)
        with server(with_stripe, port, log) as base:
            subscribe(base, api_key, stripe)
            print("== The collection against a server with Stripe (the local one)", flush=True)
            stripe_variables = {"paymentsConfigured": "true", "stripeWebhookSecret": stripe.webhook_secret}
            failed |= newman(collection, {**variables, **stripe_variables, "baseUrl": base})

        if failed:
            print(f"Server log (last lines):\n{log.read_text()[-4000:]}")
    print(f"postman-check finished in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
