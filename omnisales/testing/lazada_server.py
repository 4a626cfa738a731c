"""A local Lazada Open Platform (LazOP) for tests: both gateways on one port, checked like Lazada checks them.

- API gateway under `/rest` (`api_base_url`), auth gateway under `/auth/rest` (`auth_base_url`); the
  seller's consent page is `GET /auth/oauth/authorize?client_id=&redirect_uri=…` and redirects (302) to
  `redirect_uri` with `code` appended, as if the seller had approved.
- Every call must carry `app_key`, `timestamp` (ms since the epoch, or ISO-8601; within 7200 s of the
  fake's clock), `sign_method=sha256` and `sign`: upper-case hex HMAC-SHA256 keyed with the app secret
  over the API path + key+value of every other non-empty parameter sorted by key (query and form
  together). Seller calls need a live `access_token`. Errors are Lazada's: HTTP 200 with
  `{"type", "code", "message", "request_id"}` (MissingParameter, InvalidAppKey, InvalidTimestamp,
  IncompleteSignature, IllegalAccessToken, InvalidApiPath, InvalidParameter, InvalidCode,
  IllegalRefreshToken); success is `code` "0".
- Auth: `/auth/token/create` (`code`: single use, 30 minutes) and `/auth/token/refresh` (`refresh_token`:
  single use, rotated; the new access token lives `expires_in` again, the refresh token keeps its first
  expiry) answer Lazada's flat token body with `country`, `account` and `country_user_info`.
- `GET /seller/get`; `GET /orders/get` (`update_after`/`update_before` or `created_after`/`created_before`,
  inclusive, ISO-8601 with an offset; `status`, `sort_by`, `sort_direction`, `offset` ≤ 5000, `limit` ≤ 100
  and at most `page_size` orders a page; `countTotal`); `GET /order/get?order_id=`;
  `GET /orders/items/get?order_ids=[…]` (JSON array, ≤ 50) and `GET /order/items/get?order_id=`. One item
  per unit, money as strings ("59.90"), times like `2024-05-01 10:00:00 +0800` (whole seconds).
- `POST /product/price_quantity/update` with `payload` = `<Request><Product><Skus><Sku><SellerSku>…
  </SellerSku><Quantity>…</Quantity></Sku>…</Skus></Product></Request>` (≤ 50 SKUs): sets `stock`; the SKUs
  it refuses (unknown, negative or missing quantity) are listed in `detail` as
  `{"field", "seller_sku", "message"}` while the others are applied, and `code` stays "0". Known SKUs
  are those in `stock` (orders add theirs with quantity 0).

Control endpoints (JSON bodies): POST /__fake__/reset, GET /__fake__/requests, POST /__fake__/fail-next
{"kind", "count"}, POST /__fake__/orders {"orders": [add_order arguments, times in ISO-8601]} (or one
order), POST /__fake__/orders/{id} {"status", "updated_at"}, POST /__fake__/authorize {"redirect_uri"},
POST /__fake__/tokens {"expires_in"}, POST /__fake__/expire-tokens, GET /__fake__/stock.
Injected failures (`fail_next`) hit API-gateway calls only, after the signature check.
"""

import bisect
import functools
import hashlib
import hmac
import json
import random
import secrets
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit

from .fake_http import JsonHandler, ServesHTTP

API_PREFIX = "/rest"
AUTH_PREFIX = "/auth/rest"
AUTHORIZE_PATH = "/auth/oauth/authorize"
SELLER_TZ = timezone(timedelta(hours=8))
MAX_SKEW = 7200
CODE_LIFETIME = 1800
ACCESS_LIFETIME = 30 * 86400
REFRESH_LIFETIME = 180 * 86400
MAX_LIMIT, MAX_OFFSET, MAX_ORDER_IDS, MAX_SKUS = 100, 5000, 50, 50
CENT = Decimal("0.01")
FAILURES = {
    "rate_limit": (200, "ISV", "ApiCallLimit", "The request has exceeded the limit of API calls"),
    "server_error": (200, "ISP", "ServiceUnavailable", "The service is temporarily unavailable"),
    "token_expired": (200, "ISV", "IllegalAccessToken", "The specified access token is invalid or expired"),
    "http_error": (502, "", "", ""),
}
SHIPPING_FEES = ("0", "1.99", "3.50")
RANDOM_STATUSES = ("unpaid", "pending", "pending", "packed", "ready_to_ship", "shipped", "delivered", "canceled")


class LazadaFailure(Exception):
    def __init__(self, code: str, message: str, error_type: str = "ISV"):
        super().__init__(message)
        self.code, self.message, self.type = code, message, error_type


def signature(secret: str, path: str, params: dict) -> str:
    """Lazada's `sign`, computed independently of the client."""
    base = path + "".join(f"{key}{params[key]}" for key in sorted(params) if key != "sign" and params[key] != "")
    return hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


@functools.lru_cache(maxsize=4096)
def _amount(text: str) -> str:
    return str(Decimal(text).quantize(CENT))


def _money(value) -> str:
    return _amount(str(value))


def _stamp(ts: int) -> str:
    return datetime.fromtimestamp(ts, SELLER_TZ).strftime("%Y-%m-%d %H:%M:%S +0800")


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("aware datetimes only")
    return int(moment.timestamp())


def _request_id() -> str:
    return secrets.token_hex(15)


class FakeLazada(ServesHTTP):
    """Use as a context manager; `configure(settings)` points the app at it."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        shop_id: str | None = None,
        clock=time.time,
        page_size: int = 5,
        country: str = "sg",
    ):
        self.api_key = api_key or str(100000 + secrets.randbelow(900000))
        self.api_secret = api_secret or secrets.token_urlsafe(24)
        self.shop_id = shop_id or str(1000000000 + secrets.randbelow(9000000000))
        self.clock, self.page_size, self.country = clock, page_size, country
        self.lock = threading.RLock()
        self.reset()
        self._serve(_Handler)

    # -- lifecycle ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forgets orders, stock, codes, tokens, injected failures and the request log (not the credentials)."""
        with self.lock:
            self.codes: dict[str, float] = {}
            self.access_tokens: dict[str, float] = {}
            self.refresh_tokens: dict[str, float] = {}
            self.orders: dict[int, dict] = {}
            self.items: dict[int, list[dict]] = {}
            self.stock: dict[str, int] = {}
            self.requests: list[dict] = []
            self.failures: list[str] = []
            self._updated: dict[int, int] = {}
            self._created: dict[int, int] = {}
            self._index: list[tuple[int, int]] = []  # (updated_at, order_id), sorted
            self._products: dict[str, tuple[str, str]] = {}
            self._next_order = 400_000_000_000_001
            self._next_item = 500_000_000_000_001

    @property
    def api_base_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def auth_base_url(self) -> str:
        return self.base_url + AUTH_PREFIX

    def configure(self, settings) -> None:
        settings.LAZADA_API_BASE = self.api_base_url
        settings.LAZADA_AUTH_BASE = self.auth_base_url

    # -- authorization -----------------------------------------------------------------------------

    def authorize(self, redirect_uri: str) -> dict:
        """The seller approves the app: the query parameters Lazada appends to `redirect_uri`."""
        code = f"0_{self.api_key}_{secrets.token_urlsafe(18)}"
        with self.lock:
            self.codes[code] = self.clock() + CODE_LIFETIME
        return {"code": code}

    def issue_tokens(self, expires_in: int = ACCESS_LIFETIME) -> dict:
        """Tokens as `/auth/token/create` answers them (valid here)."""
        with self.lock:
            return self._token_answer(expires_in, self.clock() + REFRESH_LIFETIME)

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens:
                self.access_tokens[token] = 0.0

    def _token_answer(self, expires_in: int, refresh_expires_at: float) -> dict:
        now = self.clock()
        access, refresh = "50000" + secrets.token_hex(20), "50001" + secrets.token_hex(20)
        self.access_tokens[access] = now + expires_in
        self.refresh_tokens[refresh] = refresh_expires_at
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": int(expires_in),
            "refresh_expires_in": max(0, int(refresh_expires_at - now)),
            "country": self.country,
            "account_platform": "seller_center",
            "account": f"seller{self.shop_id}@example.com",
            "country_user_info": [
                {
                    "country": self.country,
                    "seller_id": self.shop_id,
                    "user_id": str(int(self.shop_id) + 7),
                    "short_code": f"{self.country.upper()}{self.shop_id[-6:]}",
                }
            ],
            "code": "0",
            "request_id": _request_id(),
        }

    def fail_next(self, kind: str, count: int = 1) -> None:
        if kind not in FAILURES:
            raise ValueError(f"unknown failure {kind!r}: one of {', '.join(FAILURES)}")
        with self.lock:
            self.failures.extend([kind] * count)

    # -- orders ------------------------------------------------------------------------------------

    def _product(self, sku: str, item_id=None, model_id=None) -> tuple[str, str]:
        """Lazada's listing ids of a SKU (stable per SKU unless the line names them); the SKU becomes known."""
        self.stock.setdefault(sku, 0)
        known = self._products.get(sku)
        if known is None:
            number = len(self._products) + 1
            known = self._products[sku] = (
                str(item_id or 3_000_000_000 + number),
                str(model_id or 9_000_000_000 + number),
            )
        return (str(item_id or known[0]), str(model_id or known[1]))

    def _build(
        self,
        order_id: int,
        created: int,
        updated: int,
        status: str,
        lines: list[dict],
        *,
        buyer_id: str = "",
        buyer_name: str = "Buyer One",
        buyer_phone: str = "",
        shipping_fee="0",
        discount="0",
        currency: str = "SGD",
        cash_on_delivery: bool = False,
        address: dict | None = None,
    ) -> tuple[dict, list[dict]]:
        created_at, updated_at = _stamp(created), _stamp(updated)
        items, price = [], Decimal("0")
        for line in lines:
            sku = str(line["sku"])
            product_id, sku_id = self._product(sku, line.get("item_id"), line.get("model_id"))
            unit, quantity = _money(line["price"]), int(line.get("quantity", 1))
            price += Decimal(unit) * quantity
            for _ in range(quantity):
                items.append(
                    {
                        "order_item_id": self._next_item,
                        "order_id": order_id,
                        "name": str(line.get("name") or sku),
                        "sku": sku,
                        "shop_sku": f"{product_id}_{self.country.upper()}AMZ-{sku_id}",
                        "product_id": product_id,
                        "sku_id": sku_id,
                        "item_price": unit,
                        "paid_price": unit,
                        "currency": currency,
                        "status": status,
                        "tracking_code": "",
                        "shipping_type": "Dropshipping",
                        "created_at": created_at,
                        "updated_at": updated_at,
                        "product_main_image": "",
                    }
                )
                self._next_item += 1
        address = address or {}
        first_name = address.get("name") or buyer_name
        order = {
            "order_id": order_id,
            "order_number": order_id,
            "created_at": created_at,
            "updated_at": updated_at,
            "price": _money(price),
            "voucher": _money(discount),
            "voucher_seller": _money(discount),
            "voucher_platform": "0.00",
            "shipping_fee": _money(shipping_fee),
            "items_count": len(items),
            "payment_method": "COD" if cash_on_delivery else "MIXEDCARD",
            "statuses": [status],
            "customer_first_name": buyer_name,
            "customer_last_name": "",
            "remarks": "",
            "warehouse_code": "dropshipping",
            "address_shipping": {
                "first_name": first_name,
                "last_name": "",
                "phone": address.get("phone") or buyer_phone,
                "phone2": "",
                "address1": address.get("line1", "1 Fake Street #01-01"),
                "address2": address.get("line2", ""),
                "address3": address.get("state", ""),
                "address4": "",
                "address5": "",
                "city": address.get("city", "Singapore"),
                "post_code": address.get("postalCode", "018956"),
                "country": address.get("country", "Singapore"),
            },
        }
        if buyer_id:
            order["buyer_id"] = buyer_id
        return order, items

    def _store(self, order: dict, items: list[dict], created: int, updated: int) -> None:
        order_id = order["order_id"]
        self.orders[order_id], self.items[order_id] = order, items
        self._created[order_id], self._updated[order_id] = created, updated

    def add_order(
        self,
        *,
        external_id=None,
        status: str | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        buyer_id: str = "",
        buyer_name: str = "Buyer One",
        buyer_email: str = "",
        buyer_phone: str = "",
        lines: list[dict] | None = None,
        shipping_fee="0",
        discount="0",
        currency: str = "SGD",
        cash_on_delivery: bool = False,
        address: dict | None = None,
    ) -> str:
        """An order with one item per unit (Lazada has no buyer e-mail: `buyer_email` is dropped)."""
        with self.lock:
            if external_id is None:
                order_id = self._next_order
            elif str(external_id).isdigit():
                order_id = int(external_id)
            else:
                raise ValueError("Lazada order ids are numbers")
            if order_id in self.orders:
                raise ValueError(f"order {order_id} exists")
            self._next_order = max(self._next_order, order_id + 1)
            now = int(self.clock())
            created = _epoch(created_at) if created_at else now
            updated = _epoch(updated_at) if updated_at else now
            order, items = self._build(
                order_id,
                created,
                updated,
                status or "pending",
                lines or [{"sku": "SKU-1", "name": "Item", "quantity": 1, "price": "10.00"}],
                buyer_id=buyer_id,
                buyer_name=buyer_name,
                buyer_phone=buyer_phone,
                shipping_fee=shipping_fee,
                discount=discount,
                currency=currency,
                cash_on_delivery=cash_on_delivery,
                address=address,
            )
            self._store(order, items, created, updated)
            bisect.insort(self._index, (updated, order_id))
            return str(order_id)

    def update_order(self, external_id, *, status: str | None = None, updated_at: datetime | None = None) -> None:
        """Sets every item's status (when given) and moves the order's update time (default now)."""
        order_id = int(external_id)
        with self.lock:
            order, old = self.orders[order_id], self._updated[order_id]
            updated = _epoch(updated_at) if updated_at else int(self.clock())
            del self._index[bisect.bisect_left(self._index, (old, order_id))]
            bisect.insort(self._index, (updated, order_id))
            self._updated[order_id] = updated
            stamp = _stamp(updated)
            order["updated_at"] = stamp
            for item in self.items[order_id]:
                item["updated_at"] = stamp
                if status:
                    item["status"] = status
            order["statuses"] = sorted({item["status"] for item in self.items[order_id]})

    def add_random_orders(
        self, n: int, *, skus: list[str], lines_per_order: int = 3, start: datetime, end: datetime, seed: int = 0
    ) -> list[str]:
        """`n` deterministic orders created and updated between `start` and `end`."""
        rng = random.Random(seed)
        first, span = _epoch(start), max(0, _epoch(end) - _epoch(start))
        prices = {sku: _money(Decimal(rng.randint(100, 9999)) / 100) for sku in skus}
        ids = []
        with self.lock:
            for _ in range(n):
                order_id = self._next_order
                self._next_order += 1
                created = first + int(rng.random() * span)
                updated = created + int(rng.random() * (first + span - created))
                # Consecutive SKUs from a random one: distinct, and much cheaper than rng.sample.
                first_sku = int(rng.random() * len(skus))
                lines = [
                    {
                        "sku": sku,
                        "name": f"Product {sku}",
                        "quantity": 2 if rng.random() < 0.25 else 1,
                        "price": prices[sku],
                    }
                    for sku in (skus[(first_sku + k) % len(skus)] for k in range(min(lines_per_order, len(skus))))
                ]
                order, items = self._build(
                    order_id,
                    created,
                    updated,
                    RANDOM_STATUSES[int(rng.random() * len(RANDOM_STATUSES))],
                    lines,
                    buyer_name=f"Buyer {order_id % 1000}",
                    shipping_fee=SHIPPING_FEES[int(rng.random() * len(SHIPPING_FEES))],
                    cash_on_delivery=rng.random() < 0.3,
                )
                self._store(order, items, created, updated)
                self._index.append((updated, order_id))
                ids.append(str(order_id))
            self._index.sort()
        return ids

    # -- wire --------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, bytes, dict]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/__fake__/"):
            status, payload = self._control(method, path, body)
            return status, json.dumps(payload).encode(), {}
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        form = {}
        if body and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        params = {**query, **form}
        if path == AUTHORIZE_PATH:
            return self._authorize_page(query)
        if path.startswith(AUTH_PREFIX + "/"):
            gateway, api_path = "auth", path[len(AUTH_PREFIX) :]
        elif path.startswith(API_PREFIX + "/"):
            gateway, api_path = "api", path[len(API_PREFIX) :]
        else:
            gateway, api_path = "", path
        entry = {"method": method, "path": path, "gateway": gateway, "query": query, "body": form, "params": params}
        with self.lock:
            self.requests.append(entry)
            try:
                if not gateway:
                    raise LazadaFailure("InvalidApiPath", "The specified API path is invalid")
                self._verify(api_path, params)
                if gateway == "api" and self.failures:
                    kind = self.failures.pop(0)
                    status, error_type, code, message = FAILURES[kind]
                    entry["injected"] = kind
                    if status != 200:
                        entry["error"] = f"http_{status}"
                        return status, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}
                    raise LazadaFailure(code, message, error_type)
                answer = self._route(gateway, api_path, params, method)
                entry["error"] = None
                return 200, json.dumps(answer).encode(), {}
            except LazadaFailure as exc:
                entry["error"] = exc.code
                error = {"type": exc.type, "code": exc.code, "message": exc.message, "request_id": _request_id()}
                return 200, json.dumps(error).encode(), {}

    def _authorize_page(self, query: dict) -> tuple[int, bytes, dict]:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.api_key or query.get("response_type") != "code" or not redirect_uri:
            return 400, json.dumps({"error": "invalid_request"}).encode(), {}
        separator = "&" if urlsplit(redirect_uri).query else "?"
        location = redirect_uri + separator + urlencode(self.authorize(redirect_uri))
        return 302, b"", {"Location": location}

    def _verify(self, api_path: str, params: dict) -> None:
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                raise LazadaFailure(
                    "MissingParameter",
                    f'The input parameter "{name}" that is mandatory for processing this request is not supplied',
                )
        if params["app_key"] != self.api_key:
            raise LazadaFailure("InvalidAppKey", "The specified app key is invalid")
        if params["sign_method"] != "sha256":
            raise LazadaFailure("InvalidParameter", "The specified sign_method is not supported")
        stamp = params["timestamp"]
        try:
            sent = int(stamp) / 1000 if stamp.isdigit() else datetime.fromisoformat(stamp).timestamp()
        except ValueError:
            sent = None
        if sent is None or abs(self.clock() - sent) > MAX_SKEW:
            raise LazadaFailure("InvalidTimestamp", "The specified timestamp is invalid or expired")
        if not hmac.compare_digest(signature(self.api_secret, api_path, params), params["sign"]):
            raise LazadaFailure("IncompleteSignature", "The request signature does not conform to lazada standards")

    def _seller(self, params: dict) -> None:
        token = params.get("access_token")
        if not token:
            raise LazadaFailure(
                "MissingParameter",
                'The input parameter "access_token" that is mandatory for processing this request is not supplied',
            )
        if self.access_tokens.get(token, 0.0) <= self.clock():
            raise LazadaFailure("IllegalAccessToken", "The specified access token is invalid or expired")

    def _route(self, gateway: str, api_path: str, params: dict, method: str) -> dict:
        if gateway == "auth":
            if api_path == "/auth/token/create":
                return self._token_create(params)
            if api_path == "/auth/token/refresh":
                return self._token_refresh(params)
            raise LazadaFailure("InvalidApiPath", "The specified API path is invalid")
        routes = {
            "/seller/get": self._seller_get,
            "/orders/get": self._orders_get,
            "/order/get": self._order_get,
            "/orders/items/get": self._orders_items_get,
            "/order/items/get": self._order_items_get,
            "/product/price_quantity/update": self._price_quantity_update,
        }
        handler = routes.get(api_path)
        if handler is None:
            raise LazadaFailure("InvalidApiPath", "The specified API path is invalid")
        self._seller(params)
        if api_path == "/product/price_quantity/update" and method != "POST":
            raise LazadaFailure("InvalidParameter", "This API only accepts POST")
        return {"code": "0", "request_id": _request_id(), **handler(params)}

    def _token_create(self, params: dict) -> dict:
        code = params.get("code", "")
        expires = self.codes.pop(code, None)
        if expires is None or expires < self.clock():
            raise LazadaFailure("InvalidCode", "Invalid authorization code")
        return self._token_answer(ACCESS_LIFETIME, self.clock() + REFRESH_LIFETIME)

    def _token_refresh(self, params: dict) -> dict:
        expires = self.refresh_tokens.pop(params.get("refresh_token", ""), None)
        if expires is None or expires <= self.clock():
            raise LazadaFailure("IllegalRefreshToken", "The specified refresh token is invalid or expired")
        return self._token_answer(ACCESS_LIFETIME, expires)

    def _seller_get(self, params: dict) -> dict:
        return {
            "data": {
                "name": "Fake Lazada Shop",
                "name_company": "Fake Shop Pte Ltd",
                "seller_id": int(self.shop_id),
                "short_code": f"{self.country.upper()}{self.shop_id[-6:]}",
                "email": f"seller{self.shop_id}@example.com",
                "location": "Singapore",
                "status": "ACTIVE",
                "verified": True,
                "cb": False,
            }
        }

    @staticmethod
    def _time(params: dict, name: str, *, ceil: bool) -> int | None:
        value = params.get(name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise LazadaFailure("InvalidParameter", f"Invalid {name}: ISO-8601 with an offset expected")
        seconds = moment.timestamp()
        whole = int(seconds)
        return whole + 1 if ceil and whole < seconds else whole

    @staticmethod
    def _int(params: dict, name: str, default: int, low: int, high: int) -> int:
        try:
            value = int(params.get(name) or default)
        except ValueError:
            value = -1
        if not low <= value <= high:
            raise LazadaFailure("InvalidParameter", f"Invalid {name}: between {low} and {high}")
        return value

    def _orders_get(self, params: dict) -> dict:
        update_after = self._time(params, "update_after", ceil=True)
        update_before = self._time(params, "update_before", ceil=False)
        created_after = self._time(params, "created_after", ceil=True)
        created_before = self._time(params, "created_before", ceil=False)
        if update_after is None and created_after is None:
            raise LazadaFailure("MissingParameter", "One of created_after and update_after is required")
        offset = self._int(params, "offset", 0, 0, MAX_OFFSET)
        limit = self._int(params, "limit", 10, 1, MAX_LIMIT)
        sort_by = params.get("sort_by") or "created_at"
        direction = (params.get("sort_direction") or "DESC").upper()
        if sort_by not in ("created_at", "updated_at") or direction not in ("ASC", "DESC"):
            raise LazadaFailure("InvalidParameter", "Invalid sort_by or sort_direction")
        status = params.get("status") or "all"
        low = bisect.bisect_left(self._index, (update_after, 0)) if update_after is not None else 0
        high = bisect.bisect_right(self._index, (update_before, sys.maxsize)) if update_before is not None else None
        size = min(limit, self.page_size)
        simple = created_after is None and created_before is None and status == "all" and sort_by == "updated_at"
        if simple and direction == "ASC":
            high = len(self._index) if high is None else high
            total = max(0, high - low)
            page = [order_id for _, order_id in self._index[low + offset : min(high, low + offset + size)]]
        else:
            matches = [
                order_id
                for _, order_id in self._index[low:high]
                if (created_after is None or self._created[order_id] >= created_after)
                and (created_before is None or self._created[order_id] <= created_before)
                and (status == "all" or status in self.orders[order_id]["statuses"])
            ]
            if sort_by == "created_at":
                matches.sort(key=lambda order_id: (self._created[order_id], order_id))
            if direction == "DESC":
                matches.reverse()
            total, page = len(matches), matches[offset : offset + size]
        orders = [self.orders[order_id] for order_id in page]
        return {"data": {"count": str(len(orders)), "countTotal": str(total), "orders": orders}}

    def _find(self, value) -> int:
        order_id = int(value) if str(value).isdigit() else None
        if order_id not in self.orders:
            raise LazadaFailure("InvalidOrderId", f"Order {value} not found")
        return order_id

    def _order_get(self, params: dict) -> dict:
        return {"data": self.orders[self._find(params.get("order_id", ""))]}

    def _order_items_get(self, params: dict) -> dict:
        return {"data": self.items[self._find(params.get("order_id", ""))]}

    def _orders_items_get(self, params: dict) -> dict:
        try:
            ids = json.loads(params.get("order_ids") or "")
        except ValueError:
            ids = None
        if not isinstance(ids, list) or not ids:
            raise LazadaFailure("InvalidParameter", "order_ids must be a JSON array of order ids")
        if len(ids) > MAX_ORDER_IDS:
            raise LazadaFailure("InvalidParameter", f"order_ids takes at most {MAX_ORDER_IDS} ids")
        data = []
        for value in ids:
            order_id = int(value) if str(value).isdigit() else None
            if order_id in self.orders:
                order = self.orders[order_id]
                data.append(
                    {"order_id": order_id, "order_number": order["order_number"], "order_items": self.items[order_id]}
                )
        return {"data": data}

    def _price_quantity_update(self, params: dict) -> dict:
        try:
            root = ElementTree.fromstring(params.get("payload") or "")
        except ElementTree.ParseError:
            raise LazadaFailure("InvalidParameter", "payload is not valid XML") from None
        skus = root.findall("./Product/Skus/Sku")
        if root.tag != "Request" or not skus:
            raise LazadaFailure("InvalidParameter", "payload: Request/Product/Skus/Sku expected")
        if len(skus) > MAX_SKUS:
            raise LazadaFailure("InvalidParameter", f"At most {MAX_SKUS} SKUs per request")
        detail = []
        for node in skus:
            seller_sku = (node.findtext("SellerSku") or "").strip()
            quantity = (node.findtext("Quantity") or "").strip()
            if seller_sku not in self.stock:
                reason = "SELLER_SKU_NOT_FOUND"
            elif not quantity.lstrip("-").isdigit():
                reason = "Quantity is required and must be a whole number"
            elif int(quantity) < 0:
                reason = "Negative value is not allowed"
            else:
                self.stock[seller_sku] = int(quantity)
                continue
            detail.append({"field": "SellerSku", "seller_sku": seller_sku, "message": reason})
        return {"detail": detail} if detail else {}

    # -- control endpoints -------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        try:
            options = json.loads(body or b"{}") if method == "POST" else {}
        except ValueError:
            return 400, {"error": "JSON body expected"}
        parts = path.removeprefix("/__fake__/").split("/")
        try:
            if parts == ["requests"] and method == "GET":
                with self.lock:
                    return 200, {"requests": json.loads(json.dumps(self.requests))}
            if parts == ["stock"] and method == "GET":
                with self.lock:
                    return 200, {"stock": dict(self.stock)}
            if method != "POST":
                return 405, {"error": "POST expected"}
            if parts == ["reset"]:
                self.reset()
                return 200, {}
            if parts == ["fail-next"]:
                self.fail_next(str(options.get("kind", "server_error")), int(options.get("count", 1)))
                return 200, {}
            if parts == ["authorize"]:
                return 200, self.authorize(str(options.get("redirect_uri", "")))
            if parts == ["tokens"]:
                return 200, self.issue_tokens(int(options.get("expires_in", ACCESS_LIFETIME)))
            if parts == ["expire-tokens"]:
                self.expire_access_tokens()
                return 200, {}
            if parts == ["orders"]:
                seeds = options.get("orders", [options]) if isinstance(options, dict) else options
                return 200, {"order_ids": [self.add_order(**_seed(seed)) for seed in seeds]}
            if len(parts) == 2 and parts[0] == "orders":
                updated_at = options.get("updated_at")
                self.update_order(
                    parts[1],
                    status=options.get("status"),
                    updated_at=datetime.fromisoformat(updated_at) if updated_at else None,
                )
                return 200, {"order": self.orders[int(parts[1])]}
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            return 400, {"error": f"{exc.__class__.__name__}: {exc}"}
        return 404, {"error": f"Unknown control endpoint {path}"}


def _seed(seed: dict) -> dict:
    seed = dict(seed)
    for name in ("created_at", "updated_at"):
        if seed.get(name):
            moment = datetime.fromisoformat(seed[name])
            seed[name] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return seed


class _Handler(JsonHandler):
    do_GET = do_POST = JsonHandler.respond

    def encode(self, payload: bytes, extra_headers: dict) -> tuple[bytes, str | None]:
        # The fake answers bytes (JSON, or the gateway's HTML page with its own Content-Type).
        return payload, None if "Content-Type" in extra_headers else self.content_type
