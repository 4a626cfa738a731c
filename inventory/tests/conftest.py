import pytest

from catalog.tests.factories import ProductFactory
from inventory import selectors, services
from inventory.models import AdjustmentReason

from .factories import WarehouseFactory


@pytest.fixture
def make_warehouse(account):
    """make_warehouse(code=..., priority=..., is_active=..., account=...) -> a saved Warehouse."""

    def build(**kwargs):
        kwargs.setdefault("account", account)
        return WarehouseFactory(**kwargs)

    return build


@pytest.fixture
def make_product(account):
    def build(**kwargs):
        kwargs.setdefault("account", account)
        return ProductFactory(**kwargs)

    return build


@pytest.fixture
def receive():
    """receive(product, warehouse, quantity) -> the receipt movement (stock arrives through the service)."""

    def build(product, warehouse, quantity, **kwargs):
        return services.stock_adjust(
            account=product.account,
            product=product,
            warehouse=warehouse,
            quantity=quantity,
            reason=AdjustmentReason.RECEIVED,
            **kwargs,
        )

    return build


@pytest.fixture
def assert_ledger(account):
    """assert_ledger(account=...) fails listing every stock level that disagrees with its movements."""

    def check(for_account=None):
        assert selectors.ledger_discrepancies(for_account or account) == []

    return check
