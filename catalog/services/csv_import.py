"""The CSV product import: rows planned per batch, created or updated by SKU."""

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from accounts.models import Account
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from .. import csv_format, selectors
from ..exceptions import ImportRowsInvalid, PlanLimitReached
from ..models import MIRRORED_FIELDS, PRODUCT_FIELDS, Category, Product, ProductStatus, ProductVariant
from ._common import _lock_account, _set_if_changed, _updated_event, product_event_data
from .variants import first_variant


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_ALL_FIELDS = frozenset(field.name for field in Product._meta.concrete_fields)
_NOT_IMPORTED = _ALL_FIELDS - set(PRODUCT_FIELDS) | {"category"}  # category: resolved within the account


def _batches(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _mirror_to_default_variants(to_update: list[tuple[Product, list[str]]]) -> None:
    """The implicit variants of updated products without options take the product's new values: one
    UPDATE of the columns that changed in this batch, each read from the product row."""
    fields = sorted({name for _, changed in to_update for name in changed} & set(MIRRORED_FIELDS))
    ids = [product.pk for product, changed in to_update if not product.options and set(changed) & set(fields)]
    if not ids:
        return
    product = Product.objects.filter(pk=OuterRef("product_id"))
    ProductVariant.objects.filter(product_id__in=ids, is_default=True).update(
        **{name: Subquery(product.values(name)[:1]) for name in fields}
    )


def _write_batch(to_create: list[Product], to_update: list[tuple[Product, list[str]]], *, batch_size: int) -> None:
    Product.objects.bulk_create(to_create, batch_size=batch_size)
    ProductVariant.objects.bulk_create([first_variant(product) for product in to_create], batch_size=batch_size)
    if not to_update:
        return
    # Updates as INSERT ... ON CONFLICT (account, sku) DO UPDATE of the columns that changed in this batch:
    # one plain statement per batch on PostgreSQL and SQLite, where bulk_update() builds a CASE per
    # column and row. The rows are locked (read above), so the unchanged columns written back are current.
    products = [product for product, _ in to_update]
    created_at = {product.pk: product.created_at for product in products}  # insert would reset it in memory
    fields = sorted({name for _, changed in to_update for name in changed} | {"updated_at"})
    Product.objects.bulk_create(
        products, batch_size=batch_size, update_conflicts=True, unique_fields=["account", "sku"], update_fields=fields
    )
    for product in products:
        product.created_at = created_at[product.pk]
    _mirror_to_default_variants(to_update)


class _RowPlanner:
    """Turns CSV rows into unsaved Product changes, collecting per-row errors."""

    def __init__(self, *, account: Account, columns: list[str]):
        self.account = account
        self.columns = columns
        self.categories = {category.slug: category for category in Category.objects.filter(account=account)}
        self.first_row_of_sku: dict[str, int] = {}

    def plan(self, number: int, cells: list[str], existing: dict[str, Product], variant_skus: set[str]):
        """-> ("error", {field: [messages]}) | ("create", product, fields) | ("update", product, fields) | ("same",)."""
        if len(cells) != len(self.columns):
            return "error", {"row": [f"Has {len(cells)} cells; the header has {len(self.columns)}."]}
        cells_by_column = dict(zip(self.columns, cells, strict=True))
        sku = csv_format.parse_cell("sku", cells_by_column["sku"])
        if not sku:
            return "error", {"sku": ["This field is required."]}
        if sku in self.first_row_of_sku:
            return "error", {
                "sku": [f"Appears more than once in the file (first on row {self.first_row_of_sku[sku]})."]
            }
        self.first_row_of_sku[sku] = number
        if sku in variant_skus:
            return "error", {"sku": [f"'{sku}' is the SKU of a variant of another product."]}

        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for column, cell in cells_by_column.items():
            if column == "sku" or (column in csv_format.KEEP_WHEN_EMPTY and not cell.strip()):
                continue
            name = csv_format.field_for(column)
            try:
                values[name] = csv_format.parse_cell(column, cell)
            except csv_format.CellError as exc:
                errors[name] = [str(exc)]
        if values.get("category"):
            slug = values["category"].lower()
            values["category"] = self.categories.get(slug)
            if values["category"] is None:
                errors["category"] = [f"No category with slug '{slug[:60]}'."]
        elif "category" in values:
            values["category"] = None

        product = existing.get(sku)
        is_new = product is None
        if is_new:
            product = Product(account=self.account, sku=sku, currency=self.account.currency)
            for column in csv_format.REQUIRED_ON_CREATE:
                if column not in values and column not in errors:
                    errors[column] = ["This field is required for a new product."]
        if errors:
            return "error", errors

        changed = [name for name, value in values.items() if _set_if_changed(product, name, value)]
        if not is_new and not changed:
            return ("same",)
        # Stored values were valid when written: check what this row sets (clean() still sees all fields).
        unchecked = _NOT_IMPORTED if is_new else _ALL_FIELDS - set(changed)
        try:
            product.full_clean(exclude=unchecked, validate_unique=False, validate_constraints=False)
        except DjangoValidationError as exc:
            return "error", exc.message_dict
        return ("create" if is_new else "update"), product, changed


@atomic_service
def product_import(
    *,
    account: Account,
    file,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    batch_size: int = 1000,
) -> ImportReport:
    """Upserts products by SKU from a CSV file (binary file object), in batches of `batch_size` rows.

    Valid rows are written and bad rows reported, unless `all_or_nothing`: then any bad row raises
    ImportRowsInvalid (422) with the report and nothing is written. `dry_run` reports without writing.
    The whole import is refused (PlanLimitReached, nothing written) if it would leave more non-archived
    products than the plan allows and more than before.
    """
    columns, rows = csv_format.read_rows(file)
    account = _lock_account(account)
    before = selectors.product_usage(account=account)
    planner = _RowPlanner(account=account, columns=columns)
    report = ImportReport(dry_run=dry_run)
    sku_index = columns.index("sku")

    for batch in _batches(rows, batch_size):
        skus = [csv_format.parse_cell("sku", cells[sku_index]) for _, cells in batch if len(cells) > sku_index]
        existing = {
            product.sku: product
            for product in Product.objects.select_for_update(no_key=True, of=("self",))
            .select_related("category")
            .filter(account=account, sku__in=skus)
        }
        variant_skus = set(
            ProductVariant.objects.filter(account=account, sku__in=skus)
            .exclude(product__sku=F("sku"))
            .values_list("sku", flat=True)
        )
        to_create, to_update = [], []
        for number, cells in batch:
            outcome = planner.plan(number, cells, existing, variant_skus)
            kind = outcome[0]
            if kind == "error":
                sku = cells[sku_index].strip() if len(cells) > sku_index else ""
                report.errors.append({"row": number, "sku": sku or None, "errors": outcome[1]})
            elif kind == "same":
                report.unchanged += 1
            elif kind == "create":
                to_create.append(outcome[1])
            else:
                to_update.append((outcome[1], outcome[2]))
        _write_batch(to_create, to_update, batch_size=batch_size)
        events = [("product.created", product_event_data(product)) for product in to_create]
        for product, changed in to_update:
            events.append(("product.updated", _updated_event(product, changed)))
            if "status" in changed and product.status == ProductStatus.ARCHIVED:
                events.append(("product.archived", product_event_data(product)))
        if events:
            event_emit_many(account=account, events=events)
        report.created += len(to_create)
        report.updated += len(to_update)

    report.failed = len(report.errors)
    after = selectors.product_usage(account=account)
    if after.current > after.limit and after.current > before.current:
        raise PlanLimitReached(
            "Importing these products would exceed your plan's product limit; nothing was imported",
            details={"limit": after.limit, "current": before.current, "requested": after.current - before.current},
        )
    if all_or_nothing and report.failed:
        failed = report.as_dict()
        failed.update(created=0, updated=0, unchanged=0)
        raise ImportRowsInvalid(f"{report.failed} row(s) are invalid; nothing was imported", details=failed)
    if dry_run:
        transaction.set_rollback(True)
    return report
