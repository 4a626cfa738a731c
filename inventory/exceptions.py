"""Inventory errors, each with a stable code (documented in docs/inventory.md)."""

from omnisales.api.errors import ConflictError, ValidationFailed


class InsufficientStock(ConflictError):
    """Not enough available stock. `details`: {"productIds": [...], "products": [{productId, requested,
    available, ...}]}."""

    code = "INSUFFICIENT_STOCK"


class DuplicateWarehouseCode(ConflictError):
    code = "DUPLICATE_WAREHOUSE_CODE"


class WarehouseNotEmpty(ConflictError):
    code = "WAREHOUSE_NOT_EMPTY"


class WarehouseInactive(ConflictError):
    code = "WAREHOUSE_INACTIVE"


class WarehouseArchived(ConflictError):
    code = "WAREHOUSE_ARCHIVED"


class NoActiveWarehouse(ConflictError):
    code = "NO_ACTIVE_WAREHOUSE"


class ProductNotTracked(ValidationFailed):
    code = "PRODUCT_NOT_TRACKED"


class SameWarehouse(ValidationFailed):
    code = "SAME_WAREHOUSE"


__all__ = [
    "DuplicateWarehouseCode",
    "InsufficientStock",
    "NoActiveWarehouse",
    "ProductNotTracked",
    "SameWarehouse",
    "ValidationFailed",
    "WarehouseArchived",
    "WarehouseInactive",
    "WarehouseNotEmpty",
]
