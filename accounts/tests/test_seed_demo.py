"""`manage.py seed_demo`, which `make run` runs on every start: the demo store is loaded once, into a database
without merchants; a restart changes nothing and prints the same logins and a working API key; `--reset`
loads it anew. The admin belongs to the development operator, never to the demo merchant."""

import re
import stat
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts import demo
from accounts.models import Account, ApiKey, User
from catalog.models import Product
from inventory.models import StockLevel, StockMovement
from orders.rollups import rollups_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_file(settings, tmp_path):
    path = tmp_path / ".local-credentials.json"
    settings.LOCAL_CREDENTIALS_FILE = str(path)
    return path


def seed_demo(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed(output: str, label: str) -> str | None:
    match = re.search(rf"^  {label}:\s+(\S+)(?: / (\S+))?", output, re.MULTILINE)
    if match is None:
        return None
    return match.group(2) or match.group(1)


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    return client


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (StockMovement, StockLevel, ApiKey, Account, User))


def admin_login(email: str, password: str):
    return Client().post("/admin/login/?next=/admin/", {"username": email, "password": password})


def test_a_restart_changes_nothing_and_the_printed_key_keeps_working(kept_file, settings):
    settings.PORT = 3050
    first = seed_demo()
    key = printed(first, "API key")
    assert "Demo data loaded." in first
    assert f"curl -H 'X-API-Key: {key}' http://localhost:3050/api/auth/me" in first
    assert "http://localhost:3050/admin/" in first
    assert stat.S_IMODE(kept_file.stat().st_mode) == 0o600
    assert key in kept_file.read_text()
    # every app's demo (returns refunded, points redeemed, orders cancelled) kept the daily sales rows exact
    assert rollups_rebuild(account=demo.demo_store()).differences == []

    # The user works in the demo store: edits a demo product, adds one of their own.
    api = key_client(key)
    edited = Product.objects.get(sku="MEN-001")
    assert api.patch(f"/api/products/{edited.pk}", {"price": 55.5}, format="json").status_code == 200
    created = api.post("/api/products", {"name": "My Mug", "sku": "MUG-1", "price": 9, "status": "active"})
    assert created.status_code == 201, created.content
    before = row_counts()

    second = seed_demo()

    assert "Demo store already loaded: left as it is" in second
    assert printed(second, "API key") == key
    assert api.get("/api/auth/me").status_code == 200
    assert Product.objects.get(pk=edited.pk).price == Decimal("55.50"), "the edit is kept"
    assert not StockLevel.objects.filter(product_id=created.json()["id"]).exists(), "no invented opening stock"
    assert row_counts() == before


def test_the_operator_is_made_once_and_only_the_operator_enters_the_admin(kept_file):
    first = seed_demo()
    password = printed(first, "Operator")
    operator = User.objects.get(email=demo.OPERATOR_EMAIL)
    assert (operator.is_staff, operator.is_superuser) == (True, True)
    assert not operator.memberships.exists()
    owner = User.objects.get(email=demo.DEMO_EMAIL)
    assert (owner.is_staff, owner.is_superuser) == (False, False), "the demo merchant is no operator"
    assert printed(first, "Login") == demo.DEMO_PASSWORD

    second = seed_demo()

    assert printed(second, "Operator") == password
    assert User.objects.filter(is_superuser=True).count() == 1
    assert User.objects.get(pk=operator.pk).password == operator.password, "not made again"
    assert admin_login(demo.OPERATOR_EMAIL, password)["Location"] == "/admin/"
    refused = admin_login(demo.DEMO_EMAIL, demo.DEMO_PASSWORD)
    assert refused.status_code == 200 and b"staff account" in refused.content


def test_reset_deletes_the_demo_store_and_loads_it_anew(kept_file):
    first = seed_demo()
    old_key, operator_password = printed(first, "API key"), printed(first, "Operator")
    old_store = demo.demo_store()
    api = key_client(old_key)
    edited = Product.objects.get(sku="MEN-001")
    api.patch(f"/api/products/{edited.pk}", {"name": "Renamed"}, format="json")
    api.post("/api/products", {"name": "My Mug", "sku": "MUG-1", "price": 9})

    reset = seed_demo("--reset")

    assert f"Deleted the demo store {old_store.pk} and everything in it." in reset
    assert "Demo data loaded." in reset
    new_key = printed(reset, "API key")
    assert new_key != old_key
    assert not Account.objects.filter(pk=old_store.pk).exists()
    assert api.get("/api/auth/me").status_code == 401
    assert key_client(new_key).get("/api/auth/me").status_code == 200
    assert Product.objects.get(sku="MEN-001").name == "Oxford Button-Down Shirt"
    assert not Product.objects.filter(sku="MUG-1").exists()
    assert printed(reset, "Operator") == operator_password, "the operator is not part of the demo"


def test_a_database_with_merchants_is_not_given_the_demo_store(kept_file, account):
    output = seed_demo()

    assert "This database has merchants but no demo store: demo data not loaded" in output
    assert demo.demo_store() is None and Account.objects.count() == 1
    assert printed(output, "API key") is None
    assert printed(output, "Operator")


def test_a_key_no_longer_kept_is_not_invented_and_new_key_replaces_it(kept_file):
    old_key = printed(seed_demo(), "API key")
    kept_file.unlink()

    output = seed_demo()
    assert "API key:  not kept on this machine" in output
    assert ApiKey.objects.count() == 1
    assert "(password not kept on this machine)" in output

    new_key = printed(seed_demo("--new-key"), "API key")
    assert new_key != old_key
    assert key_client(old_key).get("/api/auth/me").status_code == 401
    assert key_client(new_key).get("/api/auth/me").status_code == 200
    assert printed(seed_demo(), "API key") == new_key
