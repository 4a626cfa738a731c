"""Routes of this app that take an id, and how to make such an object for an account."""

from inventory import services
from inventory.models import AdjustmentReason
from omnisales.testing.factories import ProductFactory, WarehouseFactory


def _stocked(account):
    """A product with stock in one warehouse, moved partly to another: every kind of inventory object."""
    product = ProductFactory(account=account)
    source, destination = WarehouseFactory(account=account), WarehouseFactory(account=account)
    movement = services.stock_adjust(
        account=account, product=product, warehouse=source, quantity=10, reason=AdjustmentReason.RECEIVED
    )
    transfer = services.stock_transfer_create(
        account=account, product=product, from_warehouse=source, to_warehouse=destination, quantity=3
    )
    return {"warehouse": source, "movement": movement, "transfer": transfer}


SWEEP = {
    "warehouse-detail": lambda account: {"warehouseId": _stocked(account)["warehouse"].id},
    "stock-level-detail": lambda account: {"stockLevelId": _stocked(account)["movement"].stock_level_id},
    "stock-movement-detail": lambda account: {"movementId": _stocked(account)["movement"].id},
    "stock-transfer-detail": lambda account: {"transferId": _stocked(account)["transfer"].id},
}
