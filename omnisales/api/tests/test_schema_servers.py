"""The OpenAPI document's "Servers" entry (what Swagger UI's "Try it out" calls) is where the document was
asked for, so `PORT=3050 make run` and a proxy's host work without setting PUBLIC_BASE_URL."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"HTTP_HOST": "localhost:3050"}, "http://localhost:3050"),
        ({"HTTP_HOST": "127.0.0.1:8000"}, "http://127.0.0.1:8000"),
        ({}, "http://testserver"),
    ],
)
def test_swagger_json_names_the_host_and_port_it_was_requested_on(anonymous_client, headers, expected):
    response = anonymous_client.get("/swagger.json", **headers)
    assert response.status_code == 200
    assert response.json()["servers"] == [{"url": expected}]


def test_behind_a_tls_proxy_the_scheme_is_https(anonymous_client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = anonymous_client.get("/swagger.json", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    assert response.json()["servers"] == [{"url": "https://localhost"}]


def test_a_document_made_without_a_request_keeps_public_base_url(settings):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["servers"] == [{"url": settings.PUBLIC_BASE_URL}]
