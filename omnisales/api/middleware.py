from django.utils.deprecation import MiddlewareMixin

from .exception_handler import api_error_for_status, is_api_path
from .throttling import check_rate


class ApiResponseHeadersMiddleware(MiddlewareMixin):
    """Writes X-RateLimit-* onto every API response, errors included.

    API views record the numbers while throttling; a request that reached no view (an unknown path)
    is counted here against the caller's address, so it gets the headers too. Views declared exempt
    (provider webhooks) get none.
    """

    def process_response(self, request, response):
        rate_limit = getattr(request, "rate_limit", None)
        unrouted = getattr(request, "resolver_match", None) is None
        if rate_limit is None and unrouted and request.path.startswith("/api/"):
            check_rate(request, "read")
            rate_limit = request.rate_limit
        if rate_limit:
            response["X-RateLimit-Limit"] = str(rate_limit["limit"])
            response["X-RateLimit-Remaining"] = str(rate_limit["remaining"])
            response["X-RateLimit-Reset"] = str(rate_limit["reset"])
        return response


class ApiJsonErrorsMiddleware:
    """Every error under /api is the JSON envelope, whether DEBUG is on or off.

    API views answer their own errors (the one exception handler). What reaches no API view, or fails
    outside one, gets Django's answer instead: with DEBUG on, its HTML debug pages for an unknown route
    (`/api/orders/`, `/api/crm/nothing`) and for an uncaught exception; with DEBUG off, the handlers in
    omnisales/urls.py. Any such non-JSON error for an /api path is replaced here by the envelope the
    handlers give (404 NOT_FOUND, 405 METHOD_NOT_ALLOWED with its Allow header, 500 INTERNAL_ERROR ...),
    so a client never sees HTML, and the debug page's internals never leave the server.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_path(request.path)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        return api_error_for_status(request, response)
