"""The Shopee client against the local Shopee: signing, the token life cycle, retries, paging, orders, stock."""

import datetime
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from marketplace.providers.base import (
    CANCELLED,
    DELIVERED,
    PENDING,
    PROCESSING,
    SHIPPED,
    UTC,
    AuthFailed,
    Credentials,
    MarketplaceError,
    MemoryTokenStore,
    RateLimited,
    ServerError,
    StockUpdate,
    Tokens,
)
from marketplace.providers.shopee import (
    AUTH_PARTNER,
    NO_LISTING,
    ORDER_DETAIL,
    ORDER_LIST,
    ShopeeClient,
    sign_base,
    signature,
)
from omnisales.testing.shopee_server import FakeShopee, listing_ids
from omnisales.testing.shopee_server import sign as fake_sign

DAY = 86400


class Clock:
    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(clock):
    with FakeShopee(clock=clock) as server:
        yield server


@pytest.fixture
def sleeps():
    return []


def make_client(fake, clock, sleeps, *, tokens=True, secret=None, **options) -> ShopeeClient:
    store = MemoryTokenStore()
    if tokens:
        issued = fake.issue_tokens()
        store.tokens = Tokens(
            access_token=issued["access_token"],
            refresh_token=issued["refresh_token"],
            expires_at=datetime.datetime.fromtimestamp(clock() + issued["expires_in"], UTC),
            extra={"shop_id": fake.shop_id},
        )
    return ShopeeClient(
        credentials=Credentials(api_key=fake.api_key, api_secret=secret or fake.api_secret, shop_id=fake.shop_id),
        tokens=store,
        base_url=fake.base_url,
        clock=clock,
        sleep=sleeps.append,
        timeout=5,
        **options,
    )


@pytest.fixture
def client(fake, clock, sleeps):
    return make_client(fake, clock, sleeps)


def at(clock, seconds: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(clock() + seconds, UTC)


def calls(fake, path: str) -> list[dict]:
    return [entry for entry in fake.requests if entry["path"] == path]


# ---- signing -----------------------------------------------------------------------------------------


def test_signature_vectors():
    shop_base = sign_base(
        2001887, "/api/v2/shop/get_shop_info", 1655714431, "59777174636562737266615546704c6d", 14701711
    )
    assert shop_base == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    assert signature("partnerkey123", shop_base) == "4e49d464334268fa6341d8e037e27e547ef62cc5da8c234d151c3caf30e23b78"
    public_base = sign_base(2001887, "/api/v2/auth/token/get", 1655714431)
    assert public_base == "2001887/api/v2/auth/token/get1655714431"
    assert signature("partnerkey123", public_base) == "1002adf78c614ee06fb875290574c397acc64ade6945b7bd33471ca513e37d2e"
    # The fake checks with its own implementation of the same rule.
    assert fake_sign("partnerkey123", 2001887, "/api/v2/auth/token/get", 1655714431) == signature(
        "partnerkey123", public_base
    )


def test_wrong_secret_is_auth_failed_with_shopees_code(fake, clock, sleeps):
    client = make_client(fake, clock, sleeps, secret="not-the-partner-key")
    with pytest.raises(AuthFailed) as raised:
        client.check()
    assert raised.value.code == "error_sign"
    assert raised.value.message == "Wrong sign."
    params = fake.authorize("https://app.example/cb")
    with pytest.raises(AuthFailed) as raised:
        client.exchange_code(code=params["code"], params=params)
    assert raised.value.code == "error_sign"
    assert sleeps == []


def test_stale_timestamp_refused(fake, client, clock):
    clock.advance(-301)  # the client's clock is 5 minutes behind Shopee's
    fake.clock = lambda: clock.now + 301
    with pytest.raises(MarketplaceError) as raised:
        client.check()
    assert raised.value.code == "error_param"


# ---- authorization -----------------------------------------------------------------------------------


def test_authorization_url_and_the_sellers_approval(fake, client, clock):
    url = client.authorization_url(redirect_uri="https://app.example/shopee/callback?connection=7", state="st4te")
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}" == fake.base_url
    assert parts.path == AUTH_PARTNER
    assert query["partner_id"] == fake.api_key
    assert query["timestamp"] == str(int(clock()))
    assert query["sign"] == signature(fake.api_secret, f"{fake.api_key}{AUTH_PARTNER}{int(clock())}")
    assert query["redirect"] == "https://app.example/shopee/callback?connection=7&state=st4te"

    approval = requests.get(url, allow_redirects=False, timeout=5)
    assert approval.status_code == 302
    location = urlsplit(approval.headers["Location"])
    callback = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert location.path == "/shopee/callback"
    assert callback["state"] == "st4te" and callback["connection"] == "7"
    assert callback["shop_id"] == fake.shop_id and callback["code"]


def test_exchange_code_and_single_use(fake, clock, sleeps):
    client = make_client(fake, clock, sleeps, tokens=False)
    params = fake.authorize("https://app.example/cb")
    tokens = client.exchange_code(code=params["code"], params={"shop_id": params["shop_id"]})
    assert tokens.extra == {"shop_id": fake.shop_id}
    assert tokens.access_token in fake.access_tokens and tokens.refresh_token in fake.refresh_tokens
    assert tokens.expires_at == at(clock, 4 * 3600)
    assert tokens.refresh_expires_at == at(clock, 30 * DAY)
    body = calls(fake, "/api/v2/auth/token/get")[0]["body"]
    assert body == {"code": params["code"], "shop_id": int(fake.shop_id), "partner_id": int(fake.api_key)}

    client.tokens.tokens = tokens
    assert client.check()["shop_name"] == fake.shop_name

    with pytest.raises(AuthFailed) as raised:
        client.exchange_code(code=params["code"], params=params)
    assert raised.value.code == "error_auth"

    late = fake.authorize("https://app.example/cb")
    clock.advance(601)
    with pytest.raises(AuthFailed):
        client.exchange_code(code=late["code"], params=late)


# ---- token life cycle --------------------------------------------------------------------------------


def test_refresh_rotates_the_pair_and_the_old_refresh_token_is_refused(fake, client, clock, sleeps):
    old = client.tokens.get()
    new = client.refresh_tokens()
    assert new.access_token != old.access_token and new.refresh_token != old.refresh_token
    assert new.extra == {"shop_id": fake.shop_id}
    assert new.expires_at == at(clock, 4 * 3600)
    body = calls(fake, "/api/v2/auth/access_token/get")[0]["body"]
    assert body == {"refresh_token": old.refresh_token, "partner_id": int(fake.api_key), "shop_id": int(fake.shop_id)}

    with pytest.raises(AuthFailed) as raised:
        client._refresh(old)
    assert raised.value.code == "error_auth"

    # The old access token lives five more minutes, then it is gone.
    holder = make_client(fake, clock, sleeps, tokens=False)
    holder.tokens.tokens = Tokens(access_token=old.access_token, extra=old.extra)
    assert holder.check()["status"] == "NORMAL"
    clock.advance(301)
    with pytest.raises(AuthFailed):
        holder.check()
    assert client.check()["status"] == "NORMAL"


def test_expired_access_token_is_refreshed_once_and_the_call_repeated(fake, client):
    fake.expire_access_tokens()
    assert client.check()["shop_name"] == fake.shop_name
    assert client.tokens.refreshes == 1
    assert [(entry["path"], entry["error"]) for entry in fake.requests] == [
        ("/api/v2/shop/get_shop_info", "invalid_acceess_token"),
        ("/api/v2/auth/access_token/get", ""),
        ("/api/v2/shop/get_shop_info", ""),
    ]


def test_a_second_expiry_right_after_the_refresh_is_auth_failed(fake, client, sleeps):
    fake.fail_next("token_expired", 2)
    with pytest.raises(AuthFailed) as raised:
        client.check()
    assert raised.value.code == "invalid_acceess_token"
    assert client.tokens.refreshes == 1
    assert len(fake.requests) == 3 and sleeps == []


def test_refresh_shortly_before_expiry(fake, client, clock):
    clock.advance(4 * 3600 - 10 * 60)
    client.check()
    assert client.tokens.refreshes == 0
    clock.advance(6 * 60)  # 4 minutes left: within the 5-minute margin
    client.check()
    assert client.tokens.refreshes == 1
    assert [(entry["path"], entry["error"]) for entry in fake.requests[1:]] == [
        ("/api/v2/auth/access_token/get", ""),
        ("/api/v2/shop/get_shop_info", ""),
    ]


# ---- retries -----------------------------------------------------------------------------------------


def test_rate_limit_is_retried_with_back_off(fake, client, sleeps):
    fake.fail_next("rate_limit", 2)
    assert client.check()["shop_name"] == fake.shop_name
    assert sleeps == [0.5, 1.0]
    assert [entry["error"] for entry in fake.requests] == ["error_rate_limit", "error_rate_limit", ""]


def test_server_errors_beyond_max_retries_raise(fake, clock, sleeps):
    client = make_client(fake, clock, sleeps, max_retries=2)
    fake.fail_next("server_error", 5)
    with pytest.raises(ServerError) as raised:
        client.check()
    assert raised.value.code == "error_server"
    assert len(sleeps) == 2 and len(fake.requests) == 3


class _Answer:
    def __init__(self, status_code, body, headers=None):
        self.status_code, self.body, self.headers = status_code, body, headers or {}

    def json(self):
        if isinstance(self.body, str):
            raise ValueError("not JSON")
        return self.body


def test_errors_follow_the_body_then_the_status(client):
    with pytest.raises(RateLimited) as raised:
        client._answer(_Answer(429, "<html>slow down</html>", {"Retry-After": "3"}), shop=True)
    with pytest.raises(RateLimited) as raised:
        client._answer(_Answer(200, {"error": "error_rate_limit", "message": "busy"}, {"Retry-After": "3"}), shop=True)
    assert raised.value.retry_after == 3
    with pytest.raises(ServerError):
        client._answer(_Answer(502, "<html>bad gateway</html>"), shop=True)
    with pytest.raises(ServerError):
        client._answer(_Answer(200, {"error": "error_server", "message": "oops"}), shop=True)
    with pytest.raises(AuthFailed):
        client._answer(_Answer(200, {"error": "invalid_acceess_token", "message": "x"}), shop=False)
    with pytest.raises(MarketplaceError) as raised:
        client._answer(_Answer(200, {"error": "error_busi", "message": "no", "request_id": "r1"}), shop=True)
    assert (raised.value.code, raised.value.message, raised.value.request_id) == ("error_busi", "no", "r1")
    assert type(raised.value) is MarketplaceError


def test_connection_errors_do_not_repeat_the_token(fake, clock, sleeps):
    client = make_client(fake, clock, sleeps, max_retries=0)
    fake.stop()
    with pytest.raises(ServerError) as raised:
        client.check()
    assert client.tokens.get().access_token not in str(raised.value)


# ---- orders ------------------------------------------------------------------------------------------


def test_paging_windows_and_resume(fake, clock, sleeps):
    client = make_client(fake, clock, sleeps, page_size=3)
    start, end = at(clock, -40 * DAY), at(clock, 0)
    s = int(start.timestamp())
    moments = [s, s + 1, s + 15 * DAY, s + 15 * DAY + 1, s + 16 * DAY, s + 31 * DAY, s + 31 * DAY + 1]
    moments += [s + 2 * DAY + index * 3600 for index in range(9)] + [s + 33 * DAY + index for index in range(5)]
    moments.append(int(end.timestamp()))
    expected = [fake.add_order(updated_at=datetime.datetime.fromtimestamp(moment, UTC)) for moment in sorted(moments)]
    fake.add_order(updated_at=start - datetime.timedelta(seconds=1))
    fake.add_order(updated_at=end + datetime.timedelta(seconds=1))

    pages = list(client.order_pages(start=start, end=end))
    seen = [ref for page in pages for ref in page.refs]
    assert seen == expected
    assert pages[-1].resume is None and all(page.resume for page in pages[:-1])
    lists = calls(fake, ORDER_LIST)
    assert {entry["query"]["time_range_field"] for entry in lists} == {"update_time"}
    windows = {(int(entry["query"]["time_from"]), int(entry["query"]["time_to"])) for entry in lists}
    assert len(windows) == 3
    assert all(0 <= time_to - time_from <= 15 * DAY for time_from, time_to in windows)
    assert all(len(page.refs) <= 3 for page in pages)

    for k in range(1, len(pages)):
        rest = [
            ref for page in client.order_pages(start=start, end=end, state=pages[k - 1].resume) for ref in page.refs
        ]
        done = [ref for page in pages[:k] for ref in page.refs]
        assert done + rest == expected, k


def test_fake_pages_small_by_default(fake, client, clock):
    fake.add_random_orders(12, skus=["A", "B"], start=at(clock, -DAY), end=at(clock, 0))
    pages = list(client.order_pages(start=at(clock, -DAY), end=at(clock, 0)))
    assert [len(page.refs) for page in pages] == [5, 5, 2]
    assert calls(fake, ORDER_LIST)[0]["query"]["page_size"] == "100"


def test_the_fake_enforces_shopees_limits(fake, client, clock):
    refs = fake.add_random_orders(51, skus=["A"], start=at(clock, -DAY), end=at(clock, 0))
    now = int(clock())
    refused = [
        (ORDER_DETAIL, {"order_sn_list": ",".join(refs)}),
        (ORDER_LIST, {"time_range_field": "update_time", "time_from": now - 15 * DAY - 1, "time_to": now,
                      "page_size": 10}),
        (ORDER_LIST, {"time_range_field": "update_time", "time_from": now - DAY, "time_to": now, "page_size": 101}),
    ]  # fmt: skip
    for path, params in refused:
        with pytest.raises(MarketplaceError) as raised:
            client._shop_call("GET", path, params=params)
        assert raised.value.code == "error_param", path


def test_details_are_read_fifty_at_a_time(fake, client, clock):
    refs = fake.add_random_orders(120, skus=["A", "B", "C", "D"], start=at(clock, -DAY), end=at(clock, 0))
    orders = client.orders([*reversed(refs), "NOSUCHORDER"])
    assert [order.external_id for order in orders] == list(reversed(refs))
    sizes = [len(entry["query"]["order_sn_list"].split(",")) for entry in calls(fake, ORDER_DETAIL)]
    assert sizes == [50, 50, 21]
    fields = set(calls(fake, ORDER_DETAIL)[0]["query"]["response_optional_fields"].split(","))
    assert {"item_list", "total_amount", "recipient_address", "pay_time", "buyer_username"} <= fields
    assert all(len(order.lines) == 3 for order in orders)


def test_exact_money_and_the_normalized_order(fake, client, clock):
    created = at(clock, -3600).replace(microsecond=0)
    sn = fake.add_order(
        created_at=created,
        buyer_id="123456",
        buyer_name="jane.buyer",
        buyer_phone="6598765432",
        lines=[
            {"sku": "TEE-RED-M", "name": "Tee", "quantity": 1, "price": Decimal("59.9")},
            {"sku": "PIN", "name": "Pin", "quantity": 3, "price": "0.1", "model_id": 0},
        ],
        shipping_fee="0.2",
        discount="0.3",
        address={"name": "Jane", "line1": "1 Orchard Rd", "line2": "Orchard", "city": "Singapore",
                 "state": "Singapore", "postalCode": "238801", "country": "SG", "phone": "6598765432"},
    )  # fmt: skip
    raw = client._shop_call("GET", ORDER_DETAIL, params={"order_sn_list": sn, "response_optional_fields": "item_list"})
    assert raw["response"]["order_list"][0]["item_list"][0]["model_discounted_price"] == 59.9

    [order] = client.orders([sn])
    assert order.external_id == order.order_number == sn
    assert order.platform_status == "READY_TO_SHIP" and order.status == PROCESSING and order.paid
    assert order.currency == "SGD"
    assert order.created_at == created and order.created_at.tzinfo is not None
    assert order.updated_at == at(clock, 0)
    tee, pin = order.lines
    assert (tee.sku, tee.name, tee.quantity, tee.unit_price) == ("TEE-RED-M", "Tee", 1, Decimal("59.9"))
    assert (tee.item_id, tee.model_id) == tuple(str(value) for value in listing_ids("TEE-RED-M"))
    assert (pin.sku, pin.quantity, pin.unit_price, pin.model_id) == ("PIN", 3, Decimal("0.1"), "")
    assert order.subtotal == Decimal("60.2")
    assert order.shipping_fee == Decimal("0.2")
    assert order.discount == Decimal("0.3")
    assert order.total == Decimal("60.1")
    assert all(isinstance(amount, Decimal) for amount in (order.subtotal, order.total, tee.unit_price))
    assert (order.buyer_id, order.buyer_name, order.buyer_phone, order.buyer_email) == (
        "123456",
        "jane.buyer",
        "6598765432",
        "",
    )
    assert order.shipping_address == {
        "name": "Jane",
        "line1": "1 Orchard Rd",
        "line2": "Orchard",
        "city": "Singapore",
        "state": "Singapore",
        "postalCode": "238801",
        "country": "SG",
        "phone": "6598765432",
    }
    assert order.payment_method == "Credit Card/Debit Card" and not order.cash_on_delivery


def test_status_mapping(fake, client, clock):
    cases = [
        ("UNPAID", False, PENDING, False),
        ("READY_TO_SHIP", False, PROCESSING, True),
        ("PROCESSED", False, PROCESSING, True),
        ("RETRY_SHIP", False, PROCESSING, True),
        ("IN_CANCEL", False, PROCESSING, True),
        ("SHIPPED", False, SHIPPED, True),
        ("TO_CONFIRM_RECEIVE", False, DELIVERED, True),
        ("COMPLETED", False, DELIVERED, True),
        ("TO_RETURN", False, DELIVERED, True),
        ("CANCELLED", False, CANCELLED, False),
        ("READY_TO_SHIP", True, PROCESSING, False),
        ("SHIPPED", True, SHIPPED, False),
        ("COMPLETED", True, DELIVERED, True),
    ]
    refs = [fake.add_order(status=status, cash_on_delivery=cod) for status, cod, _, _ in cases]
    orders = client.orders(refs)
    assert [(order.platform_status, order.cash_on_delivery, order.status, order.paid) for order in orders] == cases

    fake.update_order(refs[0], status="READY_TO_SHIP", updated_at=at(clock, 60))
    [paid] = client.orders(refs[:1])
    assert (paid.status, paid.paid, paid.updated_at) == (PROCESSING, True, at(clock, 60))
    assert (
        ShopeeClient.normalize({"order_sn": "X", "order_status": "SOMETHING_NEW", "pay_time": 1}).status == PROCESSING
    )


# ---- stock -------------------------------------------------------------------------------------------


def test_stock_push(fake, client):
    sn = fake.add_order(
        lines=[
            {"sku": "SKU-A", "name": "A", "quantity": 1, "price": "5"},
            {"sku": "SKU-A2", "name": "A2", "quantity": 1, "price": "5", "item_id": listing_ids("SKU-A")[0]},
            {"sku": "SKU-B", "name": "B", "quantity": 1, "price": "5", "model_id": 0},
        ]
    )
    a, a2, b = client.orders([sn])[0].lines
    assert a.item_id == a2.item_id
    result = client.push_stock(
        [
            StockUpdate("SKU-A", 7, a.item_id, a.model_id),
            StockUpdate("SKU-A2", -2, a2.item_id, a2.model_id),
            StockUpdate("SKU-B", 4, b.item_id, b.model_id),
            StockUpdate("SKU-GHOST", 3),
            StockUpdate("SKU-WRONG-MODEL", 1, a.item_id, "123"),
            StockUpdate("SKU-NO-ITEM", 1, "999", "1"),
        ]
    )
    assert result == {
        "SKU-A": None,
        "SKU-A2": None,
        "SKU-B": None,
        "SKU-GHOST": NO_LISTING,
        "SKU-WRONG-MODEL": "model_id is invalid",
        "SKU-NO-ITEM": "error_item_not_found: Item not found.",
    }
    assert fake.stock == {(int(a.item_id), int(a.model_id)): 7, (int(a.item_id), int(a2.model_id)): 0,
                          (int(b.item_id), 0): 4}  # fmt: skip
    pushes = calls(fake, "/api/v2/product/update_stock")
    assert len(pushes) == 3
    assert pushes[0]["body"] == {
        "item_id": int(a.item_id),
        "stock_list": [
            {"model_id": int(a.model_id), "seller_stock": [{"stock": 7}]},
            {"model_id": int(a2.model_id), "seller_stock": [{"stock": 0}]},
            {"model_id": 123, "seller_stock": [{"stock": 1}]},
        ],
    }


# ---- the fake itself ---------------------------------------------------------------------------------


def test_control_endpoints(fake, client):
    seeded = requests.post(
        f"{fake.base_url}/__fake__/orders",
        json={"orders": [{"lines": [{"sku": "X", "name": "X", "quantity": 2, "price": "1.5"}], "status": "SHIPPED"}]},
        timeout=5,
    ).json()["order_sn_list"]
    requests.post(f"{fake.base_url}/__fake__/fail-next", json={"kind": "rate_limit", "count": 1}, timeout=5)
    [order] = client.orders(seeded)
    assert (order.status, order.total) == (SHIPPED, Decimal("3"))
    log = requests.get(f"{fake.base_url}/__fake__/requests", timeout=5).json()["requests"]
    assert [entry["error"] for entry in log] == ["error_rate_limit", ""]
    requests.post(f"{fake.base_url}/__fake__/reset", timeout=5)
    assert fake.requests == [] and fake.orders() == []


def test_random_orders_are_distinct_sorted_and_deterministic(clock):
    start, end = at(clock, -60 * DAY), at(clock, 0)
    skus = [f"SKU-{index}" for index in range(40)]
    first, second = FakeShopee(clock=clock), FakeShopee(clock=clock)
    try:
        refs = first.add_random_orders(10_000, skus=skus, start=start, end=end, seed=7)
        assert refs == second.add_random_orders(10_000, skus=skus, start=start, end=end, seed=7)
        assert len(set(refs)) == 10_000
        times = [order["update_time"] for order in first.orders()]
        assert times == sorted(times)
    finally:
        first.stop()
        second.stop()
