"""Checks shared by the tests of compiled representations (omnisales.api.representation) in every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from omnisales.api.renderers import CamelCaseJSONRenderer
from omnisales.api.representation import drf_only


def rendering(data) -> bytes:
    """`data` as the API writes it."""
    return CamelCaseJSONRenderer().render(data)


def drf_rendering(serializer_class, value, **kwargs) -> bytes:
    """What DRF's own rendering of `value` by `serializer_class` writes (the compiled plans turned off)."""
    with drf_only():
        return rendering(serializer_class(value, **kwargs).data)


def assert_renders_like_drf(serializer_class, value, *, like=None, **kwargs):
    """`serializer_class` renders `value` as DRF renders `like` (default `value`): equal data (values of the
    same types) written as the same bytes (keys in the same order). Returns DRF's data."""
    with drf_only():
        expected = serializer_class(value if like is None else like, **kwargs).data
    compiled = serializer_class(value, **kwargs).data
    assert compiled == expected
    assert rendering(compiled) == rendering(expected)
    return expected


def statements(client, path: str) -> list[str]:
    """The SQL of one GET of `path` (which must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return [query["sql"] for query in captured.captured_queries]
