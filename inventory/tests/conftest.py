import pytest

from inventory import selectors
from omnisales.testing import factories
from omnisales.testing.factories import WarehouseFactory, for_account


@pytest.fixture
def make_warehouse(account):
    """make_warehouse(code=..., priority=..., is_active=..., account=...) -> a saved Warehouse."""
    return for_account(WarehouseFactory, account)


@pytest.fixture
def receive():
    """receive(product, warehouse, quantity) -> the receipt movement (stock arrives through the service)."""
    return factories.receive


@pytest.fixture(autouse=True)
def _ledger_holds_after_every_test(db):
    """Whatever a test did through the services, every account's stock still agrees with its ledger."""
    yield
    from accounts.models import Account

    for each in Account.objects.all():
        assert selectors.ledger_discrepancies(each) == [], f"stock and ledger disagree for {each.pk}"


@pytest.fixture
def assert_ledger(account):
    """assert_ledger(account=...) fails listing every stock level that disagrees with its movements."""

    def check(for_account=None):
        assert selectors.ledger_discrepancies(for_account or account) == []

    return check
