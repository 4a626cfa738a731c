"""The one write path of stock levels (`_apply`), row locking, allocation and the checks the inventory
services share."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductVariant
from catalog.selectors import line_variant
from omnisales.api.actors import Actor
from omnisales.api.bulk import insert, new
from omnisales.api.compiled import CompiledRead, CompiledUpdate, Param, instance, model_columns
from webhooks.services import event_emit_many

from ..exceptions import InsufficientStock, ProductNotTracked, ValidationFailed, WarehouseArchived
from ..models import MAX_QUANTITY, MovementType, StockLevel, StockMovement, Warehouse

SYSTEM = "system"
ACTOR_MAX_LENGTH = 254


def ledger_actor(actor: Actor | str) -> str:
    """The ledger's actor column: an `Actor`'s name, or the string a caller passes (an email, "system")."""
    if isinstance(actor, Actor):
        actor = actor.name
    return (actor or SYSTEM)[:ACTOR_MAX_LENGTH]


@dataclass
class _Changes:
    """Movements and low-stock crossings collected during one service call, written at its end."""

    movements: list[StockMovement] = field(default_factory=list)
    crossed: list[StockLevel] = field(default_factory=list)

    def save(self, account: Account) -> list[StockMovement]:
        insert(StockMovement, self.movements)
        if self.crossed:
            event_emit_many(
                account=account, events=[("inventory.low_stock", low_stock_data(level)) for level in self.crossed]
            )
        return self.movements


def variant_data(variant: ProductVariant) -> dict[str, str | None]:
    """The variant as stock payloads and shortages name it (all None for a product without options)."""
    return {"variant_id": variant.shown_id, "variant_sku": variant.shown_sku, "variant_title": variant.shown_title}


def low_stock_data(level: StockLevel) -> dict[str, Any]:
    return {
        "stock_level_id": level.pk,
        "product_id": level.product_id,
        **variant_data(level.variant),
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


def _locked(queryset, *, variants: dict[str, ProductVariant] | None = None) -> list[StockLevel]:
    """The levels, locked in primary-key order, with their warehouses (and variants and products: joined,
    or the given `variants`, products loaded, by id when the caller already holds them)."""
    related = ("warehouse",) if variants is not None else ("warehouse", "product", "variant")
    levels = list(queryset.select_for_update(of=("self",)).select_related(*related).order_by("pk"))
    if variants is not None:
        for level in levels:
            level.variant = variants[level.variant_id]
            level.product = level.variant.product
    return levels


def _lock_levels_of_variants(
    *, account: Account, variant_ids: Iterable[str], variants: dict[str, ProductVariant] | None = None
) -> list[StockLevel]:
    if variants is None:
        return _locked(StockLevel.objects.filter(account=account, variant_id__in=set(variant_ids)), variants=None)
    # Every order placement takes this path: the read is compiled once per number of variants.
    levels = []
    for row in _LEVELS_OF_VARIANTS.rows(account=account.pk, variant_ids=sorted(set(variant_ids))):
        level = instance(StockLevel, row)
        level.warehouse = instance(Warehouse, row, prefix="warehouse__")
        level.variant = variants[level.variant_id]
        level.product = level.variant.product
        levels.append(level)
    return levels


_LEVELS_OF_VARIANTS = CompiledRead(
    lambda account, variant_ids: StockLevel.objects.filter(account=account, variant_id__in=variant_ids)
    .select_for_update(of=("self",))
    .order_by("pk")
    .values(*model_columns(StockLevel), *model_columns(Warehouse, "warehouse__"))
)  # `_locked` with the variants given, as rows: the same statement and lock


def _lock_levels_at(
    *, account: Account, variant: ProductVariant, warehouse_ids: Iterable[str]
) -> dict[str, StockLevel]:
    """Creates the variant's missing stock levels in the warehouses, then locks them all in key order.
    Returns them by warehouse id."""
    warehouse_ids = set(warehouse_ids)
    StockLevel.objects.bulk_create(
        [
            StockLevel(account=account, product_id=variant.product_id, variant=variant, warehouse_id=warehouse_id)
            for warehouse_id in warehouse_ids
        ],
        ignore_conflicts=True,
    )
    levels = _locked(
        StockLevel.objects.filter(account=account, variant=variant, warehouse_id__in=warehouse_ids),
        variants={variant.pk: variant},
    )
    return {level.warehouse_id: level for level in levels}


def _stock_variant(account: Account, product: Product | None, variant: ProductVariant | None) -> ProductVariant:
    """The variant a stock operation names (see `catalog.selectors.line_variant`), checked to be the account's."""
    _check_owned(account, product, variant)
    return line_variant(product=product, variant=variant)


def _apply(
    level: StockLevel,
    changes: _Changes,
    *,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    movement_id: str | None = None,
    **movement,
) -> StockMovement:
    """Changes one stock level and records the movement (`movement`: the other fields `movement_for` takes).
    The caller holds the row lock, so `level` is current and the low-stock flag after the change is known
    here; the quantities (as increments), the flag and `updated_at` are written by one UPDATE."""
    was_below = level.below_reorder_point
    level.on_hand += on_hand_change
    level.reserved += reserved_change
    level.below_reorder_point = level.available <= level.reorder_point
    _LEVEL_CHANGE.run(
        pk=level.pk,
        on_hand=on_hand_change,
        reserved=reserved_change,
        below=level.below_reorder_point,
        now=timezone.now(),
    )
    if level.below_reorder_point and not was_below and level.warehouse.is_active:
        changes.crossed.append(level)
    line = movement_for(level, on_hand_change=on_hand_change, reserved_change=reserved_change, **movement)
    if movement_id:
        line.id = movement_id
    changes.movements.append(line)
    return line


def _level_change(pk: str, on_hand: str, reserved: str, below: str, now: str):
    def param(placeholder, name):
        return Param(placeholder, StockLevel._meta.get_field(name))

    return StockLevel.objects.filter(pk=pk), {
        "on_hand": F("on_hand") + param(on_hand, "on_hand"),
        "reserved": F("reserved") + param(reserved, "reserved"),
        "below_reorder_point": param(below, "below_reorder_point"),
        "updated_at": param(now, "updated_at"),
    }


_LEVEL_CHANGE = CompiledUpdate(_level_change)  # every stock change runs it: compiled once


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
    actor: Actor | str = SYSTEM,
    after: tuple[int, int] | None = None,
) -> StockMovement:
    """The (unsaved) ledger line for a change `level` has just had: its balances are already the new ones, or
    given as `after` (on hand, reserved) when the line is made later, the level having changed since."""
    quantity = reserved_change if type in (MovementType.RESERVATION, MovementType.RELEASE) else on_hand_change
    on_hand_after, reserved_after = after or (level.on_hand, level.reserved)
    return new(
        StockMovement,
        account_id=level.account_id,
        stock_level=level,
        product_id=level.product_id,
        variant_id=level.variant_id,
        warehouse_id=level.warehouse_id,
        type=type,
        quantity=quantity,
        on_hand_change=on_hand_change,
        reserved_change=reserved_change,
        on_hand_after=on_hand_after,
        reserved_after=reserved_after,
        reference_type=reference_type,
        reference_id=reference_id,
        reason=reason,
        note=note,
        actor=ledger_actor(actor),
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


def _shortage(variant: ProductVariant, requested: int, available: int, **extra) -> dict[str, Any]:
    return {
        "product_id": variant.product_id,
        "variant_id": variant.shown_id,
        "sku": variant.sku,
        "requested": requested,
        "available": available,
        **extra,
    }


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
