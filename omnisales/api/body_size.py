"""Bodies over the configured size are a 413 before anything reads or parses them.

The limit is API_MAX_BODY_BYTES; a view (or one of a viewset's actions) that documents a bigger upload
names another setting in `body_limit_setting` (the CSV product import: API_MAX_IMPORT_BODY_BYTES).
A declared Content-Length over the limit is refused at once; otherwise the body stream is wrapped so
that reading past the limit (a body without Content-Length, or a lying one) raises BodyTooLarge,
which the exception handler renders as the same 413.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig

from .exception_handler import json_error

DEFAULT_LIMIT_SETTING = "API_MAX_BODY_BYTES"


class BodyTooLarge(RequestDataTooBig):
    def __init__(self, max_bytes: int):
        super().__init__(f"Request body larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class _LimitedReader:
    """Reads at most `limit` bytes from `stream`; one byte more raises BodyTooLarge."""

    def __init__(self, stream, limit: int):
        self._stream, self._limit, self._read = stream, limit, 0

    def _count(self, chunk: bytes) -> bytes:
        self._read += len(chunk)
        if self._read > self._limit:
            raise BodyTooLarge(self._limit)
        return chunk

    def read(self, size=-1):
        if size is None or size < 0:
            size = self._limit + 1 - self._read
        return self._count(self._stream.read(min(size, self._limit + 1 - self._read)))

    def readline(self, size=-1):
        if size is None or size < 0:
            size = self._limit + 1 - self._read
        return self._count(self._stream.readline(min(size, self._limit + 1 - self._read)))

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self):
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def body_limit(view_func) -> int:
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    name = initkwargs.get("body_limit_setting") or getattr(
        getattr(view_func, "cls", None), "body_limit_setting", DEFAULT_LIMIT_SETTING
    )
    return getattr(settings, name)


def too_large(request, max_bytes: int):
    return json_error(request, 413, "Request body too large", "REQUEST_TOO_LARGE", {"maxBytes": max_bytes})


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/"):
            return None
        limit = body_limit(view_func)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large(request, limit)
        request._stream = _LimitedReader(request._stream, limit)
        return None
