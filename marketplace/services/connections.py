"""Connections: create, change, delete, authorize (the platform's authorization flow), test; and the token
store every client of a connection uses.

Calls to a platform never run inside a transaction that holds other rows, except a token refresh, which
holds the connection's row lock across the call on purpose: Shopee's refresh tokens are single-use, so the
new pair must be stored atomically with using the old one, and a second worker waiting on the lock then
finds the new tokens instead of spending the old refresh token again.
"""

import datetime
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from omnisales.api.errors import ValidationFailed
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from ..exceptions import (
    ConnectionDisabled,
    ConnectionExists,
    ConnectionNotAuthorized,
    InvalidAuthorizationState,
    MarketplaceAuthFailed,
    MarketplaceRejected,
    MarketplaceUnavailable,
    ShopMismatch,
)
from ..models import ConnectionStatus, MarketplaceConnection, Platform
from ..platforms import PLATFORMS, client_for
from ..providers.base import (
    AuthFailed,
    MarketplaceClient,
    MarketplaceError,
    NotAuthorized,
    Tokens,
)

AUTHORIZATION_TTL = datetime.timedelta(minutes=15)
TOKEN_FIELDS = ["access_token", "refresh_token", "token_expires_at", "refresh_expires_at", "token_refreshed_at"]
UPDATABLE = {"name", "api_key", "api_secret", "shop_id", "push_stock", "stock_buffer", "auto_sync", "is_active"}


def _hint(secret: str) -> str:
    """The last four characters of a long enough secret; nothing of a short one."""
    return secret[-4:] if len(secret) >= 12 else ""


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class ConnectionTokenStore:
    """The connection's tokens for its client (providers.base.TokenStore), refreshed under its row lock."""

    def __init__(self, connection: MarketplaceConnection):
        self.connection = connection

    def get(self) -> Tokens | None:
        connection = self.connection
        if not connection.access_token:
            return None
        return Tokens(
            access_token=connection.access_token,
            refresh_token=connection.refresh_token,
            expires_at=connection.token_expires_at,
            refresh_expires_at=connection.refresh_expires_at,
        )

    def refresh(self, stale: Tokens, do_refresh) -> Tokens:
        try:
            with transaction.atomic():
                locked = MarketplaceConnection.objects.select_for_update().get(pk=self.connection.pk)
                if locked.access_token and locked.access_token != stale.access_token:
                    _copy_tokens(locked, self.connection)  # another worker refreshed while we waited
                    return self.get()
                _store_tokens(locked, do_refresh(stale))
        except AuthFailed as exc:
            with transaction.atomic():
                locked = MarketplaceConnection.objects.select_for_update().get(pk=self.connection.pk)
                _store_failure(locked, exc)
            _copy_tokens(locked, self.connection)
            raise
        _copy_tokens(locked, self.connection)
        return self.get()


def _copy_tokens(source: MarketplaceConnection, target: MarketplaceConnection) -> None:
    for name in [*TOKEN_FIELDS, "status", "last_error", "last_error_at"]:
        setattr(target, name, getattr(source, name))


def _store_tokens(connection: MarketplaceConnection, tokens: Tokens) -> None:
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token or ""
    connection.token_expires_at = tokens.expires_at
    connection.refresh_expires_at = tokens.refresh_expires_at
    connection.token_refreshed_at = timezone.now()
    connection.save(update_fields=[*TOKEN_FIELDS, "updated_at"])


def _store_failure(connection: MarketplaceConnection, exc: MarketplaceError) -> None:
    """The platform refused the credentials: the connection needs the merchant (status error)."""
    connection.status = ConnectionStatus.ERROR
    connection.last_error, connection.last_error_at = str(exc)[:2000], timezone.now()
    connection.save(update_fields=["status", "last_error", "last_error_at", "updated_at"])
    event_emit(
        account=connection.account,
        event="marketplace.connection_failed",
        data={"connection_id": connection.pk, "platform": connection.platform, "error": connection.last_error},
    )


def client(connection: MarketplaceConnection, **options) -> MarketplaceClient:
    """The platform client of a connection, its tokens refreshed through the connection's row."""
    return client_for(
        connection.platform,
        api_key=connection.api_key,
        api_secret=connection.api_secret,
        shop_id=connection.shop_id,
        tokens=ConnectionTokenStore(connection),
        country=str(connection.details.get("country") or ""),
        **options,
    )


def platform_error(exc: MarketplaceError, connection: MarketplaceConnection):
    """The API's error for what a platform answered (raise it)."""
    details = {"platform": connection.platform, "platformCode": exc.code, "platformMessage": exc.message}
    if isinstance(exc, AuthFailed):
        message = (
            "The shop is not authorized yet: POST /api/marketplace/connections/{id}/authorize"
            if isinstance(exc, NotAuthorized)
            else f"{PLATFORMS[connection.platform].name} refused the connection's credentials: {exc.message}"
        )
        return MarketplaceAuthFailed(message, details=details)
    if exc.retryable:
        return MarketplaceUnavailable(
            f"{PLATFORMS[connection.platform].name} is unavailable or throttling; try again shortly", details=details
        )
    return MarketplaceRejected(f"{PLATFORMS[connection.platform].name} answered: {exc}", details=details)


def _check_platform_fields(platform: str, shop_id: str) -> None:
    if platform not in PLATFORMS:
        raise ValidationFailed("Validation failed", details={"platformId": ["Unknown platform."]})
    if PLATFORMS[platform].shop_id_required and not shop_id:
        raise ValidationFailed(
            "Validation failed",
            details={"shopId": [f"{PLATFORMS[platform].name} needs the {PLATFORMS[platform].credentials['shopId']}."]},
        )


def _check_shop_free(connection: MarketplaceConnection) -> None:
    if not connection.shop_id:
        return
    clash = (
        MarketplaceConnection.objects.filter(
            account_id=connection.account_id, platform=connection.platform, shop_id=connection.shop_id
        )
        .exclude(pk=connection.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise ConnectionExists(
            "This shop is already connected", details={"connectionId": clash, "shopId": connection.shop_id}
        )


def _save_new(connection: MarketplaceConnection) -> None:
    _check_shop_free(connection)
    try:
        with transaction.atomic():
            connection.save(force_insert=True)
    except IntegrityError:  # a concurrent create of the same shop won
        _check_shop_free(connection)
        raise


@atomic_service
def connection_create(
    *,
    account: Account,
    platform: str,
    api_key: str,
    api_secret: str,
    shop_id: str = "",
    name: str = "",
    access_token: str = "",
    refresh_token: str = "",
    token_expires_at: datetime.datetime | None = None,
    push_stock: bool = True,
    stock_buffer: int = 0,
    auto_sync: bool = True,
) -> MarketplaceConnection:
    """Saves a connection's credentials (encrypted). With tokens an operator already holds it is active at
    once; otherwise it waits for the platform's authorization (`connection_authorize_start`)."""
    _check_platform_fields(platform, shop_id)
    if refresh_token and not access_token:
        raise ValidationFailed("Validation failed", details={"accessToken": ["Send the access token too."]})
    if access_token and platform == Platform.SHOPEE and not shop_id:
        raise ValidationFailed(
            "Validation failed", details={"shopId": ["Shopee tokens belong to a shop: send its shop id with them."]}
        )
    connection = MarketplaceConnection(
        account=account,
        platform=platform,
        name=name,
        shop_id=shop_id,
        api_key=api_key,
        api_key_hint=_hint(api_key),
        api_secret=api_secret,
        api_secret_hint=_hint(api_secret),
        access_token=access_token,
        refresh_token=refresh_token or (access_token if platform == Platform.FACEBOOK else ""),
        token_expires_at=token_expires_at,
        status=ConnectionStatus.ACTIVE if access_token else ConnectionStatus.PENDING,
        push_stock=push_stock and PLATFORMS[platform].supports_stock_push,
        stock_buffer=stock_buffer,
        auto_sync=auto_sync,
    )
    _save_new(connection)
    return connection


@atomic_service
def connection_update(*, connection: MarketplaceConnection, changes: dict[str, Any]) -> MarketplaceConnection:
    """Changes settings or credentials. New credentials keep the tokens (the platform refuses them if they no
    longer match, and the connection then asks for a new authorization). `is_active` false pauses syncs and
    stock pushes; true resumes them (an unauthorized connection stays pending)."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"Not writable connection fields: {sorted(unknown)}")
    connection = MarketplaceConnection.objects.select_for_update().get(pk=connection.pk)
    for name in ("name", "shop_id", "stock_buffer", "auto_sync"):
        if name in changes:
            setattr(connection, name, changes[name])
    if "push_stock" in changes:
        if changes["push_stock"] and not PLATFORMS[connection.platform].supports_stock_push:
            raise ValidationFailed(
                "Validation failed",
                details={"pushStock": [f"{PLATFORMS[connection.platform].name} has no stock updates."]},
            )
        connection.push_stock = changes["push_stock"]
    for name in ("api_key", "api_secret"):
        if name in changes:
            setattr(connection, name, changes[name])
            setattr(connection, f"{name}_hint", _hint(changes[name]))
    _check_platform_fields(connection.platform, connection.shop_id)
    if "is_active" in changes:
        if not changes["is_active"]:
            connection.status = ConnectionStatus.DISABLED
        elif connection.status == ConnectionStatus.DISABLED:
            connection.status = ConnectionStatus.ACTIVE if connection.is_authorized else ConnectionStatus.PENDING
    if {"api_key", "api_secret"} & set(changes) and connection.status == ConnectionStatus.ERROR:
        connection.status = ConnectionStatus.ACTIVE if connection.is_authorized else ConnectionStatus.PENDING
    _check_shop_free(connection)
    connection.save()
    return connection


@atomic_service
def connection_delete(*, connection: MarketplaceConnection) -> None:
    """Forgets the connection, its credentials, jobs and links. Its orders stay (channel, external number and
    the marketplace details are on them)."""
    MarketplaceConnection.objects.filter(pk=connection.pk).delete()


def callback_url(platform: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/marketplace/callback/{platform}"


@atomic_service
def connection_authorize_start(*, connection: MarketplaceConnection) -> dict[str, Any]:
    """Starts the platform's authorization: a single-use state (its hash stored, valid 15 minutes) and the URL
    the merchant opens. The platform sends the merchant back to GET /api/marketplace/callback/{platform}."""
    if connection.status == ConnectionStatus.DISABLED:
        raise ConnectionDisabled("The connection is disabled: enable it first", details={"id": connection.pk})
    state = secrets.token_urlsafe(32)
    connection = MarketplaceConnection.objects.select_for_update().get(pk=connection.pk)
    connection.authorization_state_hash, connection.authorization_started_at = _state_hash(state), timezone.now()
    connection.save(update_fields=["authorization_state_hash", "authorization_started_at", "updated_at"])
    # The client puts the state where its platform keeps it (in the redirect for Shopee and Lazada).
    url = client(connection).authorization_url(redirect_uri=callback_url(connection.platform), state=state)
    return {
        "authorization_url": url,
        "redirect_uri": f"{callback_url(connection.platform)}?{urlencode({'state': state})}",
        "expires_at": connection.authorization_started_at + AUTHORIZATION_TTL,
    }


def connection_authorize_finish(*, platform: str, state: str, code: str, params: dict[str, str]):
    """The platform's callback: the state names the connection (single use, 15 minutes); the code is exchanged
    for tokens (an outside call, outside any transaction), which are stored encrypted. Returns the connection."""
    if not state or not code:
        raise InvalidAuthorizationState(
            "The callback needs the state and the code the platform sent", details={"state": bool(state)}
        )
    connection = MarketplaceConnection.objects.filter(
        platform=platform,
        authorization_state_hash=_state_hash(state),
        authorization_started_at__gte=timezone.now() - AUTHORIZATION_TTL,
    ).first()
    if connection is None or connection.status == ConnectionStatus.DISABLED:
        raise InvalidAuthorizationState(
            "Unknown or expired authorization: start again with POST /api/marketplace/connections/{id}/authorize",
            details={"platform": platform},
        )
    # The state is spent before the platform is called: a replayed callback finds nothing.
    spent = MarketplaceConnection.objects.filter(pk=connection.pk, authorization_state_hash=_state_hash(state)).update(
        authorization_state_hash="", authorization_started_at=None
    )
    if not spent:
        raise InvalidAuthorizationState("This authorization was already used", details={"platform": platform})
    platform_client = client(connection)
    try:
        tokens = platform_client.exchange_code(code=code, params={**params, "redirect_uri": callback_url(platform)})
    except MarketplaceError as exc:
        raise platform_error(exc, connection) from exc
    with transaction.atomic():
        locked = MarketplaceConnection.objects.select_for_update().get(pk=connection.pk)
        shop_id = str(tokens.extra.get("shop_id") or tokens.extra.get("seller_id") or "")
        if shop_id and locked.shop_id and shop_id != locked.shop_id:
            raise ShopMismatch(
                "The seller authorized another shop than this connection's: authorize it from that shop, or "
                "create a connection for the other one",
                details={"shopId": locked.shop_id, "authorizedShopId": shop_id},
            )
        if shop_id and not locked.shop_id:
            locked.shop_id = shop_id
            _check_shop_free(locked)
        locked.status = ConnectionStatus.ACTIVE
        locked.details = {**locked.details, **{key: value for key, value in tokens.extra.items() if key != "raw"}}
        locked.last_error = ""
        _store_tokens(locked, tokens)
        locked.save(update_fields=["shop_id", "status", "details", "last_error", "updated_at"])
    return locked


def connection_test(*, connection: MarketplaceConnection) -> dict[str, Any]:
    """A cheap signed call to the platform (its tokens refreshed if due). Success makes an errored connection
    active again and records the shop's name; a refusal marks it errored and is a 422."""
    if connection.status == ConnectionStatus.DISABLED:
        raise ConnectionDisabled("The connection is disabled: enable it first", details={"id": connection.pk})
    if not connection.is_authorized:
        raise ConnectionNotAuthorized(
            "The shop is not authorized yet: POST /api/marketplace/connections/{id}/authorize",
            details={"id": connection.pk},
        )
    started = timezone.now()
    try:
        shop = client(connection).check()
    except AuthFailed as exc:
        if connection.status != ConnectionStatus.ERROR:
            with transaction.atomic():
                _store_failure(MarketplaceConnection.objects.select_for_update().get(pk=connection.pk), exc)
        raise platform_error(exc, connection) from exc
    except MarketplaceError as exc:
        raise platform_error(exc, connection) from exc
    with transaction.atomic():
        locked = MarketplaceConnection.objects.select_for_update().get(pk=connection.pk)
        shop_name = str(shop.get("name") or "")[:200]
        if shop_name and not locked.name:
            locked.name = shop_name
        if locked.status == ConnectionStatus.ERROR:
            locked.status = ConnectionStatus.ACTIVE
        locked.last_error = ""
        locked.save(update_fields=["name", "status", "last_error", "updated_at"])
    return {
        "ok": True,
        "connection": locked,
        "shop": shop,
        "latency_ms": round((timezone.now() - started).total_seconds() * 1000),
    }
