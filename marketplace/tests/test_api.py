"""The marketplace endpoints through the HTTP API (camelCase JSON, X-API-Key), against the local Shopee, Lazada
and Graph servers: platforms, connections (credentials, the authorization flow, tests, settings, deletion),
order syncs and their jobs, the stock push, and the synced order as the orders API shows it."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection as db

from marketplace.models import MarketplaceConnection, MarketplaceListing, MarketplaceOrder, SyncJob
from omnisales.api.encryption import decrypt
from omnisales.testing.assertions import assert_error
from omnisales.testing.shopee_server import listing_ids
from orders.models import Order
from orders.rollups import rollups_rebuild, rollups_stored
from webhooks.models import WebhookEvent

from .conftest import FAKES

pytestmark = pytest.mark.django_db

CONNECTIONS = "/api/marketplace/connections"
SYNC = "/api/marketplace/sync-orders"
JOBS = "/api/marketplace/sync-jobs"
WEEK_AGO = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=7)
SINCE = (WEEK_AGO - datetime.timedelta(days=1)).isoformat()
NOT_FOUND = "MARKETPLACE_CONNECTION_NOT_FOUND"


# ---- helpers --------------------------------------------------------------------------------------------


def connect(api, code, fake, *, tokens=True, **fields):
    """POST /api/marketplace/connections for the local platform's shop (with tokens it issued, unless
    `tokens` is false); the created connection's body."""
    body = {"platformId": f"platform_{code}", "apiKey": fake.api_key, "apiSecret": fake.api_secret}
    if code == "facebook" or tokens:
        body["shopId"] = fake.shop_id
    if tokens:
        issued = fake.issue_tokens()
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=int(issued["expires_in"]))
        body.update(
            accessToken=issued["access_token"],
            refreshToken=issued.get("refresh_token", ""),
            tokenExpiresAt=expires.isoformat(),
        )
    response = api.post(CONNECTIONS, {**body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def snapshot():
    """Everything the marketplace endpoints write, to prove a refusal wrote nothing."""
    return {
        "connections": list(MarketplaceConnection.objects.order_by("pk").values()),
        "jobs": list(SyncJob.objects.order_by("pk").values()),
        "listings": list(MarketplaceListing.objects.order_by("pk").values()),
        "links": MarketplaceOrder.objects.count(),
        "orders": Order.objects.count(),
        "events": WebhookEvent.objects.count(),
    }


def raw_columns(connection_id, *columns):
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {MarketplaceConnection._meta.db_table} WHERE id = %s", [connection_id]
        )
        return cursor.fetchone()


def seed_orders(fake, count=2, **fields):
    lines = fields.pop("lines", [{"sku": "SKU-A", "name": "Thing A", "quantity": 1, "price": "59.9"}])
    return [
        fake.add_order(
            buyer_id=f"buyer-{n}",
            lines=lines,
            created_at=WEEK_AGO + datetime.timedelta(hours=n),
            updated_at=WEEK_AGO + datetime.timedelta(hours=n),
            **fields,
        )
        for n in range(count)
    ]


def sync(api, capture, body):
    """POST sync-orders, its task run in-process after the commit; (response, the job as GET shows it)."""
    with capture(execute=True):
        response = api.post(SYNC, body, format="json")
    assert response.status_code == 202, response.content
    job = api.get(response["Location"])
    assert job.status_code == 200, job.content
    return response, job.json()


def refreshes(code, fake) -> int:
    """How many token refreshes the local platform served."""
    if code == "shopee":
        return sum(entry["path"] == "/api/v2/auth/access_token/get" for entry in fake.requests)
    if code == "lazada":
        return sum(entry["path"] == "/auth/rest/auth/token/refresh" for entry in fake.requests)
    return sum(
        entry["path"].endswith("/oauth/access_token") and entry["params"].get("grant_type") == "fb_exchange_token"
        for entry in fake.requests
    )


@pytest.fixture(params=["shopee", "lazada"])
def stock_platform(request):
    """The platforms with a stock push: (code, its local server)."""
    return request.param, request.getfixturevalue(FAKES[request.param])


@pytest.fixture
def fast_retries(settings):
    """Two retries without waiting between them (the client's back-off comes from the settings)."""
    settings.MARKETPLACE_MAX_RETRIES = 2
    settings.MARKETPLACE_RETRY_BACKOFF_SECONDS = 0


# ---- platforms ------------------------------------------------------------------------------------------


def test_platforms_list_shopee_lazada_and_facebook_with_their_api_hosts(api, settings):
    settings.SHOPEE_API_BASE = "https://partner.shopee.example"
    settings.LAZADA_API_BASE = "https://api.lazada.example/rest"
    settings.FACEBOOK_GRAPH_API_BASE = "https://graph.facebook.example"

    response = api.get("/api/marketplace/platforms")

    assert response.status_code == 200, response.content
    shopee, lazada, facebook = response.json()
    assert shopee == {
        "id": "platform_shopee",
        "name": "Shopee",
        "code": "shopee",
        "iconUrl": "https://cdn.omnisales.com/shopee.png",
        "apiBaseUrl": settings.SHOPEE_API_BASE,
        "isActive": True,
        "credentials": {"apiKey": "Partner ID", "apiSecret": "Partner key", "shopId": "Shop ID"},
        "authorization": "oauth",
        "supportsStockPush": True,
    }
    assert (lazada["id"], lazada["name"], lazada["code"]) == ("platform_lazada", "Lazada", "lazada")
    assert (lazada["apiBaseUrl"], lazada["iconUrl"]) == (
        settings.LAZADA_API_BASE,
        "https://cdn.omnisales.com/lazada.png",
    )
    assert (facebook["id"], facebook["name"], facebook["code"]) == ("platform_facebook", "Facebook", "facebook")
    assert facebook["apiBaseUrl"] == settings.FACEBOOK_GRAPH_API_BASE
    assert (lazada["supportsStockPush"], facebook["supportsStockPush"]) == (True, False)
    assert all(platform["isActive"] for platform in (lazada, facebook))


# ---- creating connections -------------------------------------------------------------------------------


def test_create_never_echoes_credentials_and_stores_them_encrypted(api):
    secrets = {
        "apiKey": "2001887",
        "apiSecret": "shpk-partner-key-0123456789abcdef",
        "accessToken": "access-token-5f1e2d3c4b5a69788796",
        "refreshToken": "refresh-token-0a1b2c3d4e5f60718293",
    }
    response = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "shopId": "820001", "name": "Main shop", **secrets},
        format="json",
    )

    assert response.status_code == 201, response.content
    for name in ("apiSecret", "accessToken", "refreshToken"):
        assert secrets[name] not in response.content.decode()
    body = response.json()
    assert (body["platformId"], body["platform"], body["shopId"], body["name"]) == (
        "platform_shopee",
        "shopee",
        "820001",
        "Main shop",
    )
    assert (body["status"], body["isActive"], body["authorized"]) == ("active", True, True)
    assert body["credentialHints"] == {"apiKey": "", "apiSecret": "…cdef"}  # a 7-digit partner id shows nothing
    assert not {"apiKey", "apiSecret", "accessToken", "refreshToken"} & set(body)

    for read in (api.get(f"{CONNECTIONS}/{body['id']}"), api.get(CONNECTIONS)):
        assert read.status_code == 200
        assert not any(secrets[name] in read.content.decode() for name in ("apiSecret", "accessToken", "refreshToken"))

    raw = raw_columns(body["id"], "api_key", "api_secret", "access_token", "refresh_token")
    for stored, plain in zip(raw, secrets.values(), strict=True):
        assert plain not in stored
        assert decrypt(stored) == plain


def test_long_api_keys_show_their_last_four_characters(api):
    body = api.post(
        CONNECTIONS,
        {"platformId": "platform_lazada", "apiKey": "lazada-app-key-98761234", "apiSecret": "app-secret-00001111wxyz"},
        format="json",
    ).json()
    assert body["credentialHints"] == {"apiKey": "…1234", "apiSecret": "…wxyz"}
    assert (body["status"], body["authorized"], body["shopId"]) == ("pending_authorization", False, "")


CREATE_REFUSALS = {
    "unknown-field": ({"webhookUrl": "https://example.com"}, "webhookUrl"),
    "number-for-secret": ({"apiSecret": 123456789012345}, "apiSecret"),
    "number-for-shop": ({"shopId": 820001}, "shopId"),
    "unknown-platform": ({"platformId": "platform_tiktok"}, "platformId"),
    "facebook-without-shop": ({"platformId": "platform_facebook"}, "shopId"),
    "blank-secret": ({"apiSecret": ""}, "apiSecret"),
    "negative-buffer": ({"stockBuffer": -1}, "stockBuffer"),
    "refresh-without-access": ({"refreshToken": "refresh-without-access"}, "accessToken"),
}


@pytest.mark.parametrize(("change", "field"), list(CREATE_REFUSALS.values()), ids=list(CREATE_REFUSALS))
def test_create_refuses_bad_bodies_without_writing(api, change, field):
    body = {"platformId": "platform_shopee", "apiKey": "2001887", "apiSecret": "shpk-partner-key-0123456789"}
    before = snapshot()

    error = assert_error(api.post(CONNECTIONS, {**body, **change}, format="json"), 422, "VALIDATION_ERROR")

    assert field in error["details"], error
    assert snapshot() == before


def test_the_same_shop_twice_is_a_conflict(api):
    body = {"platformId": "platform_shopee", "apiKey": "2001887", "apiSecret": "shpk-1234567890", "shopId": "820001"}
    first = api.post(CONNECTIONS, body, format="json").json()
    before = snapshot()

    error = assert_error(api.post(CONNECTIONS, body, format="json"), 409, "CONNECTION_EXISTS")

    assert error["details"]["connectionId"] == first["id"]
    assert snapshot() == before
    # The same shop id on another platform is another shop.
    assert api.post(CONNECTIONS, {**body, "platformId": "platform_lazada"}, format="json").status_code == 201


def test_another_accounts_connection_is_not_found_on_every_route(api, other_api):
    theirs = other_api.post(
        CONNECTIONS,
        {
            "platformId": "platform_shopee",
            "apiKey": "2001887",
            "apiSecret": "shpk-1234567890",
            "accessToken": "tok",
            "shopId": "779210334",
        },
        format="json",
    ).json()
    before = snapshot()

    url = f"{CONNECTIONS}/{theirs['id']}"
    assert_error(api.get(url), 404, NOT_FOUND)
    assert_error(api.patch(url, {"name": "mine now", "isActive": False}, format="json"), 404, NOT_FOUND)
    assert_error(api.delete(url), 404, NOT_FOUND)
    for action in ("authorize", "test", "push-stock"):
        assert_error(api.post(f"{url}/{action}"), 404, NOT_FOUND)
    assert api.get(CONNECTIONS).json() == []

    assert snapshot() == before
    assert other_api.get(url).json()["name"] == ""


def test_read_scope_lists_connections_and_write_scope_creates_them(account, make_client):
    body = {"platformId": "platform_lazada", "apiKey": "app-key-1", "apiSecret": "app-secret-1"}
    reader = make_client(account, scopes=["read:marketplace"])
    before = snapshot()

    assert reader.get(CONNECTIONS).status_code == 200
    assert reader.get("/api/marketplace/platforms").status_code == 200
    assert reader.get(JOBS).status_code == 200
    assert_error(reader.post(CONNECTIONS, body, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(reader.post(SYNC, {"platformId": "platform_lazada"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert snapshot() == before

    writer = make_client(account, scopes=["write:marketplace"])
    created = writer.post(CONNECTIONS, body, format="json")
    assert created.status_code == 201, created.content
    assert_error(make_client(account, scopes=["write:orders"]).get(CONNECTIONS), 403, "INSUFFICIENT_SCOPE")


def active_and_pending(api) -> tuple[dict, dict]:
    """An active Shopee connection (tokens given) and a Lazada one waiting for its authorization."""
    active = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "1", "accessToken": "t"},
        format="json",
    )
    pending = api.post(CONNECTIONS, {"platformId": "platform_lazada", "apiKey": "2", "apiSecret": "s"}, format="json")
    return active.json(), pending.json()


def test_the_list_filters_by_platform_and_status(api):
    shopee, lazada = active_and_pending(api)

    listed = api.get(CONNECTIONS)
    assert [row["id"] for row in listed.json()] == [lazada["id"], shopee["id"]]
    assert listed["X-Total-Count"] == "2"
    assert [row["id"] for row in api.get(f"{CONNECTIONS}?platform=shopee").json()] == [shopee["id"]]
    assert [row["id"] for row in api.get(f"{CONNECTIONS}?status=pending_authorization").json()] == [lazada["id"]]
    assert_error(api.get(f"{CONNECTIONS}?status=sleeping"), 400, "INVALID_PARAMETER")


# ---- the authorization flow -----------------------------------------------------------------------------


def test_authorization_end_to_end(api, anonymous_client, platform):
    code, fake = platform
    created = connect(api, code, fake, tokens=False)
    assert (created["status"], created["authorized"]) == ("pending_authorization", False)

    started = api.post(f"{CONNECTIONS}/{created['id']}/authorize")

    assert started.status_code == 200, started.content
    answer = started.json()
    assert set(answer) == {"authorizationUrl", "redirectUri", "expiresAt"}
    assert answer["authorizationUrl"].startswith(fake.base_url + "/")
    redirect = urlsplit(answer["redirectUri"])
    assert redirect.path == f"/api/marketplace/callback/{code}"
    [state] = parse_qs(redirect.query)["state"]
    assert len(state) >= 32

    # The seller approves; the platform sends them back to the redirect the authorization URL gave it
    # (Shopee's `redirect` and Lazada's `redirect_uri` carry the state; Facebook passes `state` apart).
    given = parse_qs(urlsplit(answer["authorizationUrl"]).query)
    appended = fake.authorize((given.get("redirect") or given["redirect_uri"])[0])
    callback = anonymous_client.get(f"/api/marketplace/callback/{code}", {"state": state, **appended})

    assert callback.status_code == 200, callback.content
    body = callback.json()
    assert (body["id"], body["status"], body["isActive"], body["authorized"]) == (created["id"], "active", True, True)
    assert body["shopId"] == fake.shop_id
    assert body["authorizedUntil"] is not None
    stored = MarketplaceConnection.objects.get(pk=created["id"])
    assert stored.access_token and stored.access_token not in callback.content.decode()
    # The tokens work: the connection's test reaches the shop.
    assert api.post(f"{CONNECTIONS}/{created['id']}/test").status_code == 200

    before = snapshot()
    replay = anonymous_client.get(f"/api/marketplace/callback/{code}", {"state": state, **appended})
    assert_error(replay, 400, "INVALID_AUTHORIZATION_STATE")
    assert snapshot() == before


def test_the_authorization_url_brings_the_seller_back_with_what_the_callback_needs(api, anonymous_client, platform):
    code, fake = platform
    created = connect(api, code, fake, tokens=False)
    url = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()["authorizationUrl"]

    consent = requests.get(url, allow_redirects=False, timeout=5)  # the seller's browser on the platform

    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == f"/api/marketplace/callback/{code}"
    callback = anonymous_client.get(f"{back.path}?{back.query}")
    assert callback.status_code == 200, callback.content
    assert callback.json()["status"] == "active"


def test_the_callback_of_an_unknown_platform_is_not_found(anonymous_client):
    before = snapshot()
    error = assert_error(
        anonymous_client.get("/api/marketplace/callback/tiktok", {"state": "x", "code": "y"}), 404, "PLATFORM_NOT_FOUND"
    )
    assert error["details"] == "No platform exists with ID: tiktok"
    assert snapshot() == before


def test_a_callback_without_state_or_with_an_unknown_one_is_refused(api, anonymous_client, shopee_fake):
    created = connect(api, "shopee", shopee_fake, tokens=False)
    api.post(f"{CONNECTIONS}/{created['id']}/authorize")
    before = snapshot()

    url = "/api/marketplace/callback/shopee"
    assert_error(anonymous_client.get(url, {"code": "abc"}), 400, "INVALID_AUTHORIZATION_STATE")
    assert_error(anonymous_client.get(url, {"state": "forged", "code": "abc"}), 400, "INVALID_AUTHORIZATION_STATE")
    assert snapshot() == before


def test_a_state_is_only_good_for_its_own_platform(api, anonymous_client, shopee_fake):
    created = connect(api, "shopee", shopee_fake, tokens=False)
    answer = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()
    [state] = parse_qs(urlsplit(answer["redirectUri"]).query)["state"]
    before = snapshot()

    callback = anonymous_client.get("/api/marketplace/callback/lazada", {"state": state, "code": "abc"})

    assert_error(callback, 400, "INVALID_AUTHORIZATION_STATE")
    assert snapshot() == before


def test_a_wrong_code_is_refused_and_leaves_the_connection_unauthorized(api, anonymous_client, platform):
    code, fake = platform
    created = connect(api, code, fake, tokens=False)
    answer = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()
    [state] = parse_qs(urlsplit(answer["redirectUri"]).query)["state"]
    appended = {**fake.authorize(answer["redirectUri"]), "code": "not-the-code-the-platform-sent"}

    callback = anonymous_client.get(f"/api/marketplace/callback/{code}", {"state": state, **appended})

    error = assert_error(callback, 422, "MARKETPLACE_AUTH_FAILED")
    assert error["details"]["platform"] == code
    shown = api.get(f"{CONNECTIONS}/{created['id']}").json()
    assert (shown["status"], shown["authorized"]) == ("pending_authorization", False)
    assert raw_columns(created["id"], "access_token", "refresh_token") == ("", "")


def test_an_authorization_expires_after_15_minutes(api, anonymous_client, shopee_fake):
    created = connect(api, "shopee", shopee_fake, tokens=False)
    answer = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()
    started = datetime.datetime.fromisoformat(answer["expiresAt"]) - datetime.timedelta(minutes=15)
    assert abs(started - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(minutes=1)
    [state] = parse_qs(urlsplit(answer["redirectUri"]).query)["state"]
    appended = shopee_fake.authorize(answer["redirectUri"])
    # 16 minutes later (the seller took their time):
    MarketplaceConnection.objects.filter(pk=created["id"]).update(
        authorization_started_at=started - datetime.timedelta(minutes=16)
    )
    before = snapshot()

    callback = anonymous_client.get("/api/marketplace/callback/shopee", {"state": state, **appended})

    assert_error(callback, 400, "INVALID_AUTHORIZATION_STATE")
    assert snapshot() == before


def test_a_shop_already_connected_cannot_be_authorized_again(api, anonymous_client, lazada_fake):
    first, second = connect(api, "lazada", lazada_fake, tokens=False), connect(api, "lazada", lazada_fake, tokens=False)

    def authorize(created):
        answer = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()
        [state] = parse_qs(urlsplit(answer["redirectUri"]).query)["state"]
        appended = lazada_fake.authorize(answer["redirectUri"])
        return anonymous_client.get("/api/marketplace/callback/lazada", {"state": state, **appended})

    assert authorize(first).json()["shopId"] == lazada_fake.shop_id

    error = assert_error(authorize(second), 409, "CONNECTION_EXISTS")

    assert error["details"]["connectionId"] == first["id"]
    shown = api.get(f"{CONNECTIONS}/{second['id']}").json()
    assert (shown["status"], shown["authorized"], shown["shopId"]) == ("pending_authorization", False, "")
    assert raw_columns(second["id"], "access_token", "refresh_token") == ("", "")


@pytest.mark.parametrize("code", ["shopee", "lazada"])
def test_the_callback_refuses_tokens_for_another_shop_than_the_connections(api, anonymous_client, code, request):
    # The merchant named shop 999; the seller approved the app for the fake's shop, which the platform names in
    # the callback (Shopee's shop_id parameter, Lazada's seller id in the token answer).
    fake = request.getfixturevalue(FAKES[code])
    created = connect(api, code, fake, tokens=False, shopId="999")
    answer = api.post(f"{CONNECTIONS}/{created['id']}/authorize").json()
    [state] = parse_qs(urlsplit(answer["redirectUri"]).query)["state"]
    appended = fake.authorize(answer["redirectUri"])

    callback = anonymous_client.get(f"/api/marketplace/callback/{code}", {"state": state, **appended})

    # Refused (the exact code is the fix's choice), and nothing of the other shop is stored.
    assert callback.status_code in (409, 422), callback.content
    assert set(callback.json()) == {"error", "details", "code"}
    shown = api.get(f"{CONNECTIONS}/{created['id']}").json()
    assert (shown["status"], shown["authorized"], shown["shopId"]) == ("pending_authorization", False, "999")
    assert raw_columns(created["id"], "access_token", "refresh_token") == ("", "")


def test_a_disabled_connection_cannot_start_an_authorization(api, shopee_fake):
    created = connect(api, "shopee", shopee_fake, tokens=False)
    api.patch(f"{CONNECTIONS}/{created['id']}", {"isActive": False}, format="json")
    before = snapshot()

    assert_error(api.post(f"{CONNECTIONS}/{created['id']}/authorize"), 409, "CONNECTION_DISABLED")
    assert snapshot() == before


# ---- testing a connection -------------------------------------------------------------------------------


def test_a_connection_test_answers_what_the_platform_says_of_the_shop(api, platform):
    code, fake = platform
    created = connect(api, code, fake)

    response = api.post(f"{CONNECTIONS}/{created['id']}/test")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"ok", "shop", "latencyMs", "connection"}
    assert body["ok"] is True
    assert isinstance(body["latencyMs"], int) and body["latencyMs"] >= 0
    assert body["shop"]
    assert (body["connection"]["id"], body["connection"]["status"]) == (created["id"], "active")
    assert refreshes(code, fake) == 0


def test_a_connection_test_names_an_unnamed_connection_after_the_shop(api, platform):
    code, fake = platform
    created = connect(api, code, fake)
    assert created["name"] == ""
    shop_name = {"shopee": "Omni Test Shop", "lazada": "Fake Lazada Shop", "facebook": "Fake Commerce Account"}[code]

    body = api.post(f"{CONNECTIONS}/{created['id']}/test").json()

    assert body["connection"]["name"] == shop_name
    assert api.get(f"{CONNECTIONS}/{created['id']}").json()["name"] == shop_name
    # A name the merchant chose is kept.
    api.patch(f"{CONNECTIONS}/{created['id']}", {"name": "Mine"}, format="json")
    assert api.post(f"{CONNECTIONS}/{created['id']}/test").json()["connection"]["name"] == "Mine"


def test_expired_tokens_are_refreshed_once_and_the_test_succeeds(api, platform):
    code, fake = platform
    created = connect(api, code, fake)
    old = MarketplaceConnection.objects.get(pk=created["id"]).access_token
    fake.expire_access_tokens()

    response = api.post(f"{CONNECTIONS}/{created['id']}/test")

    assert response.status_code == 200, response.content
    assert refreshes(code, fake) == 1
    stored = MarketplaceConnection.objects.get(pk=created["id"])
    assert stored.access_token != old and stored.token_refreshed_at is not None
    assert stored.access_token not in response.content.decode()
    # The new token is kept: the next test needs no refresh.
    assert api.post(f"{CONNECTIONS}/{created['id']}/test").status_code == 200
    assert refreshes(code, fake) == 1


def test_a_wrong_secret_is_refused_and_marks_the_connection_errored(api, account, platform):
    code, fake = platform
    created = connect(api, code, fake)
    url = f"{CONNECTIONS}/{created['id']}"
    assert api.patch(url, {"apiSecret": "not-the-app-secret-0000"}, format="json").status_code == 200

    refused = api.post(f"{url}/test")
    error = assert_error(refused, 422, "MARKETPLACE_AUTH_FAILED")

    assert error["details"]["platform"] == code
    stored = MarketplaceConnection.objects.get(pk=created["id"])
    for secret in ("not-the-app-secret-0000", fake.api_secret, stored.access_token, stored.refresh_token):
        assert secret not in refused.content.decode()
    shown = api.get(url).json()
    assert shown["status"] == "error" and shown["lastError"] and shown["lastErrorAt"]
    [event] = WebhookEvent.objects.filter(account=account, event_type="marketplace.connection_failed")
    assert created["id"] in str(event.payload)
    # A second refusal records no second event.
    assert_error(api.post(f"{url}/test"), 422, "MARKETPLACE_AUTH_FAILED")
    assert WebhookEvent.objects.filter(event_type="marketplace.connection_failed").count() == 1

    # The right secret brings it back.
    fixed = api.patch(url, {"apiSecret": fake.api_secret}, format="json").json()
    assert fixed["status"] == "active"
    assert api.post(f"{url}/test").json()["connection"]["status"] == "active"


def test_testing_an_unauthorized_or_disabled_connection_is_a_conflict(api, platform):
    code, fake = platform
    pending = connect(api, code, fake, tokens=False, shopId="pending-shop")
    disabled = connect(api, code, fake)
    before = snapshot()

    assert_error(api.post(f"{CONNECTIONS}/{pending['id']}/test"), 409, "CONNECTION_NOT_AUTHORIZED")
    assert snapshot() == before

    api.patch(f"{CONNECTIONS}/{disabled['id']}", {"isActive": False}, format="json")
    before = snapshot()
    assert_error(api.post(f"{CONNECTIONS}/{disabled['id']}/test"), 409, "CONNECTION_DISABLED")
    assert snapshot() == before
    assert fake.requests == []  # the platform was never called


def test_a_rate_limit_beyond_the_retries_is_unavailable(api, platform, fast_retries, settings):
    code, fake = platform
    created = connect(api, code, fake)
    url = f"{CONNECTIONS}/{created['id']}/test"

    fake.fail_next("rate_limit", settings.MARKETPLACE_MAX_RETRIES)
    assert api.post(url).status_code == 200  # within the retries

    fake.requests.clear()
    fake.fail_next("rate_limit", settings.MARKETPLACE_MAX_RETRIES + 1)
    before = snapshot()
    error = assert_error(api.post(url), 503, "MARKETPLACE_UNAVAILABLE")

    assert error["details"]["platform"] == code
    assert len(fake.requests) == settings.MARKETPLACE_MAX_RETRIES + 1
    assert snapshot() == before  # a throttle is not the merchant's problem: still active, no event


# ---- changing connections -------------------------------------------------------------------------------


def test_patch_changes_the_settings(api):
    created = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "1", "accessToken": "t"},
        format="json",
    ).json()
    url = f"{CONNECTIONS}/{created['id']}"

    response = api.patch(
        url, {"stockBuffer": 3, "autoSync": False, "name": "Flagship", "pushStock": False}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stockBuffer"], body["autoSync"], body["name"], body["pushStock"]) == (3, False, "Flagship", False)
    assert api.get(url).json() == body
    stored = MarketplaceConnection.objects.get(pk=created["id"])
    assert (stored.stock_buffer, stored.auto_sync, stored.name, stored.push_stock) == (3, False, "Flagship", False)


def test_is_active_false_disables_and_true_restores_the_status(api):
    active, pending = active_and_pending(api)

    for created, restored in ((active, "active"), (pending, "pending_authorization")):
        url = f"{CONNECTIONS}/{created['id']}"
        off = api.patch(url, {"isActive": False}, format="json").json()
        assert (off["status"], off["isActive"]) == ("disabled", False)
        on = api.patch(url, {"isActive": True}, format="json").json()
        assert (on["status"], on["isActive"]) == (restored, True)


def test_a_new_api_secret_replaces_the_old_one_and_its_hint(api):
    created = api.post(
        CONNECTIONS,
        {"platformId": "platform_lazada", "apiKey": "2", "apiSecret": "first-secret-000011112222"},
        format="json",
    ).json()
    assert created["credentialHints"]["apiSecret"] == "…2222"

    response = api.patch(f"{CONNECTIONS}/{created['id']}", {"apiSecret": "second-secret-aaaabbbbwxyz"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["credentialHints"] == {"apiKey": "", "apiSecret": "…wxyz"}
    assert "second-secret-aaaabbbbwxyz" not in response.content.decode()
    [stored] = raw_columns(created["id"], "api_secret")
    assert "second-secret" not in stored and decrypt(stored) == "second-secret-aaaabbbbwxyz"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "active"}, "status"),
        ({"platformId": "platform_lazada"}, "platformId"),
        ({"accessToken": "stolen"}, "accessToken"),
        ({"name": 42}, "name"),
        ({"stockBuffer": "lots"}, "stockBuffer"),
        ({"isActive": "maybe"}, "isActive"),
    ],
)
def test_patch_refuses_bad_bodies_without_writing(api, change, field):
    created = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "1", "accessToken": "t"},
        format="json",
    ).json()
    before = snapshot()

    error = assert_error(api.patch(f"{CONNECTIONS}/{created['id']}", change, format="json"), 422, "VALIDATION_ERROR")

    assert field in error["details"], error
    assert snapshot() == before


def test_patch_refuses_stock_push_on_facebook_and_a_shop_already_connected(api):
    facebook = api.post(
        CONNECTIONS,
        {"platformId": "platform_facebook", "apiKey": "1", "apiSecret": "s", "shopId": "cms-1"},
        format="json",
    ).json()
    assert facebook["pushStock"] is False
    shops = [
        api.post(
            CONNECTIONS,
            {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": shop_id},
            format="json",
        ).json()
        for shop_id in ("1", "2")
    ]
    before = snapshot()

    error = assert_error(
        api.patch(f"{CONNECTIONS}/{facebook['id']}", {"pushStock": True}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert "pushStock" in error["details"]
    error = assert_error(
        api.patch(f"{CONNECTIONS}/{shops[1]['id']}", {"shopId": "1"}, format="json"), 409, "CONNECTION_EXISTS"
    )
    assert error["details"]["connectionId"] == shops[0]["id"]
    assert snapshot() == before


# ---- deleting connections -------------------------------------------------------------------------------


def test_delete_forgets_the_connection_and_keeps_its_orders(
    api, catalog, shopee_fake, django_capture_on_commit_callbacks
):
    created = connect(api, "shopee", shopee_fake)
    seed_orders(shopee_fake, 1)
    _, job = sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})
    [order] = api.get("/api/orders?channel=shopee").json()
    url = f"{CONNECTIONS}/{created['id']}"

    response = api.delete(url)

    assert response.status_code == 204, response.content
    assert_error(api.get(url), 404, NOT_FOUND)
    assert_error(api.get(f"{JOBS}/{job['id']}"), 404, "SYNC_JOB_NOT_FOUND")
    kept = api.get(f"/api/orders/{order['id']}")
    assert kept.status_code == 200
    assert (kept.json()["channel"], kept.json()["externalId"]) == ("shopee", order["externalId"])
    assert not MarketplaceListing.objects.exists() and not MarketplaceOrder.objects.exists()
    assert_error(api.delete(url), 404, NOT_FOUND)


# ---- syncing orders -------------------------------------------------------------------------------------


def test_sync_by_connection_queues_a_job_that_brings_the_orders_in(
    api, catalog, platform, django_capture_on_commit_callbacks
):
    code, fake = platform
    created = connect(api, code, fake)
    seed_orders(fake, 3)

    response, job = sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})

    queued = response.json()
    assert response["Location"] == f"{JOBS}/{queued['id']}"
    assert (queued["status"], queued["connectionId"], queued["platform"], queued["trigger"]) == (
        "queued",
        created["id"],
        code,
        "api",
    )
    assert (queued["fetched"], queued["created"], queued["attempts"], queued["startedAt"]) == (0, 0, 0, None)
    assert job["status"] == "succeeded", job
    counts = (job["fetched"], job["created"], job["updated"], job["unchanged"], job["failed"])
    assert counts == (3, 3, 0, 0, 0)
    assert (job["errors"], job["error"], job["attempts"]) == ([], "", 1)
    assert job["startedAt"] and job["finishedAt"] and job["durationSeconds"] is not None
    assert datetime.datetime.fromisoformat(job["startDate"]) == datetime.datetime.fromisoformat(SINCE)
    assert api.get("/api/orders").json().__len__() == 3
    shown = api.get(f"{CONNECTIONS}/{created['id']}").json()
    assert shown["lastSyncAt"] and shown["syncedUntil"] == job["endDate"]

    # Again: nothing new, nothing duplicated (Facebook's orders moved to IN_PROGRESS when we acknowledged them:
    # that change is recorded once, then they are unchanged too).
    _, again = sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})
    if code == "facebook":
        assert (again["created"], again["updated"]) == (0, 3)
        _, again = sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})
    assert (again["status"], again["fetched"], again["created"], again["unchanged"]) == ("succeeded", 3, 0, 3)
    assert Order.objects.count() == 3


def test_sync_by_platform_uses_the_accounts_one_connection(
    api, catalog, lazada_fake, django_capture_on_commit_callbacks
):
    created = connect(api, "lazada", lazada_fake)
    seed_orders(lazada_fake, 2)

    response, job = sync(api, django_capture_on_commit_callbacks, {"platformId": "platform_lazada", "startDate": SINCE})

    assert response.json()["connectionId"] == created["id"]
    assert (job["status"], job["created"]) == ("succeeded", 2)


def test_sync_refusals_write_nothing_and_queue_nothing(api, other_api, django_capture_on_commit_callbacks):
    active, pending = active_and_pending(api)
    disabled = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "2", "accessToken": "t"},
        format="json",
    ).json()
    api.patch(f"{CONNECTIONS}/{disabled['id']}", {"isActive": False}, format="json")
    theirs = other_api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "1", "accessToken": "t"},
        format="json",
    ).json()
    later = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    cases = [
        ({"platformId": "platform_facebook"}, 422, "NO_ACTIVE_CONNECTION"),
        ({"platformId": "platform_shopee", "connectionId": active["id"]}, 422, "VALIDATION_ERROR"),
        ({}, 422, "VALIDATION_ERROR"),
        ({"connectionId": active["id"], "startDate": later.isoformat(), "endDate": SINCE}, 422, "VALIDATION_ERROR"),
        ({"connectionId": active["id"], "startDate": "2020-01-01T00:00:00Z"}, 422, "VALIDATION_ERROR"),
        ({"connectionId": active["id"], "since": SINCE}, 422, "VALIDATION_ERROR"),
        ({"connectionId": 42}, 422, "VALIDATION_ERROR"),
        ({"platformId": "platform_tiktok"}, 422, "VALIDATION_ERROR"),
        ({"connectionId": pending["id"]}, 409, "CONNECTION_NOT_AUTHORIZED"),
        ({"platformId": "platform_lazada"}, 409, "CONNECTION_NOT_AUTHORIZED"),
        ({"connectionId": disabled["id"]}, 409, "CONNECTION_DISABLED"),
        ({"connectionId": theirs["id"]}, 404, NOT_FOUND),
        ({"connectionId": "mkconn_nope"}, 404, NOT_FOUND),
    ]
    before = snapshot()

    for body, status, code in cases:
        with django_capture_on_commit_callbacks() as callbacks:
            assert_error(api.post(SYNC, body, format="json"), status, code)
        assert callbacks == [], body

    assert snapshot() == before


def test_sync_by_platform_with_two_connections_asks_which_one(api):
    for shop_id in ("1", "2"):
        api.post(
            CONNECTIONS,
            {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": shop_id, "accessToken": "t"},
            format="json",
        )
    before = snapshot()

    error = assert_error(api.post(SYNC, {"platformId": "platform_shopee"}, format="json"), 422, "VALIDATION_ERROR")

    assert "connectionId" in error["details"]
    assert snapshot() == before


# ---- sync jobs ------------------------------------------------------------------------------------------


def test_sync_jobs_list_newest_first_with_filters(api, other_api):
    shopee = api.post(
        CONNECTIONS,
        {"platformId": "platform_shopee", "apiKey": "1", "apiSecret": "s", "shopId": "1", "accessToken": "t"},
        format="json",
    ).json()
    lazada = api.post(
        CONNECTIONS,
        {"platformId": "platform_lazada", "apiKey": "2", "apiSecret": "s", "accessToken": "t"},
        format="json",
    ).json()
    # Queued through the API (their tasks never run: no commit in a test).
    jobs = [
        api.post(SYNC, {"connectionId": connection["id"]}, format="json").json()
        for connection in (shopee, lazada, shopee)
    ]
    SyncJob.objects.filter(pk=jobs[0]["id"]).update(status="failed", error="Shopee refused the connection")

    listed = api.get(JOBS)

    assert listed.status_code == 200, listed.content
    assert [job["id"] for job in listed.json()] == [job["id"] for job in reversed(jobs)]
    assert listed["X-Total-Count"] == "3"
    assert listed.json()[0] == api.get(f"{JOBS}/{jobs[2]['id']}").json()

    def ids(query):
        response = api.get(f"{JOBS}?{query}")
        assert response.status_code == 200, response.content
        return [job["id"] for job in response.json()]

    assert ids(f"connectionId={shopee['id']}") == [jobs[2]["id"], jobs[0]["id"]]
    assert ids("status=failed") == [jobs[0]["id"]]
    assert ids("status=queued&platform=shopee") == [jobs[2]["id"]]
    assert ids("platform=lazada") == [jobs[1]["id"]]
    assert ids("platform=facebook") == []
    assert ids("ordering=createdAt") == [job["id"] for job in jobs]
    assert_error(api.get(f"{JOBS}?status=done"), 400, "INVALID_PARAMETER")
    assert_error(api.get(f"{JOBS}?platform=tiktok"), 400, "INVALID_PARAMETER")

    assert other_api.get(JOBS).json() == []
    assert_error(other_api.get(f"{JOBS}/{jobs[0]['id']}"), 404, "SYNC_JOB_NOT_FOUND")


def test_a_job_lists_the_orders_it_could_not_write(api, catalog, shopee_fake, django_capture_on_commit_callbacks):
    created = connect(api, "shopee", shopee_fake)
    [good] = seed_orders(shopee_fake, 1)
    bad = shopee_fake.add_order(
        currency="SGDOLLAR",
        lines=[{"sku": "SKU-A", "name": "A", "quantity": 1, "price": "59.9"}],
        created_at=WEEK_AGO,
        updated_at=WEEK_AGO,
    )

    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(SYNC, {"connectionId": created["id"], "startDate": SINCE}, format="json")
    assert queued.status_code == 202, queued.content
    listed = api.get(JOBS)
    assert listed.status_code == 200, listed.content
    detail = api.get(queued["Location"])
    assert detail.status_code == 200, detail.content

    job = detail.json()
    assert listed.json() == [job]
    assert (job["status"], job["fetched"], job["created"], job["failed"]) == ("partial", 2, 1, 1)
    assert job["errors"] == [{"externalId": bad, "code": "INVALID_ORDER", "message": "Invalid currency 'SGDOLLAR'"}]
    assert [order["externalId"] for order in api.get("/api/orders").json()] == [good]


def test_a_sync_the_platform_keeps_throttling_fails_its_job(
    api, shopee_fake, fast_retries, settings, django_capture_on_commit_callbacks
):
    created = connect(api, "shopee", shopee_fake)
    shopee_fake.fail_next("rate_limit", settings.MARKETPLACE_MAX_RETRIES + 1)

    _, job = sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})

    assert job["status"] == "failed" and "error_rate_limit" in job["error"], job
    assert api.get(f"{CONNECTIONS}/{created['id']}").json()["lastError"] == job["error"]


# ---- stock push -----------------------------------------------------------------------------------------


def test_push_stock_sends_available_stock_less_the_buffer(
    api, catalog, stock_platform, django_capture_on_commit_callbacks
):
    code, fake = stock_platform
    created = connect(api, code, fake, stockBuffer=3)
    seed_orders(
        fake,
        1,
        lines=[
            {"sku": "SKU-A", "name": "Thing A", "quantity": 2, "price": "59.9"},
            {"sku": "SKU-B", "name": "Thing B", "quantity": 1, "price": "12.5"},
        ],
    )
    sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})
    url = f"{CONNECTIONS}/{created['id']}/push-stock"

    def pushed():
        if code == "shopee":
            return {sku: fake.stock.get(listing_ids(sku)) for sku in ("SKU-A", "SKU-B")}
        return {sku: fake.stock.get(sku) for sku in ("SKU-A", "SKU-B")}

    response = api.post(url)

    assert response.status_code == 200, response.content
    assert response.json() == {"pushed": 2, "failed": 0, "unchanged": 0}
    assert pushed() == {"SKU-A": 10 - 2 - 3, "SKU-B": 10 - 1 - 3}  # on hand, less reserved, less the buffer

    assert api.post(url).json() == {"pushed": 0, "failed": 0, "unchanged": 2}

    api.patch(f"{CONNECTIONS}/{created['id']}", {"stockBuffer": 0}, format="json")
    assert api.post(url).json() == {"pushed": 2, "failed": 0, "unchanged": 0}
    assert pushed() == {"SKU-A": 8, "SKU-B": 9}


def test_push_stock_refusals(api, meta_fake, shopee_fake):
    facebook = connect(api, "facebook", meta_fake)
    pending = connect(api, "shopee", shopee_fake, tokens=False)
    disabled = connect(api, "shopee", shopee_fake)
    api.patch(f"{CONNECTIONS}/{disabled['id']}", {"isActive": False}, format="json")
    before = snapshot()

    error = assert_error(api.post(f"{CONNECTIONS}/{facebook['id']}/push-stock"), 422, "STOCK_PUSH_NOT_SUPPORTED")
    assert error["details"] == {"platform": "facebook"}
    assert_error(api.post(f"{CONNECTIONS}/{pending['id']}/push-stock"), 409, "CONNECTION_NOT_AUTHORIZED")
    assert_error(api.post(f"{CONNECTIONS}/{disabled['id']}/push-stock"), 409, "CONNECTION_DISABLED")

    assert snapshot() == before
    assert meta_fake.requests == [] and shopee_fake.requests == []


# ---- the synced order -----------------------------------------------------------------------------------


def test_a_synced_order_shows_its_marketplace_details(api, catalog, shopee_fake, django_capture_on_commit_callbacks):
    created = connect(api, "shopee", shopee_fake)
    [external] = seed_orders(
        shopee_fake,
        1,
        lines=[
            {"sku": "SKU-A", "name": "Thing A", "quantity": 2, "price": "59.9"},
            {"sku": "GIFT-WRAP", "name": "Gift wrap", "quantity": 1, "price": "0.1"},
        ],
        shipping_fee="2.5",
        discount="1.5",
    )
    sync(api, django_capture_on_commit_callbacks, {"connectionId": created["id"], "startDate": SINCE})
    [listed] = api.get("/api/orders?channel=shopee").json()

    response = api.get(f"/api/orders/{listed['id']}")

    assert response.status_code == 200, response.content
    order = response.json()
    assert (order["channel"], order["externalId"], order["status"]) == ("shopee", external, "processing")
    marketplace = order["marketplace"]
    assert set(marketplace) == {"connectionId", "platform", "platformStatus", "discount", "unmatchedItems"}
    assert (marketplace["connectionId"], marketplace["platform"], marketplace["platformStatus"]) == (
        created["id"],
        "shopee",
        "READY_TO_SHIP",
    )
    assert Decimal(marketplace["discount"]) == Decimal("1.5")
    [unmatched] = marketplace["unmatchedItems"]
    assert (unmatched["sku"], unmatched["name"], unmatched["quantity"]) == ("GIFT-WRAP", "Gift wrap", 1)
    assert Decimal(unmatched["price"]) == Decimal("0.1")
    [item] = order["items"]
    assert (item["sku"], item["quantity"]) == ("SKU-A", 2)
    assert Decimal(str(order["total"])) == Decimal("120.90")  # 2 × 59.9 + 0.1 + 2.5 shipping - 1.5 voucher
    # The voucher is the order's discount, on its one matched line (the gift wrap's money stays in the totals),
    # and so the sales rollups' and the reports' discounts.
    assert Decimal(str(order["discount"])) == Decimal("1.50") and Decimal(str(item["discount"])) == Decimal("1.50")
    account = Order.objects.get(pk=listed["id"]).account
    stored = rollups_stored(account=account)
    assert [day["discounts"] for day in stored["sales_day"].values()] == [Decimal("1.50")]
    assert [day["discounts"] for day in stored["product_sales_day"].values()] == [Decimal("1.50")]
    assert rollups_rebuild(account=account).differences == []
