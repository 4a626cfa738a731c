"""Facebook / Instagram shops through Meta's Commerce Platform order management API (Graph API).

Credentials: `api_key` is the app id, `api_secret` the app secret, `shop_id` the commerce account (CMS)
id. Every call carries `access_token` and `appsecret_proof` (hex HMAC-SHA256 of the token keyed with the
app secret) as query or form parameters, also when following Graph's absolute `paging.next` URLs (the
token in them is replaced by the current one, which may have been refreshed meanwhile).

Tokens: the login dialog (`authorization_url`) returns a code; `exchange_code` trades it for a
short-lived token and that at once for a long-lived one (about 60 days, `grant_type=fb_exchange_token`).
Facebook has no refresh token: a still valid long-lived token is exchanged again for a new one. So that
the shared token machinery (which refreshes with `Tokens.refresh_token`) works, the long-lived access
token is stored as the refresh token as well, and `refresh_margin` is three days, not minutes, so that a
sync that was down for a while still finds a token it can exchange. Once the token has expired the
merchant must reconnect.

Orders: `GET /{cms}/commerce_orders` with `state=CREATED,IN_PROGRESS,COMPLETED` (Graph's default is
CREATED only), `updated_after` / `updated_before` (unix seconds) and explicit `fields`, paged by cursor
(no window limit); a page's references are the order objects themselves, the resume state is
`{"after": cursor}`. `orders()` then reads each order's line items (`GET /{order}/items`, paged). Money
comes as `{"amount": "20.00", "currency": "USD"}` and becomes a Decimal of that string.

Status mapping (Graph `order_status.state` -> ours):
    FB_PROCESSING  -> pending     (Facebook is still processing the payment; not paid, no action possible)
    CREATED        -> processing  (paid, waiting for our acknowledgement: `acknowledge()`)
    IN_PROGRESS    -> processing  (acknowledged, items to ship)
    COMPLETED      -> shipped     (every item shipped or cancelled; delivery is not reported)
Every state but FB_PROCESSING is paid (Facebook checkout is prepaid; there is no cash on delivery).

Totals: `estimated_payment_details.total_amount` is the total; shipping is `subtotal.shipping`; Graph
has no order-level discount field, so the discount is items + shipping + tax - total when positive.
Facebook shares no buyer id or phone; the e-mail may be absent.

Errors (`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`): 190 and 102 ->
TokenExpired; 4, 17, 32, 613, 80000-80014 and HTTP 429 -> RateLimited (Retry-After honoured when sent);
1, 2, `is_transient` and 5xx -> ServerError; 10, 101, 104, 200-299, a wrong `appsecret_proof` and a wrong
client secret -> AuthFailed; anything else MarketplaceError with Graph's code and message. The OAuth
token endpoint's refusals (used, expired or mismatched codes) are AuthFailed: the merchant must connect
again.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import (
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
    TokenExpired,
    Tokens,
    money,
)

GRAPH_BASE = "https://graph.facebook.com"
LOGIN_BASE = "https://www.facebook.com"
DEFAULT_VERSION = "v25.0"
SCOPES = ("commerce_account_read_orders", "commerce_account_manage_orders", "commerce_manage_accounts")
LISTED_STATES = "CREATED,IN_PROGRESS,COMPLETED"
ORDER_FIELDS = (
    "id,order_status,created,last_updated,buyer_details{name,email},shipping_address,estimated_payment_details,"
    "channel,merchant_order_id"
)
ITEM_FIELDS = "id,product_id,retailer_id,quantity,price_per_unit,product_name"
STATUSES = {"FB_PROCESSING": PENDING, "CREATED": PROCESSING, "IN_PROGRESS": PROCESSING, "COMPLETED": SHIPPED}
PAID_STATES = frozenset({"CREATED", "IN_PROGRESS", "COMPLETED"})
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
MAX_PAGE_SIZE = 25


def appsecret_proof(app_secret: str, access_token: str) -> str:
    """Graph's appsecret_proof: hex HMAC-SHA256 of the access token, keyed with the app secret."""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


class FacebookClient(MarketplaceClient):
    platform = "facebook"
    max_window = None
    detail_batch = 25
    supports_stock_push = False
    refresh_margin = datetime.timedelta(days=3)

    def __init__(
        self,
        *,
        version: str = DEFAULT_VERSION,
        page_size: int = MAX_PAGE_SIZE,
        base_url: str = GRAPH_BASE,
        auth_base_url: str | None = LOGIN_BASE,
        **kwargs,
    ):
        super().__init__(base_url=base_url, auth_base_url=auth_base_url, **kwargs)
        version = str(version).strip("/")
        self.version = version if version.startswith("v") else f"v{version}"
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.page_size = page_size

    # ---- authorization ------------------------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "client_id": self.credentials.api_key,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": ",".join(SCOPES),
            }
        )
        return f"{self.auth_base_url}/{self.version}/dialog/oauth?{query}"

    def exchange_code(self, *, code: str, params: dict[str, str]) -> Tokens:
        """`params` must hold the `redirect_uri` given to `authorization_url` (Graph compares them)."""
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            raise ValueError("Facebook needs the redirect_uri of the authorization URL to exchange the code")
        short = self._oauth(
            {
                "client_id": self.credentials.api_key,
                "client_secret": self.credentials.api_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            }
        )
        return self._long_lived(str(short.get("access_token") or ""))

    def _refresh(self, tokens: Tokens) -> Tokens:
        return self._long_lived(tokens.refresh_token or tokens.access_token)

    def _long_lived(self, token: str) -> Tokens:
        answer = self._oauth(
            {
                "grant_type": "fb_exchange_token",
                "client_id": self.credentials.api_key,
                "client_secret": self.credentials.api_secret,
                "fb_exchange_token": token,
            }
        )
        access_token = str(answer.get("access_token") or "")
        if not access_token:
            raise AuthFailed("Facebook answered no access token", code="no_access_token")
        expires_in = answer.get("expires_in")
        expires_at = self.now() + datetime.timedelta(seconds=int(expires_in)) if expires_in else None
        # The long-lived token doubles as the "refresh token": it is what gets exchanged next time.
        return Tokens(
            access_token=access_token,
            refresh_token=access_token,
            expires_at=expires_at,
            refresh_expires_at=expires_at,
            extra={"token_type": answer.get("token_type", "bearer")},
        )

    def _oauth(self, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}/{self.version}/oauth/access_token"

        def send():
            try:
                return self._answer(self.http("GET", url, params=params))
            except MarketplaceError as exc:
                if exc.retryable or isinstance(exc, AuthFailed):
                    raise
                raise AuthFailed(exc.message, code=exc.code, status=exc.status, request_id=exc.request_id) from exc

        return self.call(send, authorized=False)

    # ---- calls ------------------------------------------------------------------------------------
    def check(self) -> dict[str, Any]:
        # The commerce account node has `display_name`, no `name`.
        answer = self._get(self._url(self._cms()), {"fields": "id,display_name"})
        return {"id": str(answer.get("id", "")), "name": answer.get("display_name", ""), **answer}

    def order_pages(
        self, *, start: datetime.datetime, end: datetime.datetime, state: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        params = {
            "state": LISTED_STATES,
            "updated_after": str(math.floor(_aware(start).timestamp())),
            "updated_before": str(math.ceil(_aware(end).timestamp())),
            "fields": ORDER_FIELDS,
            "limit": str(self.page_size),
        }
        if state and state.get("after"):
            params["after"] = str(state["after"])
        url = self._url(f"{self._cms()}/commerce_orders")
        while True:
            answer = self._get(url, params)
            data = [order for order in answer.get("data") or [] if isinstance(order, dict)]
            next_url = (answer.get("paging") or {}).get("next")
            if next_url:
                url, params = self._follow(next_url)
                after = params.get("after") or ((answer.get("paging") or {}).get("cursors") or {}).get("after")
                resume = {"after": after}
            else:
                resume = None
            if data:
                yield Page(refs=data, resume=resume)
            if resume is None:
                return

    def orders(self, refs: Sequence[Any]) -> list[ExternalOrder]:
        if len(refs) > self.detail_batch:
            raise ValueError(f"at most {self.detail_batch} orders per call, got {len(refs)}")
        result = []
        for ref in refs:
            if isinstance(ref, dict) and "order_status" in ref and "created" in ref:
                order = ref
            else:
                order_id = ref.get("id") if isinstance(ref, dict) else ref
                order = self._get(self._url(str(order_id)), {"fields": ORDER_FIELDS})
            result.append(self._external(order, self._items(str(order["id"]))))
        return result

    def acknowledge(self, order_id: str, *, merchant_order_reference: str = "", idempotency_key: str) -> dict[str, Any]:
        """Moves a CREATED order to IN_PROGRESS. Reuse `idempotency_key` when retrying the same intent."""
        form = {"idempotency_key": idempotency_key}
        if merchant_order_reference:
            form["merchant_order_reference"] = merchant_order_reference
        return self._request("POST", self._url(f"{order_id}/acknowledge_order"), form)

    # ---- helpers ----------------------------------------------------------------------------------
    def _cms(self) -> str:
        if not self.credentials.shop_id:
            raise MarketplaceError("The commerce account id is missing from the connection", code="no_shop_id")
        return self.credentials.shop_id

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{self.version}/{path}"

    def _items(self, order_id: str) -> list[dict[str, Any]]:
        url, params = self._url(f"{order_id}/items"), {"fields": ITEM_FIELDS, "limit": str(self.page_size)}
        items: list[dict[str, Any]] = []
        while True:
            answer = self._get(url, params)
            items.extend(item for item in answer.get("data") or [] if isinstance(item, dict))
            next_url = (answer.get("paging") or {}).get("next")
            if not next_url:
                return items
            url, params = self._follow(next_url)

    def _follow(self, next_url: str) -> tuple[str, dict[str, str]]:
        """Graph's absolute `paging.next`, without its (possibly stale) token and proof."""
        parts, base = urlsplit(next_url), urlsplit(self.base_url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise MarketplaceError("Graph's paging.next leaves the Graph API host", code="bad_paging")
        params = {
            key: value
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if key not in ("access_token", "appsecret_proof")
        }
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), params

    def _get(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        return self._request("GET", url, params)

    def _request(self, method: str, url: str, params: dict[str, str]) -> dict[str, Any]:
        def send():
            token = self.access_token()
            signed = {
                **params,
                "access_token": token,
                "appsecret_proof": appsecret_proof(self.credentials.api_secret, token),
            }
            if method == "GET":
                return self._answer(self.http("GET", url, params=signed))
            return self._answer(self.http(method, url, data=signed))

        return self.call(send)

    def _answer(self, response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if response.status_code < 400 and error is None:
            if not isinstance(body, dict):
                raise MarketplaceError(f"Graph answered HTTP {response.status_code} without JSON", code="bad_response")
            return body
        raise self._error(response, error)

    @staticmethod
    def _error(response, error) -> MarketplaceError:
        status = response.status_code
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if not isinstance(error, dict):
            info = {"code": str(status), "status": status}
            if status == 429:
                return RateLimited(f"HTTP {status}", retry_after=retry_after, **info)
            if status >= 500:
                return ServerError(f"HTTP {status}", **info)
            return MarketplaceError(f"HTTP {status}", **info)
        try:
            code = int(error.get("code"))
        except (TypeError, ValueError):
            code = 0
        message = str(error.get("message") or f"HTTP {status}")
        info = {
            "code": str(error.get("code", status)),
            "status": status,
            "request_id": str(error.get("fbtrace_id", "")),
        }
        lowered = message.lower()
        if code in (190, 102):
            return TokenExpired(message, **info)
        if "appsecret_proof" in lowered or "client secret" in lowered or code in (10, 101, 104) or 200 <= code <= 299:
            return AuthFailed(message, **info)
        if code in THROTTLING_CODES or status == 429:
            return RateLimited(message, retry_after=retry_after, **info)
        if code in (1, 2) or error.get("is_transient") or status >= 500:
            return ServerError(message, **info)
        return MarketplaceError(message, **info)

    def _external(self, order: dict[str, Any], items: list[dict[str, Any]]) -> ExternalOrder:
        state = str((order.get("order_status") or {}).get("state") or "")
        payment = order.get("estimated_payment_details") or {}
        parts = payment.get("subtotal") or {}
        lines = [
            ExternalLine(
                external_id=str(item.get("id", "")),
                sku=str(item.get("retailer_id") or ""),
                name=str(item.get("product_name") or ""),
                quantity=int(item.get("quantity") or 0),
                unit_price=_amount(item.get("price_per_unit")),
                item_id=str(item.get("product_id") or ""),
            )
            for item in items
        ]
        subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
        shipping, tax = _amount(parts.get("shipping")), _amount(payment.get("tax"))
        items_total = _amount(parts["items"]) if parts.get("items") else subtotal
        total = _amount(payment["total_amount"]) if payment.get("total_amount") else items_total + shipping + tax
        currency = next(
            (
                str(value["currency"])
                for value in (payment.get("total_amount"), *(item.get("price_per_unit") for item in items))
                if isinstance(value, dict) and value.get("currency")
            ),
            "",
        )
        buyer = order.get("buyer_details") or {}
        address = order.get("shipping_address")
        channel = str(order.get("channel") or "facebook")
        return ExternalOrder(
            external_id=str(order["id"]),
            order_number=str(order["id"]),
            platform_status=state,
            status=STATUSES.get(state, PENDING),
            paid=state in PAID_STATES,
            currency=currency.upper(),
            created_at=_time(order.get("created")),
            updated_at=_time(order.get("last_updated") or order.get("created")),
            lines=lines,
            subtotal=subtotal,
            shipping_fee=shipping,
            discount=max(Decimal("0"), items_total + shipping + tax - total),
            total=total,
            buyer_name=str(buyer.get("name") or ""),
            buyer_email=str(buyer.get("email") or ""),
            shipping_address=_address(address) if isinstance(address, dict) else None,
            payment_method=f"{channel.capitalize()} checkout",
        )


def _amount(value: Any) -> Decimal:
    """A Graph currency amount ({"amount": "20.00", "currency": "USD"}) or a bare amount."""
    if isinstance(value, dict):
        value = value.get("amount")
    return money(value)


def _address(address: dict[str, Any]) -> dict[str, str]:
    return {
        "name": str(address.get("name") or ""),
        "line1": str(address.get("street1") or ""),
        "line2": str(address.get("street2") or ""),
        "city": str(address.get("city") or ""),
        "state": str(address.get("state") or ""),
        "postalCode": str(address.get("postal_code") or ""),
        "country": str(address.get("country") or ""),
        "phone": "",
    }


def _time(value: Any) -> datetime.datetime:
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value, UTC)
    parsed = datetime.datetime.fromisoformat(str(value))
    return _aware(parsed).astimezone(UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
