"""Bearer tokens travel in the Authorization header only.

A token in the query string (or a form body) ends up in access logs, proxy logs, browser history
and Referer headers. RFC 6750 allows those transports; this API refuses them outright, before any
other authentication runs, so a token sent that way is never silently accepted or ignored.
"""

from django.http import QueryDict
from rest_framework import authentication, exceptions

TOKEN_PARAMETER = "access_token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class AccessTokenOutsideHeader(exceptions.AuthenticationFailed):
    error_code = "ACCESS_TOKEN_NOT_IN_HEADER"
    default_detail = (
        "Send the access token in the Authorization header (Authorization: Bearer <token>), "
        "never in the URL or the request body"
    )


def _has_token_parameter(request) -> bool:
    if TOKEN_PARAMETER in request.GET:
        return True
    # A urlencoded body is read as bytes (kept for the view), never through the parsers.
    return request.content_type == FORM_CONTENT_TYPE and TOKEN_PARAMETER in QueryDict(request.body)


class RefuseAccessTokenParameter(authentication.BaseAuthentication):
    """First in the authentication chain: refuses, never authenticates."""

    def authenticate(self, request):
        if _has_token_parameter(getattr(request, "_request", request)):
            raise AccessTokenOutsideHeader()
        return None

    def authenticate_header(self, request):
        # DRF takes the WWW-Authenticate challenge of the first class; keep it the Bearer one.
        return 'Bearer realm="api"'
