"""The Lazada client against the local Lazada (omnisales.testing.lazada_server): signing, tokens, errors,
paging, normalized orders and stock."""

import datetime
import json
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
    AuthFailed,
    Credentials,
    MarketplaceError,
    MemoryTokenStore,
    ServerError,
    StockUpdate,
)
from marketplace.providers.lazada import LazadaClient, order_status, sign, signature_base, stock_payload
from omnisales.testing.lazada_server import FakeLazada

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


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
    with FakeLazada(clock=clock, page_size=5) as server:
        yield server


def make_client(fake, clock, *, tokens=True, secret=None, sleeps=None, **kwargs) -> LazadaClient:
    client = LazadaClient(
        credentials=Credentials(fake.api_key, secret or fake.api_secret, fake.shop_id),
        tokens=MemoryTokenStore(),
        base_url=fake.api_base_url,
        auth_base_url=fake.auth_base_url,
        clock=clock,
        sleep=(sleeps if sleeps is not None else []).append,
        **kwargs,
    )
    if tokens:
        client.tokens.tokens = client.exchange_code(code=fake.authorize("https://shop.test/cb")["code"], params={})
    return client


@pytest.fixture
def client(fake, clock):
    return make_client(fake, clock)


def calls(fake, path):
    return [entry for entry in fake.requests if entry["path"].endswith(path)]


def collect(pages):
    return [ref["order_id"] for page in pages for ref in page.refs]


# ---- signing and authorization ----------------------------------------------------------------------


def test_signature_reproduces_the_reference_vector():
    params = {
        "app_key": "123456",
        "timestamp": "1517820392000",
        "sign_method": "sha256",
        "access_token": "tok",
        "created_after": "2018-02-10T16:00:00+08:00",
        "limit": "100",
        "offset": "0",
    }
    assert signature_base("/orders/get", params) == (
        "/orders/getaccess_tokentokapp_key123456created_after2018-02-10T16:00:00+08:00limit100offset0"
        "sign_methodsha256timestamp1517820392000"
    )
    assert (
        sign("appsecret", "/orders/get", params) == "CC8771AF545A700D6AC6112756F9DCD0251E91DD91371ED851685F624B5B903E"
    )
    # `sign` itself and empty values are not signed.
    assert sign("appsecret", "/orders/get", {**params, "sign": "X", "status": ""}) == sign(
        "appsecret", "/orders/get", params
    )
    assert signature_base("/test/api", {"foo": 1, "bar": 2, "foo_bar": 3, "foobar": 4}) == (
        "/test/apibar2foo1foo_bar3foobar4"
    )


def test_authorization_url_shape(fake, clock):
    client = make_client(fake, clock, tokens=False)
    url = client.authorization_url(redirect_uri="https://shop.test/lazada/callback?x=1", state="st4te")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == fake.base_url + "/auth/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["response_type"] == ["code"]
    assert query["force_auth"] == ["true"]
    assert query["client_id"] == [fake.api_key]
    assert query["redirect_uri"] == ["https://shop.test/lazada/callback?x=1&state=st4te"]
    assert (
        LazadaClient(credentials=Credentials("123456", "s"), base_url="https://api.lazada.sg/rest")
        .authorization_url(redirect_uri="https://a.test/cb", state="s")
        .startswith("https://auth.lazada.com/oauth/authorize?")
    )


def test_consent_page_redirects_with_a_code_that_exchanges_once(fake, clock):
    client = make_client(fake, clock, tokens=False)
    url = client.authorization_url(redirect_uri="https://shop.test/cb", state="abc")
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    callback = parse_qs(location.query)
    assert callback["state"] == ["abc"]
    code = callback.pop("code")[0]

    tokens = client.exchange_code(code=code, params={key: values[0] for key, values in callback.items()})
    assert tokens.access_token and tokens.refresh_token
    assert tokens.extra == {"country": "sg", "account": f"seller{fake.shop_id}@example.com", "seller_id": fake.shop_id}
    now = datetime.datetime.fromtimestamp(clock(), UTC)
    assert tokens.expires_at == now + 30 * DAY
    assert tokens.refresh_expires_at == now + 180 * DAY
    assert calls(fake, "/auth/token/create")[0]["gateway"] == "auth"

    with pytest.raises(AuthFailed) as refused:
        client.exchange_code(code=code, params={})
    assert refused.value.code == "InvalidCode"


def test_expired_code_is_refused(fake, clock):
    client = make_client(fake, clock, tokens=False)
    code = fake.authorize("https://shop.test/cb")["code"]
    clock.advance(31 * 60)
    with pytest.raises(AuthFailed) as refused:
        client.exchange_code(code=code, params={})
    assert refused.value.code == "InvalidCode"


def test_refresh_rotates_and_keeps_the_refresh_lifetime(fake, clock, client):
    first = client.tokens.get()
    clock.advance(3600)
    second = client.refresh_tokens()
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert second.expires_at == datetime.datetime.fromtimestamp(clock(), UTC) + 30 * DAY
    assert second.refresh_expires_at == first.refresh_expires_at
    assert second.extra == first.extra
    with pytest.raises(AuthFailed) as refused:
        client._refresh(first)
    assert refused.value.code == "IllegalRefreshToken"
    assert client.check()["seller_id"] == int(fake.shop_id)


def test_expired_refresh_token_is_not_sent(fake, clock, client):
    clock.advance(181 * 86400)
    with pytest.raises(AuthFailed) as refused:
        client.check()
    assert refused.value.code == "refresh_token_expired"
    assert calls(fake, "/auth/token/refresh") == []


def test_expired_token_is_refreshed_once_then_the_call_succeeds(fake, client):
    fake.expire_access_tokens()
    assert client.check()["name"] == "Fake Lazada Shop"
    assert client.tokens.refreshes == 1
    assert [entry["error"] for entry in fake.requests[-3:]] == ["IllegalAccessToken", None, None]


def test_expiry_right_after_a_refresh_is_auth_failed(fake, client):
    fake.fail_next("token_expired", 2)
    with pytest.raises(AuthFailed) as failed:
        client.check()
    assert failed.value.code == "IllegalAccessToken"
    assert client.tokens.refreshes == 1
    assert len(calls(fake, "/seller/get")) == 2


def test_refresh_shortly_before_expiry(fake, clock, client):
    stale = client.tokens.get().access_token
    clock.advance(30 * 86400 - 120)
    client.check()
    assert client.tokens.refreshes == 1
    assert [entry["path"] for entry in fake.requests[-2:]] == ["/auth/rest/auth/token/refresh", "/rest/seller/get"]
    assert fake.requests[-1]["params"]["access_token"] != stale


def test_wrong_secret_is_auth_failed(fake, clock, client):
    wrong = make_client(fake, clock, tokens=False, secret="not-the-secret")
    wrong.tokens.tokens = client.tokens.get()
    with pytest.raises(AuthFailed) as failed:
        wrong.check()
    assert failed.value.code == "IncompleteSignature"


def test_clock_skew_is_refused(fake, clock, client):
    client.clock = lambda: clock() + 7300
    with pytest.raises(MarketplaceError) as failed:
        client.check()
    assert failed.value.code == "InvalidTimestamp"


# ---- retries --------------------------------------------------------------------------------------------


def test_rate_limit_is_retried_with_back_off(fake, clock):
    sleeps = []
    client = make_client(fake, clock, sleeps=sleeps)
    fake.fail_next("rate_limit", 2)
    assert client.check()["seller_id"] == int(fake.shop_id)
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("kind", ["server_error", "http_error"])
def test_server_errors_beyond_max_retries_raise(fake, clock, kind):
    sleeps = []
    client = make_client(fake, clock, sleeps=sleeps, max_retries=2)
    fake.fail_next(kind, 5)
    with pytest.raises(ServerError):
        client.check()
    assert len(sleeps) == 2
    assert len(calls(fake, "/seller/get")) == 3


# ---- orders ---------------------------------------------------------------------------------------------


def test_paging_and_resume(fake, client):
    ids = [
        fake.add_order(created_at=T0 + i * DAY, updated_at=T0 + i * DAY + datetime.timedelta(hours=1))
        for i in range(12)
    ]
    pages = list(client.order_pages(start=T0, end=T0 + 20 * DAY))
    assert [len(page.refs) for page in pages] == [5, 5, 2]
    assert [page.resume is None for page in pages] == [False, False, True]
    assert [str(order_id) for order_id in collect(pages)] == ids

    resumed = json.loads(json.dumps(pages[0].resume))
    rest = list(client.order_pages(start=T0, end=T0 + 20 * DAY, state=resumed))
    assert [str(order_id) for order_id in collect(rest)] == ids[5:]
    sent = calls(fake, "/orders/get")[-1]["params"]
    assert sent["sort_by"] == "updated_at" and sent["sort_direction"] == "ASC" and sent["limit"] == "100"


def test_range_is_inclusive_and_long_ranges_need_no_windows(fake, client):
    inside = [fake.add_order(updated_at=T0 + i * 40 * DAY) for i in range(10)]
    fake.add_order(updated_at=T0 + 400 * DAY)
    fake.add_order(updated_at=T0 - datetime.timedelta(seconds=1))
    pages = list(client.order_pages(start=T0, end=T0 + 360 * DAY))
    assert [str(order_id) for order_id in collect(pages)] == inside
    assert client.max_window is None


def test_orders_sharing_one_second_are_read_once(fake, client):
    ids = [fake.add_order(updated_at=T0) for _ in range(8)]
    pages = list(client.order_pages(start=T0 - DAY, end=T0 + DAY))
    assert [str(order_id) for order_id in collect(pages)] == ids
    sent = [entry["params"] for entry in calls(fake, "/orders/get")]
    assert [(params["update_after"], params["offset"]) for params in sent] == [
        ((T0 - DAY).isoformat(), "0"),
        (T0.isoformat(), "5"),
    ]

    # An order updated at the cursor's second while paging comes once, the others are not repeated.
    iterator = client.order_pages(start=T0 - DAY, end=T0 + DAY)
    first = next(iterator)
    late = fake.add_order(updated_at=T0)
    rest = list(iterator)
    assert sorted(str(order_id) for order_id in collect([first, *rest])) == sorted([*ids, late])


def test_resume_state_past_the_offset_cap_is_refused(client):
    state = {"update_after": T0.isoformat(), "offset": 5001, "seen": []}
    with pytest.raises(MarketplaceError) as failed:
        list(client.order_pages(start=T0, end=T0 + DAY, state=state))
    assert failed.value.code == "offset_limit"


def test_order_details_come_in_batches_of_fifty(fake, client):
    fake.page_size = 100
    fake.add_random_orders(60, skus=["A", "B", "C"], start=T0, end=T0 + DAY)
    refs = [ref for page in client.order_pages(start=T0, end=T0 + DAY) for ref in page.refs]
    assert len(refs) == 60
    orders = client.orders(refs)
    assert [order.external_id for order in orders] == [str(ref["order_id"]) for ref in refs]
    batches = [json.loads(entry["params"]["order_ids"]) for entry in calls(fake, "/orders/items/get")]
    assert [len(batch) for batch in batches] == [50, 10]
    assert client.detail_batch == 50

    with pytest.raises(MarketplaceError) as refused:
        client.request("GET", "/orders/items/get", {"order_ids": json.dumps(list(range(1, 52)))})
    assert refused.value.code == "InvalidParameter"


def test_order_is_normalized_with_exact_money(fake, client):
    order_id = fake.add_order(
        created_at=T0,
        updated_at=T0 + datetime.timedelta(minutes=5),
        buyer_name="Ana Lim",
        buyer_phone="+6591234567",
        lines=[
            {"sku": "TEE-RED-M", "name": "Tee red M", "quantity": 2, "price": 59.9},
            {"sku": "CAP", "name": "Cap", "quantity": 1, "price": "0.1"},
            {"sku": "PIN", "name": "Pin", "quantity": 1, "price": "0.2"},
        ],
        shipping_fee="3.5",
        discount="5",
        address={"line1": "10 Bayfront Ave", "city": "Singapore", "postalCode": "018956", "country": "Singapore"},
    )
    (order,) = client.orders(next(iter(client.order_pages(start=T0, end=T0 + DAY))).refs)
    items = fake.items[int(order_id)]
    assert len(items) == 4
    assert order.external_id == order.order_number == order_id
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("TEE-RED-M", 2, Decimal("59.9")),
        ("CAP", 1, Decimal("0.1")),
        ("PIN", 1, Decimal("0.2")),
    ]
    assert order.lines[0].external_id == str(items[0]["order_item_id"])
    assert order.lines[0].item_id == items[0]["product_id"] and order.lines[0].model_id == items[0]["sku_id"]
    assert all(isinstance(value, Decimal) for value in (order.subtotal, order.total, order.shipping_fee))
    assert order.subtotal == Decimal("120.1")
    assert order.shipping_fee == Decimal("3.5") and order.discount == Decimal("5")
    assert order.total == Decimal("118.6")
    assert (order.status, order.platform_status, order.paid, order.currency) == (PROCESSING, "pending", True, "SGD")
    assert order.created_at == T0 and order.updated_at == T0 + datetime.timedelta(minutes=5)
    assert order.buyer_name == "Ana Lim" and order.buyer_phone == "+6591234567"
    assert order.shipping_address == {
        "name": "Ana Lim",
        "line1": "10 Bayfront Ave",
        "line2": "",
        "city": "Singapore",
        "state": "",
        "postalCode": "018956",
        "country": "Singapore",
        "phone": "+6591234567",
    }


def test_cash_on_delivery_is_paid_once_delivered(fake, client):
    order_id = fake.add_order(updated_at=T0, cash_on_delivery=True)
    (order,) = client.orders([client._order(order_id)])
    assert (order.status, order.paid, order.cash_on_delivery, order.payment_method) == (PROCESSING, False, True, "COD")
    fake.update_order(order_id, status="delivered", updated_at=T0 + DAY)
    (order,) = client.orders([order_id])
    assert (order.status, order.paid) == (DELIVERED, True)
    assert order.updated_at == T0 + DAY


@pytest.mark.parametrize(
    ("statuses", "ours"),
    [
        (["unpaid"], PENDING),
        (["pending"], PROCESSING),
        (["packed", "ready_to_ship"], PROCESSING),
        (["shipped", "ready_to_ship"], PROCESSING),
        (["shipped"], SHIPPED),
        (["shipped", "delivered"], SHIPPED),
        (["failed_delivery"], SHIPPED),
        (["delivered", "confirmed"], DELIVERED),
        (["delivered", "canceled"], DELIVERED),
        (["returned"], DELIVERED),
        (["canceled"], CANCELLED),
        (["shipped_back_success"], CANCELLED),
        (["lost_by_3pl", "canceled"], CANCELLED),
        (["something_new"], PROCESSING),
    ],
)
def test_status_mapping(statuses, ours):
    assert order_status(statuses) == ours


def test_partly_cancelled_order_keeps_only_live_lines(fake, client):
    order_id = fake.add_order(
        updated_at=T0, lines=[{"sku": "A", "quantity": 2, "price": "10"}, {"sku": "B", "quantity": 1, "price": "5"}]
    )
    fake.items[int(order_id)][2]["status"] = "canceled"
    (order,) = client.orders([order_id])
    assert order.platform_status == "canceled,pending"
    assert order.status == PROCESSING
    assert [(line.sku, line.quantity) for line in order.lines] == [("A", 2)]
    fake.update_order(order_id, status="canceled")
    (order,) = client.orders([order_id])
    assert (order.status, order.paid) == (CANCELLED, False)
    assert [(line.sku, line.quantity) for line in order.lines] == [("A", 2), ("B", 1)]


def test_random_orders_are_distinct_and_deterministic(fake):
    ids = fake.add_random_orders(10_000, skus=[f"S{i}" for i in range(30)], start=T0, end=T0 + 30 * DAY, seed=3)
    assert len(set(ids)) == 10_000
    with FakeLazada(clock=fake.clock) as other:
        other.add_random_orders(50, skus=[f"S{i}" for i in range(30)], start=T0, end=T0 + 30 * DAY, seed=3)
        assert [other.orders[int(i)]["updated_at"] for i in ids[:50]] == [
            fake.orders[int(i)]["updated_at"] for i in ids[:50]
        ]


# ---- stock ----------------------------------------------------------------------------------------------


def test_stock_push_sets_stock_and_reports_unknown_skus(fake, client):
    fake.stock.update({"TEE-RED-M": 3, "A&B<C>": 0})
    result = client.push_stock(
        [StockUpdate("TEE-RED-M", 7), StockUpdate("A&B<C>", 2), StockUpdate("NOPE", 1), StockUpdate("TEE-RED-M", 9)]
    )
    assert result == {"TEE-RED-M": None, "A&B<C>": None, "NOPE": "SELLER_SKU_NOT_FOUND"}
    assert fake.stock == {"TEE-RED-M": 9, "A&B<C>": 2}
    (call,) = calls(fake, "/product/price_quantity/update")
    assert call["method"] == "POST" and "payload" in call["body"] and "payload" not in call["query"]


def test_stock_push_batches_fifty_skus_and_clamps_negatives(fake, client):
    fake.stock.update({f"S{i}": 5 for i in range(120)})
    result = client.push_stock([StockUpdate(f"S{i}", -1 if i == 0 else i) for i in range(120)])
    assert set(result.values()) == {None}
    assert fake.stock["S0"] == 0 and fake.stock["S119"] == 119
    assert len(calls(fake, "/product/price_quantity/update")) == 3


def test_stock_payload_is_escaped_xml():
    assert stock_payload([StockUpdate("A&B<C>", 2)]) == (
        "<Request><Product><Skus><Sku><SellerSku>A&amp;B&lt;C&gt;</SellerSku><Quantity>2</Quantity></Sku>"
        "</Skus></Product></Request>"
    )


# ---- control endpoints ----------------------------------------------------------------------------------


def test_control_endpoints(fake, client):
    seeded = requests.post(
        fake.base_url + "/__fake__/orders",
        json={"orders": [{"updated_at": T0.isoformat(), "lines": [{"sku": "X", "quantity": 1, "price": "2.50"}]}]},
        timeout=5,
    ).json()["order_ids"]
    requests.post(fake.base_url + "/__fake__/fail-next", json={"kind": "rate_limit"}, timeout=5)
    (order,) = client.orders([ref for page in client.order_pages(start=T0, end=T0 + DAY) for ref in page.refs])
    assert order.external_id == seeded[0] and order.total == Decimal("2.5")
    log = requests.get(fake.base_url + "/__fake__/requests", timeout=5).json()["requests"]
    answered = [(entry.get("injected"), entry["error"]) for entry in log if entry["path"] == "/rest/orders/get"]
    assert answered == [("rate_limit", "ApiCallLimit"), (None, None)]
    assert requests.post(fake.base_url + "/__fake__/reset", timeout=5).status_code == 200
    assert fake.orders == {} and fake.requests == []
