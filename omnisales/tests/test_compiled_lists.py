"""The first page of a list (no query parameter but limit and offset) is read by two compiled statements,
its page and its count: the same answer, byte for byte and headers included, as the filtered read every
other request takes, only the request's account's rows, and the same statements whatever the page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.views import ProductViewSet
from customers.views import CustomerViewSet
from omnisales.api.views import _compiled_list_reads
from omnisales.testing.factories import CustomerFactory, ProductFactory
from orders import services as order_services
from orders.views import OrderViewSet

pytestmark = pytest.mark.django_db

LISTS = [("/api/orders", OrderViewSet), ("/api/products", ProductViewSet), ("/api/customers", CustomerViewSet)]
PAGES = ["", "?limit=2", "?limit=2&offset=2", "?offset=3", "?limit=0", "?limit=2&offset=50"]


@pytest.fixture
def stores(account, other_account, make_product, make_customer):
    """Five orders of five products by five customers in the account; one of each in another account."""
    products = [make_product(price=Decimal(f"{n}.25"), track_inventory=False) for n in range(1, 6)]
    for n, product in enumerate(products):
        order_services.order_create(
            account=account, customer=make_customer(name=f"C{n}"), items=[{"product_id": product.pk, "quantity": 2}]
        )
    theirs = ProductFactory(account=other_account, price=Decimal("9.00"), track_inventory=False)
    order_services.order_create(
        account=other_account,
        customer=CustomerFactory(account=other_account),
        items=[{"product_id": theirs.pk, "quantity": 1}],
    )
    return products


def _answer(api, url):
    response = api.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content, response.get("X-Total-Count"), response.get("Link")


@pytest.mark.parametrize(("path", "view"), LISTS)
def test_the_compiled_first_page_answers_what_the_filtered_read_answers(api, stores, monkeypatch, path, view):
    compiled = {page: _answer(api, f"{path}{page}") for page in PAGES}
    monkeypatch.setattr(view, "compiled_list", False)
    assert compiled == {page: _answer(api, f"{path}{page}") for page in PAGES}
    assert compiled[""][1] == "5" and compiled["?limit=2&offset=2"][2].count("rel=") == 2


@pytest.mark.parametrize(("path", "view"), LISTS)
def test_the_compiled_page_is_the_accounts_only(api, other_api, stores, path, view):
    ours, theirs = api.get(path).json(), other_api.get(path).json()
    assert len(ours) == 5 and len(theirs) == 1
    assert not {row["id"] for row in ours} & {row["id"] for row in theirs}


@pytest.mark.parametrize(("path", "view"), LISTS)
def test_every_page_runs_the_same_compiled_statements(api, stores, path, view):
    api.get(path)  # warm: the credential cache, the connection and the compiled statements
    counted = []
    for page in ("?limit=1", "?limit=3&offset=1", "?limit=2&offset=4"):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{path}{page}").status_code == 200
        counted.append(len(queries))
        assert any(query["sql"].startswith("SELECT COUNT(*) FROM (") for query in queries)
    assert counted[0] == counted[1] == counted[2]
    read = _compiled_list_reads[(view, "list")]
    kinds = [shape[0] for shape, statement in read._statements.items() if statement is not None]
    assert sorted(kinds) == ["count", "page"], "the limit and offset are parameters: one page statement"
