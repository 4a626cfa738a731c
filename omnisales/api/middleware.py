from django.utils.deprecation import MiddlewareMixin


class ApiResponseHeadersMiddleware(MiddlewareMixin):
    """Writes X-RateLimit-* (recorded by the throttle) onto every API response, errors included."""

    def process_response(self, request, response):
        rate_limit = getattr(request, "rate_limit", None)
        if rate_limit:
            response["X-RateLimit-Limit"] = str(rate_limit["limit"])
            response["X-RateLimit-Remaining"] = str(rate_limit["remaining"])
            response["X-RateLimit-Reset"] = str(rate_limit["reset"])
        return response
