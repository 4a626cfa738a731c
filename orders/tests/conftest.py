import pytest

from catalog.tests.factories import ProductFactory
from customers.tests.factories import CustomerFactory

from .factories import place_order


@pytest.fixture
def make_product(account):
    """make_product(price=..., status=..., account=...) -> an active product of `account` by default."""

    def build(**fields):
        fields.setdefault("account", account)
        return ProductFactory(**fields)

    return build


@pytest.fixture
def make_customer(account):
    def build(**fields):
        fields.setdefault("account", account)
        return CustomerFactory(**fields)

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
