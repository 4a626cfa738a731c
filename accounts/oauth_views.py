"""The OAuth 2.0 endpoints this server exposes, and nothing else: authorize, token, revoke, introspect.

Applications are managed only through /api/oauth/applications (tenant-scoped, role-checked), never
through the toolkit's own management pages. Only the authorization-code grant (with PKCE) and its
refresh tokens are spoken, whatever grant type an application row claims.
"""

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as toolkit
from oauth2_provider.models import get_application_model
from oauthlib.oauth2.rfc6749.errors import UnsupportedGrantTypeError

from omnisales.api.exception_handler import json_error

from . import oauth_throttling
from .models import Membership

ALLOWED_GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


class MemberAuthorizationView(toolkit.AuthorizationView):
    """The consent page. The token it leads to acts for the account that registered the application,
    so only a member of that (active) account may authorize it."""

    def get(self, request, *args, **kwargs):
        return self._refusal(request.GET.get("client_id")) or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self._refusal(request.POST.get("client_id")) or super().post(request, *args, **kwargs)

    def _refusal(self, client_id):
        row = (
            get_application_model()
            .objects.filter(client_id=client_id or "")
            .values_list("omnisales_client__account_id", flat=True)
        )
        if not row:
            return None  # unknown client: the toolkit answers with its own error page
        account_id = row[0]
        if account_id is not None and (
            Membership.objects.filter(user=self.request.user, account_id=account_id, account__is_active=True).exists()
        ):
            return None
        return json_error(
            self.request,
            403,
            "Only a member of the account that registered this application can authorize it",
            "NOT_AN_ACCOUNT_MEMBER",
        )


class ClientAuthenticationRateLimit:
    """Per-address limits for endpoints that check client credentials (see oauth_throttling)."""

    def dispatch(self, request, *args, **kwargs):
        wait = oauth_throttling.token_request_wait(request)
        if wait is not None:
            response = json_error(
                request,
                429,
                "Too many OAuth requests from this address",
                "RATE_LIMITED",
                {"retry_after_seconds": wait},
            )
            response["Retry-After"] = str(wait)
            return response
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 401:
            oauth_throttling.record_failed_client_authentication(request)
        return response


# The toolkit's views are csrf-exempt through a decorator on dispatch; overriding dispatch drops it,
# so it is applied again (clients post here with their credentials, never with a browser session).
@method_decorator(csrf_exempt, name="dispatch")
class TokenView(ClientAuthenticationRateLimit, toolkit.TokenView):
    def post(self, request, *args, **kwargs):
        if request.POST.get("grant_type") not in ALLOWED_GRANT_TYPES:
            error = UnsupportedGrantTypeError()  # RFC 6749 error body, as OAuth clients expect here
            response = HttpResponse(error.json, status=error.status_code, content_type="application/json")
            response["Cache-Control"] = "no-store"
            return response
        return super().post(request, *args, **kwargs)


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(ClientAuthenticationRateLimit, toolkit.RevokeTokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectTokenView(ClientAuthenticationRateLimit, toolkit.IntrospectTokenView):
    pass
