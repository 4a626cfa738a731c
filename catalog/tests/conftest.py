import pytest

from .factories import CategoryFactory, ProductFactory


@pytest.fixture
def make_category(account):
    """make_category(name=..., parent=..., account=...) -> a saved Category (the test account by default)."""

    def build(**kwargs):
        kwargs.setdefault("account", account)
        return CategoryFactory(**kwargs)

    return build


@pytest.fixture
def make_product(account):
    """make_product(sku=..., price=..., category=..., account=...) -> a saved Product."""

    def build(**kwargs):
        kwargs.setdefault("account", account)
        return ProductFactory(**kwargs)

    return build
