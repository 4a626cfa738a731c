"""Stock ledger services: adjustments, transfers between warehouses and reorder settings."""

from typing import Any

from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductVariant
from omnisales.api.actors import Actor
from omnisales.api.ids import PREFIXES, new_id
from omnisales.api.transactions import atomic_service

from ..exceptions import SameWarehouse, ValidationFailed, WarehouseInactive
from ..models import AdjustmentReason, MovementType, ReferenceType, StockLevel, StockMovement, StockTransfer, Warehouse
from ._common import (
    SYSTEM,
    _apply,
    _Changes,
    _check_not_archived,
    _check_owned,
    _check_quantity,
    _check_tracked,
    _insufficient,
    _lock_levels_at,
    _locked,
    _shortage,
    _stock_variant,
    ledger_actor,
)

# The movement an adjustment with each reason records.
REASON_MOVEMENT = {
    AdjustmentReason.RECEIVED: MovementType.RECEIPT,
    AdjustmentReason.RETURNED: MovementType.RETURN,
}
# Reasons whose sign is fixed: stock received or returned comes in, damaged or lost stock goes out.
REASON_SIGN = {
    AdjustmentReason.RECEIVED: 1,
    AdjustmentReason.RETURNED: 1,
    AdjustmentReason.DAMAGED: -1,
    AdjustmentReason.LOST: -1,
}


@atomic_service
def stock_adjust(
    *,
    account: Account,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    product: Product | None = None,
    variant: ProductVariant | None = None,
    note: str = "",
    actor: Actor | str = SYSTEM,
) -> StockMovement:
    """Adds (quantity > 0) or removes (quantity < 0) units of a variant in a warehouse. `variant`, or
    `product` alone for a product without options (else 422 VARIANT_REQUIRED).

    `received` records a receipt and `returned` a return (both must add); `damaged` and `lost` must remove;
    `count_correction` and `other` go either way and record an adjustment. On hand never drops below zero
    or below what is reserved (409 INSUFFICIENT_STOCK).
    """
    _check_owned(account, warehouse)
    _check_quantity(quantity, allow_negative=True)
    if reason not in AdjustmentReason.values:
        raise ValidationFailed("Validation failed", details={"reason": [f"'{reason}' is not a valid reason."]})
    sign = REASON_SIGN.get(reason)
    if sign is not None and (quantity > 0) != (sign > 0):
        word = "positive" if sign > 0 else "negative"
        raise ValidationFailed(
            "Validation failed", details={"quantity": [f"Must be {word} when the reason is {reason}."]}
        )
    variant = _stock_variant(account, product, variant)
    _check_tracked(variant.product)
    _check_not_archived(warehouse, name="warehouse_id")
    level = _lock_levels_at(account=account, variant=variant, warehouse_ids=[warehouse.pk])[warehouse.pk]
    if level.on_hand + quantity < level.reserved:
        raise _insufficient(
            "Not enough unreserved stock to remove",
            [
                _shortage(
                    variant,
                    -quantity,
                    level.available,
                    warehouse_id=warehouse.pk,
                    on_hand=level.on_hand,
                    reserved=level.reserved,
                )
            ],
        )
    changes = _Changes()
    movement_id = new_id(PREFIXES["stock_movement"])
    movement = _apply(
        level,
        changes,
        type=REASON_MOVEMENT.get(reason, MovementType.ADJUSTMENT),
        on_hand_change=quantity,
        reference_type=ReferenceType.ADJUSTMENT,
        reference_id=movement_id,
        reason=reason,
        note=note.strip(),
        actor=actor,
        movement_id=movement_id,
    )
    changes.save(account)
    return movement


@atomic_service
def stock_transfer_create(
    *,
    account: Account,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    quantity: int,
    product: Product | None = None,
    variant: ProductVariant | None = None,
    note: str = "",
    actor: Actor | str = SYSTEM,
) -> StockTransfer:
    """Moves available (unreserved) units of a variant (or of a product without options) between two
    warehouses: one transfer_out and one transfer_in movement, both referencing the transfer. Short stock
    is a 409 INSUFFICIENT_STOCK; nothing is written."""
    _check_owned(account, from_warehouse, to_warehouse)
    _check_quantity(quantity)
    if from_warehouse.pk == to_warehouse.pk:
        raise SameWarehouse(
            "Source and destination are the same warehouse",
            details={"to_warehouse_id": ["Must differ from fromWarehouseId."]},
        )
    variant = _stock_variant(account, product, variant)
    _check_tracked(variant.product)
    _check_not_archived(from_warehouse, name="from_warehouse_id")
    _check_not_archived(to_warehouse, name="to_warehouse_id")
    if not to_warehouse.is_active:
        raise WarehouseInactive(
            "Stock cannot be moved into an inactive warehouse",
            details={"to_warehouse_id": [f"{to_warehouse.pk} is inactive."]},
        )
    levels = _lock_levels_at(account=account, variant=variant, warehouse_ids=[from_warehouse.pk, to_warehouse.pk])
    source, destination = levels[from_warehouse.pk], levels[to_warehouse.pk]
    if source.available < quantity:
        raise _insufficient(
            "Not enough available stock in the source warehouse",
            [_shortage(variant, quantity, source.available, warehouse_id=from_warehouse.pk)],
        )
    transfer = StockTransfer.objects.create(
        account=account,
        product_id=variant.product_id,
        variant=variant,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        quantity=quantity,
        note=note.strip(),
        actor=ledger_actor(actor),
    )
    changes = _Changes()
    reference = {
        "reference_type": ReferenceType.TRANSFER,
        "reference_id": transfer.pk,
        "note": transfer.note,
        "actor": actor,
    }
    _apply(source, changes, type=MovementType.TRANSFER_OUT, on_hand_change=-quantity, **reference)
    _apply(destination, changes, type=MovementType.TRANSFER_IN, on_hand_change=quantity, **reference)
    changes.save(account)
    return transfer


@atomic_service
def stock_level_update(
    *, stock_level: StockLevel, reorder_point: int | None = None, reorder_quantity: int | None = None
) -> StockLevel:
    """Sets the reorder point and/or quantity. Raising the point to or above what is available is a crossing
    like any other: the flag turns on and inventory.low_stock fires."""
    changes = _Changes()
    [level] = _locked(StockLevel.objects.filter(pk=stock_level.pk))
    values: dict[str, Any] = {}
    if reorder_quantity is not None:
        values["reorder_quantity"] = reorder_quantity
    if reorder_point is not None:
        values["reorder_point"] = reorder_point
        values["below_reorder_point"] = level.available <= reorder_point  # the row is locked: current
    if not values:
        return level
    StockLevel.objects.filter(pk=level.pk).update(**values, updated_at=timezone.now())
    was_below = level.below_reorder_point
    level.refresh_from_db(fields=["reorder_point", "reorder_quantity", "below_reorder_point", "updated_at"])
    if level.below_reorder_point and not was_below and level.warehouse.is_active:
        changes.crossed.append(level)
    changes.save(level.account)
    return level
