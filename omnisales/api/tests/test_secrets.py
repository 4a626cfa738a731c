"""Secrets in responses: never stored by Idempotency-Key, never shown in the admin, never cached."""

import importlib
import inspect
import pkgutil

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import admin
from django.db import connection
from rest_framework import serializers
from rest_framework.response import Response

from omnisales.api import idempotency
from omnisales.api.models import IdempotencyRecord
from omnisales.api.secrets import SECRET_NAME, SecretField

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.215.14/hooks/omnisales"  # literal public address: no DNS needed
REDIRECT = "https://app.example.com/callback"


def _stored_bodies() -> str:
    """Every stored idempotency body, read with SQL so nothing in Python can hide a value."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {IdempotencyRecord._meta.db_table}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _post_twice(client, path, body, key):
    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    return first, second


@pytest.fixture
def webhook(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    response = api.post("/api/webhooks", {"url": PUBLIC_URL, "events": ["order.created"]}, format="json")
    assert response.status_code == 201
    return response.json()


class TestIdempotencyStoresNoSecret:
    def test_api_key(self, api):
        first, second = _post_twice(api, "/api/auth/api-keys", {"name": "ci", "scopes": ["read:orders"]}, "s-1")
        assert first.status_code == second.status_code == 201
        secret = first.json()["key"]
        assert secret not in _stored_bodies()
        assert second["Idempotent-Replayed"] == "true"
        assert second["Idempotent-Secrets-Omitted"] == "key"
        assert "key" not in second.json()
        assert second.json() == {name: value for name, value in first.json().items() if name != "key"}

    def test_oauth_client_secret(self, api):
        body = {"name": "Reporting", "redirectUris": [REDIRECT], "scopes": ["read:orders"]}
        first, second = _post_twice(api, "/api/oauth/applications", body, "s-2")
        assert first.status_code == second.status_code == 201
        assert first.json()["clientSecret"] not in _stored_bodies()
        assert second["Idempotent-Secrets-Omitted"] == "clientSecret"
        assert "clientSecret" not in second.json() and second.json()["clientId"] == first.json()["clientId"]

    def test_webhook_signing_secret_on_create(self, api, settings):
        settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
        body = {"url": PUBLIC_URL, "events": ["order.created"]}
        first, second = _post_twice(api, "/api/webhooks", body, "s-3")
        assert first.status_code == second.status_code == 201
        assert first.json()["secret"].startswith("whsec_")
        assert first.json()["secret"] not in _stored_bodies()
        assert second["Idempotent-Secrets-Omitted"] == "secret"

    def test_webhook_signing_secret_on_rotate(self, api, webhook):
        path = f"/api/webhooks/{webhook['id']}/rotate-secret"
        first, second = _post_twice(api, path, {"overlapHours": 1}, "s-4")
        assert first.status_code == second.status_code == 200
        assert first.json()["secret"] != webhook["secret"]
        assert first.json()["secret"] not in _stored_bodies()
        assert second["Idempotent-Secrets-Omitted"] == "secret"

    @pytest.mark.parametrize("serializer_path", ["RegisterResponseSerializer", "TokenPairSerializer"])
    def test_jwts(self, api, account, serializer_path):
        """The JWT responses (register, login, refresh) go through serializers marking both tokens."""
        from accounts import serializers as account_serializers
        from accounts.services import tokens_for
        from omnisales.testing.factories import UserFactory

        user = UserFactory()
        tokens = tokens_for(user=user, account=account)
        data = tokens
        if serializer_path == "RegisterResponseSerializer":
            data = {"user": user, "account": account, "role": "owner", "tokens": tokens}
        body = getattr(account_serializers, serializer_path)(data).data
        claim = idempotency.Claim("test-scope", f"s-5-{serializer_path}", "fingerprint")
        claim.finish(Response(body, status=201))
        record = IdempotencyRecord.objects.get(key=f"s-5-{serializer_path}")
        assert tokens["access"] not in _stored_bodies() and tokens["refresh"] not in _stored_bodies()
        prefix = "tokens." if serializer_path == "RegisterResponseSerializer" else ""
        assert record.secrets_omitted == [f"{prefix}access", f"{prefix}refresh"]
        replay = idempotency.replay_response(record)
        assert replay["Idempotent-Secrets-Omitted"] == f"{prefix}access, {prefix}refresh"
        assert replay["Cache-Control"] == "no-store"

    def test_the_admin_does_not_expose_idempotency_records(self, api, client):
        from accounts.models import User

        body = {"name": "ci", "scopes": ["read:orders"]}
        api.post("/api/auth/api-keys", body, format="json", HTTP_IDEMPOTENCY_KEY="s-6")
        record = IdempotencyRecord.objects.get(key="s-6")
        client.force_login(User.objects.create_superuser(email="admin@example.com"))
        assert IdempotencyRecord not in admin.site._registry
        assert b"Idempotency" not in client.get("/admin/").content
        assert client.get(f"/admin/api/idempotencyrecord/{record.pk}/change/").status_code == 404
        assert client.get("/admin/api/idempotencyrecord/").status_code == 404

    def test_records_stored_before_the_marker_are_scrubbed_by_the_migration(self):
        migration = importlib.import_module("omnisales.api.migrations.0002_idempotencyrecord_secrets_omitted")
        record = IdempotencyRecord.objects.create(
            scope="s",
            key="old",
            fingerprint="f",
            status_code=201,
            body='{"id":"key_1","key":"plain.secret","tokens":{"access":"a.b.c","refresh":"d.e.f"},"name":"ci"}',
        )
        migration.scrub_stored_secrets(django_apps, None)
        record.refresh_from_db()
        assert "plain.secret" not in record.body and "a.b.c" not in record.body and "d.e.f" not in record.body
        assert '"name":"ci"' in record.body
        assert record.secrets_omitted == ["key", "tokens.access", "tokens.refresh"]


class TestNoStore:
    def test_responses_with_secrets_are_not_cached(self, api, webhook, anonymous_client):
        created = api.post("/api/auth/api-keys", {"name": "ci", "scopes": ["read:orders"]}, format="json")
        app = api.post(
            "/api/oauth/applications",
            {"name": "Reporting", "redirectUris": [REDIRECT], "scopes": ["read:orders"]},
            format="json",
        )
        rotated = api.post(f"/api/webhooks/{webhook['id']}/rotate-secret", {}, format="json")
        registered = anonymous_client.post(
            "/api/auth/register",
            {"email": "new@example.com", "password": "a long passphrase 42", "name": "N", "storeName": "S"},
            format="json",
        )
        login = anonymous_client.post(
            "/api/auth/token", {"email": "new@example.com", "password": "a long passphrase 42"}, format="json"
        )
        refreshed = anonymous_client.post(
            "/api/auth/token/refresh", {"refresh": login.json()["refresh"]}, format="json"
        )
        responses = [created, app, rotated, registered, login, refreshed]
        assert [response.status_code for response in responses] == [201, 201, 200, 201, 200, 200]
        assert [response.get("Cache-Control") for response in responses] == ["no-store"] * len(responses)

    def test_responses_without_secrets_keep_default_caching(self, api, webhook):
        assert "no-store" not in api.get(f"/api/webhooks/{webhook['id']}").get("Cache-Control", "")
        assert "no-store" not in api.get("/api/auth/api-keys").get("Cache-Control", "")


def _project_serializers():
    """Every serializer class defined in the project's own apps."""
    for app in settings.LOCAL_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".tests" in module_info.name or ".migrations" in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, serializers.BaseSerializer) and cls.__module__ == module.__name__:
                    yield cls


# Values of these types cannot hold a secret (`previous_secret_expires_at` is a timestamp).
NOT_TEXT = (
    serializers.BooleanField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.DurationField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.TimeField,
)


def _unmarked_secret_fields(serializer, path=""):
    for name, field in serializer.fields.items():
        field_path = f"{path}{name}"
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.Serializer):
            yield from _unmarked_secret_fields(field, f"{field_path}.")
        elif SECRET_NAME.search(name) and not (field.write_only or isinstance(field, (SecretField, *NOT_TEXT))):
            yield field_path


def test_every_serializer_marks_its_secret_looking_fields():
    """A readable field named like a secret must be a SecretField (or write-only)."""
    found = list(_project_serializers())
    assert len(found) > 30  # the walk really reaches the apps' serializers
    unmarked = [f"{cls.__module__}.{cls.__name__}.{path}" for cls in found for path in _unmarked_secret_fields(cls())]
    assert unmarked == []


def test_the_secret_name_pattern_finds_the_known_secret_fields():
    names = ["key", "client_secret", "secret", "tokens", "access", "refresh", "password", "api_key"]
    assert all(SECRET_NAME.search(name) for name in names)
    assert not any(SECRET_NAME.search(name) for name in ["keyword", "monkey", "accessed_at", "prefix"])


@pytest.mark.parametrize(
    ("path", "body", "component"),
    [
        ("/api/auth/api-keys", {"name": "ci", "scopes": ["read:orders"]}, "ApiKeyCreated"),
        (
            "/api/oauth/applications",
            {"name": "Reporting", "redirectUris": [REDIRECT], "scopes": ["read:orders"]},
            "OAuthApplicationCreated",
        ),
    ],
)
def test_a_replay_without_its_secret_still_matches_the_documented_schema(api, path, body, component):
    schema = api.get("/swagger.json").json()["components"]["schemas"][component]
    _, replay = _post_twice(api, path, body, f"schema-{component}")
    omitted = replay["Idempotent-Secrets-Omitted"]

    assert schema["properties"][omitted]["x-secret"] is True
    assert set(schema.get("required", [])) <= set(replay.json()), "a required property is missing from the replay"


def test_every_documented_secret_is_marked_and_never_required_in_a_response(api):
    schemas = api.get("/swagger.json").json()["components"]["schemas"]
    secrets = [
        (name, prop)
        for name, component in schemas.items()
        for prop, schema in component.get("properties", {}).items()
        if schema.get("x-secret") and not schema.get("writeOnly")
    ]
    assert {("ApiKeyCreated", "key"), ("TokenPair", "access"), ("WebhookWithSecret", "secret")} <= set(secrets)
    assert [(name, prop) for name, prop in secrets if prop in schemas[name].get("required", [])] == []
