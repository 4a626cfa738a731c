"""Tenant isolation and strict input, proven for every /api route at once.

Each app lists, in `<app>/tests/sweep.py`, how to make an object of an account for every route that
takes an id. This test creates them for the first account, then, as a second account with every
scope, tries every method on every route: detail routes must answer 404 (or 405 where the method does
not exist) and leave the first account's object exactly as it was; list routes must not show any of
the first account's ids. A new route with a path parameter and no sweep entry fails the test.
"""

import json

import pytest
from django.apps import apps
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from .route_sweep import api_routes, sweep_registry

pytestmark = pytest.mark.django_db

METHODS = ("get", "put", "patch", "delete", "post")


def _collect_ids(value, found):
    if isinstance(value, dict):
        for key, item in value.items():
            if (key == "id" or key.endswith("Id")) and isinstance(item, str):
                found.add(item)
            _collect_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_ids(item, found)
    return found


def test_every_api_route_is_named():
    unnamed = [route.regex for route in api_routes() if not route.name]
    assert unnamed == []


def test_every_route_with_an_id_is_in_the_sweep():
    registry = sweep_registry()
    missing = sorted({route.name for route in api_routes() if route.params and route.name not in registry})
    assert missing == [], f"Add these routes to <app>/tests/sweep.py: {missing}"
    stale = sorted(set(registry) - {route.name for route in api_routes()})
    assert stale == [], f"Sweep entries for routes that no longer exist: {stale}"


def test_no_route_has_a_trailing_slash():
    assert [route.regex for route in api_routes() if route.regex.endswith("/")] == []


def test_second_account_cannot_see_change_or_delete_first_accounts_objects(account, api, other_api):
    registry = sweep_registry()
    detail_urls = {}
    for route in api_routes():
        if route.params:
            kwargs = registry[route.name](account)
            detail_urls[route.name] = reverse(route.name, kwargs=kwargs)

    owned_ids = set()
    before = {}
    for name, url in detail_urls.items():
        response = api.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
            before[name] = response.content
            _collect_ids(response.json(), owned_ids)
        owned_ids.update(segment for segment in url.split("/") if "_" in segment)

    for url in detail_urls.values():
        for method in METHODS:
            response = getattr(other_api, method)(url, data={}, format="json")
            assert response.status_code in (404, 405), (
                f"{method.upper()} {url} as another account answered {response.status_code}: {response.content[:300]}"
            )
            assert set(response.json()) == {"error", "details", "code"}

    for name, content in before.items():
        assert api.get(detail_urls[name]).content == content, f"{detail_urls[name]} changed after the sweep"

    owned_ids.discard(account.id)
    for route in api_routes():
        if route.params:
            continue
        url = reverse(route.name)
        response = other_api.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/json"):
            continue
        leaked = owned_ids & _collect_ids(json.loads(response.content), set())
        assert not leaked, f"GET {url} as another account shows the first account's ids {leaked}"


# --- second pass: strict input on every write ----------------------------------------------------------

WRITE_METHODS = ("post", "put", "patch")
UNKNOWN = "zzNotAField"
# The provider's body, verified by signature, not ours to judge.
EXEMPT_FROM_STRICT_INPUT = {"payment-webhook"}


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_every_write_refuses_an_unknown_field_and_writes_nothing(account, api):
    registry = sweep_registry()
    checked = []
    for route in api_routes():
        if route.name in EXEMPT_FROM_STRICT_INPUT:
            continue
        url = reverse(route.name, kwargs=registry[route.name](account) if route.params else None)
        for method in WRITE_METHODS:
            before = _row_counts()
            response = getattr(api, method)(url, {UNKNOWN: 1}, format="json")
            if response.status_code == 415:  # documented as multipart (the CSV import)
                response = getattr(api, method)(url, {UNKNOWN: "1"}, format="multipart")
            if response.status_code == 405:
                continue
            where = f"{method.upper()} {url}"
            assert response.status_code == 422, f"{where}: {response.status_code} {response.content[:300]}"
            body = response.json()
            assert body["code"] == "VALIDATION_ERROR"
            assert body["details"][UNKNOWN] == ["Unknown field."], f"{where}: {body}"
            assert _row_counts() == before, f"{where} wrote rows"
            checked.append(f"{method.upper()} {route.name}")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in WRITE_METHODS and path != reverse("payment-webhook")
    ]
    assert len(checked) == len(documented), (sorted(checked), sorted(documented))
