"""OpenAPI generation: scopes and error responses on every operation, and the security schemes."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

from . import scopes
from .permissions import required_scope_for

ERROR_RESPONSES = {
    "400": "Malformed request (bad JSON or query parameter)",
    "401": "Missing, invalid, expired or revoked credentials",
    "403": "Authenticated but not allowed (INSUFFICIENT_SCOPE)",
    "404": "Not found, or owned by another account",
    "405": "Method not allowed on this path (see the Allow header)",
    "422": "Validation failed; details maps each field to its messages",
    "429": "Rate limited; see Retry-After",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "details", "code"],
    "properties": {
        "error": {"type": "string"},
        "details": {"nullable": True},
        "code": {"type": "string"},
    },
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed per window."},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the window."},
    "X-RateLimit-Reset": {"schema": {"type": "integer"}, "description": "Window reset, epoch seconds."},
}


class TenantRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """An id in a request or response body (`categoryId`): a string."""

    target_class = "omnisales.api.serializers.TenantRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return build_basic_type(OpenApiTypes.STR)


class AutoSchema(SpectacularAutoSchema):
    def required_scope(self) -> str | None:
        if getattr(self.view, "public", False) or getattr(self.view, "any_scope", False):
            return None
        return required_scope_for(self.view, self.method)

    def get_auth(self):
        if getattr(self.view, "public", False):
            return []
        scope = self.required_scope()
        return [{"bearerAuth": []}, {"apiKeyAuth": []}, {"oauth2": [scope] if scope else []}]

    def get_description(self):
        description = super().get_description() or ""
        scope = self.required_scope()
        if scope:
            description = (description + f"\n\nRequired scope: `{scope}`.").strip()
        return description

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        scope = self.required_scope()
        if scope:
            operation["x-required-scope"] = scope
        return operation


def _exclude_sibling_literals(paths: dict) -> None:
    """`/api/customers/{customerId}` never matches `rfm` or `segments`: those are other routes. Say so in
    the parameter's schema (`not: {enum: [...]}`), so clients and fuzzers never send them as ids."""
    templates = {path: path.strip("/").split("/") for path in paths}
    for path, segments in templates.items():
        for index, segment in enumerate(segments):
            if not (segment.startswith("{") and segment.endswith("}")):
                continue
            literals = sorted(
                other[index]
                for other in templates.values()
                if len(other) == len(segments)
                and not other[index].startswith("{")
                and all(a == b for i, (a, b) in enumerate(zip(other, segments, strict=True)) if i != index)
            )
            if not literals:
                continue
            for operation in paths[path].values():
                for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                    if parameter.get("in") == "path" and parameter.get("name") == segment[1:-1]:
                        parameter.setdefault("schema", {})["not"] = {"enum": literals}


def add_security_schemes(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "oauth2": {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/o/authorize/",
                    "tokenUrl": "/o/token/",
                    "refreshUrl": "/o/token/",
                    "scopes": dict(scopes.DESCRIPTIONS),
                }
            },
        },
    }
    _exclude_sibling_literals(result.get("paths", {}))
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            errors = dict(ERROR_RESPONSES)
            if method in ("post", "put", "patch", "delete"):
                errors["409"] = "Conflict: duplicate, invalid state transition, or an Idempotency-Key in flight"
            if method in ("post", "put", "patch"):
                errors["415"] = "Unsupported media type: send application/json (or the documented form type)"
            for status_code, description in errors.items():
                responses.setdefault(
                    status_code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
            if method == "post" and operation.get("security"):
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(
                        {
                            "in": "header",
                            "name": "Idempotency-Key",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 255},
                            "description": "Replays the first response for 24 hours when sent again.",
                        }
                    )
            if path.startswith("/api"):
                for status_code, response in responses.items():
                    if not status_code.startswith("2") and status_code != "429":
                        continue
                    response.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
    return result


def servers_from_request(result, generator, request, public):
    """The document names the API where it was asked for (the port `make run` serves on, the host a
    proxy forwards); generated without a request (the Postman collection, `manage.py spectacular`)
    it keeps PUBLIC_BASE_URL from the settings."""
    if request is not None:
        result["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
    return result
