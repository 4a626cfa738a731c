"""Writes for accounts: registration, tokens, API keys and OAuth applications."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from oauth2_provider.models import Application
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from omnisales.api import scopes as scope_registry
from omnisales.api.models import IdempotencyRecord
from omnisales.api.throttling import client_address
from omnisales.api.transactions import atomic_service

from . import credential_cache
from .authentication import ACCOUNT_CLAIM
from .exceptions import DuplicateEmail, InvalidCredentials, ScopeNotAllowed, TooManyLoginAttempts, ValidationFailed
from .lockout import failures_forgive, lockout_seconds
from .models import Account, ApiKey, Membership, OAuthClient, Role, User


def tokens_for(*, user: User, account: Account) -> dict:
    refresh = RefreshToken.for_user(user)
    refresh[ACCOUNT_CLAIM] = account.pk
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


@atomic_service
def account_register(*, email: str, password: str, name: str, store_name: str, currency: str = "USD") -> dict:
    """Creates the user, their account and an owner membership in one transaction."""
    email = email.strip().lower()
    candidate = User(email=email, name=name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed("Validation failed", details={"password": list(exc.messages)}) from exc
    if User.objects.filter(email__iexact=email).exists():
        raise DuplicateEmail("A user with this email already exists", details={"email": email})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
    except IntegrityError as exc:
        raise DuplicateEmail("A user with this email already exists", details={"email": email}) from exc
    account = Account.objects.create(name=store_name, currency=currency.upper())
    membership = Membership.objects.create(user=user, account=account, role=Role.OWNER)
    return {
        "user": user,
        "account": account,
        "membership": membership,
        "tokens": tokens_for(user=user, account=account),
    }


def token_obtain(*, request, email: str, password: str, account_id: str | None = None) -> dict:
    """Checks the password through django.contrib.auth with the request, so failed logins are counted
    per email and per client address and a locked-out login is refused even with the right password.

    The failure records commit even when the login is refused (TokenObtainView opens no request
    transaction that the refusal would roll back).
    """
    email = email.strip().lower()
    user = authenticate(request, username=email, password=password)
    if getattr(request, "axes_locked_out", False):
        raise TooManyLoginAttempts(wait=lockout_seconds())
    if user is None or not user.is_active:
        raise InvalidCredentials("Invalid email or password")
    memberships = Membership.objects.select_related("account").filter(user=user, account__is_active=True)
    if account_id:
        memberships = memberships.filter(account_id=account_id)
    membership = memberships.order_by("created_at").first()
    if membership is None:
        raise InvalidCredentials("This user has no access to the requested account")
    with transaction.atomic():
        failures_forgive(username=email, ip_address=client_address(request))
        return tokens_for(user=user, account=membership.account)


@atomic_service
def token_refresh(*, refresh: str) -> dict:
    """Rotates a refresh token: the old one is blacklisted, a new pair is issued, exactly once.

    The old token's outstanding row is locked first, so of several requests sending the same token
    at once one rotates it and the others, once it is committed, find it blacklisted.
    """
    try:
        jti = RefreshToken(refresh)["jti"]
        OutstandingToken.objects.select_for_update().filter(jti=jti).first()
        rotation = TokenRefreshSerializer(data={"refresh": refresh})
        rotation.is_valid(raise_exception=True)
    except (TokenError, InvalidToken, KeyError, ObjectDoesNotExist) as exc:
        raise InvalidCredentials("Invalid or expired refresh token") from exc
    return rotation.validated_data


def _check_grantable(requested: list[str], grantor_scopes: frozenset[str]) -> list[str]:
    unknown = scope_registry.validate(requested)
    if unknown:
        raise ValidationFailed("Validation failed", details={"scopes": [f"Unknown scope: {s}" for s in unknown]})
    if not requested:
        raise ValidationFailed("Validation failed", details={"scopes": ["At least one scope is required."]})
    beyond = sorted(scope_registry.expand(requested) - grantor_scopes)
    if beyond:
        raise ScopeNotAllowed("You cannot grant scopes you do not hold", details={"scopes": beyond})
    return sorted(set(requested))


@atomic_service
def api_key_create(
    *,
    account: Account,
    name: str,
    scopes: list[str],
    grantor_scopes: frozenset[str],
    created_by: User | None = None,
    expires_at: datetime | None = None,
    created_by_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, which is never stored and cannot be shown again.

    A key made with another key never outlives it: without an expiry it gets its creator's,
    and a later expiry than its creator's is refused.
    """
    granted = _check_grantable(scopes, grantor_scopes)
    creator_expiry = created_by_key.expiry_date if created_by_key is not None else None
    if creator_expiry is not None:
        if expires_at is None:
            expires_at = creator_expiry
        elif expires_at > creator_expiry:
            message = f"Must not be later than the creating key's expiry ({creator_expiry.isoformat()})."
            raise ValidationFailed("Validation failed", details={"expires_at": [message]})
    return ApiKey.objects.create_key(
        account=account, name=name, scopes=granted, created_by=created_by, expiry_date=expires_at
    )


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    ApiKey.objects.filter(pk=api_key.pk).update(revoked=True)
    credential_cache.forget_api_keys([api_key.prefix])  # update() sends no signal
    api_key.revoked = True
    return api_key


@atomic_service
def oauth_application_create(
    *,
    account: Account,
    name: str,
    redirect_uris: list[str],
    scopes: list[str],
    grantor_scopes: frozenset[str],
    client_type: str = Application.CLIENT_CONFIDENTIAL,
    user: User | None = None,
) -> tuple[OAuthClient, str]:
    """Returns the client and its plain client secret (stored hashed, shown once)."""
    granted = _check_grantable(scopes, grantor_scopes)
    from oauth2_provider.generators import generate_client_secret

    secret = generate_client_secret()
    application = Application.objects.create(
        name=name,
        user=user,
        client_type=client_type,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        client_secret=secret,
        skip_authorization=False,
        algorithm="",
    )
    client = OAuthClient.objects.create(account=account, application=application, allowed_scopes=granted)
    return client, secret


def oauth_application_delete(*, client: OAuthClient) -> None:
    client.application.delete()


def idempotency_records_purge(*, older_than: datetime, batch_size: int = 1000) -> int:
    """Deletes stored Idempotency-Key responses created before `older_than`, in batches so no
    single statement holds locks for long. Returns how many were deleted."""
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=older_than).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


def login_logs_purge(*, age_days: int) -> int:
    """Deletes login access and failure logs older than `age_days` (lockout counters expire on their
    own). Returns how many rows were deleted."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.reset_logs(age_days=age_days) + AxesProxyHandler.reset_failure_logs(age_days=age_days)
