"""Inventory writes. Every change to a stock level goes through `_apply`, which writes the new quantities and
the low-stock flag in one UPDATE and returns the movement that records it, so the ledger always sums to the
stock levels.

Locking: each write locks the stock-level rows it reads with `select_for_update()` ordered by primary key,
before reading quantities, so concurrent reservations, adjustments and transfers serialize per row and never
deadlock. Services that start from reservations (release, fulfil) lock those rows first (also by primary
key), then the stock levels. Rows that may not exist yet are inserted first with ON CONFLICT DO NOTHING,
then locked like the others.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Case, F, Q, Sum, Value, When
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product
from omnisales.api.ids import PREFIXES, new_id
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from .exceptions import (
    DuplicateWarehouseCode,
    InsufficientStock,
    NoActiveWarehouse,
    ProductNotTracked,
    SameWarehouse,
    ValidationFailed,
    WarehouseArchived,
    WarehouseInactive,
    WarehouseNotEmpty,
)
from .models import (
    MAX_QUANTITY,
    WAREHOUSE_FIELDS,
    AdjustmentReason,
    MovementType,
    ReferenceType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
    Warehouse,
)

SYSTEM = "system"
ACTOR_MAX_LENGTH = 254
_TEXT_FIELDS = ("name", "address_line_1", "address_line_2", "city", "region", "postal_code")
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


# --- warehouses ---------------------------------------------------------------------------------


def _clean_warehouse_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise ValueError(f"Not warehouse fields: {sorted(unknown)}")
    cleaned = dict(data)
    for name in _TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    for name in ("code", "country"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip().upper()
    return cleaned


def _validate_warehouse(warehouse: Warehouse) -> None:
    try:
        warehouse.full_clean(exclude=["account"], validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed("Validation failed", details=exc.message_dict) from None


def _check_code_free(*, account: Account, code: str, exclude_id: str | None = None) -> None:
    taken = Warehouse.objects.filter(account=account, code=code, archived_at__isnull=True).exclude(pk=exclude_id)
    if taken.exists():
        raise DuplicateWarehouseCode(
            "A warehouse with this code already exists", details={"code": [f"'{code}' is already used."]}
        )


def _save_warehouse(warehouse: Warehouse, **kwargs) -> None:
    try:
        with transaction.atomic():
            warehouse.save(**kwargs)
    except IntegrityError:
        _check_code_free(account=warehouse.account, code=warehouse.code, exclude_id=warehouse.pk)
        raise


@atomic_service
def warehouse_create(*, account: Account, name: str, code: str, **fields) -> Warehouse:
    """Creates a warehouse; `fields` takes the other WAREHOUSE_FIELDS. A code in use is a 409."""
    values = _clean_warehouse_values({"name": name, "code": code, **fields})
    warehouse = Warehouse(account=account, **values)
    _validate_warehouse(warehouse)
    _check_code_free(account=account, code=warehouse.code)
    _save_warehouse(warehouse, force_insert=True)
    return warehouse


@atomic_service
def warehouse_update(*, warehouse: Warehouse, data: dict[str, Any]) -> Warehouse:
    """Changes the given fields. An archived warehouse cannot be changed (409 WAREHOUSE_ARCHIVED)."""
    values = _clean_warehouse_values(data)
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    if warehouse.is_archived:
        raise WarehouseArchived("An archived warehouse cannot be changed", details={"id": warehouse.pk})
    changed = [name for name, value in values.items() if getattr(warehouse, name) != value]
    if not changed:
        return warehouse
    for name in changed:
        setattr(warehouse, name, values[name])
    _validate_warehouse(warehouse)
    if "code" in changed:
        _check_code_free(account=warehouse.account, code=warehouse.code, exclude_id=warehouse.pk)
    _save_warehouse(warehouse, update_fields=[*changed, "updated_at"])
    return warehouse


@atomic_service
def warehouse_delete(*, warehouse: Warehouse) -> str:
    """Deletes an empty warehouse, or archives it when stock ever moved through it (the ledger keeps it).

    Returns "deleted" or "archived". A warehouse still holding stock (on hand or reserved) is a 409
    WAREHOUSE_NOT_EMPTY: deactivate it, or move the stock out, first. Its stock levels are locked before
    the warehouse row, in the order stock writes take them, so a concurrent write either lands first (and
    is seen here) or waits.
    """
    list(StockLevel.objects.select_for_update().filter(warehouse_id=warehouse.pk).order_by("pk").values("pk"))
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    totals = StockLevel.objects.filter(warehouse=warehouse).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    on_hand, reserved = totals["on_hand"] or 0, totals["reserved"] or 0
    if on_hand or reserved:
        raise WarehouseNotEmpty(
            "This warehouse still holds stock; deactivate it or move the stock out first",
            details={"onHand": on_hand, "reserved": reserved},
        )
    has_history = (
        StockMovement.objects.filter(warehouse=warehouse).exists()
        or StockReservation.objects.filter(warehouse=warehouse).exists()
        or StockTransfer.objects.filter(Q(from_warehouse=warehouse) | Q(to_warehouse=warehouse)).exists()
    )
    if has_history:
        if not warehouse.is_archived:
            warehouse.is_active = False
            warehouse.archived_at = timezone.now()
            warehouse.save(update_fields=["is_active", "archived_at", "updated_at"])
        return "archived"
    StockLevel.objects.filter(warehouse=warehouse).delete()
    warehouse.delete()
    return "deleted"


# --- stock levels: locking and the one write path -----------------------------------------------------


@dataclass
class _Changes:
    """Movements and low-stock crossings collected during one service call, written at its end."""

    movements: list[StockMovement] = field(default_factory=list)
    crossed: list[StockLevel] = field(default_factory=list)

    def save(self, account: Account) -> list[StockMovement]:
        StockMovement.objects.bulk_create(self.movements)
        if self.crossed:
            event_emit_many(
                account=account, events=[("inventory.low_stock", low_stock_data(level)) for level in self.crossed]
            )
        return self.movements


def low_stock_data(level: StockLevel) -> dict[str, Any]:
    return {
        "stock_level_id": level.pk,
        "product_id": level.product_id,
        "sku": level.product.sku,
        "product_name": level.product.name,
        "warehouse_id": level.warehouse_id,
        "warehouse_code": level.warehouse.code,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "available": level.available,
        "reorder_point": level.reorder_point,
        "reorder_quantity": level.reorder_quantity,
    }


def _locked(queryset) -> list[StockLevel]:
    return list(queryset.select_for_update(of=("self",)).select_related("warehouse", "product").order_by("pk"))


def _lock_levels_of_products(*, account: Account, product_ids: Iterable[str]) -> list[StockLevel]:
    return _locked(StockLevel.objects.filter(account=account, product_id__in=set(product_ids)))


def _lock_levels_at(*, account: Account, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StockLevel]:
    """Creates the missing (product id, warehouse id) stock levels, then locks them all in key order."""
    pairs = set(pairs)
    StockLevel.objects.bulk_create(
        [
            StockLevel(account=account, product_id=product_id, warehouse_id=warehouse_id)
            for product_id, warehouse_id in pairs
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for product_id, warehouse_id in pairs:
        condition |= Q(product_id=product_id, warehouse_id=warehouse_id)
    levels = _locked(StockLevel.objects.filter(condition, account=account))
    return {(level.product_id, level.warehouse_id): level for level in levels}


def _below_after(on_hand_change: int, reserved_change: int, *, reorder_point=None):
    """SQL for the low-stock flag after a change, evaluated on the row's current values in the UPDATE."""
    threshold = F("reorder_point") if reorder_point is None else Value(reorder_point)
    available = F("on_hand") - F("reserved") + Value(on_hand_change - reserved_change)
    return Case(
        When(LessThanOrEqual(available, threshold), then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _apply(
    level: StockLevel,
    changes: _Changes,
    *,
    type: str,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    reference_type: str = "",
    reference_id: str = "",
    reason: str = "",
    note: str = "",
    actor: str = SYSTEM,
    movement_id: str | None = None,
) -> StockMovement:
    """Changes one stock level and records the movement. The caller holds the row lock, so `level` is current;
    the quantities, the flag and `updated_at` are written by one UPDATE."""
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") + on_hand_change,
        reserved=F("reserved") + reserved_change,
        below_reorder_point=_below_after(on_hand_change, reserved_change),
        updated_at=timezone.now(),
    )
    was_below = level.below_reorder_point
    level.on_hand += on_hand_change
    level.reserved += reserved_change
    level.below_reorder_point = level.available <= level.reorder_point
    if level.below_reorder_point and not was_below and level.warehouse.is_active:
        changes.crossed.append(level)
    movement = movement_for(
        level,
        type=type,
        on_hand_change=on_hand_change,
        reserved_change=reserved_change,
        reference_type=reference_type,
        reference_id=reference_id,
        reason=reason,
        note=note,
        actor=actor,
    )
    if movement_id:
        movement.id = movement_id
    changes.movements.append(movement)
    return movement


def movement_for(
    level: StockLevel,
    *,
    type: str,
    on_hand_change: int,
    reserved_change: int = 0,
    reference_type: str = "",
    reference_id: str = "",
    reason: str = "",
    note: str = "",
    actor: str = SYSTEM,
) -> StockMovement:
    """The (unsaved) ledger line for a change `level` has just had: its balances are already the new ones."""
    quantity = reserved_change if type in (MovementType.RESERVATION, MovementType.RELEASE) else on_hand_change
    return StockMovement(
        account_id=level.account_id,
        stock_level=level,
        product_id=level.product_id,
        warehouse_id=level.warehouse_id,
        type=type,
        quantity=quantity,
        on_hand_change=on_hand_change,
        reserved_change=reserved_change,
        on_hand_after=level.on_hand,
        reserved_after=level.reserved,
        reference_type=reference_type,
        reference_id=reference_id,
        reason=reason,
        note=note,
        actor=(actor or SYSTEM)[:ACTOR_MAX_LENGTH],
    )


def _allocation_order(levels: Iterable[StockLevel]) -> list[StockLevel]:
    """Stock levels that may be allocated from, best first: active warehouses by priority, then code."""
    usable = [level for level in levels if level.warehouse.is_active and not level.warehouse.is_archived]
    return sorted(usable, key=lambda level: (level.warehouse.priority, level.warehouse.code, level.warehouse_id))


def _allocate(
    levels: list[StockLevel], quantity: int, taken: dict[str, int]
) -> tuple[list[tuple[StockLevel, int]], int]:
    """Splits `quantity` over `levels` (allocation order) by what is available after `taken`. Returns the
    allocations and what could not be allocated."""
    allocations, remaining = [], quantity
    for level in levels:
        if not remaining:
            break
        take = min(level.available - taken.get(level.pk, 0), remaining)
        if take > 0:
            allocations.append((level, take))
            taken[level.pk] = taken.get(level.pk, 0) + take
            remaining -= take
    return allocations, remaining


def _shortage(product: Product, requested: int, available: int, **extra) -> dict[str, Any]:
    return {"product_id": product.pk, "sku": product.sku, "requested": requested, "available": available, **extra}


def _insufficient(message: str, shortages: list[dict[str, Any]]) -> InsufficientStock:
    return InsufficientStock(
        message, details={"product_ids": [entry["product_id"] for entry in shortages], "products": shortages}
    )


def _check_quantity(quantity, *, name: str = "quantity", allow_negative: bool = False) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationFailed("Validation failed", details={name: ["Must be an integer."]})
    if quantity == 0 or (quantity < 0 and not allow_negative):
        raise ValidationFailed(
            "Validation failed", details={name: ["Must not be zero." if allow_negative else "Must be at least 1."]}
        )
    if abs(quantity) > MAX_QUANTITY:
        raise ValidationFailed("Validation failed", details={name: [f"At most {MAX_QUANTITY} in absolute value."]})


def _check_tracked(product: Product, *, name: str = "product_id") -> None:
    if not product.track_inventory:
        raise ProductNotTracked(
            "This product does not track inventory", details={name: [f"{product.pk} has trackInventory off."]}
        )


def _check_owned(account: Account, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.account_id != account.pk:
            raise ValueError(f"{obj.pk} belongs to another account")


def _check_not_archived(warehouse: Warehouse, *, name: str) -> None:
    if warehouse.is_archived:
        raise WarehouseArchived(
            "This warehouse is archived", details={name: [f"{warehouse.pk} was deleted and is kept for history."]}
        )


# --- adjustments and transfers ------------------------------------------------------------------


@atomic_service
def stock_adjust(
    *,
    account: Account,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    note: str = "",
    actor: str = SYSTEM,
) -> StockMovement:
    """Adds (quantity > 0) or removes (quantity < 0) units of a product in a warehouse.

    `received` records a receipt and `returned` a return (both must add); `damaged` and `lost` must remove;
    `count_correction` and `other` go either way and record an adjustment. On hand never drops below zero
    or below what is reserved (409 INSUFFICIENT_STOCK).
    """
    _check_owned(account, product, warehouse)
    _check_quantity(quantity, allow_negative=True)
    if reason not in AdjustmentReason.values:
        raise ValidationFailed("Validation failed", details={"reason": [f"'{reason}' is not a valid reason."]})
    sign = REASON_SIGN.get(reason)
    if sign is not None and (quantity > 0) != (sign > 0):
        word = "positive" if sign > 0 else "negative"
        raise ValidationFailed(
            "Validation failed", details={"quantity": [f"Must be {word} when the reason is {reason}."]}
        )
    _check_tracked(product)
    _check_not_archived(warehouse, name="warehouse_id")
    level = _lock_levels_at(account=account, pairs=[(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
    if level.on_hand + quantity < level.reserved:
        raise _insufficient(
            "Not enough unreserved stock to remove",
            [
                _shortage(
                    product,
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
    product: Product,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    quantity: int,
    note: str = "",
    actor: str = SYSTEM,
) -> StockTransfer:
    """Moves available (unreserved) units between two warehouses: one transfer_out and one transfer_in
    movement, both referencing the transfer. Short stock is a 409 INSUFFICIENT_STOCK; nothing is written."""
    _check_owned(account, product, from_warehouse, to_warehouse)
    _check_quantity(quantity)
    if from_warehouse.pk == to_warehouse.pk:
        raise SameWarehouse(
            "Source and destination are the same warehouse",
            details={"to_warehouse_id": ["Must differ from fromWarehouseId."]},
        )
    _check_tracked(product)
    _check_not_archived(from_warehouse, name="from_warehouse_id")
    _check_not_archived(to_warehouse, name="to_warehouse_id")
    if not to_warehouse.is_active:
        raise WarehouseInactive(
            "Stock cannot be moved into an inactive warehouse",
            details={"to_warehouse_id": [f"{to_warehouse.pk} is inactive."]},
        )
    levels = _lock_levels_at(account=account, pairs=[(product.pk, from_warehouse.pk), (product.pk, to_warehouse.pk)])
    source, destination = levels[(product.pk, from_warehouse.pk)], levels[(product.pk, to_warehouse.pk)]
    if source.available < quantity:
        raise _insufficient(
            "Not enough available stock in the source warehouse",
            [_shortage(product, quantity, source.available, warehouse_id=from_warehouse.pk)],
        )
    transfer = StockTransfer.objects.create(
        account=account,
        product=product,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        quantity=quantity,
        note=note.strip(),
        actor=(actor or SYSTEM)[:ACTOR_MAX_LENGTH],
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
        values["below_reorder_point"] = _below_after(0, 0, reorder_point=reorder_point)
    if not values:
        return level
    StockLevel.objects.filter(pk=level.pk).update(**values, updated_at=timezone.now())
    was_below = level.below_reorder_point
    level.refresh_from_db(fields=["reorder_point", "reorder_quantity", "below_reorder_point", "updated_at"])
    if level.below_reorder_point and not was_below and level.warehouse.is_active:
        changes.crossed.append(level)
    changes.save(level.account)
    return level


# --- reservations: the services orders call ---------------------------------------------------------


def _active_reservations(*, account: Account, reference_type: str, reference_id: str, lock: bool = False):
    queryset = StockReservation.objects.filter(
        account=account, reference_type=reference_type, reference_id=reference_id, status=ReservationStatus.ACTIVE
    ).order_by("pk")
    return list(queryset.select_for_update() if lock else queryset)


@atomic_service
def stock_reserve(
    *,
    account: Account,
    reference_id: str,
    lines: Sequence[tuple[Product, int]],
    actor: str = SYSTEM,
    reference_type: str = ReferenceType.ORDER,
    new_reference: bool = False,
) -> list[StockReservation]:
    """Reserves stock for the lines of a reference (an order): all of it, or none (409 INSUFFICIENT_STOCK).

    Products with `track_inventory` off are skipped; lines of the same product are added together. Each
    product is allocated from active warehouses by ascending priority, split across warehouses when one is
    short. When the total available is short, a product that allows backorders reserves what exists and
    records the rest as a backorder reservation (no warehouse); any other short product fails the call.

    Idempotent: a reference that already has active reservations gets them back and nothing changes
    (new_reference=True: the caller created the reference in this transaction, so it has none and they are
    not looked for). The stock levels of every product in the lines are locked (by primary key) before
    anything is read.
    """
    wanted: dict[str, list] = {}
    for product, quantity in lines:
        _check_owned(account, product)
        _check_quantity(quantity)
        if product.track_inventory:
            wanted.setdefault(product.pk, [product, 0])[1] += quantity
    if not wanted:
        return []
    levels = _lock_levels_of_products(account=account, product_ids=wanted)
    if not new_reference:
        existing = _active_reservations(account=account, reference_type=reference_type, reference_id=reference_id)
        if existing:
            return existing

    by_product = defaultdict(list)
    for level in _allocation_order(levels):
        by_product[level.product_id].append(level)
    taken: dict[str, int] = {}
    allocations, backorders, shortages = [], [], []
    for product_id, (product, quantity) in wanted.items():
        allocated, missing = _allocate(by_product[product_id], quantity, taken)
        allocations.extend(allocated)
        if missing and product.allow_backorder:
            backorders.append((product, missing))
        elif missing:
            shortages.append(_shortage(product, quantity, quantity - missing))
    if shortages:
        raise _insufficient(
            "Not enough stock for this order: add stock with POST /api/inventory/stock/adjust "
            '({"productId", "warehouseId", "quantity", "reason": "received"}), or allow backorders on the product',
            shortages,
        )

    changes, reservations = _Changes(), []
    reference = {"reference_type": reference_type, "reference_id": reference_id, "actor": actor}
    for level, quantity in allocations:
        _apply(level, changes, type=MovementType.RESERVATION, reserved_change=quantity, **reference)
        reservations.append(
            _reservation(account, reference_type, reference_id, level.product_id, level.warehouse_id, quantity)
        )
    for product, quantity in backorders:
        reservations.append(_reservation(account, reference_type, reference_id, product.pk, None, quantity))
    StockReservation.objects.bulk_create(reservations)
    changes.save(account)
    return reservations


def _reservation(
    account: Account,
    reference_type: str,
    reference_id: str,
    product_id: str,
    warehouse_id: str | None,
    quantity: int,
    status: str = ReservationStatus.ACTIVE,
) -> StockReservation:
    return StockReservation(
        account=account,
        reference_type=reference_type,
        reference_id=reference_id,
        product_id=product_id,
        warehouse_id=warehouse_id,
        quantity=quantity,
        status=status,
    )


def _lock_reserved_levels(
    *, account: Account, reservations: list[StockReservation]
) -> dict[tuple[str, str], StockLevel]:
    condition = Q()
    for reservation in reservations:
        if not reservation.is_backorder:
            condition |= Q(product_id=reservation.product_id, warehouse_id=reservation.warehouse_id)
    if not condition:
        return {}
    return {
        (level.product_id, level.warehouse_id): level
        for level in _locked(StockLevel.objects.filter(condition, account=account))
    }


def _set_status(reservations: list[StockReservation], status: str) -> None:
    now = timezone.now()
    StockReservation.objects.filter(pk__in=[reservation.pk for reservation in reservations]).update(
        status=status, updated_at=now
    )
    for reservation in reservations:
        reservation.status, reservation.updated_at = status, now


@atomic_service
def stock_release(
    *, account: Account, reference_id: str, actor: str = SYSTEM, reference_type: str = ReferenceType.ORDER
) -> list[StockReservation]:
    """Releases the active reservations of a reference (order cancelled): reserved stock becomes available
    again (release movements); backorder reservations are simply closed. Returns what was released; a
    second call finds nothing active and does nothing."""
    reservations = _active_reservations(
        account=account, reference_type=reference_type, reference_id=reference_id, lock=True
    )
    if not reservations:
        return []
    levels = _lock_reserved_levels(account=account, reservations=reservations)
    changes = _Changes()
    reference = {"reference_type": reference_type, "reference_id": reference_id, "actor": actor}
    for reservation in reservations:
        if not reservation.is_backorder:
            level = levels[(reservation.product_id, reservation.warehouse_id)]
            _apply(level, changes, type=MovementType.RELEASE, reserved_change=-reservation.quantity, **reference)
    _set_status(reservations, ReservationStatus.RELEASED)
    changes.save(account)
    return reservations


@atomic_service
def stock_fulfil(
    *, account: Account, reference_id: str, actor: str = SYSTEM, reference_type: str = ReferenceType.ORDER
) -> list[StockReservation]:
    """Turns the active reservations of a reference into sales (order shipped): on hand and reserved both
    drop by the quantity (sale movements).

    Backordered units are allocated now, from active warehouses by priority; if they still are not in stock
    the call is a 409 INSUFFICIENT_STOCK and nothing changes (the order cannot ship yet). Returns the
    fulfilled reservations (a backorder split across warehouses becomes one row per warehouse); a second call
    does nothing.
    """
    reservations = _active_reservations(
        account=account, reference_type=reference_type, reference_id=reference_id, lock=True
    )
    if not reservations:
        return []
    backorders = [reservation for reservation in reservations if reservation.is_backorder]
    if backorders:
        all_levels = _lock_levels_of_products(account=account, product_ids={r.product_id for r in reservations})
        levels = {(level.product_id, level.warehouse_id): level for level in all_levels}
    else:
        levels = _lock_reserved_levels(account=account, reservations=reservations)

    by_product = defaultdict(list)
    for level in _allocation_order(levels.values()):
        by_product[level.product_id].append(level)
    taken: dict[str, int] = {}
    backorder_allocations, shortages = [], []
    products = {p.pk: p for p in Product.objects.filter(pk__in={r.product_id for r in backorders})}
    for reservation in backorders:
        allocated, missing = _allocate(by_product[reservation.product_id], reservation.quantity, taken)
        if missing:
            product = products[reservation.product_id]
            shortages.append(_shortage(product, reservation.quantity, reservation.quantity - missing, backordered=True))
        backorder_allocations.append((reservation, allocated))
    if shortages:
        raise _insufficient("Backordered units are not in stock yet", shortages)

    changes = _Changes()
    reference = {"reference_type": reference_type, "reference_id": reference_id, "actor": actor}
    fulfilled = []
    for reservation in reservations:
        if not reservation.is_backorder:
            level = levels[(reservation.product_id, reservation.warehouse_id)]
            quantity = reservation.quantity
            _apply(
                level, changes, type=MovementType.SALE, on_hand_change=-quantity, reserved_change=-quantity, **reference
            )
            fulfilled.append(reservation)
    extra_rows = []
    for reservation, allocated in backorder_allocations:
        for index, (level, quantity) in enumerate(allocated):
            _apply(level, changes, type=MovementType.SALE, on_hand_change=-quantity, **reference)
            if index == 0:
                # Fulfilled in the same write: an active row of this reference may already name the warehouse.
                reservation.warehouse_id, reservation.quantity = level.warehouse_id, quantity
                reservation.status = ReservationStatus.FULFILLED
                reservation.save(update_fields=["warehouse", "quantity", "status", "updated_at"])
                fulfilled.append(reservation)
            else:
                extra_rows.append(
                    _reservation(
                        account,
                        reference_type,
                        reference_id,
                        level.product_id,
                        level.warehouse_id,
                        quantity,
                        status=ReservationStatus.FULFILLED,
                    )
                )
    _set_status(fulfilled, ReservationStatus.FULFILLED)
    StockReservation.objects.bulk_create(extra_rows)
    changes.save(account)
    return [*fulfilled, *extra_rows]


@atomic_service
def stock_return(
    *,
    account: Account,
    reference_id: str,
    product: Product,
    quantity: int,
    warehouse: Warehouse | None = None,
    actor: str = SYSTEM,
    reference_type: str = ReferenceType.RETURN,
) -> StockMovement | None:
    """Puts returned units back on hand (a return movement). Without `warehouse`, the highest-priority active
    warehouse takes them (409 NO_ACTIVE_WAREHOUSE when there is none). Untracked products are skipped.

    Idempotent per (reference, product): a second call for the same pair does nothing and returns None. The
    caller serializes calls for one reference (it holds the return's row lock)."""
    _check_owned(account, product, warehouse)
    _check_quantity(quantity)
    if not product.track_inventory:
        return None
    if warehouse is None:
        warehouse = (
            Warehouse.objects.filter(account=account, is_active=True, archived_at__isnull=True)
            .order_by("priority", "code", "pk")
            .first()
        )
        if warehouse is None:
            raise NoActiveWarehouse("There is no active warehouse to return stock to")
    _check_not_archived(warehouse, name="warehouse_id")
    level = _lock_levels_at(account=account, pairs=[(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]
    already = StockMovement.objects.filter(
        account=account,
        type=MovementType.RETURN,
        reference_type=reference_type,
        reference_id=reference_id,
        product=product,
    )
    if already.exists():
        return None
    changes = _Changes()
    movement = _apply(
        level,
        changes,
        type=MovementType.RETURN,
        on_hand_change=quantity,
        reference_type=reference_type,
        reference_id=reference_id,
        reason=AdjustmentReason.RETURNED,
        actor=actor,
    )
    changes.save(account)
    return movement
