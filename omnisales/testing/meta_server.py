"""A local Meta Graph API for the Commerce Platform's order management, checked like Graph checks it.

Serves `/v{N}.0/…` on 127.0.0.1 (any version; `version` is what `configure()` tells the app to use):

- `GET /v{N}.0/dialog/oauth?client_id=&redirect_uri=&state=&scope=` (the login dialog): the seller approves
  at once; 302 to `redirect_uri?code=…&state=…`. `authorize(redirect_uri)` does the same without HTTP.
- `GET /v{N}.0/oauth/access_token`: `client_id`, `client_secret`, `redirect_uri`, `code` gives a short-lived
  token (codes are single-use, expire after 10 minutes and are bound to their redirect_uri: Graph's
  errors 100 / 36007, 36008, 36009); `grant_type=fb_exchange_token` + `fb_exchange_token` gives a new
  long-lived token (60 days). A wrong app id is error 101, a wrong app secret error 1 "Error validating
  client secret.", like Graph.
- Every other call needs `access_token` (query, form or `Authorization: Bearer`) and `appsecret_proof`
  = hex HMAC-SHA256(app secret, access token) (missing or wrong: 400, code 100, GraphMethodException);
  unknown tokens are 190, expired ones 190 / subcode 463.
- `GET /{cms-id}`: the commerce account (`id`, `display_name`, `merchant_status`, `contact_email`).
- `GET /{cms-id}/commerce_orders`: `state` (comma list of FB_PROCESSING, CREATED, IN_PROGRESS,
  COMPLETED; default CREATED only, like Graph), `updated_after` / `updated_before` (unix seconds, both
  inclusive here), `fields` (only the requested ones are answered; default `id, order_status, created,
  last_updated`; nested selections such as `buyer_details{name,email}` and `items{…}` work; an unknown
  field is error 100), `limit` (default `page_size`, at most 25) and the cursor `after`. Orders come
  oldest update first; `paging.next` is an absolute URL back to the fake carrying the same parameters.
- `GET /{order-id}` and `GET /{order-id}/items` (same field rules and paging).
- `POST /{order-id}/acknowledge_order` (`idempotency_key` required, `merchant_order_reference`
  optional): CREATED -> IN_PROGRESS; the same key answers the same result again without a second
  transition; any other order state is refused (code 100).

Simplifications: there is one app and one commerce account; tax is always 0; the order-level discount
shows only as `total_amount` being lower than items + shipping (Graph has no such field on the order);
Facebook checkout is prepaid and shares no buyer phone, so `cash_on_delivery`, `buyer_phone` and
`buyer_id` of `add_order` are accepted and not served. Graph refuses `fb_exchange_token` for an expired
token; so that the shared "expired token, refresh, retry" tests can run, `expire_access_tokens()` only
ends a token's use for API calls and the fake still exchanges it until 60 days after it was issued.

Control endpoints (no signature): POST /__fake__/reset, GET /__fake__/requests, POST /__fake__/fail-next
{"kind", "count"}, POST /__fake__/orders (or /__fake__/seed) with `add_order`'s keywords (ISO datetimes;
or {"orders": [...]}) answering {"ids": [...]}, POST /__fake__/orders/{id} {"status", "updated_at"},
POST /__fake__/expire-tokens, POST /__fake__/authorize {"redirect_uri", "state"}, POST /__fake__/tokens
{"expires_in"}.
"""

import base64
import bisect
import datetime
import hashlib
import hmac
import json
import random
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

from .fake_http import JsonHandler, ServesHTTP

UTC = datetime.UTC
VERSION = "v25.0"
STATES = ("FB_PROCESSING", "CREATED", "IN_PROGRESS", "COMPLETED")
MAX_LIMIT = 25
SHORT_LIVED = 2 * 3600
LONG_LIVED = 60 * 86400
CODE_TTL = 600
ORDER_FIELDS = (
    "id", "order_status", "created", "last_updated", "buyer_details", "channel", "merchant_order_id",
    "shipping_address", "estimated_payment_details", "selected_shipping_option", "ship_by_date",
    "is_test_order", "is_group_buy", "items",
)  # fmt: skip
DEFAULT_ORDER_FIELDS = "id,order_status,created,last_updated"
ITEM_FIELDS = ("id", "product_id", "retailer_id", "quantity", "price_per_unit", "tax_details", "product_name")
DEFAULT_ITEM_FIELDS = "id,product_id,retailer_id,quantity,price_per_unit"
ACCOUNT_FIELDS = ("id", "display_name", "merchant_status", "contact_email")
PATH = re.compile(r"^/(?P<version>v\d+\.\d+)/(?P<rest>.*)$")


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Graph's appsecret_proof: hex HMAC-SHA256 of the access token keyed with the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class GraphError(Exception):
    def __init__(self, status: int, code: int, message: str, *, type_: str = "OAuthException", subcode=None, **extra):
        super().__init__(message)
        self.status = status
        error = {"message": message, "type": type_, "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        error.update(extra)
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        self.body = {"error": error}
        self.headers: dict[str, str] = {}


def _unknown_object(object_id: str, method: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def parse_fields(text: str, node_type: str, allowed, default: str) -> dict:
    """`a,b{c,d}` -> {"a": None, "b": {"c": None, "d": None}}; unknown names are Graph's error 100."""
    text = (text or default).replace(" ", "")
    position = 0

    def parse_list() -> dict:
        nonlocal position
        result: dict = {}
        while position < len(text):
            match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, position)
            if match is None:
                raise GraphError(400, 100, f'Syntax error "Expected name." at character {position}: {text}')
            name, position = match.group(), match.end()
            sub = None
            if position < len(text) and text[position] == "{":
                position += 1
                sub = parse_list()
                if position >= len(text) or text[position] != "}":
                    raise GraphError(400, 100, f'Syntax error "Expected "}}"." at character {position}: {text}')
                position += 1
            result[name] = sub
            if position < len(text) and text[position] == ",":
                position += 1
                continue
            break
        return result

    fields = parse_list()
    if position != len(text):
        raise GraphError(400, 100, f'Syntax error "Unexpected character." at character {position}: {text}')
    for name in fields:
        if name not in allowed:
            raise GraphError(400, 100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")
    return fields


def _select(value, sub: dict | None, node_type: str):
    if sub is None or not isinstance(value, dict):
        return value
    unknown = [name for name in sub if name not in value and name not in _OPTIONAL_KEYS]
    if unknown:
        raise GraphError(
            400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type ({node_type})"
        )
    return {name: _select(value[name], sub[name], node_type) for name in sub if name in value}


_OPTIONAL_KEYS = {"email", "street2"}  # Graph leaves empty ones out instead of answering ""


def _money(amount: Decimal, currency: str) -> dict:
    return {"amount": f"{amount:.2f}", "currency": currency}


def _iso(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, UTC).isoformat()


def _timestamp(value) -> int:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("use aware datetimes")
        return int(value.timestamp())
    if isinstance(value, str):
        parsed = datetime.datetime.fromisoformat(value)
        return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())
    return int(value)


def _cursor(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> tuple[int, int]:
    try:
        left, _, right = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        return int(left), int(right)
    except ValueError:
        raise GraphError(400, 100, "(#100) The cursor is invalid") from None


@dataclass
class _Order:
    id: str
    seq: int
    state: str
    created: int
    updated: int
    buyer_name: str
    buyer_email: str
    address: dict
    lines: list[dict]
    shipping: Decimal
    discount: Decimal
    currency: str
    merchant_order_id: str = ""
    channel: str = "facebook"

    @property
    def key(self) -> tuple[int, int]:
        return self.updated, self.seq


@dataclass
class _Token:
    issued: float
    expires: float | None
    exchangeable_until: float


class FakeMeta(ServesHTTP):
    """Use as a context manager; `configure(settings)` points the app at it."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        shop_id: str | None = None,
        clock=time.time,
        page_size: int = 5,
        version: str = VERSION,
    ):
        self.api_key = api_key or str(random.randint(10**14, 10**15 - 1))  # the app id
        self.api_secret = api_secret or secrets.token_hex(16)  # the app secret
        self.shop_id = shop_id or str(random.randint(10**14, 10**15 - 1))  # the commerce account (CMS) id
        self.clock = clock
        self.page_size = page_size
        self.version = version
        self.display_name = "Fake Commerce Account"
        self.require_appsecret_proof = True
        self.stock: dict = {}  # Facebook has no stock push; kept for the shared fake API
        self._lock = threading.RLock()
        self._tokens: dict[str, _Token] = {}
        self._codes: dict[str, dict] = {}
        self.reset()
        self._serve(_Handler)

    # -- lifecycle ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forgets orders, acknowledgements, injected failures and the request log (not tokens or codes)."""
        with self._lock:
            self._keys: list[tuple[int, int]] = []  # (last_updated, seq), sorted; parallel to _sorted
            self._sorted: list[_Order] = []
            self._orders: dict[str, _Order] = {}
            self._acks: dict[str, tuple[str, int, dict]] = {}
            self._failures: list[str] = []
            self._seq = 0
            self._next_order_id = 368508827392800
            self._next_item_id = 3129078392341500
            self.requests: list[dict] = []

    def configure(self, settings) -> None:
        settings.FACEBOOK_GRAPH_API_BASE = self.base_url
        settings.FACEBOOK_LOGIN_BASE = self.base_url
        settings.FACEBOOK_GRAPH_API_VERSION = self.version

    # -- authorization -----------------------------------------------------------------------------

    def authorize(self, redirect_uri: str, *, state: str | None = None) -> dict:
        """The seller approves the app: the query parameters Facebook appends to `redirect_uri`."""
        code = "AQ" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = {"redirect_uri": redirect_uri, "expires": self.clock() + CODE_TTL, "used": False}
        return {"code": code} if state is None else {"code": code, "state": state}

    def issue_tokens(self, expires_in: int = LONG_LIVED) -> dict:
        """A long-lived token, as an operator holding one would give it; refresh_token is the same token
        (Facebook has no refresh token: the client re-exchanges the access token)."""
        token = self._new_token(expires_in)
        return {"access_token": token, "refresh_token": token, "expires_in": expires_in}

    def expire_access_tokens(self) -> None:
        with self._lock:
            now = self.clock()
            for token in self._tokens.values():
                token.expires = now - 1

    def _new_token(self, expires_in: int | None) -> str:
        token = "EAA" + secrets.token_urlsafe(64)
        now = self.clock()
        with self._lock:
            self._tokens[token] = _Token(now, None if expires_in is None else now + expires_in, now + LONG_LIVED)
        return token

    # -- failures ----------------------------------------------------------------------------------

    def fail_next(self, kind: str, count: int = 1) -> None:
        """The next `count` Graph calls (not the OAuth token endpoint nor /__fake__) answer Graph's error
        for `kind`: "rate_limit" (613), "server_error" (500, code 2) or "token_expired" (190 / 463)."""
        if kind not in ("rate_limit", "server_error", "token_expired"):
            raise ValueError(f"unknown failure kind {kind!r}")
        with self._lock:
            self._failures.extend([kind] * count)

    @staticmethod
    def _failure(kind: str) -> GraphError:
        if kind == "rate_limit":
            error = GraphError(400, 613, "(#613) Calls to this api have exceeded the rate limit.")
            error.headers["X-App-Usage"] = json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 15})
            return error
        if kind == "server_error":
            return GraphError(
                500, 2, "An unexpected error has occurred. Please retry your request later.", is_transient=True
            )
        return _expired()

    # -- orders ------------------------------------------------------------------------------------

    def add_order(
        self,
        *,
        external_id: str | None = None,
        status: str | None = None,
        created_at: datetime.datetime | None = None,
        updated_at: datetime.datetime | None = None,
        buyer_id: str = "",
        buyer_name: str = "Buyer One",
        buyer_email: str = "",
        buyer_phone: str = "",
        lines=None,
        shipping_fee="0",
        discount="0",
        currency: str = "USD",
        cash_on_delivery: bool = False,
        address: dict | None = None,
    ) -> str:
        now = int(self.clock())
        created = now if created_at is None else _timestamp(created_at)
        updated = max(created, now) if updated_at is None else _timestamp(updated_at)
        with self._lock:
            order = self._build(
                external_id=external_id,
                state=status or "CREATED",
                created=created,
                updated=updated,
                buyer_name=buyer_name,
                buyer_email=buyer_email,
                lines=lines or [],
                shipping=shipping_fee,
                discount=discount,
                currency=currency,
                address=address,
            )
            index = bisect.bisect_left(self._keys, order.key)
            self._keys.insert(index, order.key)
            self._sorted.insert(index, order)
            return order.id

    def update_order(self, external_id: str, *, status: str | None = None, updated_at=None) -> None:
        with self._lock:
            order = self._orders[external_id]
            if status is not None:
                if status not in STATES:
                    raise ValueError(f"unknown Facebook order state {status!r}")
                order.state = status
            self._move(order, int(self.clock()) if updated_at is None else _timestamp(updated_at))

    def add_random_orders(
        self,
        n: int,
        *,
        skus: list[str],
        lines_per_order: int = 3,
        start: datetime.datetime,
        end: datetime.datetime,
        seed: int = 0,
    ) -> list[str]:
        rng = random.Random(seed)
        low, span = _timestamp(start), max(0, _timestamp(end) - _timestamp(start))
        states = ("CREATED",) * 8 + ("IN_PROGRESS",) * 6 + ("COMPLETED",) * 5 + ("FB_PROCESSING",)
        cents = Decimal("0.01")
        built = []
        with self._lock:
            for index in range(n):
                created = low + rng.randint(0, span)
                updated = min(low + span, created + rng.randint(0, 3 * 86400))
                lines = [
                    {
                        "sku": rng.choice(skus),
                        "name": f"Product {index}-{position}",
                        "quantity": rng.randint(1, 3),
                        "price": rng.randint(100, 50000) * cents,
                    }
                    for position in range(rng.randint(1, lines_per_order))
                ]
                shipping = rng.choice((0, 250, 499)) * cents
                built.append(
                    self._build(
                        external_id=None,
                        state=rng.choice(states),
                        created=created,
                        updated=updated,
                        buyer_name=f"Buyer {index}",
                        buyer_email="",
                        lines=lines,
                        shipping=shipping,
                        discount=0,
                        currency="USD",
                        address=None,
                    )
                )
            pairs = sorted(zip(self._keys + [order.key for order in built], self._sorted + built, strict=True))
            self._keys = [key for key, _ in pairs]
            self._sorted = [order for _, order in pairs]
        return [order.id for order in built]

    def order(self, external_id: str) -> dict:
        """The order as Graph would answer it with every field (for assertions)."""
        with self._lock:
            return self._render(self._orders[external_id], dict.fromkeys(ORDER_FIELDS))

    def _build(
        self,
        *,
        external_id,
        state,
        created,
        updated,
        buyer_name,
        buyer_email,
        lines,
        shipping,
        discount,
        currency,
        address,
    ) -> _Order:
        if state not in STATES:
            raise ValueError(f"unknown Facebook order state {state!r}")
        if external_id is None:
            self._next_order_id += 1
            external_id = str(self._next_order_id)
        elif external_id in self._orders:
            raise ValueError(f"order {external_id} exists")
        built_lines = []
        for line in lines:
            self._next_item_id += 1
            sku = line.get("sku", "")
            built_lines.append(
                {
                    "id": str(self._next_item_id),
                    "product_id": str(line.get("item_id") or int(hashlib.sha256(sku.encode()).hexdigest()[:12], 16)),
                    "retailer_id": sku,
                    "product_name": line.get("name", sku),
                    "quantity": int(line.get("quantity", 1)),
                    "price": Decimal(str(line.get("price", "0"))),
                }
            )
        self._seq += 1
        order = _Order(
            id=str(external_id),
            seq=self._seq,
            state=state,
            created=created,
            updated=updated,
            buyer_name=buyer_name,
            buyer_email=buyer_email,
            address=self._address(address, buyer_name),
            lines=built_lines,
            shipping=Decimal(str(shipping)),
            discount=Decimal(str(discount)),
            currency=currency,
        )
        self._orders[order.id] = order
        return order

    @staticmethod
    def _address(address: dict | None, name: str) -> dict:
        address = address or {}
        return {
            "name": address.get("name", name),
            "street1": address.get("street1", address.get("line1", "1 Hacker Way")),
            "street2": address.get("street2", address.get("line2", "")),
            "city": address.get("city", "Menlo Park"),
            "state": address.get("state", "CA"),
            "postal_code": address.get("postal_code", address.get("postalCode", "94025")),
            "country": address.get("country", "US"),
        }

    def _move(self, order: _Order, updated: int) -> None:
        index = bisect.bisect_left(self._keys, order.key)
        del self._keys[index], self._sorted[index]
        order.updated = updated
        index = bisect.bisect_left(self._keys, order.key)
        self._keys.insert(index, order.key)
        self._sorted.insert(index, order)

    def _render(self, order: _Order, fields: dict) -> dict:
        answer = {}
        for name, sub in fields.items():
            if name == "items":
                item_fields = parse_fields(_joined(sub), "CommerceOrderItem", ITEM_FIELDS, DEFAULT_ITEM_FIELDS)
                answer["items"] = {"data": [self._item(order, line, item_fields) for line in order.lines]}
                continue
            value = self._field(order, name)
            if value is not None:
                answer[name] = _select(value, sub, name)
        return answer

    @staticmethod
    def _field(order: _Order, name: str):
        currency = order.currency
        if name == "id":
            return order.id
        if name == "order_status":
            return {"state": order.state}
        if name == "created":
            return _iso(order.created)
        if name == "last_updated":
            return _iso(order.updated)
        if name == "buyer_details":
            details = {"name": order.buyer_name, "email": order.buyer_email, "email_remarketing_option": False}
            if not order.buyer_email:
                del details["email"]
            return details
        if name == "channel":
            return order.channel
        if name == "merchant_order_id":
            return order.merchant_order_id or None
        if name == "shipping_address":
            return {key: value for key, value in order.address.items() if value or key not in _OPTIONAL_KEYS}
        if name in ("estimated_payment_details", "selected_shipping_option"):
            items = sum((line["price"] * line["quantity"] for line in order.lines), Decimal("0"))
            zero = Decimal("0")
            if name == "selected_shipping_option":
                return {
                    "name": "Standard",
                    "price": _money(order.shipping, currency),
                    "calculated_tax": _money(zero, currency),
                    "estimated_shipping_time": {"min_days": 3, "max_days": 7},
                }
            return {
                "subtotal": {"items": _money(items, currency), "shipping": _money(order.shipping, currency)},
                "tax": _money(zero, currency),
                "total_amount": _money(items + order.shipping - order.discount, currency),
                "tax_remitted": True,
            }
        if name == "ship_by_date":
            return (datetime.datetime.fromtimestamp(order.created, UTC) + datetime.timedelta(days=3)).date().isoformat()
        if name in ("is_test_order", "is_group_buy"):
            return False
        return None

    @staticmethod
    def _item(order: _Order, line: dict, fields: dict) -> dict:
        full = {
            "id": line["id"],
            "product_id": line["product_id"],
            "retailer_id": line["retailer_id"],
            "quantity": line["quantity"],
            "price_per_unit": _money(line["price"], order.currency),
            "tax_details": {"estimated_tax": _money(Decimal("0"), order.currency)},
            "product_name": line["product_name"],
        }
        return {name: _select(full[name], sub, name) for name, sub in fields.items()}

    # -- wire --------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, object, dict]:
        parts = urlsplit(raw_path)
        if parts.path.startswith("/__fake__/"):
            return self._control(method, parts.path, body)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if method == "POST" and body:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        entry = {"method": method, "path": parts.path, "params": params, "body": body.decode(errors="replace")}
        try:
            status, answer, extra = self._route(method, parts.path, params, headers)
        except GraphError as error:
            status, answer, extra = error.status, error.body, error.headers
            entry["error"] = error.body["error"]["code"]
        else:
            entry["error"] = None
        entry["status"] = status
        with self._lock:
            self.requests.append(entry)
        return status, answer, extra

    def _route(self, method: str, path: str, params: dict, headers) -> tuple[int, object, dict]:
        match = PATH.match(path)
        if match is None:
            raise GraphError(400, 2500, "Unknown path components: " + path)
        rest = match["rest"].strip("/")
        if method == "GET" and rest == "dialog/oauth":
            return self._dialog(params)
        if method == "GET" and rest == "oauth/access_token":
            return 200, self._access_token(params), {}
        self._authenticate(params, headers)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            raise self._failure(failure)
        node, _, edge = rest.partition("/")
        with self._lock:
            if node == self.shop_id:
                return 200, self._account(method, edge, params), {}
            order = self._orders.get(node)
            if order is None or "/" in edge:
                raise _unknown_object(node, method)
            if method == "GET" and not edge:
                fields = parse_fields(params.get("fields"), "CommerceOrder", ORDER_FIELDS, DEFAULT_ORDER_FIELDS)
                return 200, self._render(order, fields), {}
            if method == "GET" and edge == "items":
                return 200, self._items(order, params), {}
            if method == "POST" and edge == "acknowledge_order":
                return 200, self._acknowledge(order, params), {}
        raise _unknown_object(node, method)

    def _dialog(self, params: dict) -> tuple[int, object, dict]:
        if params.get("client_id") != self.api_key:
            raise GraphError(400, 101, "Error validating application. Invalid application ID.")
        redirect_uri = params.get("redirect_uri") or ""
        if not redirect_uri.startswith(("http://", "https://")):
            raise GraphError(400, 191, "The redirect_uri URL must be absolute.")
        query = self.authorize(redirect_uri, state=params.get("state"))
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {}, {"Location": redirect_uri + separator + urlencode(query)}

    def _access_token(self, params: dict) -> dict:
        if params.get("client_id") != self.api_key:
            raise GraphError(400, 101, "Error validating application. Invalid application ID.")
        if not hmac.compare_digest(params.get("client_secret", ""), self.api_secret):
            raise GraphError(400, 1, "Error validating client secret.")
        now = self.clock()
        if params.get("grant_type") == "fb_exchange_token":
            with self._lock:
                token = self._tokens.get(params.get("fb_exchange_token", ""))
                if token is None:
                    raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
                if now >= token.exchangeable_until:
                    raise _expired()
            return {"access_token": self._new_token(LONG_LIVED), "token_type": "bearer", "expires_in": LONG_LIVED}
        code = params.get("code")
        if not code:
            raise GraphError(400, 100, "Missing authorization code")
        with self._lock:
            grant = self._codes.get(code)
            if grant is None:
                raise GraphError(400, 100, "Invalid verification code format.")
            if grant["used"]:
                raise GraphError(400, 100, "This authorization code has been used.", subcode=36009)
            if now >= grant["expires"]:
                raise GraphError(400, 100, "This authorization code has expired.", subcode=36007)
            if params.get("redirect_uri") != grant["redirect_uri"]:
                raise GraphError(
                    400,
                    100,
                    "Error validating verification code. Please make sure your redirect_uri is identical to the one "
                    "you used in the OAuth dialog request",
                    subcode=36008,
                )
            grant["used"] = True
        return {"access_token": self._new_token(SHORT_LIVED), "token_type": "bearer", "expires_in": SHORT_LIVED}

    def _authenticate(self, params: dict, headers) -> None:
        token = params.get("access_token")
        authorization = headers.get("Authorization") or ""
        if not token and authorization.lower().startswith(("bearer ", "oauth ")):
            token = authorization.split(" ", 1)[1].strip()
        if not token:
            raise GraphError(400, 104, "An access token is required to request this resource.")
        if self.require_appsecret_proof:
            proof = params.get("appsecret_proof")
            if not proof:
                raise GraphError(
                    400,
                    100,
                    "API calls from the server require an appsecret_proof argument",
                    type_="GraphMethodException",
                )
            if not hmac.compare_digest(proof, appsecret_proof(self.api_secret, token)):
                raise GraphError(
                    400, 100, "Invalid appsecret_proof provided in the API argument", type_="GraphMethodException"
                )
        with self._lock:
            known = self._tokens.get(token)
        if known is None:
            raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if known.expires is not None and self.clock() >= known.expires:
            raise _expired(known.expires)

    def _account(self, method: str, edge: str, params: dict) -> dict:
        if method == "GET" and not edge:
            fields = parse_fields(params.get("fields"), "CommerceMerchantSettings", ACCOUNT_FIELDS, "id,display_name")
            full = {
                "id": self.shop_id,
                "display_name": self.display_name,
                "merchant_status": "enabled",
                "contact_email": "seller@example.com",
            }
            return {name: full[name] for name in fields}
        if method == "GET" and edge == "commerce_orders":
            return self._list(params)
        raise _unknown_object(self.shop_id, method)

    def _limit(self, params: dict) -> int:
        raw = params.get("limit")
        if raw is None:
            return self.page_size
        if not raw.isdigit():
            raise GraphError(400, 100, "(#100) Param limit must be a non-negative integer")
        return max(1, min(int(raw), MAX_LIMIT))

    def _list(self, params: dict) -> dict:
        states = set()
        for state in (params.get("state") or "CREATED").split(","):
            if state.strip() not in STATES:
                raise GraphError(400, 100, f"(#100) Param state[{len(states)}] must be one of {{{', '.join(STATES)}}}")
            states.add(state.strip())
        fields = parse_fields(params.get("fields"), "CommerceOrder", ORDER_FIELDS, DEFAULT_ORDER_FIELDS)
        limit = self._limit(params)
        try:
            after = int(params["updated_after"]) if params.get("updated_after") else None
            before = int(params["updated_before"]) if params.get("updated_before") else None
        except ValueError:
            raise GraphError(400, 100, "(#100) Param updated_after/updated_before must be a unix timestamp") from None
        low = bisect.bisect_left(self._keys, (after, -1)) if after is not None else 0
        if params.get("after"):
            low = max(low, bisect.bisect_right(self._keys, _uncursor(params["after"])))
        high = bisect.bisect_right(self._keys, (before, sys.maxsize)) if before is not None else len(self._keys)
        page, index = [], low
        while index < high and len(page) < limit:
            if self._sorted[index].state in states:
                page.append(self._sorted[index])
            index += 1
        more = any(self._sorted[rest].state in states for rest in range(index, high))
        answer: dict = {"data": [self._render(order, fields) for order in page]}
        if page:
            answer["paging"] = {"cursors": {"before": _cursor(page[0].key), "after": _cursor(page[-1].key)}}
            if more:
                query = {**params, "limit": str(limit), "after": _cursor(page[-1].key)}
                query.pop("before", None)
                answer["paging"]["next"] = (
                    f"{self.base_url}/{self.version}/{self.shop_id}/commerce_orders?" + urlencode(query)
                )
        return answer

    def _items(self, order: _Order, params: dict) -> dict:
        fields = parse_fields(params.get("fields"), "CommerceOrderItem", ITEM_FIELDS, DEFAULT_ITEM_FIELDS)
        limit = self._limit(params)
        start = 0
        if params.get("after"):
            start = _uncursor(params["after"])[1] + 1
        chunk = order.lines[start : start + limit]
        answer: dict = {"data": [self._item(order, line, fields) for line in chunk]}
        if chunk:
            last = start + len(chunk) - 1
            answer["paging"] = {"cursors": {"before": _cursor((0, start)), "after": _cursor((0, last))}}
            if last + 1 < len(order.lines):
                query = {**params, "limit": str(limit), "after": _cursor((0, last))}
                answer["paging"]["next"] = f"{self.base_url}/{self.version}/{order.id}/items?" + urlencode(query)
        return answer

    def _acknowledge(self, order: _Order, params: dict) -> dict:
        key = params.get("idempotency_key")
        if not key:
            raise GraphError(400, 100, "(#100) The parameter idempotency_key is required")
        if key in self._acks:
            order_id, status, answer = self._acks[key]
            if order_id != order.id:
                raise GraphError(400, 100, "(#100) This idempotency_key was already used for another request")
            if status != 200:
                raise GraphError(status, answer["code"], answer["message"])
            return answer
        if order.state != "CREATED":
            message = f"(#100) Cannot acknowledge order {order.id}: it is in state {order.state}, not CREATED"
            self._acks[key] = (order.id, 400, {"code": 100, "message": message})
            raise GraphError(400, 100, message)
        order.state = "IN_PROGRESS"
        order.merchant_order_id = params.get("merchant_order_reference", "")
        self._move(order, max(order.updated, int(self.clock())))
        answer = {"id": order.id, "state": order.state}
        self._acks[key] = (order.id, 200, answer)
        return answer

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, object, dict]:
        payload = json.loads(body or b"{}")
        if method == "GET" and path == "/__fake__/requests":
            with self._lock:
                return 200, list(self.requests), {}
        if method != "POST":
            return 404, {"error": "unknown control endpoint"}, {}
        if path == "/__fake__/reset":
            self.reset()
            return 200, {"ok": True}, {}
        if path == "/__fake__/fail-next":
            self.fail_next(payload.get("kind", "server_error"), int(payload.get("count", 1)))
            return 200, {"ok": True}, {}
        if path == "/__fake__/expire-tokens":
            self.expire_access_tokens()
            return 200, {"ok": True}, {}
        if path == "/__fake__/authorize":
            return 200, self.authorize(payload["redirect_uri"], state=payload.get("state")), {}
        if path == "/__fake__/tokens":
            return 200, self.issue_tokens(int(payload.get("expires_in", LONG_LIVED))), {}
        if path in ("/__fake__/orders", "/__fake__/seed"):
            specs = payload.get("orders", [payload])
            return 200, {"ids": [self.add_order(**spec) for spec in specs]}, {}
        if path.startswith("/__fake__/orders/"):
            external_id = path.rsplit("/", 1)[1]
            if external_id not in self._orders:
                return 404, {"error": f"no order {external_id}"}, {}
            self.update_order(external_id, status=payload.get("status"), updated_at=payload.get("updated_at"))
            return 200, {"ok": True}, {}
        return 404, {"error": "unknown control endpoint"}, {}


def _expired(expired_at: float | None = None) -> GraphError:
    when = datetime.datetime.fromtimestamp(expired_at or time.time(), UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
    return GraphError(400, 190, f"Error validating access token: Session has expired on {when}.", subcode=463)


def _joined(sub: dict | None) -> str:
    if not sub:
        return ""
    return ",".join(name + ("{" + _joined(inner) + "}" if inner else "") for name, inner in sub.items())


class _Handler(JsonHandler):
    content_type = "application/json; charset=UTF-8"
    do_GET = do_POST = do_DELETE = JsonHandler.respond
