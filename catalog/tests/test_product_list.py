"""GET /api/products: filters, ordering, paging, tenancy, bad parameters and a fixed query count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Product, ProductStatus

from .test_products_api import assert_error

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [product["id"] for product in response.json()]


def test_default_order_is_newest_first_with_total_and_link_headers(api, make_product):
    products = [make_product() for _ in range(3)]
    response = api.get("/api/products?limit=2")
    assert ids(response) == [products[2].id, products[1].id]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "offset=2" in response["Link"]


def test_category_filter_includes_every_level_below(api, make_category, make_product):
    top = make_category()
    child = make_category(parent=top)
    grandchild = make_category(parent=child)
    sibling = make_category()
    expected = {make_product(category=c).id for c in (top, child, grandchild)}
    make_product(category=sibling)
    make_product()
    assert set(ids(api.get(f"/api/products?category={top.id}"))) == expected
    assert set(ids(api.get(f"/api/products?categoryId={top.id}"))) == expected
    assert len(ids(api.get(f"/api/products?categoryId={grandchild.id}"))) == 1


def test_category_filter_with_a_foreign_or_unknown_category_finds_nothing(
    api, other_account, make_category, make_product
):
    foreign = make_category(account=other_account)
    make_product(account=other_account, category=foreign)
    make_product()
    assert ids(api.get(f"/api/products?category={foreign.id}")) == []
    assert ids(api.get("/api/products?category=cat_missing")) == []


def test_status_search_price_and_tag_filters(api, make_product):
    shirt = make_product(name="Oxford Shirt", sku="SH-1", price=Decimal("49.00"), tags=["cotton", "office"])
    boots = make_product(name="Chelsea Boots", sku="BT-1", price=Decimal("179.00"), barcode="4006381333931")
    draft = make_product(name="Draft Thing", sku="DR-1", status=ProductStatus.DRAFT, tags=["Cotton"])
    assert ids(api.get("/api/products?status=draft")) == [draft.id]
    assert ids(api.get("/api/products?search=oxford")) == [shirt.id]
    assert ids(api.get("/api/products?search=bt-")) == [boots.id]
    assert ids(api.get("/api/products?search=333931")) == [boots.id]
    assert ids(api.get("/api/products?sku=SH-1")) == [shirt.id]
    assert set(ids(api.get("/api/products?minPrice=49"))) == {shirt.id, boots.id}
    assert ids(api.get("/api/products?minPrice=50&maxPrice=200")) == [boots.id]
    assert ids(api.get("/api/products?maxPrice=19.99")) == [draft.id]
    assert ids(api.get("/api/products?tag=cotton")) == [shirt.id], "tags match exactly"
    assert ids(api.get("/api/products?tag=cott")) == []
    assert ids(api.get("/api/products?tag=cotton&status=draft")) == []


def test_tag_filter_does_not_match_inside_other_values(api, make_product):
    make_product(tags=["a-b"], attributes={"tag": "b"})
    assert ids(api.get("/api/products?tag=b")) == []
    assert ids(api.get('/api/products?tag="a-b"')) == []


def test_date_filters(api, make_product):
    old = make_product()
    Product.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=10), updated_at=timezone.now() - timedelta(days=10)
    )
    new = make_product()
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(api.get(f"/api/products?createdAfter={since}")) == [new.id]
    assert ids(api.get(f"/api/products?createdBefore={since}")) == [old.id]
    assert ids(api.get(f"/api/products?updatedAfter={since}")) == [new.id]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["b", "c", "a"]),
        ("-price", ["a", "c", "b"]),
        ("name", ["a", "b", "c"]),
        ("-sku", ["c", "b", "a"]),
        ("createdAt", ["a", "b", "c"]),
        ("-createdAt", ["c", "b", "a"]),
        ("-price,name", ["a", "c", "b"]),
    ],
)
def test_ordering(api, make_product, ordering, expected):
    made = {
        "a": make_product(name="Anorak", sku="A", price=Decimal("90")),
        "b": make_product(name="Beanie", sku="B", price=Decimal("10")),
        "c": make_product(name="Cap", sku="C", price=Decimal("20")),
    }
    assert ids(api.get(f"/api/products?ordering={ordering}")) == [made[key].id for key in expected]


def test_equal_sort_keys_page_without_overlap(api, make_product):
    for _ in range(7):
        make_product(price=Decimal("5.00"))
    pages = [ids(api.get(f"/api/products?ordering=price&limit=3&offset={offset}")) for offset in (0, 3, 6)]
    seen = [product_id for page in pages for product_id in page]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    "query",
    [
        "minPrice=abc",
        "maxPrice=1e999999",
        "minPrice=NaN",
        "minPrice=1.234",
        "status=bogus",
        "ordering=weight",
        "ordering=-bogus",
        "ordering=status,-price",
        "createdAfter=yesterday",
        "updatedAfter=2024-13-45T00:00:00Z",
        "maxPrice=",
        "createdAfter=",
        "status=",
        "limit=-1",
        "offset=abc",
        f"search={'x' * 201}",
        f"tag={'t' * 65}",
    ],
)
def test_invalid_parameters_are_400_never_500(api, make_product, query):
    make_product()
    body = assert_error(api.get(f"/api/products?{query}"), 400, "INVALID_PARAMETER")
    assert query.split("=")[0] in body["details"]


def test_only_the_accounts_products_are_listed(api, other_account, make_product):
    make_product(account=other_account)
    mine = make_product()
    assert ids(api.get("/api/products")) == [mine.id]
    assert api.get("/api/products")["X-Total-Count"] == "1"


QUERY_BUDGET = 5  # request savepoint + release, credential lookup, count, page


@pytest.mark.parametrize("rows", [1, 100])
def test_list_query_count_is_the_same_for_1_and_100_products(
    api, account, make_category, django_assert_max_num_queries, rows
):
    category = make_category()
    Product.objects.bulk_create(
        Product(account=account, sku=f"Q-{i}", name=f"P{i}", price=1, currency="USD", category=category, tags=["t"])
        for i in range(rows)
    )
    api.get("/api/products")  # warm the credential's last-used stamp
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = api.get("/api/products?limit=250")
    assert len(response.json()) == rows
    with django_assert_max_num_queries(QUERY_BUDGET + 1):  # + one query for the category tree
        response = api.get(f"/api/products?limit=250&category={category.id}&tag=t&search=P&ordering=-price")
    assert len(response.json()) == rows
