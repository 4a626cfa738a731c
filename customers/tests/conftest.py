import pytest

from .factories import CustomerFactory, CustomerSegmentFactory


@pytest.fixture
def customer_factory(account):
    """customer_factory(**fields) -> a customer of `account` (pass account= for another one)."""

    def build(**fields):
        fields.setdefault("account", account)
        return CustomerFactory(**fields)

    return build


@pytest.fixture
def segment_factory(account):
    def build(**fields):
        fields.setdefault("account", account)
        return CustomerSegmentFactory(**fields)

    return build
