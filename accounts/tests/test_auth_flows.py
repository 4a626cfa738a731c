"""Register, log in, refresh, and call the API with each of the three credentials."""

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import Account, ApiKey, Membership, Role, User
from accounts.services import oauth_application_create
from omnisales.api import scopes
from omnisales.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
REGISTER = {
    "email": "Owner@Example.com",
    "password": "Sup3r-secret-pw",
    "name": "Olive Owner",
    "storeName": "Olive Oils",
}


def _bearer(client, token):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


class TestRegister:
    def test_creates_user_account_owner_membership_and_tokens(self, anonymous_client):
        response = anonymous_client.post("/api/auth/register", REGISTER, format="json")
        assert response.status_code == 201
        body = response.json()
        assert body["user"]["email"] == "owner@example.com"
        assert body["user"]["id"].startswith("usr_")
        assert body["account"]["id"].startswith("acc_")
        assert body["account"]["name"] == "Olive Oils"
        assert body["role"] == "owner"
        me = _bearer(anonymous_client, body["tokens"]["access"]).get("/api/auth/me")
        assert me.status_code == 200
        assert me.json()["account"]["id"] == body["account"]["id"]
        assert me.json()["role"] == "owner"
        assert "admin" in me.json()["scopes"]
        assert me.json()["authMethod"] == "jwt"

    def test_duplicate_email_is_409_and_writes_nothing(self, anonymous_client):
        anonymous_client.post("/api/auth/register", REGISTER, format="json")
        again = anonymous_client.post("/api/auth/register", {**REGISTER, "storeName": "Other"}, format="json")
        assert again.status_code == 409
        assert again.json()["code"] == "DUPLICATE_EMAIL"
        assert Account.objects.count() == 1

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"password": "123"}, "password"),
            ({"password": "password"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"name": "x" * 151}, "name"),
            ({"storeName": ""}, "storeName"),
            ({"currency": "dollars"}, "currency"),
        ],
    )
    def test_bad_input_is_422_with_field_map(self, anonymous_client, change, field):
        response = anonymous_client.post("/api/auth/register", {**REGISTER, **change}, format="json")
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert field in response.json()["details"]
        assert User.objects.count() == 0 and Account.objects.count() == 0

    def test_missing_fields_are_each_reported(self, anonymous_client):
        response = anonymous_client.post("/api/auth/register", {}, format="json")
        assert response.status_code == 422
        assert set(response.json()["details"]) == {"email", "password", "name", "storeName"}


class TestTokens:
    @pytest.fixture
    def member(self):
        return MembershipFactory(role=Role.STAFF)

    def test_login_refresh_rotation_and_blacklist(self, anonymous_client, member):
        response = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email.upper(), "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200
        pair = response.json()
        assert set(pair) == {"access", "refresh"}

        refreshed = anonymous_client.post("/api/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert refreshed.status_code == 200
        new_pair = refreshed.json()
        assert new_pair["refresh"] != pair["refresh"]
        me = _bearer(anonymous_client, new_pair["access"]).get("/api/auth/me")
        assert me.json()["account"]["id"] == member.account_id
        assert me.json()["role"] == "staff"

        anonymous_client.credentials()
        reused = anonymous_client.post("/api/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert reused.status_code == 401
        assert reused.json()["code"] == "INVALID_CREDENTIALS"

    @pytest.mark.parametrize("password", ["wrong-password", ""])
    def test_wrong_password_is_401(self, anonymous_client, member, password):
        response = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email, "password": password}, format="json"
        )
        assert response.status_code in (401, 422)
        assert response.json()["code"] in ("INVALID_CREDENTIALS", "VALIDATION_ERROR")

    def test_unknown_user_is_401(self, anonymous_client):
        response = anonymous_client.post(
            "/api/auth/token", {"email": "nobody@example.com", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 401
        assert response.json()["code"] == "INVALID_CREDENTIALS"

    def test_login_to_an_account_the_user_is_not_in_is_401(self, anonymous_client, member, other_account):
        response = anonymous_client.post(
            "/api/auth/token",
            {"email": member.user.email, "password": PASSWORD, "accountId": other_account.id},
            format="json",
        )
        assert response.status_code == 401

    def test_login_picks_the_requested_account(self, anonymous_client, member, other_account):
        Membership.objects.create(user=member.user, account=other_account, role=Role.VIEWER)
        response = anonymous_client.post(
            "/api/auth/token",
            {"email": member.user.email, "password": PASSWORD, "accountId": other_account.id},
            format="json",
        )
        me = _bearer(anonymous_client, response.json()["access"]).get("/api/auth/me")
        assert me.json()["account"]["id"] == other_account.id
        assert me.json()["role"] == "viewer"
        assert all(scope.startswith("read:") for scope in me.json()["scopes"])

    def test_expired_access_token_is_401(self, anonymous_client, member):
        pair = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json"
        ).json()
        with freeze_time(timezone.now() + timedelta(hours=2)):
            response = _bearer(anonymous_client, pair["access"]).get("/api/auth/me")
        assert response.status_code == 401
        assert response.json()["code"] == "AUTHENTICATION_FAILED"
        assert "Bearer" in response["WWW-Authenticate"]

    def test_tampered_token_is_401(self, anonymous_client, member):
        pair = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json"
        ).json()
        response = _bearer(anonymous_client, pair["access"][:-3] + "abc").get("/api/auth/me")
        assert response.status_code == 401

    def test_refresh_token_cannot_be_used_as_access_token(self, anonymous_client, member):
        pair = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json"
        ).json()
        assert _bearer(anonymous_client, pair["refresh"]).get("/api/auth/me").status_code == 401

    def test_removed_member_token_stops_working(self, anonymous_client, member):
        pair = anonymous_client.post(
            "/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json"
        ).json()
        member.delete()
        assert _bearer(anonymous_client, pair["access"]).get("/api/auth/me").status_code == 401

    def test_viewer_cannot_write(self, anonymous_client):
        viewer = MembershipFactory(role=Role.VIEWER)
        pair = anonymous_client.post(
            "/api/auth/token", {"email": viewer.user.email, "password": PASSWORD}, format="json"
        ).json()
        response = _bearer(anonymous_client, pair["access"]).post(
            "/api/auth/api-keys", {"name": "k", "scopes": ["read:orders"]}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "INSUFFICIENT_SCOPE"
        assert ApiKey.objects.count() == 0


class TestApiKeys:
    def test_create_shows_secret_once_and_stores_only_a_hash(self, api, account):
        response = api.post(
            "/api/auth/api-keys",
            {"name": "Warehouse sync", "scopes": ["read:orders", "write:inventory"]},
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        secret = body["key"]
        assert body["id"] == f"key_{body['prefix']}"
        stored = ApiKey.objects.get(prefix=body["prefix"])
        assert secret not in (stored.hashed_key, stored.id)
        listed = api.get("/api/auth/api-keys").json()
        assert all("key" not in item for item in listed)
        assert api.get(f"/api/auth/api-keys/{body['id']}").json()["name"] == "Warehouse sync"

        client = type(api)()
        client.credentials(HTTP_X_API_KEY=secret)
        me = client.get("/api/auth/me").json()
        assert me["authMethod"] == "api_key"
        assert me["user"] is None
        assert set(me["scopes"]) == {"read:orders", "read:inventory", "write:inventory"}
        stored.refresh_from_db()
        assert stored.last_used_at is not None

    def test_revoked_key_is_401(self, api, make_client, account):
        victim = make_client(account, scopes=["read:orders"])
        key_id = "key_" + victim.api_key.split(".")[0]
        assert victim.get("/api/auth/me").status_code == 200
        assert api.delete(f"/api/auth/api-keys/{key_id}").status_code == 204
        response = victim.get("/api/auth/me")
        assert response.status_code == 401
        assert response.json()["code"] == "AUTHENTICATION_FAILED"
        assert "revoked" in response.json()["error"]

    def test_expired_key_is_401(self, api):
        soon = (timezone.now() + timedelta(minutes=5)).isoformat()
        created = api.post(
            "/api/auth/api-keys", {"name": "old", "scopes": ["read:orders"], "expiresAt": soon}, format="json"
        ).json()
        client = type(api)()
        client.credentials(HTTP_X_API_KEY=created["key"])
        assert client.get("/api/auth/me").status_code == 200
        with freeze_time(timezone.now() + timedelta(minutes=6)):
            response = client.get("/api/auth/me")
        assert response.status_code == 401
        assert "expired" in response.json()["error"]

    def test_expiry_in_the_past_is_422(self, api):
        past = (timezone.now() - timedelta(minutes=1)).isoformat()
        response = api.post(
            "/api/auth/api-keys", {"name": "old", "scopes": ["read:orders"], "expiresAt": past}, format="json"
        )
        assert response.status_code == 422
        assert "expiresAt" in response.json()["details"]

    @pytest.mark.parametrize("key", ["nonsense", "abcdefgh.wrongsecret", ""])
    def test_invalid_key_is_401(self, anonymous_client, key):
        anonymous_client.credentials(HTTP_X_API_KEY=key)
        response = anonymous_client.get("/api/auth/me")
        assert response.status_code == 401
        assert set(response.json()) == {"error", "details", "code"}

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "k", "scopes": ["read:everything"]}, "scopes"),
            ({"name": "k", "scopes": []}, "scopes"),
            ({"name": "k", "scopes": "admin"}, "scopes"),
            ({"name": "k" * 51, "scopes": ["admin"]}, "name"),
            ({"scopes": ["admin"]}, "name"),
            ({"name": "k", "scopes": ["admin"], "expiresAt": "tomorrow"}, "expiresAt"),
        ],
    )
    def test_bad_input_is_422(self, api, payload, field):
        before = ApiKey.objects.count()
        response = api.post("/api/auth/api-keys", payload, format="json")
        assert response.status_code == 422
        assert field in response.json()["details"]
        assert ApiKey.objects.count() == before

    def test_key_cannot_grant_more_than_its_holder_has(self, make_client, account):
        limited = make_client(account, scopes=["admin"])
        # an admin key can create a narrower key, which in turn cannot manage keys at all
        narrow = limited.post("/api/auth/api-keys", {"name": "n", "scopes": ["read:orders"]}, format="json").json()
        client = type(limited)()
        client.credentials(HTTP_X_API_KEY=narrow["key"])
        response = client.post("/api/auth/api-keys", {"name": "x", "scopes": ["admin"]}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "INSUFFICIENT_SCOPE"

    def test_staff_cannot_mint_admin_keys(self, anonymous_client):
        staff = MembershipFactory(role=Role.STAFF)
        pair = anonymous_client.post(
            "/api/auth/token", {"email": staff.user.email, "password": PASSWORD}, format="json"
        ).json()
        response = _bearer(anonymous_client, pair["access"]).post(
            "/api/auth/api-keys", {"name": "x", "scopes": ["admin"]}, format="json"
        )
        assert response.status_code == 403

    def test_unknown_key_id_is_404(self, api):
        response = api.delete("/api/auth/api-keys/key_nothere")
        assert response.status_code == 404
        assert response.json()["code"] == "API_KEY_NOT_FOUND"

    def test_list_query_count_is_fixed(self, api, account, django_assert_max_num_queries):
        from accounts.services import api_key_create

        def make(n):
            for i in range(n):
                api_key_create(
                    account=account, name=f"k{i}", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
                )

        make(1)
        with django_assert_max_num_queries(6):
            assert len(api.get("/api/auth/api-keys").json()) == 2
        make(30)
        with django_assert_max_num_queries(6):
            assert len(api.get("/api/auth/api-keys").json()) == 32


def _pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class TestOAuthAuthorizationCodeWithPkce:
    REDIRECT = "https://partner.example.com/callback"

    @pytest.fixture
    def setup(self, account):
        owner = MembershipFactory(account=account, role=Role.OWNER)
        client_row, secret = oauth_application_create(
            account=account,
            name="Partner app",
            redirect_uris=[self.REDIRECT],
            scopes=["read:orders", "read:products", "write:products"],
            grantor_scopes=scopes.expand(["admin"]),
        )
        return owner.user, client_row, secret

    def _authorize(self, user, client_row, challenge, scope="read:orders read:products"):
        browser = Client()
        browser.force_login(user)
        params = {
            "response_type": "code",
            "client_id": client_row.application.client_id,
            "redirect_uri": self.REDIRECT,
            "scope": scope,
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        page = browser.get("/o/authorize/", params)
        assert page.status_code == 200, page.content[:500]
        decision = browser.post("/o/authorize/", {**params, "allow": "Authorize"})
        assert decision.status_code == 302
        redirect = urlparse(decision["Location"])
        query = parse_qs(redirect.query)
        assert query["state"] == ["xyz"]
        return query["code"][0]

    def _token(self, client_row, secret, code, verifier):
        return Client().post(
            "/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.REDIRECT,
                "client_id": client_row.application.client_id,
                "client_secret": secret,
                "code_verifier": verifier,
            },
        )

    def test_full_flow_gives_a_token_limited_to_granted_scopes(self, setup, anonymous_client, account):
        user, client_row, secret = setup
        verifier, challenge = _pkce_pair()
        code = self._authorize(user, client_row, challenge)
        token = self._token(client_row, secret, code, verifier)
        assert token.status_code == 200, token.content
        access = token.json()["access_token"]
        me = _bearer(anonymous_client, access).get("/api/auth/me")
        assert me.status_code == 200
        assert me.json()["authMethod"] == "oauth2"
        assert me.json()["account"]["id"] == account.id
        assert set(me.json()["scopes"]) == {"read:orders", "read:products"}
        denied = anonymous_client.get("/api/auth/api-keys")
        assert denied.status_code == 403
        assert denied.json()["code"] == "INSUFFICIENT_SCOPE"

    def test_wrong_code_verifier_is_rejected(self, setup):
        user, client_row, secret = setup
        _, challenge = _pkce_pair()
        code = self._authorize(user, client_row, challenge)
        token = self._token(client_row, secret, code, "not-the-verifier-" + "x" * 40)
        assert token.status_code == 400

    def test_pkce_is_required(self, setup):
        user, client_row, _ = setup
        browser = Client()
        browser.force_login(user)
        response = browser.get(
            "/o/authorize/",
            {"response_type": "code", "client_id": client_row.application.client_id, "redirect_uri": self.REDIRECT},
        )
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert "error=" in response["Location"]

    def test_token_of_a_user_removed_from_the_account_is_401(self, setup, anonymous_client):
        user, client_row, secret = setup
        verifier, challenge = _pkce_pair()
        access = self._token(client_row, secret, self._authorize(user, client_row, challenge), verifier).json()[
            "access_token"
        ]
        Membership.objects.filter(user=user).delete()
        assert _bearer(anonymous_client, access).get("/api/auth/me").status_code == 401

    def test_unknown_opaque_token_is_401(self, anonymous_client):
        response = _bearer(anonymous_client, "opaque-token-that-does-not-exist").get("/api/auth/me")
        assert response.status_code == 401
        assert response.json()["code"] == "AUTHENTICATION_FAILED"

    def test_applications_endpoints(self, api, account):
        created = api.post(
            "/api/oauth/applications",
            {"name": "Reporting", "redirectUris": [self.REDIRECT], "scopes": ["read:orders"]},
            format="json",
        )
        assert created.status_code == 201
        body = created.json()
        assert body["id"].startswith("app_")
        assert body["clientSecret"] and body["clientId"]
        assert body["redirectUris"] == [self.REDIRECT]
        listed = api.get("/api/oauth/applications").json()
        assert [item["id"] for item in listed] == [body["id"]]
        assert "clientSecret" not in listed[0] and listed[0]["redirectUris"] == [self.REDIRECT]
        documented = api.get("/swagger.json").json()["components"]["schemas"]["OAuthApplication"]
        assert documented["properties"]["redirectUris"].get("writeOnly") is not True  # documented as returned
        assert api.delete(f"/api/oauth/applications/{body['id']}").status_code == 204
        assert api.get(f"/api/oauth/applications/{body['id']}").status_code == 404

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": "a", "redirectUris": ["not a url"], "scopes": ["read:orders"]}, "redirectUris"),
            ({"name": "a", "redirectUris": [], "scopes": ["read:orders"]}, "redirectUris"),
            ({"name": "a", "redirectUris": ["https://x.example/cb"], "scopes": ["nope"]}, "scopes"),
            (
                {"name": "a", "redirectUris": ["https://x.example/cb"], "scopes": ["read:orders"], "clientType": "x"},
                "clientType",
            ),
        ],
    )
    def test_application_bad_input_is_422(self, api, payload, field):
        response = api.post("/api/oauth/applications", payload, format="json")
        assert response.status_code == 422
        assert field in response.json()["details"]
