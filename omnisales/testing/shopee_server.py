"""A local Shopee Open Platform (API v2) for tests: one partner app, one shop, checked like Shopee.

Every call needs `partner_id` (the fake's, numeric), `timestamp` (unix seconds, within 300 s of the
fake's clock) and `sign` in the query string: hex(HMAC-SHA256(partner_key, partner_id + path + timestamp))
for the public calls, with `access_token + shop_id` appended for the shop calls, which must carry the
access token and the shop id it was issued for. Refusals are Shopee's bodies (`error`, `message`,
`request_id`): `error_param` (missing or bad parameter, wrong partner id, stale timestamp, limits),
`error_sign` ("Wrong sign."), `invalid_acceess_token` (sic: unknown or expired access token),
`error_auth` (a code or refresh token that is unknown, used or expired; a shop not linked),
`error_rate_limit` (429), `error_server` (500), `error_not_found`, `error_item_not_found`.

Implemented:
  GET  /api/v2/shop/auth_partner        the seller approves at once: 302 to `redirect` + code & shop_id
  POST /api/v2/auth/token/get           {code, shop_id, partner_id}: code single use, 10 minutes
  POST /api/v2/auth/access_token/get    {refresh_token, partner_id, shop_id}: refresh token single use,
                                        a new pair each time; the old access token lives 5 more minutes
  GET  /api/v2/shop/get_shop_info
  GET  /api/v2/order/get_order_list     time_range_field, time_from/time_to (<= 15 days), page_size
                                        (1-100; pages hold at most `page_size` of the fake), cursor,
                                        order_status, response_optional_fields=order_status
  GET  /api/v2/order/get_order_detail   order_sn_list (1-50), response_optional_fields honoured
  POST /api/v2/product/update_stock     {item_id, stock_list: [{model_id, seller_stock: [{stock}]}]} (<= 50)
Money goes out as JSON floats in major units (59.9), as Shopee sends it. Order lines carry an
item_id/model_id derived from the SKU (`listing_ids(sku)`; model_id 0: an item without variants);
`stock` maps (item_id, model_id) to what the pushes set.

Control endpoints (no signature): POST /__fake__/reset, GET /__fake__/requests,
POST /__fake__/fail-next {"kind": "rate_limit"|"server_error"|"token_expired", "count": 1},
POST /__fake__/orders {"orders": [add_order keywords, datetimes as ISO strings]} (or one order),
POST /__fake__/orders/<order_sn> {"status", "updated_at"}, POST /__fake__/authorize {"redirect_uri"},
POST /__fake__/tokens {"expires_in"}, POST /__fake__/expire-tokens, GET /__fake__/stock.
`delay_seconds` (default 0) makes every API call wait that long before it is answered (a slow platform).
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import hmac
import json
import random
import secrets
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .fake_http import JsonHandler, ServesHTTP

UTC = datetime.UTC
AUTH_PARTNER = "/api/v2/shop/auth_partner"
TOKEN_GET = "/api/v2/auth/token/get"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"
PUBLIC_PATHS = {AUTH_PARTNER, TOKEN_GET, TOKEN_REFRESH}

ACCESS_LIFETIME = 4 * 3600
REFRESH_LIFETIME = 30 * 86400
CODE_LIFETIME = 600
GRACE_AFTER_REFRESH = 300
TIMESTAMP_TOLERANCE = 300
MAX_WINDOW = 15 * 86400

STATUSES = {
    "UNPAID", "PENDING", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE",
    "IN_CANCEL", "CANCELLED", "TO_RETURN", "COMPLETED", "INVOICE_PENDING",
}  # fmt: skip
UNPAID = {"UNPAID", "PENDING", "CANCELLED"}  # a new order in these states has not been paid
COD_PAID = {"TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
DEFAULT_FIELDS = (
    "order_sn", "region", "currency", "cod", "order_status", "create_time", "update_time", "days_to_ship",
    "ship_by_date", "message_to_seller",
)  # fmt: skip
FAILURES = {
    "rate_limit": (429, "error_rate_limit", "Too many requests, please try again later."),
    "server_error": (500, "error_server", "Something wrong with the server, please try again later."),
    "token_expired": (403, "invalid_acceess_token", "Invalid access_token."),
}
STATUS_OF = {
    "error_param": 400,
    "error_sign": 403,
    "error_auth": 403,
    "invalid_acceess_token": 403,
    "error_not_found": 404,
    "error_item_not_found": 404,
    "error_rate_limit": 429,
    "error_server": 500,
}
_SN_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_RANDOM_STATUSES = ["READY_TO_SHIP"] * 4 + ["PROCESSED", "SHIPPED", "SHIPPED", "COMPLETED", "COMPLETED", "UNPAID"]
DEFAULT_LINE = {"sku": "SKU-1", "name": "Item", "quantity": 1, "price": "10"}
_RANDOM_PRICES = ["9.9", "19.9", "59.9", "0.1", "0.2", "12.5", "99", "149.9", "3.33", "7.05"]


class ShopeeRefusal(Exception):
    def __init__(self, error: str, message: str, status: int | None = None):
        super().__init__(message)
        self.error, self.message, self.status = error, message, status or STATUS_OF.get(error, 400)


def sign(partner_key: str, partner_id, path: str, timestamp, access_token: str = "", shop_id="") -> str:
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def _stable_int(text: str, low: int, span: int) -> int:
    return low + int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") % span


@functools.cache
def listing_ids(sku: str) -> tuple[int, int]:
    """The (item_id, model_id) the fake gives a SKU's listing: stable, so pushes can address it."""
    return _stable_int("item:" + sku, 10**9, 9 * 10**9), _stable_int("model:" + sku, 10**10, 9 * 10**10)


def _unix(moment) -> int:
    if isinstance(moment, int | float):
        return int(moment)
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("the fake wants aware datetimes")
    return int(moment.timestamp())


def _float(amount: Decimal) -> float:
    return float(amount)


def _int_param(query: dict, name: str, *, required: bool = True) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        if required:
            raise ShopeeRefusal("error_param", f"no {name}")
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ShopeeRefusal("error_param", f"Invalid {name}: {raw}") from None


class FakeShopee(ServesHTTP):
    """Use as a context manager; `configure(settings)` points the app at it."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        shop_id: str | None = None,
        clock=time.time,
        page_size: int = 5,
        shop_name: str = "Omni Test Shop",
        region: str = "SG",
    ):
        self.api_key = str(api_key or 1_000_000 + secrets.randbelow(9_000_000))
        self.api_secret = api_secret or "shpk" + secrets.token_hex(30)
        self.shop_id = str(shop_id or 100_000_000 + secrets.randbelow(900_000_000))
        self.clock, self.page_size = clock, page_size
        self.shop_name, self.region = shop_name, region
        self.delay_seconds = 0.0  # a test may slow every API call (not the control endpoints) by this much
        self.lock = threading.RLock()
        self.reset()
        self._serve(_Handler)

    # -- lifecycle -------------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.requests: list[dict] = []
            self.stock: dict[tuple[int, int], int] = {}
            self.listings: dict[int, set[int]] = {}
            self.codes: dict[str, dict] = {}
            self.access_tokens: dict[str, dict] = {}
            self.refresh_tokens: dict[str, dict] = {}
            self._failures: list[str] = []
            self._orders: list[dict] = []  # sorted by (update_time, seq)
            self._keys: list[tuple[int, int]] = []
            self._by_sn: dict[str, dict] = {}
            self._seq = 0

    def configure(self, settings) -> None:
        settings.SHOPEE_API_BASE = self.base_url

    def now(self) -> int:
        return int(self.clock())

    # -- the seller's side -------------------------------------------------------------------------------

    def authorize(self, redirect_uri: str) -> dict:
        """The seller approved: the query parameters Shopee appends to the redirect URI."""
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = {"shop_id": int(self.shop_id), "expires_at": self.now() + CODE_LIFETIME, "used": False}
        return {"code": code, "shop_id": self.shop_id}

    def _new_pair(self, expires_in: int = ACCESS_LIFETIME) -> dict:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        now = self.now()
        self.access_tokens[access] = {"shop_id": int(self.shop_id), "expires_at": now + expires_in}
        self.refresh_tokens[refresh] = {
            "shop_id": int(self.shop_id),
            "expires_at": now + REFRESH_LIFETIME,
            "used": False,
            "access_token": access,
        }
        return {"access_token": access, "refresh_token": refresh, "expires_in": expires_in}

    def issue_tokens(self, expires_in: int = ACCESS_LIFETIME) -> dict:
        with self.lock:
            return self._new_pair(expires_in)

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens.values():
                token["expires_at"] = min(token["expires_at"], self.now() - 1)

    def fail_next(self, kind: str, count: int = 1) -> None:
        """The next `count` API calls answer Shopee's error for `kind` (token_expired: shop calls only)."""
        if kind not in FAILURES:
            raise ValueError(f"unknown failure kind {kind!r}")
        with self.lock:
            self._failures.extend([kind] * count)

    # -- orders ------------------------------------------------------------------------------------------

    def _new_sn(self, moment: int, rng=None) -> str:
        prefix = datetime.datetime.fromtimestamp(moment, UTC).strftime("%y%m%d")
        while True:
            if rng is None:
                tail = "".join(secrets.choice(_SN_CHARS) for _ in range(8))
            else:
                tail = "".join(rng.choices(_SN_CHARS, k=8))
            if prefix + tail not in self._by_sn:
                return prefix + tail

    def _line(self, line: dict) -> dict:
        sku = str(line.get("sku") or "")
        item_id, model_id = listing_ids(sku)
        item_id = int(line.get("item_id") or item_id)
        model_id = int(line["model_id"]) if line.get("model_id") is not None else model_id
        self.listings.setdefault(item_id, set()).add(model_id)
        return {
            "sku": sku,
            "name": str(line.get("name") or sku),
            "quantity": int(line.get("quantity", 1)),
            "price": Decimal(str(line.get("price", "0"))),
            "item_id": item_id,
            "model_id": model_id,
            "order_item_id": item_id,
        }

    def _record(self, *, sn: str, status: str, created: int, updated: int, cod: bool, lines: list, **fields) -> dict:
        if status not in STATUSES:
            raise ValueError(f"unknown Shopee order status {status!r}")
        self._seq += 1
        paid = status in COD_PAID if cod else status not in UNPAID
        return {
            "order_sn": sn,
            "status": status,
            "create_time": created,
            "update_time": updated,
            "pay_time": updated if paid else None,
            "buyer_user_id": str(fields["buyer_id"] or ""),
            "buyer_username": fields["buyer_name"],
            "buyer_phone": fields["buyer_phone"],
            "lines": lines,
            "shipping_fee": Decimal(str(fields["shipping_fee"])),
            "discount": Decimal(str(fields["discount"])),
            "currency": fields["currency"],
            "cod": bool(cod),
            "address": fields["address"],
            "payment_method": fields["payment_method"] or ("Cash on Delivery" if cod else "Credit Card/Debit Card"),
            "note": fields["note"],
            "seq": self._seq,
        }

    def _insert(self, order: dict) -> None:
        key = (order["update_time"], order["seq"])
        index = bisect.bisect_right(self._keys, key)
        self._keys.insert(index, key)
        self._orders.insert(index, order)
        self._by_sn[order["order_sn"]] = order

    def add_order(
        self,
        *,
        external_id: str | None = None,
        status: str | None = None,
        created_at=None,
        updated_at=None,
        buyer_id: str = "",
        buyer_name: str = "Buyer One",
        buyer_email: str = "",  # Shopee never shows the buyer's email
        buyer_phone: str = "",
        lines: list[dict] | None = None,
        shipping_fee="0",
        discount="0",
        currency: str = "SGD",
        cash_on_delivery: bool = False,
        address: dict | None = None,
        payment_method: str = "",
        note: str = "",
    ) -> str:
        with self.lock:
            now = self.now()
            created = _unix(created_at) if created_at is not None else now
            updated = _unix(updated_at) if updated_at is not None else now
            sn = external_id or self._new_sn(created)
            if sn in self._by_sn:
                raise ValueError(f"order {sn} exists")
            order = self._record(
                sn=sn,
                status=status or "READY_TO_SHIP",
                created=created,
                updated=updated,
                buyer_id=buyer_id,
                buyer_name=buyer_name,
                buyer_phone=buyer_phone,
                lines=[self._line(line) for line in (lines if lines is not None else [DEFAULT_LINE])],
                shipping_fee=shipping_fee,
                discount=discount,
                currency=currency,
                cod=cash_on_delivery,
                address=address,
                payment_method=payment_method,
                note=note,
            )
            self._insert(order)
            return sn

    def update_order(self, external_id: str, *, status: str | None = None, updated_at=None) -> None:
        with self.lock:
            order = self._by_sn[external_id]
            if status is not None and status not in STATUSES:
                raise ValueError(f"unknown Shopee order status {status!r}")
            index = bisect.bisect_left(self._keys, (order["update_time"], order["seq"]))
            del self._keys[index], self._orders[index]
            self._seq += 1
            order["seq"] = self._seq
            order["update_time"] = _unix(updated_at) if updated_at is not None else self.now()
            if status is not None:
                order["status"] = status
                paid = status in COD_PAID if order["cod"] else status not in UNPAID
                if paid and order["pay_time"] is None:
                    order["pay_time"] = order["update_time"]
            self._insert(order)

    def add_random_orders(
        self, n: int, *, skus: list[str], lines_per_order: int = 3, start, end, seed: int = 0
    ) -> list[str]:
        """`n` orders updated between `start` and `end`, the same for the same seed."""
        rng = random.Random(seed)
        low, high = _unix(start), _unix(end)
        per_order = min(lines_per_order, len(skus))
        created_orders = []
        with self.lock:
            templates = {
                sku: self._line({"sku": sku, "name": f"Product {sku}", "price": rng.choice(_RANDOM_PRICES)})
                for sku in skus
            }
            for _ in range(n):
                buyer = rng.randint(1, max(1, n * 3 // 10))  # about three orders per buyer: returning customers
                updated = rng.randint(low, high)
                created = updated - rng.randint(0, 3 * 86400)
                cod = rng.random() < 0.1
                order = self._record(
                    sn=self._new_sn(created, rng),
                    status=rng.choice(_RANDOM_STATUSES),
                    created=created,
                    updated=updated,
                    buyer_id=str(10_000_000 + buyer),
                    buyer_name=f"buyer{buyer}",
                    buyer_phone=f"659{buyer:07d}",  # a Singapore mobile, the buyer's own
                    lines=[{**templates[sku], "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, per_order)],
                    shipping_fee=rng.choice(("0", "1.99", "3.5")),
                    discount="0",
                    currency="SGD",
                    cod=cod,
                    address=None,
                    payment_method="",
                    note="",
                )
                self._by_sn[order["order_sn"]] = order
                created_orders.append(order)
            self._orders.extend(created_orders)
            self._orders.sort(key=lambda order: (order["update_time"], order["seq"]))
            self._keys = [(order["update_time"], order["seq"]) for order in self._orders]
        return [order["order_sn"] for order in created_orders]

    def orders(self) -> list[dict]:
        with self.lock:
            return list(self._orders)

    # -- rendering ---------------------------------------------------------------------------------------

    def _address(self, order: dict) -> dict:
        address = order["address"] or {
            "name": order["buyer_username"],
            "line1": "1 Fake Street, #01-01",
            "line2": "Downtown",
            "city": "Singapore",
            "state": "Singapore",
            "postalCode": "018956",
            "country": self.region,
            # Shopee shows sellers a masked phone unless the buyer's own is given.
            "phone": order["buyer_phone"] or "******" + (order["buyer_user_id"] or "00")[-2:],
        }
        return {
            "name": address.get("name", ""),
            "phone": address.get("phone") or order["buyer_phone"],
            "town": "",
            "district": address.get("line2", ""),
            "city": address.get("city", ""),
            "state": address.get("state", ""),
            "region": address.get("country", ""),
            "zipcode": address.get("postalCode", ""),
            "full_address": address.get("line1", ""),
        }

    def _detail(self, order: dict, fields: set[str]) -> dict:
        detail = {
            "order_sn": order["order_sn"],
            "region": self.region,
            "currency": order["currency"],
            "cod": order["cod"],
            "order_status": order["status"],
            "create_time": order["create_time"],
            "update_time": order["update_time"],
            "days_to_ship": 3,
            "ship_by_date": order["create_time"] + 3 * 86400,
            "message_to_seller": "",
        }
        subtotal = sum((line["quantity"] * line["price"] for line in order["lines"]), Decimal("0"))
        optional = {
            "buyer_user_id": lambda: int(order["buyer_user_id"]) if order["buyer_user_id"].isdigit() else 0,
            "buyer_username": lambda: order["buyer_username"],
            "recipient_address": lambda: self._address(order),
            "estimated_shipping_fee": lambda: _float(order["shipping_fee"]),
            "actual_shipping_fee": lambda: _float(order["shipping_fee"]),
            "total_amount": lambda: _float(subtotal + order["shipping_fee"] - order["discount"]),
            "payment_method": lambda: order["payment_method"],
            "note": lambda: order["note"],
            "pay_time": lambda: order["pay_time"],
            "shipping_carrier": lambda: "Standard Delivery",
            "cancel_reason": lambda: "",
            "item_list": lambda: [
                {
                    "item_id": line["item_id"],
                    "item_name": line["name"],
                    "item_sku": "" if line["model_id"] else line["sku"],
                    "model_id": line["model_id"],
                    "model_name": "",
                    "model_sku": line["sku"] if line["model_id"] else "",
                    "model_quantity_purchased": line["quantity"],
                    "model_original_price": _float(line["price"]),
                    "model_discounted_price": _float(line["price"]),
                    "order_item_id": line["order_item_id"],
                    "promotion_group_id": 0,
                    "wholesale": False,
                }
                for line in order["lines"]
            ],
        }
        for name in fields:
            if name in optional and not (name == "pay_time" and order["pay_time"] is None):
                detail[name] = optional[name]()
        return detail

    # -- wire --------------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict | None, dict]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/__fake__/"):
            return self._control(method, path, body)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        entry = {"method": method, "path": path, "query": query, "body": None, "error": ""}
        with self.lock:
            self.requests.append(entry)
        try:
            if method == "POST":
                try:
                    entry["body"] = json.loads(body or b"null")
                except ValueError:
                    raise ShopeeRefusal("error_param", "Invalid request body, it should be json.") from None
                if not isinstance(entry["body"], dict):
                    raise ShopeeRefusal("error_param", "Invalid request body, it should be json.")
            status, payload, extra = self._api(method, path, query, entry["body"] or {})
        except ShopeeRefusal as exc:
            entry["error"] = exc.error
            return exc.status, {"error": exc.error, "message": exc.message, "request_id": secrets.token_hex(16)}, {}
        if payload is not None:
            payload = {"error": "", "message": "", "request_id": secrets.token_hex(16), **payload}
        return status, payload, extra

    def _api(self, method: str, path: str, query: dict, body: dict) -> tuple[int, dict | None, dict]:
        routes = {
            ("GET", AUTH_PARTNER): self._auth_partner,
            ("POST", TOKEN_GET): self._token_get,
            ("POST", TOKEN_REFRESH): self._token_refresh,
            ("GET", "/api/v2/shop/get_shop_info"): self._shop_info,
            ("GET", "/api/v2/order/get_order_list"): self._order_list,
            ("GET", "/api/v2/order/get_order_detail"): self._order_detail,
            ("POST", "/api/v2/product/update_stock"): self._update_stock,
        }
        handler = routes.get((method, path))
        if handler is None:
            raise ShopeeRefusal("error_not_found", "Invalid api path.")
        if _int_param(query, "partner_id") != int(self.api_key):
            raise ShopeeRefusal("error_param", "Invalid partner_id.")
        timestamp = _int_param(query, "timestamp")
        if abs(self.now() - timestamp) > TIMESTAMP_TOLERANCE:
            raise ShopeeRefusal("error_param", "Invalid timestamp.")
        shop = path not in PUBLIC_PATHS
        token, shop_id = (query.get("access_token", ""), query.get("shop_id", "")) if shop else ("", "")
        if shop and not token:
            raise ShopeeRefusal("error_param", "no access_token")
        if shop and not shop_id:
            raise ShopeeRefusal("error_param", "no shop_id")
        expected = sign(self.api_secret, int(self.api_key), path, timestamp, token, shop_id)
        if not hmac.compare_digest(query.get("sign", ""), expected):
            raise ShopeeRefusal("error_sign", "Wrong sign.")
        if path != AUTH_PARTNER:
            with self.lock:
                failure = next(
                    (kind for kind in self._failures if shop or kind != "token_expired"),
                    None,
                )
                if failure is not None:
                    self._failures.remove(failure)
            if failure is not None:
                status, error, message = FAILURES[failure]
                raise ShopeeRefusal(error, message, status)
        if shop:
            self._check_token(token, shop_id)
        with self.lock:
            return handler(query, body)

    def _check_token(self, token: str, shop_id: str) -> None:
        with self.lock:
            if _int_param({"shop_id": shop_id}, "shop_id") != int(self.shop_id):
                raise ShopeeRefusal("error_auth", "partner and shop has no linked.")
            issued = self.access_tokens.get(token)
            if issued is None or issued["expires_at"] < self.now() or issued["shop_id"] != int(shop_id):
                raise ShopeeRefusal("invalid_acceess_token", "Invalid access_token.")

    def _auth_partner(self, query: dict, body: dict):
        redirect = query.get("redirect")
        if not redirect:
            raise ShopeeRefusal("error_param", "no redirect")
        params = self.authorize(redirect)
        parts = urlsplit(redirect)
        location = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, urlencode(params)]))))
        return 302, None, {"Location": location}

    def _body_partner(self, body: dict) -> None:
        if body.get("partner_id") != int(self.api_key):
            raise ShopeeRefusal("error_param", "Invalid partner_id.")

    def _token_get(self, query: dict, body: dict):
        self._body_partner(body)
        code = self.codes.get(str(body.get("code") or ""))
        if code is None or code["used"] or code["expires_at"] < self.now() or body.get("shop_id") != code["shop_id"]:
            raise ShopeeRefusal("error_auth", "Invalid code.")
        code["used"] = True
        tokens = self._new_pair()
        return 200, {**tokens, "expire_in": tokens.pop("expires_in")}, {}

    def _token_refresh(self, query: dict, body: dict):
        self._body_partner(body)
        stored = self.refresh_tokens.get(str(body.get("refresh_token") or ""))
        if stored is None or stored["used"] or stored["expires_at"] < self.now():
            raise ShopeeRefusal("error_auth", "Invalid refresh_token.")
        if body.get("shop_id") != stored["shop_id"]:
            raise ShopeeRefusal("error_auth", "Invalid refresh_token.")
        stored["used"] = True
        previous = self.access_tokens.get(stored["access_token"])
        if previous is not None:
            previous["expires_at"] = min(previous["expires_at"], self.now() + GRACE_AFTER_REFRESH)
        tokens = self._new_pair()
        return (
            200,
            {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "expire_in": tokens["expires_in"],
                "partner_id": int(self.api_key),
                "shop_id": stored["shop_id"],
            },
            {},
        )

    def _shop_info(self, query: dict, body: dict):
        now = self.now()
        return (
            200,
            {
                "shop_name": self.shop_name,
                "region": self.region,
                "status": "NORMAL",
                "is_cb": False,
                "is_sip": False,
                "auth_time": now,
                "expire_time": now + 365 * 86400,
            },
            {},
        )

    def _order_list(self, query: dict, body: dict):
        field = query.get("time_range_field")
        if field not in ("create_time", "update_time"):
            raise ShopeeRefusal("error_param", "time_range_field should be create_time or update_time.")
        time_from, time_to = _int_param(query, "time_from"), _int_param(query, "time_to")
        if time_from > time_to:
            raise ShopeeRefusal("error_param", "time_from should be earlier than time_to.")
        if time_to - time_from > MAX_WINDOW:
            raise ShopeeRefusal("error_param", "The time range between time_from and time_to cannot exceed 15 days.")
        page_size = _int_param(query, "page_size")
        if not 1 <= page_size <= 100:
            raise ShopeeRefusal("error_param", "page_size should be between 1 and 100.")
        cursor = query.get("cursor", "")
        if cursor and not cursor.isdigit():
            raise ShopeeRefusal("error_param", "Invalid cursor.")
        offset = int(cursor or 0)
        if field == "update_time":
            low = bisect.bisect_left(self._keys, (time_from, -1))
            high = bisect.bisect_left(self._keys, (time_to + 1, -1))
            matching = self._orders[low:high]
        else:
            matching = [order for order in self._orders if time_from <= order["create_time"] <= time_to]
            matching.sort(key=lambda order: (order["create_time"], order["seq"]))
        wanted = query.get("order_status")
        if wanted:
            matching = [order for order in matching if order["status"] == wanted]
        size = min(page_size, self.page_size)
        page = matching[offset : offset + size]
        more = offset + size < len(matching)
        with_status = "order_status" in query.get("response_optional_fields", "").split(",")
        order_list = [
            {"order_sn": order["order_sn"], "order_status": order["status"]}
            if with_status
            else {"order_sn": order["order_sn"]}
            for order in page
        ]
        return (
            200,
            {"response": {"more": more, "next_cursor": str(offset + size) if more else "", "order_list": order_list}},
            {},
        )

    def _order_detail(self, query: dict, body: dict):
        numbers = [sn for sn in query.get("order_sn_list", "").split(",") if sn]
        if not 1 <= len(numbers) <= 50:
            raise ShopeeRefusal("error_param", "order_sn_list should have 1 to 50 order_sn.")
        fields = set(filter(None, query.get("response_optional_fields", "").split(",")))
        order_list = [self._detail(self._by_sn[sn], fields) for sn in numbers if sn in self._by_sn]
        missing = [sn for sn in numbers if sn not in self._by_sn]
        answer = {"response": {"order_list": order_list}}
        if missing:
            answer["warning"] = f"order_sn not found: {','.join(missing)}"
        return 200, answer, {}

    def _update_stock(self, query: dict, body: dict):
        item_id = body.get("item_id")
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise ShopeeRefusal("error_param", "item_id should be an integer.")
        if item_id not in self.listings:
            raise ShopeeRefusal("error_item_not_found", "Item not found.")
        stock_list = body.get("stock_list")
        if not isinstance(stock_list, list) or not 1 <= len(stock_list) <= 50:
            raise ShopeeRefusal("error_param", "stock_list should have 1 to 50 entries.")
        success, failure = [], []
        for entry in stock_list:
            model_id = entry.get("model_id", 0) if isinstance(entry, dict) else None
            seller_stock = entry.get("seller_stock") if isinstance(entry, dict) else None
            if not isinstance(model_id, int) or model_id not in self.listings[item_id]:
                failure.append({"model_id": model_id, "failed_reason": "model_id is invalid"})
                continue
            if (
                not isinstance(seller_stock, list)
                or len(seller_stock) != 1
                or not isinstance(seller_stock[0], dict)
                or not isinstance(seller_stock[0].get("stock"), int)
                or seller_stock[0]["stock"] < 0
            ):
                failure.append({"model_id": model_id, "failed_reason": "stock is invalid"})
                continue
            self.stock[(item_id, model_id)] = seller_stock[0]["stock"]
            success.append({"model_id": model_id, "seller_stock": [{"stock": seller_stock[0]["stock"]}]})
        return 200, {"warning": "", "response": {"success_list": success, "failure_list": failure}}, {}

    # -- control endpoints -------------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict, dict]:
        try:
            options = json.loads(body or b"{}") if method == "POST" else {}
        except ValueError:
            return 400, {"error": "invalid JSON"}, {}
        parts = path.removeprefix("/__fake__/").split("/")
        try:
            if parts == ["requests"] and method == "GET":
                with self.lock:
                    return 200, {"requests": list(self.requests)}, {}
            if parts == ["stock"] and method == "GET":
                with self.lock:
                    stock = [{"item_id": i, "model_id": m, "stock": n} for (i, m), n in self.stock.items()]
                return 200, {"stock": stock}, {}
            if method != "POST":
                return 404, {"error": f"unknown control endpoint {method} {path}"}, {}
            if parts == ["reset"]:
                self.reset()
                return 200, {}, {}
            if parts == ["fail-next"]:
                self.fail_next(str(options.get("kind", "server_error")), int(options.get("count", 1)))
                return 200, {}, {}
            if parts == ["orders"]:
                orders = options.get("orders", [options])
                return 200, {"order_sn_list": [self.add_order(**order) for order in orders]}, {}
            if len(parts) == 2 and parts[0] == "orders":
                self.update_order(parts[1], status=options.get("status"), updated_at=options.get("updated_at"))
                return 200, {}, {}
            if parts == ["authorize"]:
                return 200, self.authorize(str(options["redirect_uri"])), {}
            if parts == ["tokens"]:
                return 200, self.issue_tokens(int(options.get("expires_in", ACCESS_LIFETIME))), {}
            if parts == ["expire-tokens"]:
                self.expire_access_tokens()
                return 200, {}, {}
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"error": f"{exc.__class__.__name__}: {exc}"}, {}
        return 404, {"error": f"unknown control endpoint {method} {path}"}, {}


class _Handler(JsonHandler):
    do_GET = do_POST = do_PUT = do_DELETE = JsonHandler.respond

    def encode(self, payload, extra_headers: dict) -> tuple[bytes, str | None]:
        # A redirect (payload None) has an empty body and no Content-Type.
        return super().encode(payload, extra_headers) if payload is not None else (b"", None)
