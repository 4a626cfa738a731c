"""Reading request bodies: JSON only (camelCase -> snake_case), with capped nesting, size and free-form fields.

- `JSONParser` is the only default parser; a form or multipart body where JSON is documented is a 415.
  Endpoints that document multipart (the product CSV import) name their own parsers.
- Nesting deeper than API_MAX_JSON_DEPTH is a 400 MALFORMED_REQUEST, decided without recursion.
- `BufferedRequest` parses from the raw body cached on the Django request, so the body can be read
  again afterwards (the idempotency fingerprint), and `request.POST` never parses: authentication
  cannot make the body be parsed before the caller is known.
- Free-form JSON fields (product attributes, metadata) are capped in depth and serialized size.
"""

import io
import json

from django.conf import settings
from django.http import QueryDict
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError
from rest_framework.request import Empty, Request, is_form_media_type


class JsonTooDeep(ValueError):
    def __init__(self, max_depth: int):
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def max_json_depth() -> int:
    return settings.API_MAX_JSON_DEPTH


def json_depth_exceeds(value, max_depth: int) -> bool:
    """True when containers nest deeper than max_depth ({} and [] count 1; scalars 0). No recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def load_json(text: str | bytes, *, max_depth: int) -> object:
    """json.loads that refuses nesting deeper than max_depth (JsonTooDeep, a ValueError) instead of
    hitting Python's recursion limit."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if json_depth_exceeds(value, max_depth):
        raise JsonTooDeep(max_depth)
    return value


def free_form_problem(value) -> str | None:
    """Why a free-form JSON value (attributes, metadata) is refused, or None when it is fine."""
    max_depth = settings.API_MAX_FREE_FORM_JSON_DEPTH
    if json_depth_exceeds(value, max_depth):
        return f"Nested deeper than {max_depth} levels."
    max_bytes = settings.API_MAX_FREE_FORM_JSON_BYTES
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())
    if size > max_bytes:
        return f"Larger than {max_bytes} bytes as JSON."
    return None


class JSONParser(CamelCaseJSONParser):
    """camelCase JSON with nesting capped at API_MAX_JSON_DEPTH."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = load_json(stream.read().decode(encoding), max_depth=max_json_depth())
        except JsonTooDeep as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from None
        return underscoreize(data, **self.json_underscoreize)


class BufferedRequest(Request):
    """A DRF request whose non-multipart body is read once into the Django request's cached `body`."""

    def _load_stream(self):
        super()._load_stream()
        multipart = (self.content_type or "").startswith("multipart/")
        if self._stream is self._request and not multipart:
            # Read through HttpRequest.body: cached, so it stays readable after parsing.
            self._stream = io.BytesIO(self._request.body)

    @property
    def POST(self):
        # Django code (OAuth backends) reads request.POST during authentication; parsing there would
        # parse an anonymous caller's body before the 401. Only an already-parsed form body is shown.
        if self._data is not Empty and is_form_media_type(self.content_type):
            return self._data
        return QueryDict("", encoding=self._request._encoding)
