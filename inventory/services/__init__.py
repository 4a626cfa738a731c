"""Inventory writes. Every change to a stock level goes through `_apply`, which writes the new quantities and
the low-stock flag in one UPDATE and returns the movement that records it, so the ledger always sums to the
stock levels.

Locking: each write locks the stock-level rows it reads with `select_for_update()` ordered by primary key,
before reading quantities, so concurrent reservations, adjustments and transfers serialize per row and never
deadlock. Services that start from reservations (release, fulfil) lock those rows first (also by primary
key), then the stock levels. Rows that may not exist yet are inserted first with ON CONFLICT DO NOTHING,
then locked like the others.

Modules: `warehouses`; `ledger` (adjustments, transfers, reorder settings); `reservations` (what orders
call); `_common` (the one write path, locking and the checks they share).
"""

from ._common import ACTOR_MAX_LENGTH, SYSTEM, ledger_actor, low_stock_data, movement_for, variant_data
from .ledger import REASON_MOVEMENT, REASON_SIGN, stock_adjust, stock_level_update, stock_transfer_create
from .reservations import stock_fulfil, stock_release, stock_reserve, stock_reserve_many, stock_return
from .warehouses import warehouse_create, warehouse_delete, warehouse_update

__all__ = [
    "ACTOR_MAX_LENGTH",
    "REASON_MOVEMENT",
    "REASON_SIGN",
    "SYSTEM",
    "ledger_actor",
    "low_stock_data",
    "movement_for",
    "stock_adjust",
    "stock_fulfil",
    "stock_level_update",
    "stock_release",
    "stock_reserve",
    "stock_reserve_many",
    "stock_return",
    "stock_transfer_create",
    "variant_data",
    "warehouse_create",
    "warehouse_delete",
    "warehouse_update",
]
