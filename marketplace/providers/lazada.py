"""Lazada Open Platform (LazOP) client: seller authorization, orders and stock over Lazada's signed REST API.

Every call goes to a gateway (`base_url`, the seller's country, e.g. https://api.lazada.sg/rest; the token
calls to `auth_base_url`, https://auth.lazada.com/rest) with the system parameters `app_key`, `timestamp`
(milliseconds), `sign_method=sha256`, `access_token` (seller calls) and `sign`: the upper-case hex
HMAC-SHA256, keyed with the app secret, of the API path followed by every other non-empty parameter as
key + value, sorted by key. GET calls carry everything in the query string; POST calls carry the system
parameters in the query string and the business parameters as a form.

Lazada answers HTTP 200 whatever happens: `code` "0" is success, anything else an error body
`{"type", "code", "message", "request_id"}`. IllegalAccessToken is a TokenExpired (refresh once, repeat);
ApiCallLimit (any `…CallLimit`) is RateLimited; type SYSTEM or ISP and HTTP 5xx are ServerError;
IncompleteSignature, InvalidAppKey, InvalidCode and IllegalRefreshToken are AuthFailed; everything else
is a MarketplaceError with Lazada's code. An error carrying a per-SKU `detail` list is a business refusal
and never retried, whatever its type.

Orders: `/orders/get` filtered by update time (`update_after`/`update_before`, both inclusive, one-second
resolution), sorted by `updated_at` ascending, paged by `offset`/`limit`. Instead of walking `offset` up
to Lazada's 5000 cap, each page restarts from the last order's `updated_at` with `offset` = the number of
orders already read at exactly that second, and the ids read at that second are skipped if they turn
up again. This never needs an offset past 5000 (unless 5000 orders share one second), and an order
updated while paging moves behind the cursor instead of shifting the pages. The references are the
list's order objects; `orders()` adds their items from `/orders/items/get` (at most 50 ids a call).

Lazada has no order status, only item statuses (one item per unit: 2 units are 2 items, added up here
into one line per SKU and unit price, whose id is the first item's). Our status is that of the least
advanced item that is not cancelled; an order whose items are all cancelled is cancelled:

    unpaid                                                          -> pending
    pending, topack, packed, repacked, toship, ready_to_ship,
      ready_to_ship_pending                                         -> processing
    shipped, shipping, failed_delivery (still with the carrier)     -> shipped
    delivered, confirmed, returned (a return follows a delivery)    -> delivered
    canceled, shipped_back, shipped_back_success,
      shipped_back_failed, lost, lost_by_3pl, damaged_by_3pl,
      package_scrapped (the buyer will not get it)                  -> cancelled
    anything else                                                   -> processing

An order is paid once it is processing, shipped or delivered (cash on delivery: once delivered).
Cancelled items are left out of the lines unless every item is cancelled. Amounts: the unit price is
the item's `item_price` (before vouchers), the discount the order's `voucher`, and the total Lazada's
`price` − `voucher` + `shipping_fee`.

Stock: `/product/price_quantity/update` with an XML payload of at most 50 `<Sku>` (`SellerSku`,
`Quantity`); Lazada lists the SKUs it refused in `detail` ([{"seller_sku", "message"}]).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape

from .base import (
    CANCELLED,
    DELIVERED,
    PENDING,
    PROCESSING,
    SHIPPED,
    UTC,
    AuthFailed,
    ExternalLine,
    ExternalOrder,
    MarketplaceClient,
    MarketplaceError,
    Page,
    RateLimited,
    ServerError,
    StockUpdate,
    TokenExpired,
    Tokens,
    chunks,
    money,
)

API_GATEWAYS = {
    "sg": "https://api.lazada.sg/rest",
    "my": "https://api.lazada.com.my/rest",
    "th": "https://api.lazada.co.th/rest",
    "vn": "https://api.lazada.vn/rest",
    "ph": "https://api.lazada.com.ph/rest",
    "id": "https://api.lazada.co.id/rest",
}
AUTH_GATEWAY = "https://auth.lazada.com/rest"
CURRENCIES = {"sg": "SGD", "my": "MYR", "th": "THB", "vn": "VND", "ph": "PHP", "id": "IDR"}

MAX_LIMIT = 100  # orders per /orders/get page
MAX_OFFSET = 5000
MAX_ORDER_IDS = 50  # ids per /orders/items/get
MAX_SKUS = 50  # SKUs per /product/price_quantity/update

ITEM_STATUSES = {
    "unpaid": PENDING,
    "pending": PROCESSING,
    "topack": PROCESSING,
    "packed": PROCESSING,
    "repacked": PROCESSING,
    "toship": PROCESSING,
    "ready_to_ship": PROCESSING,
    "ready_to_ship_pending": PROCESSING,
    "shipped": SHIPPED,
    "shipping": SHIPPED,
    "failed_delivery": SHIPPED,
    "delivered": DELIVERED,
    "confirmed": DELIVERED,
    "returned": DELIVERED,
    "canceled": CANCELLED,
    "cancelled": CANCELLED,
    "shipped_back": CANCELLED,
    "shipped_back_success": CANCELLED,
    "shipped_back_failed": CANCELLED,
    "lost": CANCELLED,
    "lost_by_3pl": CANCELLED,
    "damaged_by_3pl": CANCELLED,
    "package_scrapped": CANCELLED,
}
_PROGRESS = {PENDING: 0, PROCESSING: 1, SHIPPED: 2, DELIVERED: 3}

TOKEN_CODES = {"IllegalAccessToken"}
AUTH_CODES = {"IncompleteSignature", "InvalidAppKey", "InvalidCode", "IllegalRefreshToken"}
SERVER_TYPES = {"SYSTEM", "ISP"}


def signature_base(path: str, params: dict[str, Any]) -> str:
    """The string Lazada signs: the API path, then key + value of every non-empty parameter but `sign`,
    sorted by key."""
    return path + "".join(
        f"{key}{params[key]}" for key in sorted(params) if key != "sign" and params[key] not in (None, "")
    )


def sign(secret: str, path: str, params: dict[str, Any]) -> str:
    return hmac.new(secret.encode(), signature_base(path, params).encode(), hashlib.sha256).hexdigest().upper()


def item_status(status: str) -> str:
    return ITEM_STATUSES.get(status.strip().lower(), PROCESSING)


def order_status(statuses: Iterable[str]) -> str:
    """Our status for a Lazada order from the set of its item statuses (see the module's table)."""
    ours = [item_status(status) for status in statuses if status]
    live = [status for status in ours if status != CANCELLED]
    if not live:
        return CANCELLED if ours else PENDING
    return min(live, key=_PROGRESS.__getitem__)


def parse_time(value: Any) -> datetime.datetime:
    """Lazada's `2018-02-10 16:00:00 +0800` (or ISO-8601) as an aware UTC datetime."""
    text = str(value).strip()
    if len(text) == 25 and text[19] == " ":
        text = text[:19] + text[20:]  # "… 16:00:00 +0800" -> "… 16:00:00+0800", which fromisoformat reads
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime.datetime) -> str:
    """Lazada's filter format: ISO-8601 with an offset, whole seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def stock_payload(updates: Sequence[StockUpdate]) -> str:
    skus = "".join(
        f"<Sku><SellerSku>{escape(update.sku)}</SellerSku><Quantity>{max(0, int(update.quantity))}</Quantity></Sku>"
        for update in updates
    )
    return f"<Request><Product><Skus>{skus}</Skus></Product></Request>"


def _error(body: dict[str, Any], status: int) -> MarketplaceError:
    code = str(body.get("code") or "")
    message = str(body.get("message") or code or f"HTTP {status}")
    kwargs = {"code": code, "status": status, "request_id": str(body.get("request_id") or "")}
    detail = body.get("detail")
    if isinstance(detail, list) and detail:
        error = MarketplaceError(message, **kwargs)
        error.detail = detail
        return error
    if code in TOKEN_CODES:
        return TokenExpired(message, **kwargs)
    if code.endswith("CallLimit"):
        return RateLimited(message, **kwargs)
    if code in AUTH_CODES:
        return AuthFailed(message, **kwargs)
    if status >= 500 or str(body.get("type") or "").upper() in SERVER_TYPES:
        return ServerError(message, **kwargs)
    return MarketplaceError(message, **kwargs)


def _failures(detail: Any) -> dict[str, str]:
    if not isinstance(detail, list):
        return {}
    return {
        str(entry["seller_sku"]): str(entry.get("message") or "refused")
        for entry in detail
        if isinstance(entry, dict) and entry.get("seller_sku") not in (None, "")
    }


def _order_id(value: Any) -> Any:
    text = str(value)
    return int(text) if text.isdigit() else text


class LazadaClient(MarketplaceClient):
    platform = "lazada"
    max_window = None
    detail_batch = MAX_ORDER_IDS

    def __init__(self, *, page_size: int = MAX_LIMIT, **kwargs):
        if not 1 <= page_size <= MAX_LIMIT:
            raise ValueError(f"page_size must be between 1 and {MAX_LIMIT}")
        kwargs["auth_base_url"] = kwargs.get("auth_base_url") or AUTH_GATEWAY
        super().__init__(**kwargs)
        self.page_size = page_size

    # ---- wire ----------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        auth: bool = False,
        authorized: bool = True,
    ) -> dict[str, Any]:
        """One signed call (with refresh and retries): Lazada's whole answer when `code` is "0".
        `auth`: on the auth gateway; `authorized`: with the seller's access token."""
        business = {key: str(value) for key, value in (params or {}).items() if value not in (None, "")}
        url = (self.auth_base_url if auth else self.base_url) + path

        def send() -> dict[str, Any]:
            system = {
                "app_key": self.credentials.api_key,
                "timestamp": str(int(self.clock() * 1000)),
                "sign_method": "sha256",
            }
            if authorized:
                system["access_token"] = self.access_token()
            system["sign"] = sign(self.credentials.api_secret, path, {**system, **business})
            if method.upper() == "GET":
                response = self.http("GET", url, params={**system, **business})
            else:
                response = self.http(method.upper(), url, params=system, data=business)
            return self._answer(response)

        return self.call(send, authorized=authorized)

    def _answer(self, response) -> dict[str, Any]:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            error = ServerError if status >= 500 else MarketplaceError
            raise error(f"lazada: HTTP {status} without a JSON answer", code=f"http_{status}", status=status)
        if str(body.get("code")) == "0" and status < 400:
            return body
        raise _error(body, status)

    # ---- authorization -------------------------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        parts = urlsplit(redirect_uri)
        query = [*parse_qsl(parts.query, keep_blank_values=True), ("state", state)]
        callback = urlunsplit(parts._replace(query=urlencode(query)))
        host = self.auth_base_url.removesuffix("/rest")
        params = {
            "response_type": "code",
            "force_auth": "true",
            "redirect_uri": callback,
            "client_id": self.credentials.api_key,
        }
        return f"{host}/oauth/authorize?{urlencode(params)}"

    def exchange_code(self, *, code: str, params: dict[str, str]) -> Tokens:
        body = self.request("POST", "/auth/token/create", {"code": code}, auth=True, authorized=False)
        return self._tokens(body)

    def _refresh(self, tokens: Tokens) -> Tokens:
        if tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= self.now():
            raise AuthFailed("The Lazada refresh token has expired: reconnect the shop", code="refresh_token_expired")
        body = self.request(
            "POST", "/auth/token/refresh", {"refresh_token": tokens.refresh_token}, auth=True, authorized=False
        )
        return self._tokens(body, previous=tokens)

    def _tokens(self, body: dict[str, Any], previous: Tokens | None = None) -> Tokens:
        if not body.get("access_token"):
            raise MarketplaceError("Lazada answered without an access token", code="no_access_token")
        now = self.now()
        expires_in = int(body.get("expires_in") or 0)
        refresh_expires_in = int(body.get("refresh_expires_in") or 0)
        country = str(body.get("country") or "")
        accounts = [entry for entry in body.get("country_user_info") or [] if isinstance(entry, dict)]
        account = next(
            (entry for entry in accounts if entry.get("country") == country), accounts[0] if accounts else {}
        )
        extra = dict(previous.extra) if previous else {}
        found = {"country": country, "account": str(body.get("account") or ""), "seller_id": account.get("seller_id")}
        extra.update({key: str(value) for key, value in found.items() if value not in (None, "")})
        refresh_expires_at = previous.refresh_expires_at if previous else None
        if refresh_expires_in:
            refresh_expires_at = now + datetime.timedelta(seconds=refresh_expires_in)
        return Tokens(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or (previous.refresh_token if previous else "")),
            expires_at=now + datetime.timedelta(seconds=expires_in) if expires_in else None,
            refresh_expires_at=refresh_expires_at,
            extra=extra,
        )

    def check(self) -> dict[str, Any]:
        return self.request("GET", "/seller/get").get("data") or {}

    # ---- orders --------------------------------------------------------------------------------------
    def order_pages(
        self, *, start: datetime.datetime, end: datetime.datetime, state: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        cursor = str(state["update_after"]) if state else iso(start)
        offset = int(state.get("offset", 0)) if state else 0
        seen = {str(order_id) for order_id in state.get("seen", [])} if state else set()
        before = iso(end)
        if parse_time(cursor) > parse_time(before):
            return
        while True:
            if offset > MAX_OFFSET:
                raise MarketplaceError(
                    f"More than {MAX_OFFSET} Lazada orders were updated at {cursor}", code="offset_limit"
                )
            data = (
                self.request(
                    "GET",
                    "/orders/get",
                    {
                        "update_after": cursor,
                        "update_before": before,
                        "sort_by": "updated_at",
                        "sort_direction": "ASC",
                        "offset": offset,
                        "limit": self.page_size,
                    },
                ).get("data")
                or {}
            )
            orders = [order for order in data.get("orders") or [] if isinstance(order, dict)]
            total = int(data.get("countTotal") or 0)
            if not orders:
                return
            refs = [order for order in orders if str(order.get("order_id")) not in seen]
            done = offset + len(orders) >= total
            last = parse_time(orders[-1]["updated_at"])
            if last == parse_time(cursor):
                offset += len(orders)
                seen.update(str(order.get("order_id")) for order in orders)
            else:
                tail = [order for order in orders if parse_time(order["updated_at"]) == last]
                cursor, offset, seen = iso(last), len(tail), {str(order.get("order_id")) for order in tail}
            resume = None if done else {"update_after": cursor, "offset": offset, "seen": sorted(seen)}
            if refs:
                yield Page(refs=refs, resume=resume)
            if done:
                return

    def orders(self, refs: Sequence[Any]) -> list[ExternalOrder]:
        listed = [ref if isinstance(ref, dict) else self._order(ref) for ref in refs]
        result: list[ExternalOrder] = []
        for batch in chunks(listed, self.detail_batch):
            ids = [_order_id(order["order_id"]) for order in batch]
            data = self.request("GET", "/orders/items/get", {"order_ids": json.dumps(ids, separators=(",", ":"))})
            items = {
                str(entry.get("order_id")): entry.get("order_items") or []
                for entry in data.get("data") or []
                if isinstance(entry, dict)
            }
            result.extend(self._normalize(order, items.get(str(order["order_id"]), [])) for order in batch)
        return result

    def _order(self, order_id: Any) -> dict[str, Any]:
        """One order's list fields, for a reference given as a bare order id."""
        data = self.request("GET", "/order/get", {"order_id": order_id}).get("data")
        if not isinstance(data, dict) or not data.get("order_id"):
            raise MarketplaceError(f"Lazada has no order {order_id}", code="order_not_found")
        return data

    def _normalize(self, order: dict[str, Any], items: list[dict[str, Any]]) -> ExternalOrder:
        statuses = sorted({str(item.get("status")) for item in items if item.get("status")}) or sorted(
            {str(status) for status in order.get("statuses") or [] if status}
        )
        status = order_status(statuses)
        live = [item for item in items if item_status(str(item.get("status") or "")) != CANCELLED] or items
        lines = _lines(live)
        subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        shipping_fee, discount = money(order.get("shipping_fee")), money(order.get("voucher"))
        price = money(order["price"]) if order.get("price") not in (None, "") else subtotal
        payment_method = str(order.get("payment_method") or "")
        cash_on_delivery = payment_method.strip().upper() in ("COD", "CASH_ON_DELIVERY")
        paid = status == DELIVERED if cash_on_delivery else status in (PROCESSING, SHIPPED, DELIVERED)
        tokens = self.tokens.get()
        country = str(tokens.extra.get("country", "")) if tokens else ""
        currency = next((str(item["currency"]) for item in items if item.get("currency")), CURRENCIES.get(country, ""))
        address = order.get("address_shipping") if isinstance(order.get("address_shipping"), dict) else None
        buyer_name = " ".join(
            str(order.get(key) or "").strip() for key in ("customer_first_name", "customer_last_name")
        ).strip()
        return ExternalOrder(
            external_id=str(order["order_id"]),
            order_number=str(order.get("order_number") or order["order_id"]),
            platform_status=",".join(statuses),
            status=status,
            paid=paid,
            currency=currency,
            created_at=parse_time(order["created_at"]),
            updated_at=parse_time(order.get("updated_at") or order["created_at"]),
            lines=lines,
            subtotal=subtotal,
            shipping_fee=shipping_fee,
            discount=discount,
            total=price - discount + shipping_fee,
            buyer_id=str(order.get("buyer_id") or ""),
            buyer_name=buyer_name,
            buyer_phone=str((address or {}).get("phone") or ""),
            shipping_address=_address(address) if address else None,
            payment_method=payment_method,
            cash_on_delivery=cash_on_delivery,
        )

    # ---- stock ---------------------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> dict[str, str | None]:
        """Negative quantities are sent as 0 (Lazada refuses them). A batch Lazada refuses as a whole
        (not a retryable or credential error) is reported against each of its SKUs."""
        latest = {update.sku: update for update in updates}
        results: dict[str, str | None] = {sku: "no SKU" for sku in latest if not sku}
        for batch in chunks([update for sku, update in latest.items() if sku], MAX_SKUS):
            try:
                body = self.request("POST", "/product/price_quantity/update", {"payload": stock_payload(batch)})
            except MarketplaceError as exc:
                if exc.retryable or isinstance(exc, AuthFailed):
                    raise
                failed = _failures(getattr(exc, "detail", None))
                results.update({update.sku: failed.get(update.sku) or str(exc) for update in batch})
                continue
            failed = _failures(body.get("detail"))
            results.update({update.sku: failed.get(update.sku) for update in batch})
        return results


def _lines(items: list[dict[str, Any]]) -> list[ExternalLine]:
    """One line per SKU and unit price: Lazada lists every unit as its own item."""
    lines: dict[tuple[str, Decimal], ExternalLine] = {}
    for item in items:
        sku = str(item.get("sku") or item.get("shop_sku") or "")
        price = money(item.get("item_price"))
        line = lines.get((sku, price))
        if line is None:
            lines[(sku, price)] = ExternalLine(
                external_id=str(item.get("order_item_id") or ""),
                sku=sku,
                name=str(item.get("name") or ""),
                quantity=1,
                unit_price=price,
                item_id=str(item.get("product_id") or ""),
                model_id=str(item.get("sku_id") or ""),
            )
        else:
            line.quantity += 1
    return list(lines.values())


def _address(address: dict[str, Any]) -> dict[str, str]:
    def text(key: str) -> str:
        return str(address.get(key) or "").strip()

    return {
        "name": " ".join(part for part in (text("first_name"), text("last_name")) if part),
        "line1": text("address1"),
        "line2": text("address2"),
        "city": text("city") or text("address4"),
        "state": text("address3"),
        "postalCode": text("post_code"),
        "country": text("country"),
        "phone": text("phone"),
    }
