"""Secret response fields: one marker, so no layer can keep or cache a secret by mistake.

Every serializer field that carries a secret (an API key, an OAuth client secret, a webhook signing
secret, a JWT) is a `SecretField`. Its value leaves the serializer as a `SecretValue`, a `str` that
renders like any other string but can be recognised afterwards, wherever the data goes:

- the idempotency layer stores a response with every secret value removed and says on replay which
  fields it left out (`Idempotent-Secrets-Omitted`);
- every response that carries a secret gets `Cache-Control: no-store`.

Fields whose names look like secrets must use the marker (or be write-only); a test walks every
serializer in the project to hold that line.
"""

import re
from contextvars import ContextVar

from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .serializers import StrictString

SECRETS_OMITTED_HEADER = "Idempotent-Secrets-Omitted"

# Field names that look like they carry a secret: "key", "client_secret", "tokens", "refresh", ...
SECRET_NAME = re.compile(r"(^|_)(key|secret|token|tokens|access|refresh|password)(_|$)")


# Set when a SecretValue is made while a request is handled: NoStoreSecretsMiddleware then marks the
# response no-store without walking its data.
_secret_made: ContextVar[bool] = ContextVar("secret_made", default=False)


class SecretValue(str):
    """A secret on its way out. Behaves as a plain string; only its type tells it apart."""

    __slots__ = ()

    def __new__(cls, value=""):
        _secret_made.set(True)
        return super().__new__(cls, value)


# How the schema shows a secret: `x-secret: true`, and never required in a response, because an
# Idempotency-Key replay leaves it out (see `secrets_not_required`).
SECRET_SCHEMA_EXTENSION = "x-secret"


@extend_schema_field({"type": "string", SECRET_SCHEMA_EXTENSION: True})
class SecretField(StrictString, serializers.CharField):
    """A string field whose value is a secret: never stored in replays, never cached by clients.

    Read-only unless told otherwise; as input it is a string field like StrictCharField.
    """

    def __init__(self, **kwargs):
        if not kwargs.get("write_only"):
            kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return SecretValue(super().to_representation(value))


def without_secrets(data) -> tuple[object, list[str]]:
    """(`data` in its camelCase wire form with every secret value removed, the dotted paths removed).

    Items of a list are addressed as `field[]`.
    """
    omitted: list[str] = []

    def strip(value, path: str):
        if isinstance(value, dict):
            kept = {}
            for key, item in value.items():
                item_path = f"{path}.{key}" if path else str(key)
                if isinstance(item, SecretValue):
                    if item_path not in omitted:
                        omitted.append(item_path)
                    continue
                kept[key] = strip(item, item_path)
            return kept
        if isinstance(value, (list, tuple)):
            return [strip(item, f"{path}[]") for item in value]
        return value

    return strip(camelize(data, **camel_settings.JSON_UNDERSCOREIZE), ""), omitted


class NoStoreSecretsMiddleware:
    """`Cache-Control: no-store` on every response for which a SecretValue was made (a secret field rendered)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _secret_made.set(False)
        try:
            response = self.get_response(request)
            if _secret_made.get():  # a SecretValue was made for this response
                response["Cache-Control"] = "no-store"
                response["Pragma"] = "no-cache"
        finally:
            _secret_made.reset(token)
        return response


def secrets_not_required(result, generator, request, public):
    """drf-spectacular post-processing hook: a secret property is documented but not required, since a
    replayed response omits it (and names it in Idempotent-Secrets-Omitted)."""
    for component in result.get("components", {}).get("schemas", {}).values():
        properties = component.get("properties", {})
        secret = {
            name
            for name, schema in properties.items()
            if schema.get(SECRET_SCHEMA_EXTENSION) and not schema.get("writeOnly")  # inputs stay as they are
        }
        if secret and "required" in component:
            component["required"] = [name for name in component["required"] if name not in secret]
            if not component["required"]:
                del component["required"]
        for name in secret:
            note = f"Left out of an Idempotency-Key replay (named in {SECRETS_OMITTED_HEADER})."
            description = properties[name].get("description", "")
            properties[name]["description"] = f"{description} {note}".strip()
    return result
