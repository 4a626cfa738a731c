"""What every marketplace client gives the sync: the same calls, the same errors and the same orders.

A client is built for one connection (`Credentials`) with a `TokenStore` holding its tokens. It signs
every request the platform's way, refreshes the access token shortly before it expires and once more
when the platform says it has expired, and retries rate limits and server errors with exponential
back-off (the clock and the sleep are injectable, so tests run instantly). Everything else a platform
refuses is a `MarketplaceError` carrying the platform's own code and message.

The sync reads orders in two steps: `order_pages()` walks the platform's order list for a time range
(split into the windows the platform allows) and yields pages of opaque references together with the
state to resume after that page; `orders(refs)` turns at most `detail_batch` references into
`ExternalOrder`s, every amount a `Decimal` made with `Decimal(str(x))`.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

UTC = datetime.UTC

# Our order statuses (orders.models.OrderStatus values; providers do not import Django models).
PENDING, PROCESSING, SHIPPED, DELIVERED, CANCELLED = "pending", "processing", "shipped", "delivered", "cancelled"


@dataclass(frozen=True)
class Credentials:
    """Shopee: partner id and partner key, the shop id. Lazada: app key and app secret (shop id optional,
    the seller id). Facebook: app id and app secret, the commerce account id."""

    api_key: str
    api_secret: str
    shop_id: str = ""


@dataclass
class Tokens:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime.datetime | None = None  # of the access token (aware, UTC)
    refresh_expires_at: datetime.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what the platform said about the shop (ids, country)


class TokenStore(Protocol):
    def get(self) -> Tokens | None:
        """The tokens in force (None before the shop is authorized)."""

    def refresh(self, stale: Tokens, do_refresh: Callable[[Tokens], Tokens]) -> Tokens:
        """Under a lock shared by every worker: when the stored tokens are still `stale`, calls
        `do_refresh(stale)` and stores what it returns before returning it; when another worker has
        refreshed meanwhile, returns the stored tokens without calling (Shopee's refresh tokens are
        single-use, so two refreshes of one token would fail)."""


class MemoryTokenStore:
    """A TokenStore in memory (tests, scripts)."""

    def __init__(self, tokens: Tokens | None = None):
        self.tokens = tokens
        self.refreshes = 0
        self._lock = threading.Lock()

    def get(self) -> Tokens | None:
        return self.tokens

    def refresh(self, stale: Tokens, do_refresh: Callable[[Tokens], Tokens]) -> Tokens:
        with self._lock:
            if self.tokens is not None and self.tokens.access_token != stale.access_token:
                return self.tokens
            self.tokens = do_refresh(stale)
            self.refreshes += 1
            return self.tokens


class MarketplaceError(Exception):
    """The platform refused a call. `code` is the platform's error code (Shopee `error`, Lazada `code`,
    Graph `error.code`), `message` its message."""

    retryable = False

    def __init__(self, message: str, *, code: str = "", status: int | None = None, request_id: str = ""):
        super().__init__(message)
        self.message, self.code, self.status, self.request_id = message, str(code), status, request_id

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class AuthFailed(MarketplaceError):
    """Credentials or tokens refused (after one refresh): the merchant must reconnect."""


class NotAuthorized(AuthFailed):
    """No tokens yet: the shop has not been authorized."""


class TokenExpired(MarketplaceError):
    """The access token is invalid or expired: refreshed once, then the call is repeated."""


class RateLimited(MarketplaceError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(MarketplaceError):
    """A 5xx, a connection failure or the platform's own server error: worth retrying."""

    retryable = True


class NotSupported(MarketplaceError):
    """The platform has no such call (Facebook has no stock push)."""


@dataclass
class ExternalLine:
    external_id: str  # the platform's line id
    sku: str  # the seller's SKU (model SKU, else item SKU); "" when the platform has none
    name: str
    quantity: int
    unit_price: Decimal  # what the buyer pays for one unit
    item_id: str = ""  # the platform's listing ids, kept for the stock push (Shopee item_id / model_id)
    model_id: str = ""


@dataclass
class ExternalOrder:
    external_id: str  # unique per shop: Shopee order_sn, Lazada order_id, Facebook order id
    order_number: str  # what the merchant sees on the platform
    platform_status: str  # the platform's own status (Lazada: its item statuses, sorted, comma-joined)
    status: str  # ours: pending, processing, shipped, delivered, cancelled
    paid: bool  # the buyer has paid (or it is cash on delivery and delivered)
    currency: str
    created_at: datetime.datetime  # aware, UTC
    updated_at: datetime.datetime
    lines: list[ExternalLine]
    subtotal: Decimal  # sum of the lines' quantity × unit price
    shipping_fee: Decimal
    discount: Decimal  # order-level vouchers, not in the unit prices
    total: Decimal  # what the buyer pays
    buyer_id: str = ""
    buyer_name: str = ""
    buyer_email: str = ""  # often masked or absent
    buyer_phone: str = ""
    shipping_address: dict[str, str] | None = None  # name, line1, line2, city, state, postalCode, country, phone
    payment_method: str = ""  # the platform's words
    cash_on_delivery: bool = False


@dataclass
class Page:
    refs: list[Any]  # what `orders()` takes (order numbers, or the list's order objects); JSON-able
    resume: dict[str, Any] | None  # give to order_pages(state=…) to continue after this page; None: the end


@dataclass
class StockUpdate:
    sku: str
    quantity: int
    item_id: str = ""
    model_id: str = ""


class MarketplaceClient:
    """The shared machinery: the token life cycle and retries. Subclasses implement the platform."""

    platform = ""
    max_window: datetime.timedelta | None = None  # the longest time range one list call may cover
    detail_batch = 50  # the most references one `orders()` call takes
    supports_stock_push = True
    refresh_margin = datetime.timedelta(minutes=5)  # refresh this long before the access token expires

    def __init__(
        self,
        *,
        credentials: Credentials,
        tokens: TokenStore | None = None,
        base_url: str,
        auth_base_url: str | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        session=None,
        timeout: float = 15.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ):
        import requests

        self.credentials = credentials
        self.tokens = tokens if tokens is not None else MemoryTokenStore()
        self.base_url = base_url.rstrip("/")
        self.auth_base_url = (auth_base_url or base_url).rstrip("/")
        self.clock, self.sleep = clock, sleep
        self.session = session or requests.Session()
        self.timeout, self.max_retries, self.backoff, self.max_backoff = timeout, max_retries, backoff, max_backoff

    # ---- to implement -------------------------------------------------------------------------------
    def authorization_url(self, *, redirect_uri: str, state: str) -> str:
        """Where the merchant approves the app; the platform then redirects to `redirect_uri` (Shopee and
        Lazada keep `state` only as part of the redirect URI, so it is appended there too)."""
        raise NotImplementedError

    def exchange_code(self, *, code: str, params: dict[str, str]) -> Tokens:
        """The tokens for an authorization code (`params`: the callback's other query parameters, e.g.
        Shopee's shop_id). Does not store them."""
        raise NotImplementedError

    def _refresh(self, tokens: Tokens) -> Tokens:
        """New tokens from the refresh token (the platform call only)."""
        raise NotImplementedError

    def check(self) -> dict[str, Any]:
        """A cheap signed call proving the credentials and tokens work: what the platform says of the shop."""
        raise NotImplementedError

    def order_pages(
        self, *, start: datetime.datetime, end: datetime.datetime, state: dict[str, Any] | None = None
    ) -> Iterator[Page]:
        """Orders updated in [start, end], window by window, page by page."""
        raise NotImplementedError

    def orders(self, refs: Sequence[Any]) -> list[ExternalOrder]:
        """The full orders (lines included) of at most `detail_batch` references from `order_pages`."""
        raise NotImplementedError

    def push_stock(self, updates: Sequence[StockUpdate]) -> dict[str, str | None]:
        """Sets the sellable quantity of each SKU; answers {sku: None on success, else the reason}."""
        raise NotSupported(f"{self.platform} has no stock push", code="not_supported")

    # ---- shared ------------------------------------------------------------------------------------
    def now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.clock(), UTC)

    def access_token(self) -> str:
        """The access token, refreshed first when it expires within `refresh_margin`."""
        tokens = self.tokens.get()
        if tokens is None or not tokens.access_token:
            raise NotAuthorized("The shop is not authorized yet: authorize the connection first", code="not_authorized")
        if tokens.expires_at is not None and tokens.expires_at - self.now() <= self.refresh_margin:
            tokens = self.refresh_tokens(tokens)
        return tokens.access_token

    def refresh_tokens(self, stale: Tokens | None = None) -> Tokens:
        stale = stale or self.tokens.get()
        if stale is None or not stale.refresh_token:
            raise AuthFailed(
                "The access token expired and there is no refresh token: reconnect", code="no_refresh_token"
            )
        return self.tokens.refresh(stale, self._refresh)

    def call(self, send: Callable[[], Any], *, authorized: bool = True) -> Any:
        """Runs `send()` (one signed request, building its signature and reading the token afresh each
        time): on TokenExpired refreshes once and repeats; on a retryable error backs off and repeats, up
        to `max_retries` times, then raises the last error."""
        refreshed, attempt = False, 0
        while True:
            try:
                return send()
            except TokenExpired as exc:
                if not authorized or refreshed:
                    raise AuthFailed(exc.message, code=exc.code, status=exc.status, request_id=exc.request_id) from exc
                refreshed = True
                try:
                    self.refresh_tokens()
                except TokenExpired as refused:  # the refresh itself was refused as expired: reconnect
                    raise AuthFailed(refused.message, code=refused.code, status=refused.status) from refused
            except MarketplaceError as exc:
                if not exc.retryable or attempt >= self.max_retries:
                    raise
                delay = min(self.max_backoff, self.backoff * 2**attempt)
                retry_after = getattr(exc, "retry_after", None)
                self.sleep(min(self.max_backoff, max(delay, retry_after or 0)))  # a platform's Retry-After, capped
                attempt += 1

    def http(self, method: str, url: str, **kwargs):
        """One HTTP request with the client's timeout; a connection failure or 5xx is a ServerError."""
        import requests

        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            # Not the exception's text: it holds the URL, whose query carries tokens and signatures.
            raise ServerError(f"{self.platform}: {exc.__class__.__name__}", code="connection_error") from None
        return response


def money(value: Any) -> Decimal:
    """An amount as the platform sent it (a JSON float, a string, an int), exactly: Decimal(str(x))."""
    if value is None or value == "":
        return Decimal("0")
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]
