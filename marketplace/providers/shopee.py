"""Shopee Open Platform API v2: shop authorization, order reading and stock push for one shop.

Every request carries `partner_id`, `timestamp` (unix seconds) and `sign` in its query string, POST
bodies are JSON. The sign is hex(HMAC-SHA256(partner_key, base)) where base is the plain concatenation
`partner_id + path + timestamp` for the public calls (authorization page, token/get, access_token/get)
and `partner_id + path + timestamp + access_token + shop_id` for the shop calls, which also carry
`access_token` and `shop_id`. The credentials are the partner id (`api_key`), the partner key
(`api_secret`) and the shop id (else the one the tokens were issued for, `Tokens.extra["shop_id"]`).

Tokens: an access token lives 4 hours; the refresh token lives 30 days and is single use, so every
refresh stores a new pair (the TokenStore serializes refreshes between workers).

Orders are listed by update time in windows of at most 15 days, paged by Shopee's opaque cursor; a page
resumes with {"window_start": <unix seconds>, "cursor": "<next cursor>"}. Details are read 50 order
numbers at a time. Amounts are JSON floats in major units, read with Decimal(str(x)).

Errors are told by the body's `error` (Shopee does not document its HTTP statuses): "" is success;
`error_auth` / `invalid_acceess_token` (sic) / `invalid_access_token` on a shop call mean the token is
expired or revoked (refresh once, repeat); `error_sign` and any refusal of a code or refresh token mean
the credentials are wrong (AuthFailed); `error_rate_limit` or HTTP 429 is a rate limit, `error_server`
or a 5xx a server error (both retried); anything else is a MarketplaceError with Shopee's code.

Status mapping (Shopee -> ours):
    UNPAID, PENDING                                        -> pending
    READY_TO_SHIP, PROCESSED, RETRY_SHIP, INVOICE_PENDING  -> processing
    IN_CANCEL (cancellation requested, not yet accepted)   -> processing
    SHIPPED                                                -> shipped
    TO_CONFIRM_RECEIVE (received by the buyer), COMPLETED  -> delivered
    TO_RETURN (return requested after delivery)            -> delivered
    CANCELLED                                              -> cancelled
    anything else                                          -> processing when paid, else pending
`paid`: a cash-on-delivery order once received (TO_CONFIRM_RECEIVE, COMPLETED, TO_RETURN); any other
order once it has a `pay_time`.

Amounts: a line's unit price is `model_discounted_price` (else `model_original_price`); the shipping
fee is `actual_shipping_fee` when Shopee has it, else `estimated_shipping_fee`; the total is
`total_amount`; the discount is what the vouchers took: subtotal + shipping - total, when positive.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    NotAuthorized,
    Page,
    RateLimited,
    ServerError,
    StockUpdate,
    TokenExpired,
    Tokens,
    chunks,
    money,
)

AUTH_PARTNER = "/api/v2/shop/auth_partner"
TOKEN_GET = "/api/v2/auth/token/get"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"
SHOP_INFO = "/api/v2/shop/get_shop_info"
ORDER_LIST = "/api/v2/order/get_order_list"
ORDER_DETAIL = "/api/v2/order/get_order_detail"
UPDATE_STOCK = "/api/v2/product/update_stock"

DETAIL_FIELDS = (
    "buyer_user_id,buyer_username,recipient_address,item_list,pay_time,total_amount,payment_method,"
    "actual_shipping_fee,estimated_shipping_fee,note,shipping_carrier,cancel_reason"
)
REFRESH_TOKEN_LIFETIME = datetime.timedelta(days=30)
STOCK_BATCH = 50  # models per update_stock call
NO_LISTING = "no Shopee listing known for this SKU"

TOKEN_ERRORS = {"error_auth", "invalid_acceess_token", "invalid_access_token"}
SERVER_ERRORS = {"error_server", "error_inner", "error_internal"}

STATUSES = {
    "UNPAID": PENDING,
    "PENDING": PENDING,
    "READY_TO_SHIP": PROCESSING,
    "PROCESSED": PROCESSING,
    "RETRY_SHIP": PROCESSING,
    "INVOICE_PENDING": PROCESSING,
    "IN_CANCEL": PROCESSING,
    "SHIPPED": SHIPPED,
    "TO_CONFIRM_RECEIVE": DELIVERED,
    "COMPLETED": DELIVERED,
    "TO_RETURN": DELIVERED,
    "CANCELLED": CANCELLED,
}
COD_PAID_STATUSES = {"TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
UNPAID_STATUSES = {"UNPAID", "PENDING"}


def signature(partner_key: str, base: str) -> str:
    """hex(HMAC-SHA256(partner_key, base)), Shopee's `sign`."""
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def sign_base(partner_id: str | int, path: str, timestamp: int, access_token: str = "", shop_id: str | int = "") -> str:
    """The string Shopee signs: public calls without, shop calls with access token and shop id."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def map_status(status: str, *, paid: bool) -> str:
    return STATUSES.get(status, PROCESSING if paid else PENDING)


def is_paid(order: dict[str, Any]) -> bool:
    status = order.get("order_status", "")
    if order.get("cod"):
        return status in COD_PAID_STATUSES
    if "pay_time" in order:
        return bool(order["pay_time"])
    return status not in UNPAID_STATUSES and status != "CANCELLED"


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _timestamp(moment: datetime.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("order_pages needs aware datetimes")
    return int(moment.timestamp())


def _datetime(value: Any) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(int(value), UTC) if value else None


class ShopeeClient(MarketplaceClient):
    platform = "shopee"
    max_window = datetime.timedelta(days=15)
    detail_batch = 50

    def __init__(self, *, page_size: int = 100, **kwargs):
        super().__init__(**kwargs)
        if not 1 <= page_size <= 100:
            raise ValueError("Shopee pages hold 1 to 100 orders")
        self.page_size = page_size

    # ---- wire ---------------------------------------------------------------------------------------
    @property
    def partner_id(self) -> int:
        return int(self.credentials.api_key)

    def _shop_id(self, tokens: Tokens | None = None) -> str:
        tokens = tokens if tokens is not None else self.tokens.get()
        shop_id = self.credentials.shop_id or (tokens.extra.get("shop_id") if tokens else "")
        if not shop_id:
            raise NotAuthorized("No Shopee shop id: authorize the shop first", code="not_authorized")
        return str(shop_id)

    def _sign(self, path: str, timestamp: int, access_token: str = "", shop_id: str = "") -> str:
        return signature(
            self.credentials.api_secret, sign_base(self.partner_id, path, timestamp, access_token, shop_id)
        )

    def _request(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None, shop: bool):
        """One signed request (the signature and token are made afresh on every attempt)."""
        timestamp = int(self.clock())
        query: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        hidden = []
        if shop:
            token, shop_id = self.access_token(), self._shop_id()
            query.update(access_token=token, shop_id=shop_id, sign=self._sign(path, timestamp, token, shop_id))
            hidden.append(token)
        else:
            query["sign"] = self._sign(path, timestamp)
        hidden.append(query["sign"])
        query.update(params or {})
        try:
            response = self.http(method, self.base_url + path, params=query, json=body)
        except ServerError as exc:
            # The connection error's text repeats the URL, token and sign included.
            message = exc.message
            for secret in hidden:
                message = message.replace(secret, "***")
            raise ServerError(message, code=exc.code) from None
        return self._answer(response, shop=shop)

    def _answer(self, response, *, shop: bool) -> dict[str, Any]:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            if status == 429:
                raise RateLimited("shopee: too many requests", code="http_429", status=status)
            if status >= 500:
                raise ServerError(f"shopee: HTTP {status}", code=f"http_{status}", status=status)
            raise MarketplaceError(f"shopee: unexpected HTTP {status} answer", code=f"http_{status}", status=status)
        error = str(data.get("error") or "")
        if not error and status < 400:
            return data
        message = str(data.get("message") or data.get("msg") or error or f"HTTP {status}")
        details = {"code": error or f"http_{status}", "status": status, "request_id": str(data.get("request_id") or "")}
        if error in TOKEN_ERRORS:
            raise (TokenExpired if shop else AuthFailed)(message, **details)
        if error == "error_sign":
            raise AuthFailed(message, **details)
        if error == "error_rate_limit" or status == 429:
            retry_after = response.headers.get("Retry-After")
            retry = float(retry_after) if retry_after and retry_after.isdigit() else None
            raise RateLimited(message, retry_after=retry, **details)
        if error in SERVER_ERRORS or status >= 500:
            raise ServerError(message, **details)
        raise MarketplaceError(message, **details)

    def _shop_call(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None):
        return self.call(lambda: self._request(method, path, params=params, body=body, shop=True))

    def _public_call(self, path: str, body: dict) -> dict[str, Any]:
        return self.call(lambda: self._request("POST", path, body=body, shop=False), authorized=False)

    # ---- authorization ------------------------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        timestamp = int(self.clock())
        query = {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "sign": self._sign(AUTH_PARTNER, timestamp),
            "redirect": _with_query(redirect_uri, state=state),
        }
        return f"{self.auth_base_url}{AUTH_PARTNER}?{urlencode(query)}"

    def _tokens(self, data: dict[str, Any], shop_id: str, extra: dict[str, Any]) -> Tokens:
        now = self.now()
        return Tokens(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=now + datetime.timedelta(seconds=int(data.get("expire_in") or 0)),
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
            extra={**extra, "shop_id": str(data.get("shop_id") or shop_id)},
        )

    def exchange_code(self, *, code: str, params: dict[str, str]) -> Tokens:
        shop_id = params.get("shop_id") or self.credentials.shop_id
        if not shop_id:
            raise AuthFailed("Shopee sent no shop_id with the code (main accounts are not supported)", code="no_shop")
        body = {"code": code, "shop_id": int(shop_id), "partner_id": self.partner_id}
        return self._tokens(self._refused_is_auth(lambda: self._public_call(TOKEN_GET, body)), str(shop_id), {})

    def _refresh(self, tokens: Tokens) -> Tokens:
        shop_id = self._shop_id(tokens)
        body = {"refresh_token": tokens.refresh_token, "partner_id": self.partner_id, "shop_id": int(shop_id)}
        return self._tokens(
            self._refused_is_auth(lambda: self._public_call(TOKEN_REFRESH, body)), shop_id, tokens.extra
        )

    @staticmethod
    def _refused_is_auth(send):
        """A refused code or refresh token leaves nothing to do but authorize again."""
        try:
            return send()
        except MarketplaceError as exc:
            if isinstance(exc, AuthFailed) or exc.retryable:
                raise
            raise AuthFailed(exc.message, code=exc.code, status=exc.status, request_id=exc.request_id) from exc

    def check(self) -> dict[str, Any]:
        data = self._shop_call("GET", SHOP_INFO)
        info = {key: value for key, value in data.items() if key not in ("error", "message", "request_id", "warning")}
        return {"shop_id": self._shop_id(), "name": info.get("shop_name", ""), **info}

    # ---- orders -------------------------------------------------------------------------------------
    def order_pages(
        self, *, start: datetime.datetime, end: datetime.datetime, state: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        """Orders updated in [start, end] (whole seconds, both ends included), one page per list call; every
        window yields at least one page (maybe empty) so its end can be saved."""
        start_ts, end_ts = _timestamp(start), _timestamp(end)
        window_start, cursor = start_ts, ""
        if state:
            window_start, cursor = max(start_ts, int(state["window_start"])), str(state.get("cursor") or "")
        window = int(self.max_window.total_seconds())
        while window_start <= end_ts:
            window_end = min(window_start + window, end_ts)
            while True:
                params = {
                    "time_range_field": "update_time",
                    "time_from": window_start,
                    "time_to": window_end,
                    "page_size": self.page_size,
                    "cursor": cursor,
                    "response_optional_fields": "order_status",
                }
                answer = self._shop_call("GET", ORDER_LIST, params=params).get("response") or {}
                refs = [str(order["order_sn"]) for order in answer.get("order_list") or []]
                cursor = str(answer.get("next_cursor") or "")
                more = bool(answer.get("more")) and bool(cursor)
                if more:
                    resume = {"window_start": window_start, "cursor": cursor}
                elif window_end < end_ts:
                    resume = {"window_start": window_end + 1, "cursor": ""}
                else:
                    resume = None
                yield Page(refs=refs, resume=resume)
                if not more:
                    break
            window_start, cursor = window_end + 1, ""

    def orders(self, refs: Sequence[Any]) -> list[ExternalOrder]:
        """The orders of `refs`, in their order (a larger list is read 50 at a time)."""
        found: dict[str, dict[str, Any]] = {}
        for batch in chunks([str(ref) for ref in refs], self.detail_batch):
            params = {"order_sn_list": ",".join(batch), "response_optional_fields": DETAIL_FIELDS}
            answer = self._shop_call("GET", ORDER_DETAIL, params=params).get("response") or {}
            for order in answer.get("order_list") or []:
                found[str(order["order_sn"])] = order
        return [self.normalize(found[str(ref)]) for ref in refs if str(ref) in found]

    @staticmethod
    def normalize(order: dict[str, Any]) -> ExternalOrder:
        platform_status = str(order.get("order_status") or "")
        paid = is_paid(order)
        lines, seen = [], set()
        for item in order.get("item_list") or []:
            price = item.get("model_discounted_price")
            if price is None:
                price = item.get("model_original_price")
            line_id = f"{item.get('order_item_id') or item.get('item_id')}:{item.get('model_id') or 0}"
            if line_id in seen:  # the same model twice (bundles, add-on deals)
                line_id = f"{line_id}:{len(lines)}"
            seen.add(line_id)
            name, model_name = str(item.get("item_name") or ""), str(item.get("model_name") or "")
            lines.append(
                ExternalLine(
                    external_id=line_id,
                    sku=str(item.get("model_sku") or item.get("item_sku") or ""),
                    name=f"{name} ({model_name})" if model_name else name,
                    quantity=int(item.get("model_quantity_purchased") or 0),
                    unit_price=money(price),
                    item_id=str(item.get("item_id") or ""),
                    model_id=str(item.get("model_id") or ""),
                )
            )
        subtotal = sum((line.quantity * line.unit_price for line in lines), Decimal("0"))
        actual = money(order.get("actual_shipping_fee"))
        shipping = actual if actual else money(order.get("estimated_shipping_fee"))
        total = money(order["total_amount"]) if order.get("total_amount") is not None else subtotal + shipping
        discount = max(subtotal + shipping - total, Decimal("0"))
        address = order.get("recipient_address") or None
        created = _datetime(order.get("create_time"))
        buyer_id = order.get("buyer_user_id")
        return ExternalOrder(
            external_id=str(order["order_sn"]),
            order_number=str(order["order_sn"]),
            platform_status=platform_status,
            status=map_status(platform_status, paid=paid),
            paid=paid,
            currency=str(order.get("currency") or ""),
            created_at=created,
            updated_at=_datetime(order.get("update_time")) or created,
            lines=lines,
            subtotal=subtotal,
            shipping_fee=shipping,
            discount=discount,
            total=total,
            buyer_id=str(buyer_id) if buyer_id else "",
            buyer_name=str(order.get("buyer_username") or ""),
            buyer_phone=str((address or {}).get("phone") or ""),
            shipping_address=_address(address) if address else None,
            payment_method=str(order.get("payment_method") or ""),
            cash_on_delivery=bool(order.get("cod")),
        )

    # ---- stock --------------------------------------------------------------------------------------
    def push_stock(self, updates: Sequence[StockUpdate]) -> dict[str, str | None]:
        """One update_stock call per listing (50 models at most); a listing Shopee refuses fails its SKUs."""
        result: dict[str, str | None] = {}
        listings: dict[int, dict[int, tuple[int, list[str]]]] = {}
        for update in updates:
            if not update.item_id:
                result[update.sku] = NO_LISTING
                continue
            try:
                item_id, model_id = int(update.item_id), int(update.model_id or 0)
            except ValueError:
                result[update.sku] = f"invalid Shopee listing id {update.item_id}/{update.model_id}"
                continue
            models = listings.setdefault(item_id, {})
            skus = models[model_id][1] if model_id in models else []
            models[model_id] = (max(0, int(update.quantity)), [*skus, update.sku])
        for item_id, models in listings.items():
            for batch in chunks(list(models.items()), STOCK_BATCH):
                body = {
                    "item_id": item_id,
                    "stock_list": [
                        {"model_id": model_id, "seller_stock": [{"stock": quantity}]}
                        for model_id, (quantity, _) in batch
                    ],
                }
                try:
                    answer = self._shop_call("POST", UPDATE_STOCK, body=body).get("response") or {}
                except MarketplaceError as exc:
                    if isinstance(exc, AuthFailed) or exc.retryable:
                        raise
                    for _, (_, skus) in batch:
                        result.update(dict.fromkeys(skus, str(exc)))
                    continue
                failed = {
                    int(entry.get("model_id") or 0): str(entry.get("failed_reason") or "refused")
                    for entry in answer.get("failure_list") or []
                }
                succeeded = {int(entry.get("model_id") or 0) for entry in answer.get("success_list") or []}
                for model_id, (_, skus) in batch:
                    if model_id in failed:
                        reason = failed[model_id]
                    elif model_id in succeeded:
                        reason = None
                    else:
                        reason = "Shopee did not confirm this update"
                    result.update(dict.fromkeys(skus, reason))
        return result


def _address(address: dict[str, Any]) -> dict[str, str]:
    def text(key: str) -> str:
        return str(address.get(key) or "")

    return {
        "name": text("name"),
        "line1": text("full_address"),
        "line2": ", ".join(part for part in (text("district"), text("town")) if part),
        "city": text("city"),
        "state": text("state"),
        "postalCode": text("zipcode"),
        "country": text("region"),
        "phone": text("phone"),
    }
