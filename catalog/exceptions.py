"""Catalog errors, each with a stable code (documented in docs/catalog.md)."""

from omnisales.api.errors import ApplicationError, ConflictError, ForbiddenError, ValidationFailed


class DuplicateSku(ConflictError):
    code = "DUPLICATE_SKU"


class DuplicateCategorySlug(ConflictError):
    code = "DUPLICATE_CATEGORY_SLUG"


class CategoryNotEmpty(ConflictError):
    code = "CATEGORY_NOT_EMPTY"


class CategoryCycle(ValidationFailed):
    code = "CATEGORY_CYCLE"


class InvalidReassignTarget(ValidationFailed):
    code = "INVALID_REASSIGN_TARGET"


class PlanLimitReached(ForbiddenError):
    code = "PLAN_LIMIT_REACHED"


class InvalidCsv(ValidationFailed):
    """The upload is not a CSV file we can read (encoding, header, size): no row was looked at."""

    code = "INVALID_CSV"


class ImportRowsInvalid(ValidationFailed):
    """allOrNothing import with at least one bad row; `details` is the full report."""

    code = "IMPORT_ROWS_INVALID"


__all__ = [
    "ApplicationError",
    "CategoryCycle",
    "CategoryNotEmpty",
    "DuplicateCategorySlug",
    "DuplicateSku",
    "ImportRowsInvalid",
    "InvalidCsv",
    "InvalidReassignTarget",
    "PlanLimitReached",
    "ValidationFailed",
]
