"""Reservations: the services orders call to reserve, release, fulfil and return stock."""

from collections import defaultdict
from collections.abc import Collection, Sequence

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Case, F, Q, Value, When
from django.utils import timezone

from accounts.models import Account
from catalog.models import Product, ProductVariant
from omnisales.api.actors import Actor
from omnisales.api.bulk import INSERT_MAX_ROWS, copy_values, insert, new, saved_instances
from omnisales.api.db import pg_array
from omnisales.api.ids import PREFIXES, new_id
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from ..exceptions import NoActiveWarehouse
from ..models import (
    AdjustmentReason,
    MovementType,
    ReferenceType,
    ReservationStatus,
    StockLevel,
    StockMovement,
    StockReservation,
    Warehouse,
)
from ._common import (
    SYSTEM,
    _allocate,
    _allocation_order,
    _apply,
    _Changes,
    _check_not_archived,
    _check_owned,
    _check_quantity,
    _insufficient,
    _lock_levels_at,
    _lock_levels_of_variants,
    _locked,
    _shortage,
    _stock_variant,
    ledger_actor,
    low_stock_data,
)

_SHORT_FOR_ORDER = (
    "Not enough stock for this order: add stock with POST /api/inventory/stock/adjust "
    '({"variantId", "warehouseId", "quantity", "reason": "received"}), or allow backorders on the product'
)


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
    lines: Sequence[tuple[ProductVariant | Product, int]],
    actor: Actor | str = SYSTEM,
    reference_type: str = ReferenceType.ORDER,
    new_reference: bool = False,
) -> list[StockReservation]:
    """Reserves stock for the lines of a reference (an order): all of it, or none (409 INSUFFICIENT_STOCK).

    A line is (variant, quantity), the variant's product loaded; (product, quantity) names a product
    without options (its one variant; several are a 422 VARIANT_REQUIRED). Variants of products with
    `track_inventory` off are skipped; lines of the same variant are added together. Each variant is
    allocated from active warehouses by ascending priority, split across warehouses when one is short.
    When the total available is short, a variant whose product allows backorders reserves what exists and
    records the rest as a backorder reservation (no warehouse); any other short variant fails the call.

    Idempotent: a reference that already has active reservations gets them back and nothing changes
    (new_reference=True: the caller created the reference in this transaction, so it has none and they are
    not looked for). The stock levels of every variant in the lines are locked (by primary key) before
    anything is read.
    """
    wanted: dict[str, list] = {}
    for item, quantity in lines:
        variant = item if isinstance(item, ProductVariant) else _stock_variant(account, item, None)
        _check_owned(account, variant)
        _check_quantity(quantity)
        if variant.product.track_inventory:
            wanted.setdefault(variant.pk, [variant, 0])[1] += quantity
    if not wanted:
        return []
    levels = _lock_levels_of_variants(
        account=account, variant_ids=wanted, variants={pk: variant for pk, (variant, _) in wanted.items()}
    )
    if not new_reference:
        existing = _active_reservations(account=account, reference_type=reference_type, reference_id=reference_id)
        if existing:
            return existing

    by_variant = defaultdict(list)
    for level in _allocation_order(levels):
        by_variant[level.variant_id].append(level)
    taken: dict[str, int] = {}
    allocations, backorders, shortages = [], [], []
    for variant_id, (variant, quantity) in wanted.items():
        allocated, missing = _allocate(by_variant[variant_id], quantity, taken)
        allocations.extend(allocated)
        if missing and variant.product.allow_backorder:
            backorders.append((variant, missing))
        elif missing:
            shortages.append(_shortage(variant, quantity, quantity - missing))
    if shortages:
        raise _insufficient(_SHORT_FOR_ORDER, shortages)

    changes, reservations = _Changes(), []
    reference = {"reference_type": reference_type, "reference_id": reference_id, "actor": actor}
    for level, quantity in allocations:
        _apply(level, changes, type=MovementType.RESERVATION, reserved_change=quantity, **reference)
        reservations.append(
            _reservation(account, reference_type, reference_id, level.variant, level.warehouse_id, quantity)
        )
    for variant, quantity in backorders:
        reservations.append(_reservation(account, reference_type, reference_id, variant, None, quantity))
    insert(StockReservation, reservations)
    changes.save(account)
    return reservations


@atomic_service
def stock_reserve_many(
    *,
    account: Account,
    references: Sequence[tuple[str, Sequence[tuple[ProductVariant, int]]]],
    actor: Actor | str = SYSTEM,
    reference_type: str = ReferenceType.ORDER,
    allow_shortage: bool = False,
    sold: Collection[str] = (),
    returning: bool = True,
) -> dict[str, list[StockReservation]] | None:
    """`stock_reserve(..., new_reference=True)` for each (reference id, lines) of a batch (an import of
    marketplace orders), in the given order, in a fixed number of statements whatever the batch size.
    Returns each reference's reservations by reference id, in the given order ([] when none of its lines
    tracks inventory); with `returning=False`, None (an import that does not read them: its thousands of
    rows are then written without a model instance each).

    Lines are (variant, quantity), the variant's product loaded. Every reference is new: created by the
    caller in this transaction (no reservation of it is looked for); a reference id given twice is a
    ValueError. The allocations, reservations, movements (with the balances after each one, as if reserved
    one reference after the other), low-stock events and final levels are those of the sequential calls.

    A short variant whose product allows backorders, or any short variant with `allow_shortage` (orders
    already sold elsewhere, which cannot be refused), reserves what exists and records the rest as a
    backorder reservation. Otherwise the call is a 409 INSUFFICIENT_STOCK listing the shortages of every
    reference (each entry names its `reference_id`; a short reference is counted as not reserved when the
    later ones are allocated, as a refused `stock_reserve` would be) and nothing is written.

    References in `sold` were sold and shipped already (imported orders the marketplace has shipped): what
    is allocated to them is recorded as sales (on hand drops, sale movements, fulfilled reservations), as
    `stock_reserve` then `stock_fulfil` would leave it, in one movement per allocation instead of two; what
    cannot be allocated stays an active backorder reservation.

    Statements: one locking read of the stock levels of every variant of the batch (primary-key order), one
    UPDATE of every changed level, one INSERT of the reservations and one of the movements (COPY beyond
    `INSERT_MAX_ROWS` rows), and `event_emit_many` when a level crosses its reorder point.
    """
    wanted_by_reference: dict[str, dict[str, list]] = {}
    variants: dict[str, ProductVariant] = {}
    for reference_id, lines in references:
        if reference_id in wanted_by_reference:
            raise ValueError(f"Reference {reference_id} is given twice")
        wanted = wanted_by_reference[reference_id] = {}
        for variant, quantity in lines:
            if not isinstance(variant, ProductVariant):
                raise TypeError("stock_reserve_many takes (variant, quantity) lines, the variant's product loaded")
            _check_owned(account, variant)
            _check_quantity(quantity)
            if variant.product.track_inventory:
                wanted.setdefault(variant.pk, [variant, 0])[1] += quantity
                variants.setdefault(variant.pk, variant)
    result: dict[str, list[StockReservation]] = {reference_id: [] for reference_id in wanted_by_reference}
    if not variants:
        return result
    levels = _lock_levels_of_variants(account=account, variant_ids=variants, variants=variants)

    by_variant = defaultdict(list)
    for level in _allocation_order(levels):
        by_variant[level.variant_id].append(level)
    changed: dict[str, StockLevel] = {}
    reserved_change: dict[str, int] = defaultdict(int)
    on_hand_change: dict[str, int] = defaultdict(int)  # units sold (taken off on hand)
    now = timezone.now()
    movements: list[tuple] = []  # MOVEMENT_COLUMNS' values
    reservations: list[tuple] = []  # RESERVATION_COLUMNS' values from the reference id on
    low_stock: list[tuple[str, dict]] = []
    shortages = []
    for reference_id, wanted in wanted_by_reference.items():
        taken: dict[str, int] = {}
        allocations, backorders, short = [], [], []
        for variant_id, (variant, quantity) in wanted.items():
            allocated, missing = _allocate(by_variant[variant_id], quantity, taken)
            allocations.extend(allocated)
            if missing and (allow_shortage or variant.product.allow_backorder):
                backorders.append((variant, missing))
            elif missing:
                short.append(_shortage(variant, quantity, quantity - missing, reference_id=reference_id))
        if short:
            shortages.extend(short)
            continue
        reference = (reference_type, reference_id, "", "", ledger_actor(actor))  # reason, note
        crossed = []
        selling = reference_id in sold
        status = ReservationStatus.FULFILLED if selling else ReservationStatus.ACTIVE
        for level, quantity in allocations:
            movements.append(_reserve_in_memory(level, quantity, crossed, now, reference, sell=selling))
            changed[level.pk] = level
            (on_hand_change if selling else reserved_change)[level.pk] += quantity
            reservations.append(
                (reference_id, level.product_id, level.variant_id, level.warehouse_id, quantity, status)
            )
        for variant, quantity in backorders:
            reservations.append(
                (reference_id, variant.product_id, variant.pk, None, quantity, ReservationStatus.ACTIVE)
            )
        # As `stock_reserve` emits them: the level as the reference's reservation left it.
        low_stock.extend(("inventory.low_stock", low_stock_data(level)) for level in crossed)
    if shortages:
        raise _insufficient(_SHORT_FOR_ORDER, shortages)

    _levels_add_reserved(list(changed.values()), reserved_change, on_hand_change)

    prefix, account_id = _RESERVATION_PREFIX, account.pk
    rows = [(new_id(prefix), now, now, account_id, reference_type, *reservation) for reservation in reservations]
    written = _write_values(StockReservation, RESERVATION_COLUMNS, rows)
    _write_values(StockMovement, MOVEMENT_COLUMNS, movements)
    if low_stock:
        event_emit_many(account=account, events=low_stock)
    if not returning:
        return None
    for reservation in written or saved_instances(StockReservation, RESERVATION_COLUMNS, rows):
        result[reservation.reference_id].append(reservation)
    return result


RESERVATION_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "account_id",
    "reference_type",
    "reference_id",
    "product_id",
    "variant_id",
    "warehouse_id",
    "quantity",
    "status",
)
_RESERVATION_PREFIX = PREFIXES["stock_reservation"]


def _write_values(model, columns: tuple[str, ...], rows: list[tuple]) -> list | None:
    """`rows` (tuples of `columns`' values): a few by `insert`, as instances (returned), more by `copy_values`."""
    if len(rows) <= INSERT_MAX_ROWS:
        instances = saved_instances(model, columns, rows)
        insert(model, instances)
        return instances
    copy_values(model, columns, rows)
    return None


# A movement as `copy_values` writes it: `_reserve_in_memory` makes the rows of a batch (thousands, in an
# import) as tuples, without a model instance each.
MOVEMENT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "account_id",
    "stock_level_id",
    "product_id",
    "variant_id",
    "warehouse_id",
    "type",
    "quantity",
    "on_hand_change",
    "reserved_change",
    "on_hand_after",
    "reserved_after",
    "reference_type",
    "reference_id",
    "reason",
    "note",
    "actor",
)
_MOVEMENT_PREFIX = PREFIXES["stock_movement"]


def _reserve_in_memory(
    level: StockLevel, quantity: int, crossed: list[StockLevel], now, reference: tuple, *, sell: bool = False
) -> tuple:
    """`_apply` of a reservation (or, with `sell`, of a sale) without its UPDATE (`_levels_add_reserved` writes
    the sum of a batch's): the level's quantities and low-stock flag change in memory. Returns the movement,
    with the level's balances as they are now, as MOVEMENT_COLUMNS' values (`reference`: the reference type
    and id, reason, note and ledger actor) — what `movement_for` would make."""
    was_below = level.below_reorder_point
    if sell:
        level.on_hand -= quantity
    else:
        level.reserved += quantity
    level.below_reorder_point = level.available <= level.reorder_point
    if level.below_reorder_point and not was_below and level.warehouse.is_active:
        crossed.append(level)
    if sell:
        kind, changes = MovementType.SALE, (-quantity, -quantity, 0)  # quantity, on hand, reserved
    else:
        kind, changes = MovementType.RESERVATION, (quantity, 0, quantity)
    return (
        new_id(_MOVEMENT_PREFIX),
        now,
        now,
        level.account_id,
        level.pk,
        level.product_id,
        level.variant_id,
        level.warehouse_id,
        kind,
        *changes,
        level.on_hand,
        level.reserved,
        *reference,
    )


def _by_amount(levels: list[StockLevel], change: dict[str, int]):
    by_change = defaultdict(list)
    for level in levels:
        if change.get(level.pk):
            by_change[change[level.pk]].append(level.pk)
    return Case(
        *(When(pk__in=pks, then=Value(amount)) for amount, pks in by_change.items()),
        default=Value(0),
        output_field=BigIntegerField(),
    )


def _levels_add_reserved(
    levels: list[StockLevel], reserved_change: dict[str, int], on_hand_change: dict[str, int] | None = None
) -> None:
    """One UPDATE of the levels: each one's reserved up (and on hand down, for sales) by its total change, its
    low-stock flag as it now is. On PostgreSQL `UPDATE … FROM unnest(…)` of four arrays, a statement of one
    size for any batch; elsewhere CASE expressions."""
    if not levels:
        return
    on_hand_change = on_hand_change or {}
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(StockLevel._meta.db_table)} AS l "  # noqa: S608 - a quoted name
                "SET reserved = l.reserved + v.reserved, on_hand = l.on_hand - v.sold, "
                "below_reorder_point = v.below, updated_at = %s "
                "FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::boolean[]) AS v(id, reserved, sold, below) "
                "WHERE l.id = v.id",
                [
                    now,
                    pg_array(level.pk for level in levels),
                    pg_array(reserved_change.get(level.pk, 0) for level in levels),
                    pg_array(on_hand_change.get(level.pk, 0) for level in levels),
                    pg_array(level.below_reorder_point for level in levels),
                ],
            )
        return
    changes = {"reserved": F("reserved") + _by_amount(levels, reserved_change)}
    if any(on_hand_change.values()):
        changes["on_hand"] = F("on_hand") - _by_amount(levels, on_hand_change)
    StockLevel.objects.filter(pk__in=[level.pk for level in levels]).update(
        **changes,
        below_reorder_point=Case(
            When(pk__in=[level.pk for level in levels if level.below_reorder_point], then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        updated_at=now,
    )


def _reservation(
    account: Account,
    reference_type: str,
    reference_id: str,
    variant: ProductVariant,
    warehouse_id: str | None,
    quantity: int,
    status: str = ReservationStatus.ACTIVE,
) -> StockReservation:
    return new(
        StockReservation,
        account=account,
        reference_type=reference_type,
        reference_id=reference_id,
        product_id=variant.product_id,
        variant_id=variant.pk,
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
            condition |= Q(variant_id=reservation.variant_id, warehouse_id=reservation.warehouse_id)
    if not condition:
        return {}
    return {
        (level.variant_id, level.warehouse_id): level
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
    *, account: Account, reference_id: str, actor: Actor | str = SYSTEM, reference_type: str = ReferenceType.ORDER
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
            level = levels[(reservation.variant_id, reservation.warehouse_id)]
            _apply(level, changes, type=MovementType.RELEASE, reserved_change=-reservation.quantity, **reference)
    _set_status(reservations, ReservationStatus.RELEASED)
    changes.save(account)
    return reservations


@atomic_service
def stock_fulfil(
    *, account: Account, reference_id: str, actor: Actor | str = SYSTEM, reference_type: str = ReferenceType.ORDER
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
        all_levels = _lock_levels_of_variants(account=account, variant_ids={r.variant_id for r in reservations})
        levels = {(level.variant_id, level.warehouse_id): level for level in all_levels}
    else:
        levels = _lock_reserved_levels(account=account, reservations=reservations)

    by_variant = defaultdict(list)
    for level in _allocation_order(levels.values()):
        by_variant[level.variant_id].append(level)
    taken: dict[str, int] = {}
    backorder_allocations, shortages = [], []
    variants = {v.pk: v for v in ProductVariant.objects.filter(pk__in={r.variant_id for r in backorders})}
    for reservation in backorders:
        allocated, missing = _allocate(by_variant[reservation.variant_id], reservation.quantity, taken)
        if missing:
            variant = variants[reservation.variant_id]
            shortages.append(_shortage(variant, reservation.quantity, reservation.quantity - missing, backordered=True))
        backorder_allocations.append((reservation, allocated))
    if shortages:
        raise _insufficient("Backordered units are not in stock yet", shortages)

    changes = _Changes()
    reference = {"reference_type": reference_type, "reference_id": reference_id, "actor": actor}
    fulfilled = []
    for reservation in reservations:
        if not reservation.is_backorder:
            level = levels[(reservation.variant_id, reservation.warehouse_id)]
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
                        level.variant,
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
    quantity: int,
    product: Product | None = None,
    variant: ProductVariant | None = None,
    warehouse: Warehouse | None = None,
    actor: Actor | str = SYSTEM,
    reference_type: str = ReferenceType.RETURN,
) -> StockMovement | None:
    """Puts returned units of a variant (or of a product without options) back on hand (a return movement).
    Without `warehouse`, the highest-priority active warehouse takes them (409 NO_ACTIVE_WAREHOUSE when
    there is none). Variants of untracked products are skipped.

    Idempotent per (reference, variant): a second call for the same pair does nothing and returns None. The
    caller serializes calls for one reference (it holds the return's row lock)."""
    _check_owned(account, warehouse)
    _check_quantity(quantity)
    variant = _stock_variant(account, product, variant)
    if not variant.product.track_inventory:
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
    level = _lock_levels_at(account=account, variant=variant, warehouse_ids=[warehouse.pk])[warehouse.pk]
    already = StockMovement.objects.filter(
        account=account,
        type=MovementType.RETURN,
        reference_type=reference_type,
        reference_id=reference_id,
        variant=variant,
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
