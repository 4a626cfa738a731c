"""Tenant isolation and strict input, proven for every /api route at once.

Each app lists, in `<app>/tests/sweep.py`, how to make an object of an account for every route that
takes an id. This test creates them for the first account, then, as a second account with every
scope, tries every method on every route: detail routes must answer 404 (or 405 where the method does
not exist) and leave the first account's object exactly as it was; list routes must not show any of
the first account's ids. A new route with a path parameter and no sweep entry fails the test.
"""

import json
import re

import pytest
from django.apps import apps
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from marketplace.platforms import PLATFORMS

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
        if route.params and not route.public:  # a public route (a platform's redirect) shows no account's data
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
    owned_ids -= {info.id for info in PLATFORMS.values()}  # the marketplaces' ids are the same for every account
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


# --- third pass: a number is never a string ------------------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    """A property's own schema: $ref followed, and the non-null member of allOf/oneOf (enums, nullables)."""
    if "$ref" in schema:
        return _resolve(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for combinator in ("allOf", "oneOf", "anyOf"):
        members = [member for member in schema.get(combinator, ()) if member.get("type") != "null"]
        members = [member for member in members if _resolve(member, components).get("enum") != [None]]
        if members:
            return _resolve(members[0], components)
    return schema


def _numbers_for_strings(schema: dict, components: dict) -> dict:
    """A body with 42 in every writable string property (nested objects and list items included)."""
    body = {}
    for name, prop in _resolve(schema, components).get("properties", {}).items():
        prop = _resolve(prop, components)
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and prop.get("format") != "binary":
            body[name] = 42
        elif prop.get("type") == "object" and prop.get("properties"):
            nested = _numbers_for_strings(prop, components)
            if nested:
                body[name] = nested
        elif prop.get("type") == "array" and _resolve(prop.get("items", {}), components).get("type") == "string":
            body[name] = [42]
    return body


def _refused_everywhere(sent: dict, details: dict, where: str) -> None:
    """Every key sent has an error; in a nested object with errors per key, every key of it too."""
    for name, value in sent.items():
        assert name in details, f"{where}: {name}=42 was accepted ({details})"
        if isinstance(value, dict) and isinstance(details[name], dict):
            _refused_everywhere(value, details[name], f"{where} {name}")


def test_every_write_refuses_a_number_for_every_string_field(account, api):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    registry = sweep_registry()
    checked = []
    for route in api_routes():
        if route.name in EXEMPT_FROM_STRICT_INPUT:
            continue
        path = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route.regex).replace("\\", "")  # "sync\-orders"
        url = reverse(route.name, kwargs=registry[route.name](account) if route.params else None)
        for method, operation in schema["paths"].get(path, {}).items():
            content = operation.get("requestBody", {}).get("content", {})
            if method not in WRITE_METHODS or "application/json" not in content:
                continue
            body = _numbers_for_strings(content["application/json"]["schema"], components)
            if not body:
                continue
            before = _row_counts()
            response = getattr(api, method)(url, body, format="json")
            where = f"{method.upper()} {url}"
            assert response.status_code == 422, f"{where}: {response.status_code} {response.content[:300]}"
            assert set(response.json()) == {"error", "details", "code"}, where
            assert response.json()["code"] == "VALIDATION_ERROR", where
            _refused_everywhere(body, response.json()["details"], where)
            assert _row_counts() == before, f"{where} wrote rows"
            checked.append(f"{method.upper()} {path}")
    documented = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in WRITE_METHODS
        and path != reverse("payment-webhook")
        and "application/json" in operation.get("requestBody", {}).get("content", {})
        and _numbers_for_strings(operation["requestBody"]["content"]["application/json"]["schema"], components)
    ]
    assert sorted(checked) == sorted(documented)
    assert len(checked) > 20, checked
