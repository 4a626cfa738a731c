"""The project's pytest fixtures (a plugin, registered by the root conftest.py): accounts, API clients,
an admin session, the served OpenAPI schema, test-friendly rate limits, a local Stripe and a local
webhook receiver."""

import os
import random

import pytest
from django.db import connection
from rest_framework.test import APIClient

from .factories import AccountFactory, CustomerFactory, ProductFactory, for_account
from .smtp_server import SmtpServer
from .stripe_server import FakeStripe
from .twilio_server import FakeTwilio
from .webhook_receiver import Receiver, serve


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
    return AccountFactory(name="First Store")


@pytest.fixture
def other_account(db):
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
    generator = random.SystemRandom()
    return lambda: f"10.{generator.randrange(256)}.{generator.randrange(256)}.{generator.randrange(1, 255)}"


@pytest.fixture
def make_product(account):
    """make_product(sku=..., price=..., category=..., account=...) -> a saved Product (no stock)."""
    return for_account(ProductFactory, account)


@pytest.fixture
def make_customer(account):
    """make_customer(**fields) -> a customer of `account` (pass account= for another one)."""
    return for_account(CustomerFactory, account)


@pytest.fixture
def admin_user(db, settings):
    """A superuser (admin@example.com, no usable password: nothing to hash); admin pages render with
    plain static file storage, whatever the settings' manifest says."""
    from accounts.models import User

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return User.objects.create_superuser(email="admin@example.com")


@pytest.fixture
def admin_client(client, admin_user):
    """The Django test client, signed in as `admin_user`."""
    client.force_login(admin_user)
    return client


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    """The OpenAPI document as /swagger.json serves it."""
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/swagger.json").json()


@pytest.fixture
def stripe_fake(settings):
    """A running local Stripe; the app's Stripe settings point at it for the test."""
    with FakeStripe() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def card_payment(api, stripe_fake):
    """A real $100.00 card charge of `account`, made through the API against the local Stripe."""
    from billing.models import Payment

    body = api.post(
        "/api/payments/process",
        {"amount": 10000, "currency": "usd", "paymentMethodId": "pm_card_visa"},
        format="json",
    ).json()
    return Payment.objects.get(pk=body["id"])


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 (see webhook_receiver.Receiver), stopped after the test."""
    receiver = Receiver()
    server = serve(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_urls_allowed(settings):
    """The local receiver is on 127.0.0.1, which production refuses."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def make_webhook(account, private_urls_allowed):
    """make_webhook(url, events=("*",), owner=account, **options) -> (endpoint, its plain secret)."""
    from webhooks.services import endpoint_create

    def build(url, *, events=("*",), owner=None, **kwargs):
        endpoint, secret = endpoint_create(account=owner or account, url=url, events=list(events), **kwargs)
        return endpoint, secret

    return build


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server (smtp_server.SmtpServer); Django's SMTP backend points at it for the test."""
    with SmtpServer() as server:
        server.configure(settings)
        yield server


@pytest.fixture
def twilio_fake(settings):
    """A local Twilio Messages API (twilio_server.FakeTwilio); the Twilio SMS backend points at it."""
    with FakeTwilio() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def shopee_fake(settings):
    """A local Shopee Open Platform v2 (shopee_server.FakeShopee); SHOPEE_API_BASE points at it."""
    from .shopee_server import FakeShopee

    with FakeShopee() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def lazada_fake(settings):
    """A local Lazada Open Platform, API and auth gateways (lazada_server.FakeLazada)."""
    from .lazada_server import FakeLazada

    with FakeLazada() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def meta_fake(settings):
    """A local Graph API with the Commerce order endpoints and the OAuth dialog (meta_server.FakeMeta)."""
    from .meta_server import FakeMeta

    with FakeMeta() as fake:
        fake.configure(settings)
        yield fake
