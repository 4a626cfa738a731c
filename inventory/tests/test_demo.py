import pytest

from catalog import demo as catalog_demo
from catalog.models import ProductVariant
from inventory import demo
from inventory.models import MovementType, StockLevel, StockMovement, Warehouse
from omnisales.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_stocks_every_tracked_product_with_a_matching_ledger_and_is_idempotent(account, assert_ledger):
    user = UserFactory()
    lines = []
    catalog_demo.seed(account, user=user, log=lines.append)
    demo.seed(account, user=user, log=lines.append)

    assert sorted(Warehouse.objects.filter(account=account).values_list("code", flat=True)) == ["EAST", "MAIN", "WEST"]
    levels = StockLevel.objects.filter(account=account)
    # 49 products without options (one implicit variant each) and the pocket tee in 8 variants, in 3 warehouses
    assert ProductVariant.objects.filter(account=account).count() == 49 + 8
    assert levels.count() == (49 + 8) * 3
    assert levels.values("variant_id").distinct().count() == 49 + 8
    low = levels.filter(below_reorder_point=True).count()
    assert 5 <= low <= 60, low
    assert StockMovement.objects.filter(type=MovementType.TRANSFER_OUT).count() == 2
    assert_ledger()
    snapshot = sorted(levels.values_list("id", "on_hand", "reserved", "reorder_point"))

    demo.seed(account, user=user, log=lines.append)
    assert sorted(levels.values_list("id", "on_hand", "reserved", "reorder_point")) == snapshot
    assert lines[-1] == "  inventory: stock levels unchanged"
