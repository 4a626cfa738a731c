"""Project-wide pytest fixtures: accounts, authenticated API clients, and test-friendly rate limits."""

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

# Settings skip the developer's `.env` under pytest; processes the tests start (manage.py, scripts)
# inherit this and skip it too.
os.environ["OMNISALES_IGNORE_DOTENV"] = "true"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); runs in CI")
    skip_worker = pytest.mark.skip(
        reason="needs a broker for a real Celery worker: set CELERY_TEST_BROKER_URL (CI: redis://127.0.0.1:6379/2)"
    )
    has_broker = bool(os.environ.get("CELERY_TEST_BROKER_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "worker" in item.keywords and not has_broker:
            item.add_marker(skip_worker)


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests share one cache: keep limits out of the way except where a test sets them itself."""
    settings.API_RATE_LIMITS = {"read": "100000/hour", "write": "100000/hour"}


@pytest.fixture
def account(db):
    from accounts.tests.factories import AccountFactory

    return AccountFactory(name="First Store")


@pytest.fixture
def other_account(db):
    from accounts.tests.factories import AccountFactory

    return AccountFactory(name="Second Store")


@pytest.fixture
def make_client(db):
    """make_client(account, scopes=["admin"]) -> APIClient authenticated with a fresh API key."""
    from accounts.services import api_key_create
    from omnisales.api import scopes as scope_registry

    def build(account, scopes=("admin",), **headers):
        _, key = api_key_create(
            account=account,
            name="test key",
            scopes=list(scopes),
            grantor_scopes=scope_registry.expand(["admin"]),
        )
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=key, **headers)
        client.api_key = key
        return client

    return build


@pytest.fixture
def api(account, make_client):
    """An admin-scoped client for `account`."""
    return make_client(account)


@pytest.fixture
def other_api(other_account, make_client):
    """An admin-scoped client for `other_account`."""
    return make_client(other_account)


@pytest.fixture
def anonymous_client():
    return APIClient()


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def fresh_address():
    """fresh_address() -> an IPv4 address no other test (or earlier run) has used.

    Anonymous rate-limit counters are keyed by client address in a cache that parallel test workers
    and earlier runs share; a test that counts them uses addresses of its own instead of clearing it."""
    import random

    generator = random.SystemRandom()
    return lambda: f"10.{generator.randrange(256)}.{generator.randrange(256)}.{generator.randrange(1, 255)}"
