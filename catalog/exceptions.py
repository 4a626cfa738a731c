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


class DuplicateVariant(ConflictError):
    """Another variant of the product (not archived) has the same option values."""

    code = "DUPLICATE_VARIANT"


class LastVariant(ConflictError):
    code = "LAST_VARIANT"


class OptionValueInUse(ValidationFailed):
    code = "OPTION_VALUE_IN_USE"


class ProductHasNoOptions(ValidationFailed):
    code = "PRODUCT_HAS_NO_OPTIONS"


class VariantLimitReached(ValidationFailed):
    code = "VARIANT_LIMIT_REACHED"


class VariantRequired(ValidationFailed):
    """A product with several variants named without one of them (stock, order lines). `details.variants`
    lists them: [{id, sku, title}]."""

    code = "VARIANT_REQUIRED"


__all__ = [
    "ApplicationError",
    "CategoryCycle",
    "CategoryNotEmpty",
    "DuplicateCategorySlug",
    "DuplicateSku",
    "DuplicateVariant",
    "ImportRowsInvalid",
    "InvalidCsv",
    "InvalidReassignTarget",
    "LastVariant",
    "OptionValueInUse",
    "PlanLimitReached",
    "ProductHasNoOptions",
    "ValidationFailed",
    "VariantLimitReached",
    "VariantRequired",
]
