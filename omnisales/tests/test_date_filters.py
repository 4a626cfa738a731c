"""Every date filter of every list endpoint: any offset or year is a 200 or a 400, never a 500.

The endpoints are found from the URL patterns, so a new list with a date filter is covered here
without being listed.
"""

import re

import pytest
from django import forms
from django.urls import reverse

from omnisales.api.filters import DateTimeFilter, FilterSet

from .route_sweep import api_routes, filtered_get_views, sweep_registry

pytestmark = pytest.mark.django_db

DATE_PARAMETER = re.compile(r"(After|Before|Since|Until|Date|At|Of)$")


def _is_date_filter(name, filter_) -> bool:
    field = filter_.field_class
    return issubclass(field, forms.DateField | forms.DateTimeField) or bool(DATE_PARAMETER.search(name))


DATE_FILTERS = sorted(
    (route, name)
    for route, filterset_class in filtered_get_views().items()
    for name, filter_ in filterset_class.base_filters.items()
    if _is_date_filter(name, filter_)
)
VALUES = [
    "2020-01-01T00:00:00-21:32",  # an offset Python takes and PostgreSQL refuses
    "2020-01-01T00:00:00+21:22",
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "2020-01-01T00:00:00+99:00",
    "2020-01-01",
]


def test_the_date_filters_are_found():
    routes = {route for route, _ in DATE_FILTERS}
    assert {"payment-list", "order-list", "product-list", "customer-list"} <= routes


@pytest.mark.parametrize(("route", "parameter"), DATE_FILTERS)
@pytest.mark.parametrize("value", VALUES)
def test_any_offset_or_year_is_200_or_400_never_500(api, account, route, parameter, value):
    params = next(item.params for item in api_routes() if item.name == route)
    kwargs = sweep_registry()[route](account) if params else {}

    response = api.get(reverse(route, kwargs=kwargs), {parameter: value})

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert response.json()["code"] == "INVALID_PARAMETER"
        assert list(response.json()["details"]) == [parameter]


@pytest.mark.parametrize("route", sorted(filtered_get_views()))
def test_every_filterset_derives_from_the_shared_one(route):
    assert issubclass(filtered_get_views()[route], FilterSet)


@pytest.mark.parametrize(("route", "parameter"), DATE_FILTERS)
def test_every_date_time_filter_is_the_shared_one(route, parameter):
    filter_ = filtered_get_views()[route].base_filters[parameter]
    if issubclass(filter_.field_class, forms.DateTimeField):
        assert isinstance(filter_, DateTimeFilter)
