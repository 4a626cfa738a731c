"""Every /api path answers errors in the JSON envelope, with DEBUG on (`make run`) as with it off: unknown
routes, a trailing slash, methods a view refuses, and exceptions outside the API's exception handler."""

import pytest
from django.test import Client

from omnisales.testing.assertions import assert_error


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def failing_views(settings):
    settings.ROOT_URLCONF = "omnisales.api.tests.urls"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_envelope(response, status_code: int, code: str) -> dict:
    assert response["Content-Type"] == "application/json"
    return assert_error(response, status_code, code)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/orders/", "/api/crm/nothing", "/api", "/api/", "/api/orders/ord_x/nothing"])
def test_unknown_api_routes_are_a_json_404(debug, api, path):
    body = assert_envelope(api.get(path), 404, "NOT_FOUND")
    assert body["details"] == {"path": path}


@pytest.mark.django_db
def test_an_unknown_route_counts_against_the_rate_limit_like_any_api_request(debug, client):
    response = client.get("/api/orders/")
    assert_envelope(response, 404, "NOT_FOUND")
    assert response.has_header("X-RateLimit-Remaining")


@pytest.mark.django_db
def test_an_exception_outside_an_api_view_is_a_json_500_that_leaks_nothing(debug, failing_views, client):
    response = client.get("/api/test/plain-boom")
    assert_envelope(response, 500, "INTERNAL_ERROR")
    assert b"secret internal detail" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_an_exception_in_an_api_view_is_a_json_500(debug, failing_views, api):
    response = api.get("/api/test/boom")
    assert_envelope(response, 500, "INTERNAL_ERROR")
    assert b"secret internal detail" not in response.content


@pytest.mark.django_db
def test_a_method_a_plain_view_refuses_is_a_json_405_with_allow(debug, failing_views, client):
    response = client.post("/api/test/plain-get-only")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_a_method_an_api_view_refuses_is_a_json_405_with_allow(debug, api):
    response = api.put("/api/auth/me", {}, format="json")
    assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html(debug, client):
    response = client.get("/admin/nothing-here/")
    assert response.status_code in (302, 404)
    assert not response["Content-Type"].startswith("application/json")
