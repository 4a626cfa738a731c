import pytest

from catalog import demo
from catalog.models import Category, Product
from omnisales.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_builds_a_nested_catalog_and_is_idempotent(account):
    user = UserFactory()
    lines = []
    demo.seed(account, user=user, log=lines.append)
    categories = Category.objects.filter(account=account)
    products = Product.objects.filter(account=account)
    assert categories.count() == 8
    assert categories.filter(parent__isnull=False).count() == 3
    assert products.count() == 50
    assert not products.filter(category__isnull=True).exists()
    assert all(p.cost < p.price for p in products)
    assert all(p.compare_at_price is None or p.compare_at_price > p.price for p in products)
    snapshot = sorted(products.values_list("sku", "name", "price", "barcode", "updated_at"))

    demo.seed(account, user=user, log=lines.append)
    assert categories.count() == 8
    assert sorted(products.values_list("sku", "name", "price", "barcode", "updated_at")) == snapshot
    assert "unchanged 50" in lines[-1]
    tee = products.get(sku=demo.TEE_SKU)
    assert [option["name"] for option in tee.options] == ["Size", "Colour"]
    assert tee.variants.count() == 8 and tee.variants.filter(sku="MEN-005-XL-NVY", price=tee.price + 3).exists()


def test_demo_barcodes_are_valid_ean13():
    code = demo._ean13(7)
    digits = [int(d) for d in code]
    assert len(code) == 13
    assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
