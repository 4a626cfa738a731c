"""Every `ordering` of every list endpoint: an empty or unknown term is a 400, never a 500.

The endpoints are found from the URL patterns, so a new list with an ordering is covered here
without being listed.
"""

import pytest
from django.urls import get_resolver, reverse
from django_filters import OrderingFilter as BaseOrderingFilter

from omnisales.api.filters import OrderingFilter

from .route_sweep import _walk, api_routes, filtered_get_views, sweep_registry

pytestmark = pytest.mark.django_db


def _reads_one_object(route: str) -> bool:
    """Detail routes (retrieve, or a detail=True action) take no list parameters."""
    pattern = next(pattern for pattern, _ in _walk(get_resolver().url_patterns) if pattern.name == route)
    action = (getattr(pattern.callback, "actions", None) or {}).get("get")
    if action is None:
        return False
    return action == "retrieve" or getattr(getattr(pattern.callback.cls, action, None), "detail", False)


ORDERINGS = sorted(
    (route, name)
    for route, filterset_class in filtered_get_views().items()
    if not _reads_one_object(route)
    for name, filter_ in filterset_class.base_filters.items()
    if isinstance(filter_, BaseOrderingFilter)
)


def test_the_orderings_are_found():
    routes = {route for route, _ in ORDERINGS}
    assert {"product-list", "customer-list", "stock-level-list", "customer-rfm", "order-list"} <= routes
    assert not any(route.endswith("-detail") for route in routes)


@pytest.mark.parametrize(("route", "parameter"), ORDERINGS)
def test_every_ordering_is_the_shared_one(route, parameter):
    assert isinstance(filtered_get_views()[route].base_filters[parameter], OrderingFilter)


@pytest.mark.parametrize(("route", "parameter"), ORDERINGS)
@pytest.mark.parametrize("value", [",", ",,,,,", "-", "id,,", ",-createdAt", "no_such_field", "createdAt;drop"])
def test_an_empty_or_unknown_term_is_400_never_500(api, account, route, parameter, value):
    params = next(item.params for item in api_routes() if item.name == route)
    kwargs = sweep_registry()[route](account) if params else {}

    response = api.get(reverse(route, kwargs=kwargs), {parameter: value})

    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "INVALID_PARAMETER"
    assert list(response.json()["details"]) == [parameter]
