"""Benchmark: what authentication costs on GET /api/auth/me, with an API key and with a JWT.

Creates a user, an account, an owner membership and an admin API key, then for each credential sends
one warm-up request and N more through the whole Django stack in-process with the test client
(middleware, authentication, rate limiting, serialization), and prints the SQL statements of the
warm-up and of a warm request (those of authentication listed apart) and the mean milliseconds per
request. AUTH_CACHE_SECONDS=0 in the environment measures without the credential cache.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omnisales_auth_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/auth_cache.py --requests 300

Migrates the database first; the rows it creates are deleted at the end.
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "Jq6oR4bTLd8V0c2lZ1X3p5nH7sK9mW0aYbCdEfGhIjk=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import Account, Membership, Role, User  # noqa: E402
from accounts.services import api_key_create, tokens_for  # noqa: E402
from omnisales.api import scopes  # noqa: E402

AUTH_TABLES = ('"accounts_apikey"', '"accounts_user"', '"accounts_membership"', '"accounts_account"')


def auth_statements(statements: list[dict]) -> list[str]:
    return [q["sql"] for q in statements if any(f"FROM {table}" in q["sql"] for table in AUTH_TABLES)]


def measure(name: str, client: Client, requests: int) -> None:
    # Read what a context captured before the next request: request_started clears the query log.
    with CaptureQueriesContext(connection) as context:
        assert client.get("/api/auth/me").status_code == 200
    warm_up = list(context.captured_queries)
    with CaptureQueriesContext(connection) as context:
        assert client.get("/api/auth/me").status_code == 200
    warm = list(context.captured_queries)
    started = time.perf_counter()
    for _ in range(requests):
        client.get("/api/auth/me")
    elapsed_ms = (time.perf_counter() - started) * 1000
    print(
        f"{name:8} warm-up: {len(warm_up)} statements ({len(auth_statements(warm_up))} authentication) | "
        f"warm: {len(warm)} statements ({len(auth_statements(warm))} authentication) | "
        f"{requests} requests: {elapsed_ms / requests:.2f} ms/request"
    )
    for query in warm:
        print(f"         warm statement: {query['sql'][:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host is allowed
    settings.API_RATE_LIMITS = {"read": "100000000/hour", "write": "100000000/hour"}
    print(
        f"database {connection.vendor}, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"AUTH_CACHE_SECONDS={getattr(settings, 'AUTH_CACHE_SECONDS', 'n/a')}"
    )
    tag = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"bench-{tag}@example.com", password=uuid.uuid4().hex)
    account = Account.objects.create(name=f"Auth benchmark {tag}")
    try:
        Membership.objects.create(user=user, account=account, role=Role.OWNER)
        admin = scopes.expand(["admin"])
        _, key = api_key_create(account=account, name="bench", scopes=["admin"], grantor_scopes=admin)
        measure("api key", Client(HTTP_X_API_KEY=key), args.requests)
        access = tokens_for(user=user, account=account)["access"]
        measure("jwt", Client(HTTP_AUTHORIZATION=f"Bearer {access}"), args.requests)
    finally:
        account.delete()
        user.delete()


if __name__ == "__main__":
    main()
