"""OpenAPI generation: scopes and error responses on every operation (each with an example of the envelope),
and the security schemes."""

import re

from django.apps import apps
from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_basic_type, build_examples_list, force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from . import ids, scopes
from .errors import not_found, not_found_code
from .permissions import required_scope_for
from .serializers import ErrorSerializer, TenantRelatedField

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


# One example of the envelope per generic error status (what the exception handler answers).
GENERIC_ERROR_EXAMPLES = {
    "400": (
        "Malformed request body",
        "JSON parse error - Expecting value: line 1 column 12 (char 11)",
        "MALFORMED_REQUEST",
    ),
    "401": ("Authentication credentials were not provided.", None, "AUTHENTICATION_REQUIRED"),
    "409": ("A request with this Idempotency-Key is still in progress", None, "IDEMPOTENCY_KEY_IN_USE"),
    "413": ("Request body too large", {"maxBytes": 1048576}, "REQUEST_TOO_LARGE"),
    "415": ('Unsupported media type "text/plain" in request.', None, "UNSUPPORTED_MEDIA_TYPE"),
    "422": ("Validation failed", {"unexpectedField": ["Unknown field."]}, "VALIDATION_ERROR"),
    "429": (
        "Request was throttled. Expected available in 1800 seconds.",
        {"retryAfterSeconds": 1800},
        "RATE_LIMITED",
    ),
}
LIST_PARAMETER_ERROR = ("'limit' must be at most 250", {"limit": ["Got 500; the maximum is 250."]}, "INVALID_PARAMETER")
UNUSED_METHODS = ("PATCH", "PUT", "DELETE", "POST", "GET")


def error_example(code: str, error: str, details=None, *, name: str | None = None) -> OpenApiExample:
    """An example of the error envelope."""
    return OpenApiExample(name or code, value={"error": error, "details": details, "code": code})


def error_response(*examples: OpenApiExample, description: str | None = None) -> OpenApiResponse:
    """An error response documented with the envelope, one example per code it can answer. The description
    names the codes unless given."""
    codes = ", ".join(example.value["code"] for example in examples)
    return OpenApiResponse(ErrorSerializer, description=description or codes, examples=list(examples))


class ErrorCatalog:
    """The errors a views module documents, one example of the envelope each, looked up by code:
    `ERRORS.response("A", "B")` is the error response answering A or B (described by its codes unless told)."""

    def __init__(self, *examples: OpenApiExample, prefix: str = ""):
        self.examples = {example.value["code"]: example for example in examples}
        self.prefix = prefix

    def response(self, *codes: str, description: str | None = None) -> OpenApiResponse:
        return error_response(
            *(self.examples[code] for code in codes), description=description or self.prefix + ", ".join(codes)
        )


def _envelope_example(name: str, error: str, details, code: str) -> dict:
    return build_examples_list([OpenApiExample(name, value={"error": error, "details": details, "code": code})])


def _model_of_id(parameter: str, view):
    """The model a path parameter names (`orderId` -> Order), else the view's own model for its lookup."""
    wanted = re.sub(r"(?<!^)(?=[A-Z])", "_", parameter.removesuffix("Id")).upper() + "_NOT_FOUND"
    for model in apps.get_models():
        if model._meta.app_config.name in settings.LOCAL_APPS and not_found_code(model) == wanted:
            return model
    if getattr(view, "lookup_url_kwarg", None) == parameter and hasattr(view, "get_queryset"):
        return view.get_queryset().model
    return None


def _example_id(model) -> str:
    kind = getattr(model._meta.pk, "kind", "") or re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
    return f"{ids.PREFIXES.get(kind, 'id')}_123"


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
        not_found_example = self._not_found_example()
        if not_found_example and "404" not in operation["responses"]:
            operation["responses"]["404"] = {
                "description": ERROR_RESPONSES["404"],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}, "examples": {}}},
            }
        if not_found_example:
            content = operation["responses"]["404"].setdefault("content", {}).setdefault("application/json", {})
            content.setdefault("examples", {}).update(not_found_example)
        return operation

    def _not_found_example(self) -> dict | None:
        """The 404 this operation answers: for the id in its path, or for the first id its body refers to."""
        parameters = re.findall(r"{(\w+)}", self.path)
        model = _model_of_id(parameters[-1], self.view) if parameters else None
        if model is None and self.method in ("POST", "PUT", "PATCH"):
            serializer = force_instance(self.get_request_serializer())
            fields = serializer.fields if is_serializer(serializer) else {}
            related = [field for field in fields.values() if isinstance(field, TenantRelatedField)]
            model = related[0].queryset.model if related else None
        if model is None:
            return None
        error = not_found(model, _example_id(model))
        return _envelope_example(error.code, error.message, error.details, error.code)


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


def _generic_error_example(path: str, method: str, operation: dict, methods: dict, status_code: str, schemas: dict):
    """(error, details, code) of the envelope this operation answers with `status_code`."""
    if status_code == "400":
        has_limit = any(parameter.get("name") == "limit" for parameter in operation.get("parameters", []))
        return LIST_PARAMETER_ERROR if has_limit and method == "get" else GENERIC_ERROR_EXAMPLES["400"]
    if status_code == "401" and not operation.get("security"):
        return ("Invalid email or password", None, "INVALID_CREDENTIALS")
    if status_code == "403":
        scope = operation.get("x-required-scope", "admin")
        return (f"This request needs the '{scope}' scope.", {"requiredScope": scope}, "INSUFFICIENT_SCOPE")
    if status_code == "404":
        return ("Not found", {"path": path}, "NOT_FOUND")
    if status_code == "405":
        unused = next((name for name in UNUSED_METHODS if name.lower() not in methods), "TRACE")
        return (f'Method "{unused}" not allowed.', None, "METHOD_NOT_ALLOWED")
    if status_code == "422":
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        required = _required_fields(body.get("schema", {}), schemas)
        if required:
            return ("Validation failed", {required[0]: ["This field is required."]}, "VALIDATION_ERROR")
    return GENERIC_ERROR_EXAMPLES.get(status_code)


def _required_fields(schema: dict, schemas: dict) -> list[str]:
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return list(schema.get("required", []))


def _add_error_examples(path: str, method: str, operation: dict, methods: dict, schemas: dict) -> None:
    """Every error response without an example gets one of the envelope."""
    for status_code, response in operation.get("responses", {}).items():
        if status_code < "400":
            continue
        content = response.get("content", {}).get("application/json")
        if content is None or content.get("examples"):
            continue
        example = _generic_error_example(path, method, operation, methods, status_code, schemas)
        if example is not None:
            error, details, code = example
            content["examples"] = _envelope_example(code, error, details, code)


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
            _add_error_examples(path, method, operation, methods, components["schemas"])
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
