from django.utils.deprecation import MiddlewareMixin

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
