"""Health, OpenAPI, Postman: endpoints about the service itself."""

import base64
import hashlib
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.views import APIView

from .postman import build_collection


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a health check reports any failure
        return f"error: {exc.__class__.__name__}"


def _check_cache() -> str:
    try:
        cache.set("healthz", "1", timeout=5)
        return "ok" if cache.get("healthz") == "1" else "error: read back failed"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from omnisales.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"


def healthz(request):
    checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
    healthy = all(not value.startswith("error") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)


@extend_schema(exclude=True)
class PostmanCollectionView(APIView):
    authentication_classes = []
    permission_classes = []
    throttle_classes = []

    def get(self, request):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        collection = build_collection(schema, payments_configured=bool(settings.STRIPE_SECRET_KEY))
        return JsonResponse(collection, json_dumps_params={"indent": 2})


INLINE_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def _api_docs_csp(response) -> None:
    """Everything local; the page's inline <style> allowed by its hash, no inline script at all.

    "Try it out" calls the API at PUBLIC_BASE_URL, which may be another origin than the docs page.
    """
    style_hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'"
        for block in INLINE_STYLE.findall(response.content)
    ]
    api = urlsplit(settings.PUBLIC_BASE_URL)
    directives = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *style_hashes],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", f"{api.scheme}://{api.netloc}"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    response["Content-Security-Policy"] = "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


@extend_schema(exclude=True)
class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI (served locally by drf-spectacular-sidecar) under a strict Content-Security-Policy.

    The split view serves the UI's init script as a file (this URL with `?script`), so the page has
    no inline script; the CSP allows only local scripts and styles.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.add_post_render_callback(_api_docs_csp)
        return response
