"""The CSV product import: rows grouped into products by SKU, planned per batch, created or updated by SKU.

A product without options is one row. A product with options is one row per variant (csv_format): the
first row carries the product's columns and option names, every row a variant (matched by its SKU among
the product's variants). Per batch: one locked read of the products, one locked read of their variants
and of the variants holding the batch's SKUs, one read of the products holding its variant SKUs, then
one insert of new products, one of new variants, one upsert of changed products, one of changed variants,
one update of the implicit variants mirroring products, and the events — never a statement per row.
"""

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, Subquery

from accounts.models import Account
from omnisales.api.bulk import copy_insert, copy_upsert
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from .. import csv_format, selectors
from ..exceptions import ImportRowsInvalid, PlanLimitReached
from ..models import (
    MIRRORED_FIELDS,
    OPTION_COLUMNS,
    PRODUCT_FIELDS,
    Category,
    Product,
    ProductStatus,
    ProductVariant,
    VariantStatus,
    default_variant_id,
    validate_options,
)
from ._common import _lock_account, _set_if_changed, _updated_event, product_event_data
from .variants import first_variant, variant_limit, variant_title

SYNC_ROWS_DEFAULT = 1000


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
_VARIANT_ALL_FIELDS = frozenset(field.name for field in ProductVariant._meta.concrete_fields)
Errors = dict[str, list[str]]
M = TypeVar("M", bound=models.Model)


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def has_variant_cells(self) -> bool:
        return any(self.cells.get(column, "").strip() for column in csv_format.VARIANT_ROW_COLUMNS)


@dataclass
class _Group:
    """The consecutive rows of one product SKU."""

    sku: str
    rows: list[_Row]


def _groups(rows: Iterator[tuple[int, list[str]]], columns: list[str], report: ImportReport) -> Iterator[_Group]:
    """Rows grouped by product SKU (consecutive rows only); rows that cannot be grouped are reported."""
    current: _Group | None = None
    for number, cells in rows:
        if len(cells) != len(columns):
            _fail(
                report,
                number,
                cells[columns.index("sku")] if len(cells) > columns.index("sku") else "",
                {"row": [f"Has {len(cells)} cells; the header has {len(columns)}."]},
            )
            continue
        by_column = dict(zip(columns, cells, strict=True))
        sku = csv_format.parse_cell("sku", by_column["sku"])
        if not sku:
            _fail(report, number, "", {"sku": ["This field is required."]})
            continue
        if current is not None and current.sku == sku:
            current.rows.append(_Row(number, by_column))
            continue
        if current is not None:
            yield current
        current = _Group(sku, [_Row(number, by_column)])
    if current is not None:
        yield current


def _group_batches(groups: Iterable[_Group], size: int) -> Iterator[list[_Group]]:
    batch, rows = [], 0
    for group in groups:
        batch.append(group)
        rows += len(group.rows)
        if rows >= size:
            yield batch
            batch, rows = [], 0
    if batch:
        yield batch


def _clone(instance: M) -> M:
    """A copy of a model instance to change without touching the stored one: what copy.copy() gives (Django's
    __getstate__: the attributes, and the state with its own cache of related objects) without pickling's
    round trip, a sixth of an update pass of variant rows."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    clone._state = copy.copy(instance._state)
    clone._state.fields_cache = instance._state.fields_cache.copy()
    return clone


def _fail(report: ImportReport, number: int, sku: str, errors: Errors) -> None:
    report.errors.append({"row": number, "sku": sku.strip() or None, "errors": errors})


def _mirror_to_default_variants(to_update: list[tuple[Product, list[str]]]) -> None:
    """The implicit variants of updated products without options take the product's new values: one
    UPDATE of the columns that changed in this batch, each read from the product row."""
    fields = sorted({name for _, changed in to_update for name in changed} & set(MIRRORED_FIELDS))
    ids = [product.pk for product, changed in to_update if not product.options and set(changed) & set(fields)]
    if not ids:
        return
    if connection.vendor == "postgresql":  # one join, where the portable form runs a subquery per column and row
        variants, products = ProductVariant._meta.db_table, Product._meta.db_table
        columns = [*fields, "updated_at"]
        assignments = ", ".join(f"{name} = p.{name}" for name in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {variants} AS v SET {assignments} FROM {products} AS p "  # noqa: S608 - column names
                "WHERE v.product_id = p.id AND v.is_default AND p.id = ANY(%s)",
                [ids],
            )
        return
    product = Product.objects.filter(pk=OuterRef("product_id"))
    ProductVariant.objects.filter(product_id__in=ids, is_default=True).update(
        **{name: Subquery(product.values(name)[:1]) for name in fields}
    )


def _upsert(model, rows: list, fields: Iterable[str], *, batch_size: int) -> None:
    """Changed rows as INSERT ... ON CONFLICT (account, sku) DO UPDATE of `fields`: one plain statement per
    batch on PostgreSQL and SQLite, where bulk_update() builds a CASE per column and row. The rows are
    locked (read above), so the unchanged columns written back are current."""
    if not rows:
        return
    created_at = {row.pk: row.created_at for row in rows}  # insert would reset it in memory
    for start in range(0, len(rows), batch_size):
        copy_upsert(
            model, rows[start : start + batch_size], conflict=["account", "sku"], update={*fields, "updated_at"}
        )
    for row in rows:
        row.created_at = created_at[row.pk]


@dataclass
class _Plan:
    """What one batch writes."""

    to_create: list[Product] = field(default_factory=list)
    to_update: list[tuple[Product, list[str]]] = field(default_factory=list)
    variants_new: list[ProductVariant] = field(default_factory=list)
    variants_changed: list[tuple[ProductVariant, list[str]]] = field(default_factory=list)
    updated_events: list[tuple[Product, list[str]]] = field(default_factory=list)

    def events(self) -> list[tuple[str, dict]]:
        events = [("product.created", product_event_data(product)) for product in self.to_create]
        for product, changed in self.updated_events:
            events.append(("product.updated", _updated_event(product, changed)))
            if "status" in changed and product.status == ProductStatus.ARCHIVED:
                events.append(("product.archived", product_event_data(product)))
        return events

    def write(self, *, batch_size: int) -> None:
        copy_insert(Product, self.to_create)
        implicit = [first_variant(product) for product in self.to_create if not product.options]
        copy_insert(ProductVariant, [*implicit, *self.variants_new])
        _upsert(
            Product,
            [product for product, _ in self.to_update],
            {name for _, changed in self.to_update for name in changed},
            batch_size=batch_size,
        )
        _upsert(
            ProductVariant,
            [variant for variant, _ in self.variants_changed],
            {name for _, changed in self.variants_changed for name in changed},
            batch_size=batch_size,
        )
        _mirror_to_default_variants(self.to_update)


class _BatchState:
    """The rows a batch reads before planning: its products (locked), their variants and the variants
    holding its SKUs (locked), and the other products holding its variant SKUs."""

    def __init__(self, *, account: Account, batch: list[_Group]):
        skus = {group.sku for group in batch}
        variant_skus = {
            csv_format.parse_cell("variantSku", row.cells.get("variantSku", ""))
            for group in batch
            for row in group.rows
        } - {""}
        self.products = {
            product.sku: product
            for product in Product.objects.select_for_update(no_key=True, of=("self",))
            .select_related("category")
            .filter(account=account, sku__in=skus)
        }
        product_ids = [product.pk for product in self.products.values()]
        variants = list(
            ProductVariant.objects.select_for_update(no_key=True)
            .filter(Q(product_id__in=product_ids) | Q(account=account, sku__in=skus | variant_skus))
            .order_by("product_id", "position", "id")
        )
        self.variant_by_sku = {variant.sku: variant for variant in variants}
        self.variants_of: dict[str, list[ProductVariant]] = {product_id: [] for product_id in product_ids}
        for variant in variants:
            if variant.product_id in self.variants_of:
                self.variants_of[variant.product_id].append(variant)
        self.product_by_variant_sku = dict(
            Product.objects.filter(account=account, sku__in=variant_skus - skus).values_list("sku", "id")
        )


class _Planner:
    """Turns groups of CSV rows into unsaved product and variant changes, collecting per-row errors."""

    def __init__(self, *, account: Account, report: ImportReport):
        self.account = account
        self.report = report
        self.categories = {category.slug: category for category in Category.objects.filter(account=account)}
        self.first_row_of_sku: dict[str, int] = {}  # product and variant SKUs claimed by the file so far
        self.variant_limit = variant_limit()

    # --- products -------------------------------------------------------------------------------

    def product(self, row: _Row, existing: Product | None):
        """-> (errors, None, []) | ({}, product, changed fields) for the product columns of a first row."""
        errors: Errors = {}
        values: dict[str, Any] = {}
        for column, cell in row.cells.items():
            if column not in csv_format.FIELD_BY_COLUMN or column == "sku":
                continue
            if column in csv_format.KEEP_WHEN_EMPTY and not cell.strip():
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

        is_new = existing is None
        product = existing or Product(account=self.account, sku=csv_format.parse_cell("sku", row.cells["sku"]))
        if is_new:
            product.currency = self.account.currency
            for column in csv_format.REQUIRED_ON_CREATE:
                if column not in values and column not in errors:
                    errors[column] = ["This field is required for a new product."]
        if errors:
            return errors, None, []
        product = product if is_new else _clone(product)
        changed = [name for name, value in values.items() if _set_if_changed(product, name, value)]
        if is_new or changed:
            # Stored values were valid when written: check what this row sets (clean() still sees all fields).
            unchecked = _NOT_IMPORTED if is_new else _ALL_FIELDS - set(changed)
            try:
                product.full_clean(exclude=unchecked, validate_unique=False, validate_constraints=False)
            except DjangoValidationError as exc:
                return exc.message_dict, None, []
        return {}, product, changed

    # --- a group ----------------------------------------------------------------------------------

    def group(self, group: _Group, state: _BatchState, plan: _Plan) -> None:
        first = group.rows[0]
        seen = self.first_row_of_sku.get(group.sku)
        if seen is not None:
            for row in group.rows:
                self._fail(row, {"sku": [f"Appears more than once in the file (first on row {seen})."]})
            return
        self.first_row_of_sku[group.sku] = first.number
        holder = state.variant_by_sku.get(group.sku)
        existing = state.products.get(group.sku)
        if holder is not None and (existing is None or holder.product_id != existing.pk):
            for row in group.rows:
                self._fail(row, {"sku": [f"'{group.sku}' is the SKU of a variant of another product."]})
            return
        names = [csv_format.parse_cell(name, first.cells.get(name, "")) for name in csv_format.OPTION_NAME_COLUMNS]
        if not any(names):
            self._single(group, existing, plan)
        else:
            self._with_variants(group, existing, names, state, plan)

    def _single(self, group: _Group, existing: Product | None, plan: _Plan) -> None:
        """A product without variant rows: its one row, as before variants existed."""
        first, *others = group.rows
        for row in others:
            if row.has_variant_cells():
                message = f"Give the option names on the product's first row (row {first.number})."
                self._fail(row, {"option1_name": [message]})
            else:
                self._fail(row, {"sku": [f"Appears more than once in the file (first on row {first.number})."]})
        if first.has_variant_cells():
            self._fail(first, {"option1_name": ["Required when a row has option values or variant columns."]})
            return
        errors, product, changed = self.product(first, existing)
        if errors:
            self._fail(first, errors)
        elif existing is None:
            plan.to_create.append(product)
            self.report.created += 1
        elif changed:
            plan.to_update.append((product, changed))
            plan.updated_events.append((product, changed))
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def _with_variants(self, group: _Group, existing: Product | None, names, state: _BatchState, plan: _Plan):
        first, *others = group.rows
        errors = self._check_names(names, existing)
        if not errors:
            errors, product, changed = self.product(first, existing)
        if errors:
            self._fail(first, errors)
            for row in others:
                self._fail(row, {"sku": [f"The product's first row (row {first.number}) has errors."]})
            return
        rows = [first]
        for row in others:
            problems = self._repeated_product_cells(row, first)
            if problems:
                self._fail(row, problems)
            else:
                rows.append(row)
        variants = _ProductVariants(product, state.variants_of.get(product.pk, []), limit=self.variant_limit)
        variants.start(names=[name for name in names if name], is_new=existing is None)
        outcomes: list[tuple[_Row, str]] = []
        for row in rows:
            values, problems = self._values(row, variants.names)
            fields, field_errors = self._variant_values(row)
            problems.update(field_errors)
            if not problems:
                problems = self._variant_sku_problem(fields["sku"], product, state, variants)
            if not problems:
                problems, outcome = variants.apply(row, values, fields)
            if problems:
                self._fail(row, problems)
                if existing is None and row is first:  # the product is created with its first variant
                    for other in rows[1:]:
                        self._fail(other, {"sku": [f"The product's first row (row {first.number}) has errors."]})
                    return
                continue
            self.first_row_of_sku.setdefault(fields["sku"], row.number)
            outcomes.append((row, outcome))
        own_changes = bool(changed)  # the first row's product columns (options are the rows' doing)
        options_problem = variants.finish()
        if options_problem:
            for row, _ in outcomes:
                self._fail(row, {"options": options_problem})
            return
        if variants.options != product.options:
            product.options = variants.options
            changed.append("options")
        plan.variants_new += variants.new
        plan.variants_changed += variants.changed
        if existing is None:
            plan.to_create.append(product)
        elif changed:
            plan.to_update.append((product, changed))
        variants_changed = ["variants"] if variants.new or variants.changed else []
        if existing is not None and (changed or variants_changed):
            plan.updated_events.append((product, [*changed, *variants_changed]))
        for row, outcome in outcomes:
            if row is first and existing is None:
                outcome = "created"
            elif row is first and own_changes and outcome == "unchanged":
                outcome = "updated"
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)

    # --- checks -----------------------------------------------------------------------------------

    def _check_names(self, names: list[str], existing: Product | None) -> Errors:
        given = [name for name in names if name]
        if names[: len(given)] != given:
            return {"option1_name": ["Option names fill option1Name, option2Name, option3Name in order."]}
        if existing is not None and existing.options:
            stored = [option["name"] for option in existing.options]
            if [name.lower() for name in stored] != [name.lower() for name in given]:
                return {
                    "option1_name": [
                        f"The product's options are {', '.join(stored)}; rename or remove options through the API."
                    ]
                }
        return {}

    def _repeated_product_cells(self, row: _Row, first: _Row) -> Errors:
        """Product columns and option names on a following row of a product are blank or repeat its first row."""
        message = [f"Differs from the product's first row (row {first.number})."]
        return {
            csv_format.field_for(column) if column in csv_format.FIELD_BY_COLUMN else _snake(column): message
            for column in (*csv_format.PRODUCT_COLUMNS, *csv_format.OPTION_NAME_COLUMNS)
            if row.cells.get(column, "").strip() not in ("", first.cells.get(column, "").strip())
        }

    def _values(self, row: _Row, names: list[str]) -> tuple[list[str], Errors]:
        values, errors = [], {}
        for index, column in enumerate(csv_format.OPTION_VALUE_COLUMNS):
            value = csv_format.parse_cell(column, row.cells.get(column, ""))
            key = f"option{index + 1}_value"
            if index < len(names):
                if not value:
                    errors[key] = [f"A value of option {names[index]!r} is required."]
                values.append(value)
            elif value:
                errors[key] = ["The product has no such option."]
        return values, errors

    def _variant_values(self, row: _Row) -> tuple[dict[str, Any], Errors]:
        values, errors = {}, {}
        for column in csv_format.VARIANT_COLUMNS:
            cell = row.cells.get(column)
            if cell is None or (column in csv_format.KEEP_WHEN_EMPTY and not cell.strip()):
                continue
            try:
                values[csv_format.variant_field_for(column)] = csv_format.parse_cell(column, cell)
            except csv_format.CellError as exc:
                errors[_variant_key(column)] = [str(exc)]
        if not values.get("sku"):
            errors["variant_sku"] = ["Required on a variant row."]
        return values, errors

    def _variant_sku_problem(self, sku: str, product: Product, state: _BatchState, variants) -> Errors:
        """A variant SKU is the product's own, or one no other product or variant has (in the account or
        earlier in the file)."""
        seen = variants.rows_of_sku.get(sku) or (self.first_row_of_sku.get(sku) if sku != product.sku else None)
        if seen is not None:
            return {"variant_sku": [f"Appears more than once in the file (first on row {seen})."]}
        holder = state.variant_by_sku.get(sku)
        if holder is not None and holder.product_id != product.pk:
            return {"variant_sku": [f"'{sku}' is the SKU of another product or of its variant."]}
        if sku != product.sku and (sku in state.products or sku in state.product_by_variant_sku):
            return {"variant_sku": [f"'{sku}' is the SKU of another product."]}
        return {}

    def _fail(self, row: _Row, errors: Errors) -> None:
        _fail(self.report, abs(row.number), row.cells.get("sku", ""), errors)


def _snake(column: str) -> str:
    return re.sub(r"([A-Z])", lambda match: "_" + match.group(1).lower(), column)


def _variant_key(column: str) -> str:
    """variantPrice -> variant_price: the report's error keys are camelCased like the column names."""
    return "variant_" + csv_format.variant_field_for(column)


def _set_variant(variant: ProductVariant, name: str, value) -> bool:
    current = getattr(variant, name)
    if current == value and type(current) is type(value):
        return False
    setattr(variant, name, value)
    return True


def _set_option_values(variant: ProductVariant, values: list[str]) -> None:
    variant.option1, variant.option2, variant.option3 = [*values, "", "", ""][:3]
    variant.title = variant_title(values)


class _ProductVariants:
    """The variants of one product while its rows are planned: copies of the stored ones, changed row by
    row, with the live combinations, the count under the cap and the options they add values to."""

    def __init__(self, product: Product, stored: list[ProductVariant], *, limit: int):
        self.product = product
        self.limit = limit
        self.by_sku = {variant.sku: _clone(variant) for variant in stored}
        self.stored = {variant.sku: variant for variant in stored}
        self.rows_of_sku: dict[str, int] = {}
        self.live = {
            tuple(variant.option_values): variant.sku
            for variant in stored
            if variant.status != VariantStatus.ARCHIVED and not variant.is_default
        }
        self.count = sum(1 for variant in stored if variant.status != VariantStatus.ARCHIVED)
        self.next_position = max((variant.position for variant in stored), default=0) + 1
        self.written: dict[str, list[str]] = {}  # sku -> changed fields (new: every field)
        self.new_skus: set[str] = set()

    def start(self, *, names: list[str], is_new: bool) -> None:
        self.names = names
        self.is_new = is_new
        self.options = copy.deepcopy(self.product.options) or [{"name": name, "values": []} for name in names]

    def apply(self, row: _Row, values: list[str], fields: dict[str, Any]) -> tuple[Errors, str]:
        sku = fields["sku"]
        stored = self.by_sku.get(sku)
        if stored is None:
            variant = ProductVariant(
                account_id=self.product.account_id, product_id=self.product.pk, sku=sku, price=self.product.price
            )
            if self.is_new and not self.by_sku:  # the variant the product is created with (stock refers to it)
                variant.id, variant.position = default_variant_id(self.product.pk), 0
            else:
                variant.position = self.next_position
        else:
            variant = _clone(stored)
        changed = [name for name, value in fields.items() if _set_variant(variant, name, value)]
        if variant.option_values != values or variant.is_default:
            _set_option_values(variant, values)
            variant.is_default = False
            changed += [*OPTION_COLUMNS, "title", "is_default"]
        errors = self._clean(variant, stored is None, changed)
        if errors:
            return errors, ""
        counted_before = stored is not None and stored.status != VariantStatus.ARCHIVED
        counted_after = variant.status != VariantStatus.ARCHIVED
        holder = self.live.get(tuple(values))
        if counted_after and holder is not None and holder != sku:
            return {"option1_value": [f"{variant_title(values)} is already the variant {holder}."]}, ""
        if counted_after and not counted_before and self.count >= self.limit:
            return {"variants": [f"A product has at most {self.limit} variants that are not archived."]}, ""
        self.count += int(counted_after) - int(counted_before)
        if stored is not None and self.live.get(tuple(stored.option_values)) == sku:
            del self.live[tuple(stored.option_values)]
        if counted_after:
            self.live[tuple(values)] = sku
        for option, value in zip(self.options, values, strict=True):
            if value not in option["values"]:
                option["values"].append(value)
        if stored is None:
            self.new_skus.add(sku)
            self.next_position = max(self.next_position, variant.position + 1)
        self.by_sku[sku] = variant
        self.rows_of_sku[sku] = row.number
        self.written[sku] = sorted({*self.written.get(sku, []), *changed})
        return {}, "created" if stored is None else ("updated" if changed else "unchanged")

    def finish(self) -> list[str]:
        """Closes the product: a product gaining options whose implicit variant no row named archives it
        (its stock and orders stay with it). Returns the problems of the resulting options, if any."""
        implicit = next((v for v in self.by_sku.values() if v.is_default and v.sku not in self.rows_of_sku), None)
        if implicit is not None and self.options and all(option["values"] for option in self.options):
            _set_option_values(implicit, [option["values"][0] for option in self.options])
            implicit.is_default, implicit.status = False, VariantStatus.ARCHIVED
            self.written[implicit.sku] = [*OPTION_COLUMNS, "title", "is_default", "status"]
        try:
            validate_options(self.options)
        except DjangoValidationError as exc:
            return list(exc.messages)
        return []

    @property
    def new(self) -> list[ProductVariant]:
        return [self.by_sku[sku] for sku in self.written if sku in self.new_skus]

    @property
    def changed(self) -> list[tuple[ProductVariant, list[str]]]:
        written = self.written.items()
        return [(self.by_sku[sku], fields) for sku, fields in written if sku not in self.new_skus and fields]

    @staticmethod
    def _clean(variant: ProductVariant, is_new: bool, changed: list[str]) -> Errors:
        if not is_new and not changed:
            return {}
        unchecked = {"account", "product", "id"} if is_new else _VARIANT_ALL_FIELDS - set(changed)
        try:
            variant.full_clean(exclude=unchecked, validate_unique=False, validate_constraints=False)
        except DjangoValidationError as exc:
            return {_variant_error_key(name): messages for name, messages in exc.message_dict.items()}
        return {}


def _variant_error_key(name: str) -> str:
    if name == NON_FIELD_ERRORS:
        return "variant"
    return name if name.startswith("option") else f"variant_{name}"


@atomic_service
def product_import(
    *,
    account: Account,
    file,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    batch_size: int = 1000,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Upserts products and their variants by SKU from a CSV file (binary file object), in batches of about
    `batch_size` rows (a product's rows stay in one batch).

    Valid rows are written and bad rows reported, unless `all_or_nothing`: then any bad row raises
    ImportRowsInvalid (422) with the report and nothing is written. `dry_run` reports without writing.
    The whole import is refused (PlanLimitReached, nothing written) if it would leave more non-archived
    products than the plan allows and more than before. `on_progress(rows)` is called after each batch
    with the number of rows read so far.
    """
    columns, rows = csv_format.read_rows(file)
    account = _lock_account(account)
    before = selectors.product_usage(account=account)
    report = ImportReport(dry_run=dry_run)
    planner = _Planner(account=account, report=report)
    processed = 0

    for batch in _group_batches(_groups(rows, columns, report), batch_size):
        state = _BatchState(account=account, batch=batch)
        plan = _Plan()
        for group in batch:
            planner.group(group, state, plan)
        plan.write(batch_size=batch_size)
        events = plan.events()
        if events:
            event_emit_many(account=account, events=events)
        processed += sum(len(group.rows) for group in batch)
        if on_progress is not None:
            on_progress(processed)

    report.errors.sort(key=lambda error: error["row"])
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
