"""Statements per request stay fixed as data grows, for every GET route of the API.

Every app's sweep factories (`<app>/tests/sweep.py`) make an object, with rows in each of its
sub-lists, for every route that takes an id. This test makes them once (every list then has rows),
reads every GET route and counts the SQL statements of a warm request (BEGIN, COMMIT and SAVEPOINT
included); then makes them three more times, so every list has four times the rows, and counts again:
the two counts must be equal, or a list is running a query per row. A list answers in at most five
statements.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services as customer_services
from inventory import services as inventory_services
from inventory.models import StockLevel

from .route_sweep import api_routes, get_routes, sweep_registry

pytestmark = pytest.mark.django_db

LIST_STATEMENT_LIMIT = 5
NOT_JSON = {"product-export"}  # a streamed CSV file: its statements grow in chunks of 2,000 rows


def _statements(api, url) -> tuple[int, object]:
    api.get(url)  # warm: the credential cache and the connection
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.content[:300]}"
    return len(queries), response


def _make_rows(account, registry) -> dict[str, dict]:
    """Calls every sweep factory once (each route's object and the rows of its sub-lists), then fills
    the lists no factory feeds by itself: RFM scores, low-stock alerts. Returns each route's path kwargs."""
    made, kwargs = {}, {}
    for name, factory in registry.items():
        if id(factory) not in made:
            made[id(factory)] = factory(account)
        kwargs[name] = made[id(factory)]
    customer_services.rfm_scores_refresh(account=account)
    for level in StockLevel.objects.filter(account=account):
        inventory_services.stock_level_update(stock_level=level, reorder_point=1_000_000)
    return kwargs


def test_statements_per_request_do_not_grow_with_rows(account, api):
    registry = sweep_registry()
    kwargs = _make_rows(account, registry)
    routes = {route.name: route for route in api_routes()}
    urls = {name: reverse(name, kwargs=kwargs[name] if routes[name].params else None) for name in get_routes()}
    first, lists = {}, []
    for name, url in urls.items():
        if name in NOT_JSON:
            continue
        first[name], response = _statements(api, url)
        body = response.json()
        if isinstance(body, list):  # a list answers a JSON array (the total is in X-Total-Count)
            lists.append(name)
            assert body, f"GET {url} lists no rows: the comparison would prove nothing"

    for _ in range(3):
        _make_rows(account, registry)
    grown, over_limit = {}, {}
    for name, url in urls.items():
        if name in NOT_JSON:
            continue
        count, response = _statements(api, url)
        if count != first[name]:
            grown[name] = (first[name], count)
        body = response.json()
        if isinstance(body, list) and count > LIST_STATEMENT_LIMIT:
            over_limit[name] = count
    assert len(lists) >= 20  # the sweep reached the API's lists, each with rows
    assert grown == {}, f"statements grew with rows (one object -> four): {grown}"
    assert over_limit == {}, f"lists over {LIST_STATEMENT_LIMIT} statements: {over_limit}"
