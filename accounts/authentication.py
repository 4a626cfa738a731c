"""The three ways in, each ending at an AuthContext(account, principal, scopes).

API keys and members (JWT, OAuth) are read through a short-lived cache of verified credentials
(credential_cache.py), so the hot path makes no database query; a hit is checked like a fresh row.
"""

from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication as DotOAuth2Authentication
from oauth2_provider.oauth2_backends import get_oauthlib_core
from rest_framework import authentication, exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from omnisales.api.auth import AuthContext

from . import credential_cache
from .models import ApiKey, Membership
from .roles import scopes_for_role

ACCOUNT_CLAIM = "account_id"


def _looks_like_jwt(raw_token: bytes) -> bool:
    return raw_token.count(b".") == 2


class JWTAuthentication(SimpleJWTAuthentication):
    """Bearer JWT for an account member. The token names the account; the role gives the scopes."""

    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None or not _looks_like_jwt(raw_token):
            return None  # an opaque OAuth access token: let OAuth2Authentication have it
        try:
            validated_token = self.get_validated_token(raw_token)
        except (InvalidToken, TokenError) as exc:
            raise exceptions.AuthenticationFailed("Invalid or expired token") from exc
        if validated_token.get("token_type") != "access":
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        account_id = validated_token.get(ACCOUNT_CLAIM)
        # The password-change claim is checked against the password hash, which is never cached.
        cached = None
        if not jwt_settings.CHECK_REVOKE_TOKEN:
            cached = credential_cache.member_lookup(validated_token.get(jwt_settings.USER_ID_CLAIM), account_id)
        if cached is None:
            user = self.get_user(validated_token)
            account, role = _membership(user, account_id, "This token's account is not available to the user")
        else:
            user, account, role = cached
            if not user.is_active:
                raise exceptions.AuthenticationFailed("User is inactive", code="user_inactive")
            if not account.is_active:
                raise exceptions.AuthenticationFailed("This token's account is not available to the user")
        context = AuthContext.build(
            account=account,
            principal=user,
            method="jwt",
            credential_id=f"{user.pk}:{account.pk}",
            scopes=scopes_for_role(role),
            role=role,
        )
        return user, context


def _membership(user, account_id, refusal: str):
    """(account, role) of the user's membership of an active account, read and cached; else refused."""
    membership = (
        Membership.objects.select_related("account")
        .filter(user=user, account_id=account_id, account__is_active=True)
        .first()
    )
    if membership is None:
        raise exceptions.AuthenticationFailed(refusal)
    credential_cache.member_remember(user=user, account=membership.account, role=membership.role)
    return membership.account, membership.role


class ApiKeyAuthentication(authentication.BaseAuthentication):
    header = "X-API-Key"

    def authenticate(self, request):
        raw_key = request.headers.get(self.header)
        if raw_key is None:
            return None
        prefix = raw_key.partition(".")[0]
        api_key, used_recently = credential_cache.api_key_lookup(prefix)
        cached = api_key is not None
        if not cached:
            api_key = ApiKey.objects.select_related("account").filter(prefix=prefix).first()
        if api_key is None or not api_key.is_valid(raw_key):
            raise exceptions.AuthenticationFailed("Invalid API key")
        if api_key.revoked:
            raise exceptions.AuthenticationFailed("This API key has been revoked")
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired")
        if not api_key.account.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled")
        credential_cache.api_key_touch(api_key, used_recently=used_recently)
        if not cached:
            credential_cache.api_key_remember(api_key)
        context = AuthContext.build(
            account=api_key.account,
            principal=api_key,
            method="api_key",
            credential_id=api_key.public_id,
            scopes=api_key.scopes,
        )
        return None, context

    def authenticate_header(self, request):
        return self.header


class OAuth2Authentication(DotOAuth2Authentication):
    """An access token issued to a third-party application: the app's account, the granted scopes,
    never more than the authorizing member's role allows."""

    def authenticate(self, request):
        result = self._verify_authorization_header(request)
        if result is None:
            return None
        user, token = result
        client = getattr(token.application, "omnisales_client", None)
        if client is None or token.expires <= timezone.now():
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("The authorizing user is inactive")
        refusal = "The authorizing user no longer belongs to this account"
        cached = credential_cache.member_lookup(user.pk, client.account_id)
        if cached is None:
            account, role = _membership(user, client.account_id, refusal)
        else:
            _, account, role = cached
            if not account.is_active:
                raise exceptions.AuthenticationFailed(refusal)
        granted = set(token.scope.split()) & scopes_for_role(role)
        context = AuthContext.build(
            account=account,
            principal=token,
            method="oauth2",
            credential_id=f"{client.pk}:{user.pk}",
            scopes=granted,
            role=role,
        )
        return user, context

    def _verify_authorization_header(self, request):
        """(user, access token) for a valid `Authorization: Bearer` header, None without one.

        The toolkit's own check hands oauthlib the whole request, reading `request.POST`: on a DRF
        request that parses the body before authentication (a malformed body answered 400 instead of
        401, and the consumed stream broke Idempotency-Key). oauthlib gets the header and the path only.
        """
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        django_request = getattr(request, "_request", request)
        valid, oauth_request = get_oauthlib_core().server.verify_request(
            django_request.build_absolute_uri(django_request.path),  # absolute: RFC 8707 audience checks
            django_request.method,
            body=None,
            headers={"Authorization": header},
            scopes=[],
        )
        if not valid:
            raise exceptions.AuthenticationFailed("Invalid or expired token")
        return oauth_request.user, oauth_request.access_token
