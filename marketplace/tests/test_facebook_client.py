"""FacebookClient against the local Graph API fake (omnisales.testing.meta_server)."""

import datetime
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from marketplace.providers.base import (
    CANCELLED,
    PENDING,
    PROCESSING,
    SHIPPED,
    UTC,
    AuthFailed,
    Credentials,
    MarketplaceError,
    MemoryTokenStore,
    NotSupported,
    RateLimited,
    ServerError,
    StockUpdate,
    Tokens,
)
from marketplace.providers.facebook import FacebookClient, appsecret_proof
from omnisales.testing.meta_server import FakeMeta

NOW = datetime.datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def fake():
    with FakeMeta(page_size=3) as server:
        yield server


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(fake, sleeps):
    def make(*, tokens: Tokens | None = None, authorized=True, secret=None, clock=time.time, **kwargs):
        if tokens is None and authorized:
            issued = fake.issue_tokens()
            tokens = Tokens(
                access_token=issued["access_token"],
                refresh_token=issued["refresh_token"],
                expires_at=datetime.datetime.fromtimestamp(clock(), UTC)
                + datetime.timedelta(seconds=issued["expires_in"]),
            )
        return FacebookClient(
            credentials=Credentials(fake.api_key, secret or fake.api_secret, fake.shop_id),
            tokens=MemoryTokenStore(tokens),
            base_url=fake.base_url,
            auth_base_url=fake.base_url,
            version=fake.version,
            sleep=sleeps.append,
            clock=clock,
            **kwargs,
        )

    return make


def graph_calls(fake, suffix=""):
    return [entry for entry in fake.requests if "/oauth/" not in entry["path"] and entry["path"].endswith(suffix)]


def exchanges(fake):
    return [entry for entry in fake.requests if entry["path"].endswith("/oauth/access_token")]


# ---- signing and authorization -----------------------------------------------------------------------


def test_appsecret_proof_matches_the_spec_vector():
    assert (
        appsecret_proof("appsecret", "EAAtoken") == "b15e563de2a106036cef7807b362777b33c08f4b1fb1251b4a3f5a9eeca7c277"
    )


def test_every_call_carries_the_token_and_its_proof(fake, make_client):
    client = make_client()
    assert client.check() == {"id": fake.shop_id, "name": fake.display_name, "display_name": fake.display_name}
    (entry,) = fake.requests
    token = client.tokens.get().access_token
    assert entry["path"] == f"/v25.0/{fake.shop_id}"
    assert entry["params"]["access_token"] == token
    assert entry["params"]["appsecret_proof"] == appsecret_proof(fake.api_secret, token)
    assert entry["params"]["fields"] == "id,display_name"


def test_authorization_url_opens_the_login_dialog(fake, make_client):
    client = make_client(authorized=False)
    url = client.authorization_url(redirect_uri="https://app.example/fb/callback", state="st-1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == fake.base_url and parts.path == "/v25.0/dialog/oauth"
    assert parse_qs(parts.query) == {
        "client_id": [fake.api_key],
        "redirect_uri": ["https://app.example/fb/callback"],
        "state": ["st-1"],
        "scope": ["commerce_account_read_orders,commerce_account_manage_orders,commerce_manage_accounts"],
    }
    # The fake's dialog approves at once and sends the seller back with a code and the state.
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/fb/callback" and parse_qs(back.query)["state"] == ["st-1"]


def test_production_hosts_by_default():
    client = FacebookClient(credentials=Credentials("1", "s", "2"))
    assert client.base_url == "https://graph.facebook.com"
    assert client.authorization_url(redirect_uri="https://a/cb", state="x").startswith(
        "https://www.facebook.com/v25.0/dialog/oauth?client_id=1&"
    )


def test_exchange_code_gives_a_long_lived_token(fake, make_client):
    client = make_client(authorized=False)
    redirect_uri = "https://app.example/fb/callback"
    code = fake.authorize(redirect_uri)["code"]
    tokens = client.exchange_code(code=code, params={"redirect_uri": redirect_uri, "state": "x"})
    assert tokens.access_token.startswith("EAA") and tokens.refresh_token == tokens.access_token
    assert tokens.expires_at - client.now() > datetime.timedelta(days=59)
    first, second = exchanges(fake)
    assert first["params"]["code"] == code and first["params"]["redirect_uri"] == redirect_uri
    assert second["params"]["grant_type"] == "fb_exchange_token"
    assert second["params"]["fb_exchange_token"] not in (tokens.access_token, "")
    client.tokens.tokens = tokens
    assert client.check()["id"] == fake.shop_id


def test_a_code_works_once_and_only_for_its_redirect_uri(fake, make_client):
    client = make_client(authorized=False)
    code = fake.authorize("https://app.example/cb")["code"]
    with pytest.raises(AuthFailed) as mismatch:
        client.exchange_code(code=code, params={"redirect_uri": "https://evil.example/cb"})
    assert mismatch.value.code == "100" and "redirect_uri" in mismatch.value.message
    client.exchange_code(code=code, params={"redirect_uri": "https://app.example/cb"})
    with pytest.raises(AuthFailed) as reused:
        client.exchange_code(code=code, params={"redirect_uri": "https://app.example/cb"})
    assert reused.value.code == "100" and "has been used" in reused.value.message


def test_wrong_app_secret_is_auth_failed_not_retried(fake, make_client, sleeps):
    client = make_client(secret="not-the-secret")
    with pytest.raises(AuthFailed) as error:
        client.check()
    assert error.value.code == "100" and "appsecret_proof" in error.value.message
    with pytest.raises(AuthFailed) as exchange:
        client.exchange_code(code=fake.authorize("https://a/cb")["code"], params={"redirect_uri": "https://a/cb"})
    assert exchange.value.code == "1" and "client secret" in exchange.value.message
    assert sleeps == [] and client.tokens.refreshes == 0


# ---- token life cycle --------------------------------------------------------------------------------


def test_refresh_exchanges_the_long_lived_token_for_a_new_one(fake, make_client):
    client = make_client()
    old = client.tokens.get()
    new = client.refresh_tokens()
    assert new.access_token != old.access_token and new.refresh_token == new.access_token
    assert exchanges(fake)[0]["params"]["fb_exchange_token"] == old.access_token
    assert client.check()["id"] == fake.shop_id
    assert graph_calls(fake)[0]["params"]["access_token"] == new.access_token


def test_expired_token_is_refreshed_once_and_the_call_repeated(fake, make_client):
    client = make_client()
    fake.expire_access_tokens()
    assert client.check()["id"] == fake.shop_id
    assert client.tokens.refreshes == 1
    assert [entry["error"] for entry in fake.requests] == [190, None, None]


def test_a_second_expiry_right_after_the_refresh_is_auth_failed(fake, make_client):
    client = make_client()
    fake.fail_next("token_expired", 2)
    with pytest.raises(AuthFailed) as error:
        client.check()
    assert error.value.code == "190"
    assert client.tokens.refreshes == 1 and len(graph_calls(fake)) == 2


def test_refreshes_shortly_before_expiry(fake, make_client):
    now = [time.time()]
    client = make_client(clock=lambda: now[0])
    client.check()
    assert client.tokens.refreshes == 0
    now[0] += 60 * 86400 - 3600  # an hour before the 60 days run out
    client.check()
    assert client.tokens.refreshes == 1
    assert [entry["error"] for entry in fake.requests] == [None, None, None]  # refreshed before, not after, a 190


def test_not_authorized_without_tokens(make_client):
    with pytest.raises(AuthFailed):
        make_client(authorized=False).check()


# ---- retries ----------------------------------------------------------------------------------------


def test_rate_limit_backs_off_and_succeeds(fake, make_client, sleeps):
    fake.fail_next("rate_limit", 2)
    assert make_client().check()["id"] == fake.shop_id
    assert sleeps == [0.5, 1.0]
    assert [entry["error"] for entry in fake.requests] == [613, 613, None]


def test_server_errors_beyond_max_retries_raise(fake, make_client, sleeps):
    fake.fail_next("server_error", 4)
    with pytest.raises(ServerError) as error:
        make_client(max_retries=2).check()
    assert error.value.code == "2" and error.value.status == 500
    assert len(sleeps) == 2 and len(fake.requests) == 3


class _Response:
    def __init__(self, status, body=None, headers=None):
        self.status_code, self._body, self.headers = status, body, headers or {}

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


@pytest.mark.parametrize(
    ("status", "error", "headers", "kind", "retry_after"),
    [
        (429, None, {"Retry-After": "7"}, RateLimited, 7.0),
        (400, {"code": 4, "message": "(#4) Application request limit reached"}, {}, RateLimited, None),
        (400, {"code": 80004, "message": "too many calls to this ad-account"}, {}, RateLimited, None),
        (
            400,
            {"code": 200, "message": "(#200) Requires commerce_account_read_orders permission"},
            {},
            AuthFailed,
            None,
        ),
        (400, {"code": 10, "message": "(#10) Permission denied"}, {}, AuthFailed, None),
        (500, {"code": 1, "message": "An unknown error has occurred."}, {}, ServerError, None),
        (502, None, {}, ServerError, None),
        (400, {"code": 100, "message": "(#100) Invalid parameter"}, {}, MarketplaceError, None),
    ],
)
def test_graph_error_mapping(status, error, headers, kind, retry_after):
    exc = FacebookClient._error(_Response(status, headers=headers), error)
    assert type(exc) is kind
    if error:
        assert exc.code == str(error["code"]) and exc.message == error["message"]
    if retry_after is not None:
        assert exc.retry_after == retry_after


# ---- orders -----------------------------------------------------------------------------------------


def test_paging_over_a_long_range_with_resume(fake, make_client):
    start, end = NOW - datetime.timedelta(days=400), NOW
    wanted = [
        fake.add_order(
            status=("CREATED", "IN_PROGRESS", "COMPLETED")[index % 3],
            updated_at=start + datetime.timedelta(days=40 * index + 1),
            lines=[{"sku": "SKU-1", "name": "Shirt", "quantity": 1, "price": "10"}],
        )
        for index in range(10)
    ]
    fake.add_order(status="FB_PROCESSING", updated_at=start + datetime.timedelta(days=3))  # never listed
    fake.add_order(updated_at=start - datetime.timedelta(days=2))  # outside the range
    client = make_client(page_size=3)

    pages = list(client.order_pages(start=start, end=end))
    assert [len(page.refs) for page in pages] == [3, 3, 3, 1]
    assert [ref["id"] for page in pages for ref in page.refs] == wanted
    assert pages[-1].resume is None and all(page.resume for page in pages[:-1])
    listed = graph_calls(fake, "/commerce_orders")
    assert listed[0]["params"]["state"] == "CREATED,IN_PROGRESS,COMPLETED"
    assert listed[0]["params"]["updated_after"] == str(int(start.timestamp()))
    assert all(entry["params"]["limit"] == "3" for entry in listed)

    seen = [ref["id"] for page in pages[:2] for ref in page.refs]
    resumed = list(client.order_pages(start=start, end=end, state=pages[1].resume))
    rest = [ref["id"] for page in resumed for ref in page.refs]
    assert rest == wanted[6:] and not set(rest) & set(seen)


def test_following_paging_next_uses_the_refreshed_token(fake, make_client):
    for index in range(5):
        fake.add_order(updated_at=NOW - datetime.timedelta(minutes=10 - index))
    client = make_client(page_size=2)
    pages = client.order_pages(start=NOW - datetime.timedelta(hours=1), end=NOW)
    first = next(pages)
    fake.expire_access_tokens()
    rest = list(pages)
    assert len(first.refs) + sum(len(page.refs) for page in rest) == 5
    fresh = client.tokens.get().access_token
    last = graph_calls(fake, "/commerce_orders")[-1]
    assert last["params"]["access_token"] == fresh
    assert last["params"]["appsecret_proof"] == appsecret_proof(fake.api_secret, fresh)


def test_orders_builds_exact_money_and_lines(fake, make_client):
    order_id = fake.add_order(
        buyer_name="Ann Lee",
        buyer_email="ann@example.com",
        lines=[
            {"sku": "TEE-M", "name": "Tee M", "quantity": 1, "price": Decimal("59.9"), "item_id": "5001"},
            {"sku": "CAP", "name": "Cap", "quantity": 1, "price": "0.1"},
            {"sku": "PIN", "name": "Pin", "quantity": 1, "price": "0.2"},
        ],
        shipping_fee="1.5",
        discount="0.3",
        address={"line1": "9 Side St", "line2": "Apt 2", "city": "Austin", "state": "TX", "postalCode": "73301"},
    )
    client = make_client()
    (page,) = client.order_pages(
        start=NOW - datetime.timedelta(hours=1), end=datetime.datetime.now(UTC) + datetime.timedelta(minutes=1)
    )
    (order,) = client.orders(page.refs)
    assert order.external_id == order.order_number == order_id
    assert [(line.sku, line.name, line.quantity, line.unit_price) for line in order.lines] == [
        ("TEE-M", "Tee M", 1, Decimal("59.9")),
        ("CAP", "Cap", 1, Decimal("0.1")),
        ("PIN", "Pin", 1, Decimal("0.2")),
    ]
    assert order.lines[0].item_id == "5001"
    assert order.subtotal == Decimal("60.2") and order.shipping_fee == Decimal("1.5")
    assert order.discount == Decimal("0.3") and order.total == Decimal("61.4")
    assert all(isinstance(value, Decimal) for value in (order.subtotal, order.total, order.discount))
    assert order.currency == "USD" and order.paid and order.status == PROCESSING
    assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == datetime.timedelta(0)
    assert (order.buyer_name, order.buyer_email, order.buyer_phone) == ("Ann Lee", "ann@example.com", "")
    assert order.shipping_address == {
        "name": "Ann Lee",
        "line1": "9 Side St",
        "line2": "Apt 2",
        "city": "Austin",
        "state": "TX",
        "postalCode": "73301",
        "country": "US",
        "phone": "",
    }
    items = graph_calls(fake, "/items")
    assert items[0]["path"] == f"/v25.0/{order_id}/items"


def test_line_items_are_paged(fake, make_client):
    lines = [{"sku": f"SKU-{index}", "name": f"Item {index}", "quantity": 2, "price": "1.25"} for index in range(7)]
    order_id = fake.add_order(lines=lines)
    (order,) = make_client(page_size=3).orders([order_id])
    assert [line.sku for line in order.lines] == [f"SKU-{index}" for index in range(7)]
    assert order.subtotal == Decimal("17.50")
    assert len(graph_calls(fake, "/items")) == 3


@pytest.mark.parametrize(
    ("state", "status", "paid"),
    [
        ("FB_PROCESSING", PENDING, False),
        ("CREATED", PROCESSING, True),
        ("IN_PROGRESS", PROCESSING, True),
        ("COMPLETED", SHIPPED, True),
    ],
)
def test_status_mapping(fake, make_client, state, status, paid):
    order_id = fake.add_order(status=state, lines=[{"sku": "A", "name": "A", "quantity": 1, "price": "5"}])
    (order,) = make_client().orders([order_id])  # a bare id is read from its node
    assert (order.platform_status, order.status, order.paid) == (state, status, paid)
    assert order.status != CANCELLED


def test_detail_batch_limit(fake, make_client):
    ids = [fake.add_order() for _ in range(26)]
    client = make_client()
    with pytest.raises(ValueError):
        client.orders(ids)
    assert len(client.orders(ids[:25])) == 25


def test_buyer_without_email_and_order_without_lines(fake, make_client):
    order_id = fake.add_order()
    (order,) = make_client().orders([order_id])
    assert order.buyer_email == "" and order.lines == [] and order.total == Decimal("0")


# ---- acknowledgement, stock --------------------------------------------------------------------------


def test_acknowledge_is_idempotent_and_only_for_created_orders(fake, make_client):
    order_id = fake.add_order()
    client = make_client()
    first = client.acknowledge(order_id, merchant_order_reference="SO-1001", idempotency_key="ack-1")
    again = client.acknowledge(order_id, merchant_order_reference="SO-1001", idempotency_key="ack-1")
    assert first == again == {"id": order_id, "state": "IN_PROGRESS"}
    assert fake.order(order_id)["merchant_order_id"] == "SO-1001"
    with pytest.raises(MarketplaceError) as error:
        client.acknowledge(order_id, idempotency_key="ack-2")
    assert error.value.code == "100" and "CREATED" in error.value.message
    posted = graph_calls(fake, "/acknowledge_order")[0]
    assert posted["method"] == "POST" and posted["params"]["appsecret_proof"]


def test_no_stock_push(make_client):
    client = make_client()
    assert client.supports_stock_push is False
    with pytest.raises(NotSupported):
        client.push_stock([StockUpdate(sku="A", quantity=1)])


# ---- the fake itself ----------------------------------------------------------------------------------


def test_fake_defaults_to_created_orders_and_requested_fields(fake, make_client):
    fake.add_order(status="CREATED")
    fake.add_order(status="COMPLETED")
    token = fake.issue_tokens()["access_token"]
    auth = {"access_token": token, "appsecret_proof": appsecret_proof(fake.api_secret, token)}
    url = f"{fake.base_url}/v25.0/{fake.shop_id}/commerce_orders"
    answer = requests.get(url, params=auth, timeout=5).json()
    assert [order["order_status"]["state"] for order in answer["data"]] == ["CREATED"]
    assert set(answer["data"][0]) == {"id", "order_status", "created", "last_updated"}
    narrow = requests.get(url, params={**auth, "fields": "id,buyer_details{name}"}, timeout=5).json()
    assert narrow["data"][0]["buyer_details"] == {"name": "Buyer One"}
    bad = requests.get(url, params={**auth, "fields": "id,nope"}, timeout=5)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
    missing = requests.get(url, params={"access_token": token}, timeout=5).json()
    assert "appsecret_proof" in missing["error"]["message"]


def test_fake_control_endpoints(fake):
    seeded = requests.post(
        f"{fake.base_url}/__fake__/orders",
        json={"status": "IN_PROGRESS", "updated_at": NOW.isoformat(), "lines": [{"sku": "X", "price": "2"}]},
        timeout=5,
    ).json()["ids"]
    assert fake.order(seeded[0])["order_status"] == {"state": "IN_PROGRESS"}
    requests.post(f"{fake.base_url}/__fake__/fail-next", json={"kind": "rate_limit", "count": 1}, timeout=5)
    token = fake.issue_tokens()["access_token"]
    auth = {"access_token": token, "appsecret_proof": appsecret_proof(fake.api_secret, token)}
    limited = requests.get(f"{fake.base_url}/v25.0/{fake.shop_id}", params=auth, timeout=5)
    assert limited.json()["error"]["code"] == 613
    log = requests.get(f"{fake.base_url}/__fake__/requests", timeout=5).json()
    assert [entry["error"] for entry in log] == [613]
    requests.post(f"{fake.base_url}/__fake__/reset", timeout=5)
    assert fake.requests == []
    gone = requests.get(f"{fake.base_url}/v25.0/{seeded[0]}", params=auth, timeout=5).json()
    assert gone["error"]["error_subcode"] == 33


def test_fake_update_moves_the_order_to_the_end(fake, make_client):
    first = fake.add_order(updated_at=NOW - datetime.timedelta(minutes=5))
    second = fake.add_order(updated_at=NOW - datetime.timedelta(minutes=4))
    fake.update_order(first, status="COMPLETED", updated_at=NOW - datetime.timedelta(minutes=1))
    (page,) = make_client().order_pages(start=NOW - datetime.timedelta(hours=1), end=NOW)
    assert [ref["id"] for ref in page.refs] == [second, first]
    assert page.refs[1]["order_status"]["state"] == "COMPLETED"


def test_fake_builds_ten_thousand_distinct_random_orders_the_same_for_a_seed(fake):
    ids = fake.add_random_orders(10_000, skus=["A", "B", "C"], start=NOW - datetime.timedelta(days=30), end=NOW, seed=7)
    assert len(set(ids)) == 10_000
    again = FakeMeta()
    try:
        same = again.add_random_orders(
            20, skus=["A", "B", "C"], start=NOW - datetime.timedelta(days=30), end=NOW, seed=7
        )
        assert [again.order(order_id) for order_id in same] == [fake.order(order_id) for order_id in ids[:20]]
    finally:
        again.stop()

    # The list endpoint pages through the 10,000 (bisect, no sort per request; its speed is the benchmark's).
    token = fake.issue_tokens()["access_token"]
    auth = {"access_token": token, "appsecret_proof": appsecret_proof(fake.api_secret, token)}
    url = f"{fake.base_url}/v25.0/{fake.shop_id}/commerce_orders"
    query = {**auth, "state": "CREATED,IN_PROGRESS,COMPLETED", "limit": "25", "fields": "id,estimated_payment_details"}
    count = 0
    while url and count < 500:
        answer = requests.get(url, params=query, timeout=5).json()
        count += len(answer["data"])
        url, query = answer.get("paging", {}).get("next"), None
    assert count == 500
