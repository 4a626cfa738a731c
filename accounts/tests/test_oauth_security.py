"""OAuth 2.0 provider hardening: what is mounted, which grants are accepted, how tokens travel and are
stored, who may authorize an application, and how hard the token endpoint can be hammered."""

import hashlib
import importlib
import secrets
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from accounts.models import Membership, OAuthClient, Role
from accounts.services import oauth_application_create
from accounts.tests.test_auth_flows import PASSWORD, _bearer, _pkce_pair
from customers.models import Customer
from omnisales.api import scopes
from omnisales.testing.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

REDIRECT = "https://partner.example.com/callback"


def _fresh_address() -> str:
    """Token-endpoint counters are per client address and live in the shared cache: every test
    (and every run) gets its own address so counts never leak between tests."""
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _browser(user) -> Client:
    browser = Client(REMOTE_ADDR=_fresh_address())
    browser.force_login(user)
    return browser


def _authorize_params(client_row, challenge, scope="read:orders", method="S256"):
    return {
        "response_type": "code",
        "client_id": client_row.application.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": method,
    }


def _authorize(user, client_row, challenge, scope="read:orders"):
    browser = _browser(user)
    params = _authorize_params(client_row, challenge, scope)
    assert browser.get("/o/authorize/", params).status_code == 200
    decision = browser.post("/o/authorize/", {**params, "allow": "Authorize"})
    assert decision.status_code == 302, decision.content[:300]
    return parse_qs(urlparse(decision["Location"]).query)["code"][0]


def _token_request(payload, address=None, **headers):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address or _fresh_address())
    return client.post("/o/token/", payload, **headers)


def _code_exchange(client_row, secret, code, verifier, address=None):
    return _token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": client_row.application.client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        },
        address,
    )


def _refresh(client_row, secret, refresh_token):
    return _token_request(
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_row.application.client_id,
            "client_secret": secret,
        }
    )


def _issue_tokens(user, client_row, secret, scope="read:orders"):
    verifier, challenge = _pkce_pair()
    response = _code_exchange(client_row, secret, _authorize(user, client_row, challenge, scope), verifier)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def owner(account):
    return MembershipFactory(account=account, role=Role.OWNER).user


@pytest.fixture
def partner(account):
    client_row, secret = oauth_application_create(
        account=account,
        name="Partner app",
        redirect_uris=[REDIRECT],
        scopes=["read:orders", "read:customers", "write:customers"],
        grantor_scopes=scopes.expand(["admin"]),
    )
    return client_row, secret


# --- Only the authorization-code flow is exposed ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/o/applications/",
        "/o/applications/register/",
        "/o/applications/{pk}/",
        "/o/applications/{pk}/update/",
        "/o/applications/{pk}/delete/",
        "/o/authorized_tokens/",
        "/o/device-authorization/",
        "/o/userinfo/",
        "/o/register/",
    ],
)
def test_toolkit_management_pages_are_not_mounted(owner, partner, path):
    application = partner[0].application
    application.user = owner  # the toolkit's pages show a user the applications they created
    application.save()
    path = path.format(pk=application.pk)
    browser = _browser(owner)
    assert browser.get(path).status_code == 404
    assert browser.post(path, {"name": "x", "client_secret": "x", "redirect_uris": REDIRECT}).status_code == 404


def test_a_removed_member_cannot_rewrite_an_app_they_created(owner, partner):
    client_row, _ = partner
    application = client_row.application
    application.user = owner
    application.save()
    Membership.objects.filter(user=owner).delete()
    browser = _browser(owner)
    response = browser.post(
        f"/o/applications/{application.pk}/update/",
        {"name": "x", "client_secret": "stolen", "redirect_uris": "https://attacker.example/cb"},
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.redirect_uris == REDIRECT


@pytest.fixture
def legacy_app(account, owner):
    """An application given every grant type, as the admin would allow."""
    secret = "legacy-secret-" + secrets.token_urlsafe(16)
    application = Application.objects.create(
        name="Legacy",
        user=owner,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
        redirect_uris=REDIRECT,
        client_secret=secret,
        algorithm="",
    )
    OAuthClient.objects.create(account=account, application=application, allowed_scopes=["read:orders"])
    return application, secret


@pytest.mark.parametrize(
    ("grant_type", "extra"),
    [
        ("password", {"username": "<owner>", "password": PASSWORD}),
        ("client_credentials", {}),
        ("urn:ietf:params:oauth:grant-type:device_code", {"device_code": "x"}),
    ],
)
def test_grants_other_than_authorization_code_are_refused(legacy_app, owner, grant_type, extra):
    application, secret = legacy_app
    for grant in (Application.GRANT_PASSWORD, Application.GRANT_CLIENT_CREDENTIALS, Application.GRANT_DEVICE_CODE):
        # whatever the row says, the server only speaks the authorization-code grant
        application.authorization_grant_type = grant
        application.save()
        payload = {"grant_type": grant_type, "client_id": application.client_id, "client_secret": secret}
        payload.update({key: owner.email if value == "<owner>" else value for key, value in extra.items()})
        response = _token_request(payload)
        assert response.status_code == 400, response.content
        assert response.json()["error"] == "unsupported_grant_type"
    assert AccessToken.objects.count() == 0


def test_password_grant_gives_the_same_answer_for_a_right_and_a_wrong_password(legacy_app, owner):
    application, secret = legacy_app
    answers = set()
    for password in (PASSWORD, "wrong-password"):
        response = _token_request(
            {
                "grant_type": "password",
                "username": owner.email,
                "password": password,
                "client_id": application.client_id,
                "client_secret": secret,
            }
        )
        answers.add((response.status_code, response.content))
    assert len(answers) == 1
    assert AccessToken.objects.count() == 0


def test_implicit_grant_is_refused(legacy_app, owner):
    application, _ = legacy_app
    application.authorization_grant_type = Application.GRANT_IMPLICIT
    application.save()
    response = _browser(owner).get(
        "/o/authorize/",
        {
            "response_type": "token",
            "client_id": application.client_id,
            "redirect_uri": REDIRECT,
            "scope": "read:orders",
        },
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        location = response["Location"]
        assert "access_token" not in location and "error=" in location
    assert AccessToken.objects.count() == 0


def test_authorization_response_names_the_issuer(owner, partner):
    client_row, _ = partner
    _, challenge = _pkce_pair()
    params = _authorize_params(client_row, challenge)
    decision = _browser(owner).post("/o/authorize/", {**params, "allow": "Authorize"})
    query = parse_qs(urlparse(decision["Location"]).query)
    assert query["iss"] == ["http://testserver"] and query["code"]


def test_authorization_code_flow_with_refresh_still_works(owner, partner, anonymous_client, account):
    client_row, secret = partner
    tokens = _issue_tokens(owner, client_row, secret)
    assert _bearer(anonymous_client, tokens["access_token"]).get("/api/auth/me").json()["account"]["id"] == account.id
    refreshed = _refresh(client_row, secret, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    me = _bearer(anonymous_client, refreshed.json()["access_token"]).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["authMethod"] == "oauth2"


def test_revocation_endpoint_revokes_a_token_stored_as_a_checksum(owner, partner, anonymous_client):
    client_row, secret = partner
    tokens = _issue_tokens(owner, client_row, secret)
    response = Client(enforce_csrf_checks=True, REMOTE_ADDR=_fresh_address()).post(
        "/o/revoke_token/",
        {"token": tokens["refresh_token"], "client_id": client_row.application.client_id, "client_secret": secret},
    )
    assert response.status_code == 200
    assert _bearer(anonymous_client, tokens["access_token"]).get("/api/auth/me").status_code == 401
    assert _refresh(client_row, secret, tokens["refresh_token"]).status_code == 400


# --- Token endpoint rate limits -----------------------------------------------------------------------


def test_failed_client_authentications_are_limited_per_address(partner, settings):
    settings.OAUTH_TOKEN_FAILURE_RATE_LIMIT = "3/hour"
    client_row, secret = partner
    address = _fresh_address()
    wrong = {"grant_type": "authorization_code", "code": "x", "client_id": client_row.application.client_id}
    for _ in range(3):
        response = _token_request({**wrong, "client_secret": "guess"}, address)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
    blocked = _token_request({**wrong, "client_secret": secret}, address)
    assert blocked.status_code == 429
    body = blocked.json()
    assert set(body) == {"error", "details", "code"} and body["code"] == "RATE_LIMITED"
    assert int(blocked["Retry-After"]) >= 1
    # another address is not affected
    assert _token_request({**wrong, "client_secret": "guess"}).status_code == 401


def test_token_requests_are_limited_per_address_not_per_forwarded_header(partner, settings):
    settings.OAUTH_TOKEN_RATE_LIMIT = "4/minute"
    client_row, secret = partner
    address = _fresh_address()
    payload = {
        "grant_type": "authorization_code",
        "code": "unknown",
        "redirect_uri": REDIRECT,
        "client_id": client_row.application.client_id,
        "client_secret": secret,
    }
    for index in range(4):
        response = _token_request(payload, address, HTTP_X_FORWARDED_FOR=f"10.0.0.{index}")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    blocked = _token_request(payload, address, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "RATE_LIMITED"


# --- Bearer tokens are read from the Authorization header only ----------------------------------------


def test_oauth_token_with_idempotency_key_creates_once_and_replays(owner, partner, anonymous_client, account):
    client_row, secret = partner
    access = _issue_tokens(owner, client_row, secret, scope="read:customers write:customers")["access_token"]
    client = _bearer(anonymous_client, access)
    first = client.post("/api/customers", {"name": "Jane"}, format="json", HTTP_IDEMPOTENCY_KEY="create-jane")
    second = client.post("/api/customers", {"name": "Jane"}, format="json", HTTP_IDEMPOTENCY_KEY="create-jane")
    assert first.status_code == 201, first.content
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert Customer.objects.filter(account=account).count() == 1


def test_invalid_oauth_token_is_401_before_the_body_is_parsed(anonymous_client):
    response = _bearer(anonymous_client, "not-a-real-token").post(
        "/api/customers", data="{not json", content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_FAILED"


def test_oauth_token_with_a_multipart_body_still_reaches_the_view(owner, partner, anonymous_client, account):
    client_row, secret = partner
    access = _issue_tokens(owner, client_row, secret, scope="read:customers write:customers")["access_token"]
    response = _bearer(anonymous_client, access).post(
        "/api/customers", {"name": "Multipart Jane"}, format="multipart", HTTP_IDEMPOTENCY_KEY="multipart-jane"
    )
    assert response.status_code in (201, 415), response.content
    assert response.status_code != 500


@pytest.mark.parametrize("where", ["query", "form"])
def test_access_token_outside_the_authorization_header_is_refused(owner, partner, anonymous_client, where):
    client_row, secret = partner
    access = _issue_tokens(owner, client_row, secret, scope="read:customers write:customers")["access_token"]
    if where == "query":
        response = anonymous_client.get(f"/api/auth/me?access_token={access}")
    else:
        response = anonymous_client.post(
            "/api/customers", data=f"name=Jane&access_token={access}", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "ACCESS_TOKEN_NOT_IN_HEADER"
    assert "Authorization" in body["error"]
    assert Customer.objects.count() == 0


def test_access_token_in_the_query_is_refused_even_next_to_a_valid_header(owner, partner, anonymous_client):
    client_row, secret = partner
    access = _issue_tokens(owner, client_row, secret)["access_token"]
    response = _bearer(anonymous_client, access).get(f"/api/auth/me?access_token={access}")
    assert response.status_code == 401
    assert response.json()["code"] == "ACCESS_TOKEN_NOT_IN_HEADER"


# --- PKCE, refresh-token reuse, token storage ---------------------------------------------------------


def test_plain_pkce_method_is_refused(owner, partner):
    client_row, _ = partner
    browser = _browser(owner)
    verifier = secrets.token_urlsafe(48)
    params = _authorize_params(client_row, verifier, method="plain")
    page = browser.get("/o/authorize/", params)
    decision = browser.post("/o/authorize/", {**params, "allow": "Authorize"})
    for response in (page, decision):  # no consent page, no code
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert "code=" not in response["Location"] and "error=" in response["Location"]
    assert Grant.objects.count() == 0


def test_reusing_a_rotated_refresh_token_revokes_its_descendants(owner, partner, anonymous_client):
    client_row, secret = partner
    first = _issue_tokens(owner, client_row, secret)
    second = _refresh(client_row, secret, first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]

    replay = _refresh(client_row, secret, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"

    assert _refresh(client_row, secret, second["refresh_token"]).status_code == 400
    assert _bearer(anonymous_client, second["access_token"]).get("/api/auth/me").status_code == 401


def test_tokens_are_stored_only_as_checksums(owner, partner, anonymous_client):
    client_row, secret = partner
    tokens = _issue_tokens(owner, client_row, secret)
    access_row = AccessToken.objects.get()
    refresh_row = RefreshToken.objects.get()
    assert access_row.token == "" and refresh_row.token == ""
    assert access_row.token_checksum == hashlib.sha256(tokens["access_token"].encode()).hexdigest()
    assert refresh_row.token_checksum == hashlib.sha256(tokens["refresh_token"].encode()).hexdigest()
    assert client_row.application.client_secret != secret  # client secrets are hashed too
    # and the stored forms still work
    assert _bearer(anonymous_client, tokens["access_token"]).get("/api/auth/me").status_code == 200
    assert _refresh(client_row, secret, tokens["refresh_token"]).status_code == 200


def test_tokens_stored_in_plaintext_before_the_switch_are_redacted(owner, partner, anonymous_client, settings):
    client_row, secret = partner
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": False}
    tokens = _issue_tokens(owner, client_row, secret)
    assert AccessToken.objects.get().token == tokens["access_token"]  # as stored by the old setting
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True}

    migration = importlib.import_module("accounts.migrations.0003_redact_stored_oauth_tokens")
    # The migration only reads schema_editor.connection; a real schema editor cannot open inside a
    # test transaction on SQLite.
    migration.redact_stored_tokens(apps, SimpleNamespace(connection=connection))

    assert AccessToken.objects.get().token == "" and RefreshToken.objects.get().token == ""
    assert _bearer(anonymous_client, tokens["access_token"]).get("/api/auth/me").status_code == 200
    assert _refresh(client_row, secret, tokens["refresh_token"]).status_code == 200


def test_refresh_tokens_expire(owner, partner):
    client_row, secret = partner
    tokens = _issue_tokens(owner, client_row, secret)
    with freeze_time(timezone.now() + timedelta(days=31, hours=2)):  # default: 30 days after the access token
        response = _refresh(client_row, secret, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# --- Consent ------------------------------------------------------------------------------------------


def test_a_member_gets_the_consent_page(owner, partner):
    client_row, _ = partner
    _, challenge = _pkce_pair()
    page = _browser(owner).get("/o/authorize/", _authorize_params(client_row, challenge))
    assert page.status_code == 200
    assert b"Partner app" in page.content


@pytest.mark.parametrize("who", ["outsider", "removed_member", "member_of_disabled_account"])
def test_only_a_member_of_the_apps_account_can_authorize_it(owner, partner, account, other_account, who):
    client_row, _ = partner
    if who == "outsider":
        user = MembershipFactory(account=other_account).user
    elif who == "removed_member":
        user = MembershipFactory(account=account, role=Role.STAFF).user
        Membership.objects.filter(user=user).delete()
    else:
        user = owner
        account.is_active = False
        account.save()
    _, challenge = _pkce_pair()
    params = _authorize_params(client_row, challenge)
    browser = _browser(user)
    page = browser.get("/o/authorize/", params)
    assert page.status_code == 403
    assert page.json()["code"] == "NOT_AN_ACCOUNT_MEMBER"
    decision = browser.post("/o/authorize/", {**params, "allow": "Authorize"})
    assert decision.status_code == 403
    assert Grant.objects.count() == 0


def test_a_user_with_no_membership_at_all_cannot_authorize(partner):
    client_row, _ = partner
    _, challenge = _pkce_pair()
    response = _browser(UserFactory()).post(
        "/o/authorize/", {**_authorize_params(client_row, challenge), "allow": "Authorize"}
    )
    assert response.status_code == 403
    assert Grant.objects.count() == 0
