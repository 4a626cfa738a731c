"""One exception handler: every error from every layer becomes {"error", "details", "code"}."""

import logging
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.views import defaults
from djangorestframework_camel_case.util import camelize
from rest_framework import exceptions, status
from rest_framework.response import Response

from .errors import ApplicationError
from .permissions import InsufficientScope

logger = logging.getLogger("omnisales.api")

_DRF_CODES = {
    exceptions.ParseError: (400, "MALFORMED_REQUEST", "Malformed request"),
    exceptions.AuthenticationFailed: (401, "AUTHENTICATION_FAILED", "Invalid or expired credentials"),
    exceptions.NotAuthenticated: (401, "AUTHENTICATION_REQUIRED", "Authentication required"),
    exceptions.PermissionDenied: (403, "FORBIDDEN", "You do not have permission to perform this action"),
    exceptions.NotFound: (404, "NOT_FOUND", "Not found"),
    exceptions.MethodNotAllowed: (405, "METHOD_NOT_ALLOWED", "Method not allowed"),
    exceptions.NotAcceptable: (406, "NOT_ACCEPTABLE", "Not acceptable"),
    exceptions.UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    exceptions.Throttled: (429, "RATE_LIMITED", "Rate limit exceeded"),
}


def envelope(error: str, code: str, details=None) -> dict:
    return {"error": error, "details": details, "code": code}


def _field_errors(detail) -> dict | list | str:
    """DRF's nested ValidationError detail -> {"field": ["message", ...]} (camelCased on render)."""
    if isinstance(detail, dict):
        return {key: _field_errors(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_field_errors(item) for item in detail]
    return [str(detail)]


def _validation_response(exc: exceptions.ValidationError) -> Response:
    detail = exc.detail
    details = _field_errors(detail) if isinstance(detail, dict) else {"nonFieldErrors": _field_errors(detail)}
    return Response(envelope("Validation failed", "VALIDATION_ERROR", details), status=422)


def _message(detail, fallback: str) -> str:
    if isinstance(detail, str) and detail:
        return str(detail)
    return fallback


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, ApplicationError):
        body = envelope(exc.message, exc.code, exc.details)
        return Response(body, status=exc.status_code)

    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc)

    if isinstance(exc, RequestDataTooBig):
        # Django's cap on a body held in memory, or reading past the API's body limit (body_size.py).
        details = {"maxBytes": getattr(exc, "max_bytes", settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        return Response(envelope("Request body too large", "REQUEST_TOO_LARGE", details), status=413)

    if isinstance(exc, IntegrityError):
        logger.warning("Integrity error surfaced to the API: %s", exc)
        return Response(
            envelope("The request conflicts with existing data", "CONFLICT"), status=status.HTTP_409_CONFLICT
        )

    if isinstance(exc, exceptions.APIException):
        status_code, code, fallback = exc.status_code, "ERROR", "Request failed"
        for klass, (known_status, known_code, known_fallback) in _DRF_CODES.items():
            if isinstance(exc, klass):
                status_code, code, fallback = known_status, known_code, known_fallback
        details = None
        if isinstance(exc, InsufficientScope):
            code = "INSUFFICIENT_SCOPE"
            details = {"requiredScope": exc.required_scope}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) or 1)
            details = {"retryAfterSeconds": int(exc.wait) or 1}
        if isinstance(exc, exceptions.MethodNotAllowed):
            view = context.get("view")
            if view is not None:
                headers["Allow"] = ", ".join(view.allowed_methods)
        auth_header = getattr(exc, "auth_header", None)
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
        message = _message(exc.detail, fallback)
        if isinstance(exc, exceptions.ParseError):
            details, message = message, "Malformed request body"
        elif isinstance(exc.detail, dict):
            details = details or exc.detail
        elif exc.detail and code in ("NOT_FOUND",) and str(exc.detail) != fallback:
            message = str(exc.detail)
        error_code = getattr(exc, "error_code", None) or code
        return Response(envelope(message, error_code, details), status=status_code, headers=headers)

    logger.exception("Unhandled error in API view", exc_info=exc)
    return Response(envelope("Internal server error", "INTERNAL_ERROR"), status=500)


def json_error(request, status_code: int, error: str, code: str, details=None) -> JsonResponse:
    return JsonResponse(camelize(envelope(error, code, details)), status=status_code)


def _is_html_page(request) -> bool:
    return request.path.startswith(("/admin/", "/accounts/", "/o/"))


def handler404(request, exception=None):
    if _is_html_page(request):
        return defaults.page_not_found(request, exception)
    return json_error(request, 404, "Not found", "NOT_FOUND", {"path": request.path})


def handler500(request):
    if _is_html_page(request):
        return defaults.server_error(request)
    return json_error(request, 500, "Internal server error", "INTERNAL_ERROR")


def handler400(request, exception=None):
    return json_error(request, 400, "Bad request", "MALFORMED_REQUEST")


def handler403(request, exception=None):
    return json_error(request, 403, "Forbidden", "FORBIDDEN")


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def api_error_for_status(request, response) -> JsonResponse:
    """The envelope for an error `response` something other than an API view made for an /api path:
    Django's own (debug) pages for an unknown route or an uncaught exception, a plain 405."""
    status_code = response.status_code
    if status_code == 404:
        return handler404(request)
    if status_code >= 500:
        return handler500(request)
    if status_code == 405:
        error = json_error(request, 405, "Method not allowed", "METHOD_NOT_ALLOWED")
        if response.has_header("Allow"):
            error["Allow"] = response["Allow"]
        return error
    if status_code == 403:
        return handler403(request)
    if status_code == 400:
        return handler400(request)
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return json_error(request, status_code, "Request failed", "ERROR")
    return json_error(request, status_code, phrase, phrase.upper().replace(" ", "_").replace("-", "_"))
