"""Catalog writes: categories, products, CSV import. Each runs in one transaction and emits its events
(`product.created`, `product.updated`, `product.archived`, `product.deleted`) inside it.

Locking: writes that depend on counts or on the shape of the tree (creating products against the plan
limit, moving categories) lock the account row first (`FOR NO KEY UPDATE`, so other apps' inserts that
merely reference the account are not blocked). Product updates lock the product row.

Variants: every product has at least one (`variants`); a product without options has exactly one, kept
equal to the product. Variant writes lock the product row first.

Modules: `categories`; `products`; `variants`; `csv_import` (the CSV import); `import_jobs` (large imports
as jobs run by a task); `_common` (the helpers they share).
"""

from ._common import API_NAMES, MONEY_FIELDS, product_event_data
from .categories import category_create, category_delete, category_update
from .csv_import import ImportReport, product_import
from .import_jobs import product_import_run, product_import_submit
from .products import product_create, product_delete, product_mark_ordered, product_mark_ordered_counts, product_update
from .variants import first_variant, variant_create, variant_delete, variant_limit, variant_update

__all__ = [
    "API_NAMES",
    "MONEY_FIELDS",
    "ImportReport",
    "category_create",
    "category_delete",
    "category_update",
    "first_variant",
    "product_create",
    "product_delete",
    "product_event_data",
    "product_import",
    "product_import_run",
    "product_import_submit",
    "product_mark_ordered",
    "product_mark_ordered_counts",
    "product_update",
    "variant_create",
    "variant_delete",
    "variant_limit",
    "variant_update",
]
