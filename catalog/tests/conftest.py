import pytest

from omnisales.testing.factories import CategoryFactory, for_account


@pytest.fixture
def make_category(account):
    """make_category(name=..., parent=..., account=...) -> a saved Category (the test account by default)."""
    return for_account(CategoryFactory, account)
