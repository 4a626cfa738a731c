import pytest

from omnisales.testing.factories import place_order, product_in_stock


@pytest.fixture
def make_product(account):
    """make_product(price=..., status=..., stock=..., account=...) -> an active product of `account` by default,
    with 1000 units in stock unless `stock` says otherwise (the kit's make_product, with stock)."""

    def build(**fields):
        return product_in_stock(fields.pop("account", account), **fields)

    return build


@pytest.fixture
def customer(make_customer):
    return make_customer(name="John Doe")


@pytest.fixture
def make_order(account):
    """make_order(customer=..., products=[...], quantities=[...], prices=[...], **order_create options)."""

    def build(**options):
        options.setdefault("account", account)
        return place_order(options.pop("account"), **options)

    return build
