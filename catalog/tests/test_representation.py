"""GET /api/products, /api/products/{productId} and /api/categories/{categoryId}/products answer, byte for
byte, what DRF's ProductSerializer renders for the same products, and their statement counts do not grow
with the page."""

from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product, ProductStatus, ProductVariant
from catalog.serializers import ProductSerializer
from inventory.services import stock_reserve
from omnisales.api.representation import plan_for
from omnisales.testing.factories import WarehouseFactory, receive
from omnisales.testing.representations import assert_renders_like_drf, drf_rendering, statements

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_products(account, make_category, make_product):
    """Products with every kind of value a product shows: nulls and values for the optional prices, cost,
    weight and category; tags, images and free-form attributes (snake_case keys kept as sent); every
    status; inventory flags; text with line separators; products that have been ordered."""
    shoes = make_category(name="Shoes")
    make_product(name="Bare", category=None)
    make_product(
        name="Full \u2028 product",
        description="Soft \u2029 leather",
        category=shoes,
        price=Decimal("1234.50"),
        compare_at_price=Decimal("1500.00"),
        cost=Decimal("0.10"),
        weight=Decimal("0.125"),
        barcode="4006381333931",
        tags=["summer", "leather"],
        images=["https://cdn.example.com/a.png", "https://cdn.example.com/b.png"],
        attributes={"shoe_size": "42", "colorName": "navy", "care": {"wash_temp": 30, "dry_clean": None}},
        status=ProductStatus.DRAFT,
        track_inventory=False,
        allow_backorder=True,
    )
    archived = make_product(name="Old", category=shoes, status=ProductStatus.ARCHIVED, weight=Decimal("12"))
    Product.objects.filter(pk=archived.pk).update(order_count=3)
    tee = with_variants(account, "TEE", sizes=["S", "M"], colours=["Black", "White \u2028"])
    # stock: in an active warehouse (counted), in a closed one (not counted), reserved, and of one variant only
    main = WarehouseFactory(account=account, code="MAIN")
    closed = WarehouseFactory(account=account, code="CLOSED", is_active=False)
    receive(archived, main, 7)
    receive(archived, closed, 100)
    first, second = ProductVariant.objects.filter(product=tee).select_related("product").order_by("position")[:2]
    receive(tee, main, 5, variant=first)
    receive(tee, main, 3, variant=second)
    stock_reserve(account=account, reference_id="ord_stock", lines=[(second, 2)])
    return shoes


def with_variants(account, sku: str, *, sizes: list[str], colours: list[str]) -> Product:
    """A product with two options and one variant per combination (the first is the one it was made with)."""
    tee = services.product_create(
        account=account,
        sku=sku,
        name=f"{sku} shirt",
        price=Decimal("25"),
        options=[{"name": "Size", "values": sizes}, {"name": "Colour", "values": colours}],
    )
    for number, (size, colour) in enumerate((size, colour) for size in sizes for colour in colours):
        if number:
            services.variant_create(
                product=tee,
                sku=f"{sku}-{number}",
                option_values=[size, colour],
                price=Decimal("25") + number,
                compare_at_price=Decimal("40") if number % 2 else None,
                weight=Decimal("0.2") if number % 2 else None,
                image="https://cdn.example.com/v.png" if number % 2 else None,
            )
    return tee


def drf(products, **kwargs) -> bytes:
    return drf_rendering(ProductSerializer, products, **kwargs)


def test_the_product_representation_is_compiled():
    assert plan_for(ProductSerializer) is not None


def test_products_render_like_drf(account, varied_products):
    expected = assert_renders_like_drf(ProductSerializer, list(Product.objects.filter(account=account)), many=True)
    assert {product["category_id"] for product in expected} == {None, varied_products.pk}
    assert {product["weight"] for product in expected} == {None, Decimal("0.125"), Decimal("12.000")}


def test_product_rows_render_like_drf_renders_the_instances(account, varied_products):
    from catalog import selectors

    completed = ("variants", "stock")  # by the rows' iterable
    shown = [name for name in ProductSerializer().fields if name not in completed]
    assert list(selectors.PRODUCT_ROW_COLUMNS) == shown  # exactly what it shows
    products = list(Product.objects.filter(account=account).order_by("pk"))
    rows = list(selectors.product_rows().filter(account=account).order_by("pk"))
    assert all(type(row) is dict for row in rows) and [row["id"] for row in rows] == [p.pk for p in products]
    expected = assert_renders_like_drf(ProductSerializer, rows, like=products, many=True)
    assert {product["category_id"] for product in expected} == {None, varied_products.pk}


def test_the_lists_answer_drfs_representation_byte_for_byte(api, account, varied_products):
    products = list(Product.objects.filter(account=account))
    response = api.get("/api/products?limit=250")
    assert response.status_code == 200
    assert response.content == drf(products, many=True)
    in_category = [product for product in products if product.category_id == varied_products.pk]
    assert api.get(f"/api/categories/{varied_products.pk}/products").content == drf(in_category, many=True)
    assert b'"shoe_size":"42"' in response.content and b"\\u2028" in response.content


def test_each_detail_answers_drfs_representation_byte_for_byte(api, account, varied_products):
    for product in Product.objects.filter(account=account):
        response = api.get(f"/api/products/{product.pk}")
        assert response.status_code == 200
        assert response.content == drf(product)


def test_writes_answer_the_same_representation(api, account, varied_products):
    product = Product.objects.get(account=account, name="Bare")
    response = api.patch(f"/api/products/{product.pk}", {"weight": "2.5", "tags": ["x"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.content == api.get(f"/api/products/{product.pk}").content
    assert response.content == drf(Product.objects.get(pk=product.pk))


def add_products(account, category, count: int, start: int = 0) -> None:
    Product.objects.bulk_create(
        Product(
            account=account,
            sku=f"Q-{number}",
            name=f"P{number}",
            price=1,
            currency="USD",
            category=None if number % 2 else category,
            tags=["t"],
            attributes={"n": number},
        )
        for number in range(start, start + count)
    )


@pytest.mark.parametrize("query", ["limit=250", "limit=1", "limit=250&tag=t&search=P&ordering=-price"])
def test_list_statements_are_the_same_for_one_product_and_many(api, account, make_category, query):
    category = make_category()
    add_products(account, category, 1)
    api.get("/api/products")  # the credential's last-used stamp is written once
    one = statements(api, f"/api/products?{query}")
    one_in_category = statements(api, f"/api/categories/{category.pk}/products?{query}")

    add_products(account, category, 30, start=1)
    many = statements(api, f"/api/products?{query}")
    assert len(many) == len(one), "\n".join(many)
    many_in_category = statements(api, f"/api/categories/{category.pk}/products?{query}")
    assert len(many_in_category) == len(one_in_category), "\n".join(many_in_category)
    assert len(api.get(f"/api/products?{query}").json()) == (1 if "limit=1" in query else 31)


def test_detail_statements_are_fixed(api, account, varied_products):
    """Two statements for a product without options (its row, its stock); one more (its variants, however
    many) with options."""
    api.get("/api/products")
    counts = {
        (bool(product.options), len(statements(api, f"/api/products/{product.pk}")))
        for product in Product.objects.filter(account=account)
    }
    assert counts == {(False, 2), (True, 3)}


def test_list_statements_are_the_same_for_one_product_and_fifty_with_ten_variants_each(api, account):
    account.product_limit = 100
    account.save()
    with_variants(account, "V0", sizes=["S", "M"], colours=["A", "B", "C", "D", "E"])
    api.get("/api/products")
    one = statements(api, "/api/products?limit=250")
    for number in range(1, 50):
        with_variants(account, f"V{number}", sizes=["S", "M"], colours=["A", "B", "C", "D", "E"])
    many = statements(api, "/api/products?limit=250")
    assert len(many) == len(one), "\n".join(many)
    # the credential, the count, the page, its variants, their stock
    assert len(many) <= 5, "\n".join(many)
    body = api.get("/api/products?limit=250").json()
    assert len(body) == 50 and {len(product["variants"]) for product in body} == {10}
    assert body[0]["variants"][0]["title"] == "S / A" and body[0]["variants"][-1]["optionValues"] == ["M", "E"]


def test_stock_totals_of_products_and_variants_count_active_warehouses_only(api, account, varied_products):
    def stock(on_hand, reserved):
        return {"onHand": on_hand, "reserved": reserved, "available": on_hand - reserved}

    listed = {product["sku"]: product for product in api.get("/api/products?limit=250").json()}
    old = next(product for product in listed.values() if product["name"] == "Old")
    assert old["stock"] == stock(7, 0), "the 100 units in the closed warehouse are not counted"
    tee = listed["TEE"]
    assert tee["stock"] == stock(8, 2)
    assert [variant["stock"] for variant in tee["variants"]] == [stock(5, 0), stock(3, 2), stock(0, 0), stock(0, 0)]
    bare = next(product for product in listed.values() if product["name"] == "Bare")
    assert bare["stock"] == stock(0, 0)
    for product in (old, tee, bare):
        assert api.get(f"/api/products/{product['id']}").json() == product
    assert api.get(f"/api/products/{tee['id']}/variants").json() == tee["variants"]
    second = tee["variants"][1]
    assert api.get(f"/api/products/{tee['id']}/variants/{second['id']}").json() == second
    patched = api.patch(f"/api/products/{tee['id']}", {"name": "Tee"}, format="json").json()
    assert (patched["stock"], patched["variants"]) == (tee["stock"], tee["variants"])


def test_variant_list_statements_do_not_grow_with_variants(api, account):
    small = with_variants(account, "SMALL", sizes=["S"], colours=["A", "B"])
    large = with_variants(account, "LARGE", sizes=["S", "M", "L"], colours=["A", "B", "C", "D", "E"])
    api.get("/api/products")
    few = statements(api, f"/api/products/{small.pk}/variants")
    many = statements(api, f"/api/products/{large.pk}/variants")
    assert len(few) == len(many), "\n".join(many)


def test_a_product_without_options_shows_no_variant(api, account, make_product):
    product = make_product()
    body = api.get(f"/api/products/{product.pk}").json()
    assert body["options"] == [] and body["variants"] == []
    assert api.get(f"/api/products/{product.pk}/variants").json() == []
