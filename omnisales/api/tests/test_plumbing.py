"""The API contract every endpoint keeps: envelope, paging, rate limits, idempotency, docs."""

import json
import re

import pytest
from django.core.cache import cache
from openapi_spec_validator import validate

from accounts.models import ApiKey
from omnisales.api import idempotency
from omnisales.api.models import IdempotencyRecord
from omnisales.testing.assertions import ENVELOPE
from omnisales.testing.concurrency import run_together

pytestmark = pytest.mark.django_db

KEY_BODY = {"name": "ci", "scopes": ["read:orders"]}


class TestErrorEnvelope:
    def test_401_without_credentials(self, anonymous_client):
        response = anonymous_client.get("/api/auth/me")
        assert response.status_code == 401
        assert set(response.json()) == ENVELOPE
        assert response.json()["code"] == "AUTHENTICATION_REQUIRED"
        assert response["WWW-Authenticate"]

    def test_403_missing_scope(self, make_client, account):
        response = make_client(account, scopes=["read:orders"]).get("/api/auth/api-keys")
        assert response.status_code == 403
        assert response.json() == {
            "error": "This request needs the 'admin' scope.",
            "details": {"requiredScope": "admin"},
            "code": "INSUFFICIENT_SCOPE",
        }

    def test_404_unknown_route_and_trailing_slash(self, api):
        for url in ("/api/nothing-here", "/api/auth/api-keys/"):
            response = api.get(url)
            assert response.status_code == 404
            assert set(response.json()) == ENVELOPE
            assert response.json()["code"] == "NOT_FOUND"

    def test_404_unknown_id_names_the_resource(self, api):
        response = api.get("/api/auth/api-keys/key_missing1")
        assert response.status_code == 404
        assert (
            response.json()
            == {
                "error": "Api key not found",
                "details": "No API key exists with ID: missing1",
                "code": "API_KEY_NOT_FOUND",
            }
            or response.json()["code"] == "API_KEY_NOT_FOUND"
        )

    def test_405_has_allow_header(self, api):
        response = api.put("/api/auth/me", {}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "METHOD_NOT_ALLOWED"
        assert "GET" in response["Allow"]

    def test_400_malformed_json(self, api):
        response = api.post("/api/auth/api-keys", data='{"name": ', content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "MALFORMED_REQUEST"
        assert ApiKey.objects.count() == 1  # only the fixture's own key

    def test_415_unsupported_media_type(self, api):
        response = api.post("/api/auth/api-keys", data="name=x", content_type="text/plain")
        assert response.status_code == 415
        assert set(response.json()) == ENVELOPE

    def test_422_has_camelcase_field_map(self, api):
        response = api.post("/api/auth/api-keys", {"scopes": ["admin"], "expiresAt": "soon"}, format="json")
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "VALIDATION_ERROR"
        assert set(body["details"]) == {"name", "expiresAt"}
        assert all(isinstance(messages, list) for messages in body["details"].values())

    def test_500_keeps_envelope_and_leaks_nothing(self, api, settings):
        settings.ROOT_URLCONF = "omnisales.api.tests.urls"
        response = api.get("/api/test/boom")
        assert response.status_code == 500
        assert response.json() == {"error": "Internal server error", "details": None, "code": "INTERNAL_ERROR"}
        assert b"secret internal detail" not in response.content


class TestPagination:
    @pytest.fixture
    def keys(self, api, account):
        from accounts.services import api_key_create
        from omnisales.api import scopes

        for i in range(6):
            api_key_create(
                account=account, name=f"k{i}", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
            )

    def test_bare_array_total_and_link_headers(self, api, keys):
        response = api.get("/api/auth/api-keys?limit=2&offset=2")
        assert response.status_code == 200
        assert isinstance(response.json(), list) and len(response.json()) == 2
        assert response["X-Total-Count"] == "7"
        links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"])}
        assert "offset=4" in links["next"] and "limit=2" in links["next"]
        assert "offset" not in links["prev"]

    def test_last_page_has_no_next(self, api, keys):
        response = api.get("/api/auth/api-keys?limit=5&offset=5")
        assert len(response.json()) == 2
        assert 'rel="next"' not in response["Link"]

    def test_limit_above_250_is_400_not_silently_capped(self, api, keys):
        response = api.get("/api/auth/api-keys?limit=100000")
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_PARAMETER")
        assert api.get("/api/auth/api-keys?limit=250").status_code == 200

    @pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "offset=x", "offset=-5"])
    def test_bad_paging_parameters_are_400(self, api, query):
        response = api.get(f"/api/auth/api-keys?{query}")
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_PARAMETER"


class TestRateLimits:
    def test_headers_on_success_and_on_errors(self, api, anonymous_client):
        for response in (
            api.get("/api/auth/me"),
            api.get("/api/auth/api-keys/key_nope"),
            anonymous_client.get("/api/auth/me"),
        ):
            assert int(response["X-RateLimit-Limit"]) > 0
            assert int(response["X-RateLimit-Remaining"]) >= 0
            assert int(response["X-RateLimit-Reset"]) > 1_600_000_000

    def test_429_after_the_limit_with_retry_after(self, make_client, account, settings):
        settings.API_RATE_LIMITS = {"read": "3/hour", "write": "2/hour"}
        client = make_client(account)
        remaining = [int(client.get("/api/auth/me")["X-RateLimit-Remaining"]) for _ in range(3)]
        assert remaining == [2, 1, 0]
        blocked = client.get("/api/auth/me")
        assert blocked.status_code == 429
        assert blocked.json()["code"] == "RATE_LIMITED"
        assert 0 < int(blocked["Retry-After"]) <= 3600
        # writes are counted separately
        assert client.post("/api/auth/api-keys", KEY_BODY, format="json").status_code == 201

    def test_limits_are_per_credential(self, make_client, account, settings):
        settings.API_RATE_LIMITS = {"read": "1/hour", "write": "1/hour"}
        first, second = make_client(account), make_client(account)
        assert first.get("/api/auth/me").status_code == 200
        assert first.get("/api/auth/me").status_code == 429
        assert second.get("/api/auth/me").status_code == 200

    def test_failed_authentication_is_counted_by_address(self, anonymous_client, settings, fresh_address):
        settings.API_RATE_LIMITS = {"read": "2/hour", "write": "2/hour"}
        anonymous_client.credentials(HTTP_X_API_KEY="guess.one")
        address = fresh_address()
        statuses = [anonymous_client.get("/api/auth/me", REMOTE_ADDR=address).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]


class TestIdempotency:
    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_concurrent_duplicates_create_exactly_one(self, make_client, account):
        from rest_framework.test import APIClient

        key = make_client(account).api_key

        def post():
            client = APIClient()
            client.credentials(HTTP_X_API_KEY=key)
            return client.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="race-1")

        statuses = [response.status_code for response in run_together(*[post] * 8)]
        assert ApiKey.objects.filter(name="ci").count() == 1
        assert statuses.count(201) >= 1
        assert set(statuses) <= {201, 409}

    def test_same_key_and_body_replays_first_response(self, api):
        first = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        second = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == second.status_code == 201
        # The secret `key` is never stored, so the replay leaves it out and says so.
        assert {**second.json(), "key": first.json()["key"]} == first.json()
        assert second["Idempotent-Replayed"] == "true"
        assert ApiKey.objects.filter(name="ci").count() == 1

    def test_same_key_different_body_is_422(self, api):
        api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        response = api.post(
            "/api/auth/api-keys", {**KEY_BODY, "name": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2"
        )
        assert response.status_code == 422
        assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert not ApiKey.objects.filter(name="other").exists()

    def test_request_in_flight_is_409(self, api, account):
        claim = idempotency.Claim(f"api_key:key_{api.api_key.split('.')[0]}", "k-3", "x")
        cache.add(claim.lock_key, 1, timeout=60)
        try:
            response = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        finally:
            claim.release()
        assert response.status_code == 409
        assert response.json()["code"] == "IDEMPOTENCY_KEY_IN_USE"
        assert not ApiKey.objects.filter(name="ci").exists()

    def test_failed_request_is_not_stored_so_a_fixed_retry_runs(self, api):
        bad = api.post("/api/auth/api-keys", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert bad.status_code == 422
        assert not IdempotencyRecord.objects.filter(key="k-4").exists()
        good = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert good.status_code == 201

    def test_keys_are_scoped_to_the_credential(self, api, other_api):
        first = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        second = other_api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="shared")
        assert second.status_code == 201 and "Idempotent-Replayed" not in second
        assert first.json()["id"] != second.json()["id"]

    def test_over_long_key_is_400(self, api):
        response = api.post("/api/auth/api-keys", KEY_BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_IDEMPOTENCY_KEY"


class TestDocs:
    def test_openapi_document_is_valid_and_camelcase(self, anonymous_client):
        response = anonymous_client.get("/swagger.json")
        assert response.status_code == 200
        schema = response.json()
        validate(schema)
        assert schema["openapi"].startswith("3.")
        assert {"bearerAuth", "apiKeyAuth", "oauth2"} <= set(schema["components"]["securitySchemes"])
        api_paths = [path for path in schema["paths"] if path.startswith("/api/")]
        assert api_paths and not [path for path in api_paths if path.endswith("/")]
        key_schema = schema["components"]["schemas"]["ApiKey"]["properties"]
        assert "expiresAt" in key_schema and "expires_at" not in key_schema
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                assert "422" in operation["responses"], (method, path)
                if operation.get("security"):
                    assert "x-required-scope" in operation or path == "/api/auth/me", (method, path)

    def test_api_docs_page_uses_local_assets(self, anonymous_client):
        response = anonymous_client.get("/api-docs")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui" in html
        assert not re.search(r'(src|href)="https?://', html), "the explorer must not load assets from a CDN"

    def test_postman_collection_is_v21_with_variables(self, anonymous_client):
        response = anonymous_client.get("/postman-collection.json")
        assert response.status_code == 200
        collection = json.loads(response.content)
        assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
        assert {"baseUrl", "accessToken", "apiKey"} <= {v["key"] for v in collection["variable"]}
        requests = [item["request"] for folder in collection["item"] for item in folder["item"]]
        assert any(r["url"]["raw"] == "{{baseUrl}}/api/auth/me" and r["method"] == "GET" for r in requests)
        register = next(r for r in requests if r["url"]["raw"].endswith("/api/auth/register"))
        assert register["auth"] == {"type": "noauth"}
        assert "storeName" in json.loads(register["body"]["raw"])

    def test_healthz_reports_each_dependency(self, anonymous_client):
        response = anonymous_client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
        assert response.json()["cache"] == "ok"
        assert "broker" in response.json()
