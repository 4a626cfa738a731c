"""Catalog writes: categories, products, CSV import. Each runs in one transaction and emits its events
(`product.created`, `product.updated`, `product.archived`, `product.deleted`) inside it.

Locking: writes that depend on counts or on the shape of the tree (creating products against the plan
limit, moving categories) lock the account row first (`FOR NO KEY UPDATE`, so other apps' inserts that
merely reference the account are not blocked). Product updates lock the product row.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Account
from omnisales.api.errors import not_found
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit, event_emit_many

from . import csv_format, selectors
from .exceptions import (
    CategoryCycle,
    CategoryNotEmpty,
    DuplicateCategorySlug,
    DuplicateSku,
    ImportRowsInvalid,
    InvalidReassignTarget,
    PlanLimitReached,
    ValidationFailed,
)
from .models import CATEGORY_FIELDS, PRODUCT_FIELDS, Category, Product, ProductStatus

MONEY_FIELDS = frozenset({"price", "compare_at_price", "cost"})
# Model field -> the name the API uses for it, where they differ.
API_NAMES = {"category": "category_id", "parent": "parent_id"}


# --- shared helpers ---------------------------------------------------------------------------


def _lock_account(account: Account) -> Account:
    return Account.objects.select_for_update(no_key=True).get(pk=account.pk)


def _error_map(exc: DjangoValidationError) -> dict[str, list[str]]:
    return {API_NAMES.get(name, name): list(messages) for name, messages in exc.message_dict.items()}


def _full_clean(instance, *, exclude: Iterable[str]) -> None:
    """Model field rules and clean(); uniqueness and FK existence are checked by the callers."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed("Validation failed", details=_error_map(exc)) from None


def _reject_unknown(data: dict, allowed: tuple[str, ...], kind: str) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"Not {kind} fields: {sorted(unknown)}")


def _save(instance, *, check_unique: Callable[[], None], **save_kwargs) -> None:
    """Saves in a savepoint. A unique constraint lost to a concurrent write becomes check_unique()'s 409."""
    try:
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError:
        check_unique()
        raise


def _camel(name: str) -> str:
    first, *rest = API_NAMES.get(name, name).split("_")
    return first + "".join(word.capitalize() for word in rest)


def product_event_data(product: Product) -> dict[str, Any]:
    """The product as the API shows it (money as numbers), for webhook payloads."""
    data = {name: getattr(product, name) for name in PRODUCT_FIELDS if name != "category"}
    for name in MONEY_FIELDS:
        if data[name] is not None:
            data[name] = float(data[name])
    if data["weight"] is not None:
        data["weight"] = float(data["weight"])
    data.update(
        id=product.pk,
        category_id=product.category_id,
        order_count=product.order_count,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )
    return data


def _updated_event(product: Product, changed: Iterable[str]) -> dict[str, Any]:
    return {**product_event_data(product), "changed_fields": sorted(_camel(name) for name in changed)}


# --- categories -------------------------------------------------------------------------------


def _unique_slug(*, account: Account, name: str) -> str:
    base = slugify(name)[:120].strip("-") or "category"
    taken = set(Category.objects.filter(account=account, slug__startswith=base).values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def _check_slug_free(*, account: Account, slug: str, exclude_id: str | None = None) -> None:
    if Category.objects.filter(account=account, slug=slug).exclude(pk=exclude_id).exists():
        raise DuplicateCategorySlug(
            "A category with this slug already exists", details={"slug": [f"'{slug}' is already used."]}
        )


def _check_parent(*, category: Category, parent: Category | None) -> None:
    if parent is None:
        return
    if parent.account_id != category.account_id:
        raise not_found(Category, parent.pk)
    if not category._state.adding and selectors.category_is_in_subtree(
        account=category.account, category_id=parent.pk, root_id=category.pk
    ):
        raise CategoryCycle(
            "A category cannot be moved under itself or one of its descendants",
            details={"parent_id": [f"{parent.pk} is {category.pk} or one of its descendants."]},
        )


@atomic_service
def category_create(
    *,
    account: Account,
    name: str,
    slug: str | None = None,
    parent: Category | None = None,
    description: str = "",
    position: int | None = None,
) -> Category:
    """`slug` defaults to one made from the name (made unique); `position` defaults to after the last sibling."""
    _lock_account(account)
    name = name.strip()
    if slug:
        slug = slug.strip().lower()
        _check_slug_free(account=account, slug=slug)
    else:
        slug = _unique_slug(account=account, name=name)
    if position is None:
        last = Category.objects.filter(account=account, parent=parent).aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
    category = Category(
        account=account, name=name, slug=slug, parent=parent, description=description.strip(), position=position
    )
    _check_parent(category=category, parent=parent)
    _full_clean(category, exclude=["account", "parent"])
    _save(category, check_unique=lambda: _check_slug_free(account=account, slug=slug), force_insert=True)
    return category


@atomic_service
def category_update(*, category: Category, data: dict[str, Any]) -> Category:
    """Changes the given fields (keys from CATEGORY_FIELDS). Moving a category under its own subtree is a 422."""
    _reject_unknown(data, CATEGORY_FIELDS, "category")
    _lock_account(category.account)
    category = Category.objects.select_related("account").get(pk=category.pk)
    changed = []
    for name, value in data.items():
        if name == "slug":
            value = (value or "").strip().lower() or category.slug
        elif name in ("name", "description"):
            value = value.strip()
        if name == "parent":
            if value != category.parent:
                _check_parent(category=category, parent=value)
                category.parent = value
                changed.append(name)
        elif getattr(category, name) != value:
            setattr(category, name, value)
            changed.append(name)
    if not changed:
        return category
    if "slug" in changed:
        _check_slug_free(account=category.account, slug=category.slug, exclude_id=category.pk)
    _full_clean(category, exclude=["account", "parent"])
    _save(
        category,
        check_unique=lambda: _check_slug_free(account=category.account, slug=category.slug, exclude_id=category.pk),
        update_fields=[*changed, "updated_at"],
    )
    return category


@atomic_service
def category_delete(*, category: Category, reassign_to: Category | None = None) -> dict[str, int]:
    """Deletes an empty category. With `reassign_to`, first moves its products and child categories there.

    Returns how many products and child categories were moved.
    """
    _lock_account(category.account)
    products = Product.objects.filter(category=category)
    children = Category.objects.filter(parent=category)
    product_count, child_count = products.count(), children.count()
    if reassign_to is None:
        if product_count or child_count:
            raise CategoryNotEmpty(
                "The category still has products or subcategories; pass reassignTo to move them",
                details={"products": product_count, "children": child_count},
            )
    else:
        if reassign_to.account_id != category.account_id:
            raise not_found(Category, reassign_to.pk)
        if selectors.category_is_in_subtree(account=category.account, category_id=reassign_to.pk, root_id=category.pk):
            raise InvalidReassignTarget(
                "Cannot reassign to the category itself or one of its descendants",
                details={"reassign_to": [f"{reassign_to.pk} is inside the category being deleted."]},
            )
        now = timezone.now()
        moved_ids = list(products.values_list("pk", flat=True))
        products.update(category=reassign_to, updated_at=now)
        children.update(parent=reassign_to, updated_at=now)
        moved = Product.objects.filter(pk__in=moved_ids).order_by("pk").iterator(chunk_size=1000)
        event_emit_many(
            account=category.account,
            events=[("product.updated", _updated_event(product, ["category"])) for product in moved],
        )
    category.delete()
    return {"products": product_count, "children": child_count}


# --- products ---------------------------------------------------------------------------------


def _normalized(name: str, value, *, account: Account):
    if name in ("sku", "name", "barcode", "description") and isinstance(value, str):
        return value.strip()
    if name == "currency":
        return (value or account.currency).strip().upper()
    if name == "tags" and isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return list(dict.fromkeys(tag.strip() for tag in value))
    if name == "attributes" and value is None:
        return {}
    if name in ("tags", "images") and value is None:
        return []
    return value


def _ensure_plan_room(*, account: Account, adding: int = 1) -> None:
    """Caller is in a transaction; locks the account so concurrent creates cannot both take the last slot."""
    locked = _lock_account(account)
    usage = selectors.product_usage(account=locked)
    if usage.current + adding > usage.limit:
        raise PlanLimitReached(
            "Your plan's product limit is reached; archive products or upgrade the plan",
            details={"limit": usage.limit, "current": usage.current},
        )


def _check_sku_free(*, account: Account, sku: str, exclude_id: str | None = None) -> None:
    if Product.objects.filter(account=account, sku=sku).exclude(pk=exclude_id).exists():
        raise DuplicateSku("A product with this SKU already exists", details={"sku": [f"'{sku}' is already used."]})


@atomic_service
def product_create(
    *,
    account: Account,
    sku: str,
    name: str,
    price: Decimal,
    description: str = "",
    compare_at_price: Decimal | None = None,
    cost: Decimal | None = None,
    currency: str | None = None,
    status: str = ProductStatus.DRAFT,
    category: Category | None = None,
    tags: list[str] | None = None,
    images: list[str] | None = None,
    barcode: str = "",
    weight: Decimal | None = None,
    attributes: dict | None = None,
    track_inventory: bool = True,
    allow_backorder: bool = False,
) -> Product:
    """Creates a product. A non-archived product needs room under the plan's product limit (403 otherwise)."""
    fields = {key: value for key, value in locals().items() if key in PRODUCT_FIELDS}
    product = Product(account=account)
    for key, value in fields.items():
        setattr(product, key, _normalized(key, value, account=account))
    _full_clean(product, exclude=["account", "category"])
    _check_sku_free(account=account, sku=product.sku)
    if product.status != ProductStatus.ARCHIVED:
        _ensure_plan_room(account=account)
    _save(product, check_unique=lambda: _check_sku_free(account=account, sku=product.sku), force_insert=True)
    event_emit(account=account, event="product.created", data=product_event_data(product))
    return product


@atomic_service
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Changes the given fields (keys from PRODUCT_FIELDS). Un-archiving needs room under the plan limit."""
    _reject_unknown(data, PRODUCT_FIELDS, "product")
    product = (
        Product.objects.select_for_update(no_key=True, of=("self",))
        .select_related("account", "category")
        .get(pk=product.pk)
    )
    was_archived = product.status == ProductStatus.ARCHIVED
    changed = [
        name
        for name, value in data.items()
        if _set_if_changed(product, name, _normalized(name, value, account=product.account))
    ]
    if not changed:
        return product
    _full_clean(product, exclude=["account", "category"])
    if "sku" in changed:
        _check_sku_free(account=product.account, sku=product.sku, exclude_id=product.pk)
    if was_archived and product.status != ProductStatus.ARCHIVED:
        _ensure_plan_room(account=product.account)
    _save(
        product,
        check_unique=lambda: _check_sku_free(account=product.account, sku=product.sku, exclude_id=product.pk),
        update_fields=[*changed, "updated_at"],
    )
    event_emit(account=product.account, event="product.updated", data=_updated_event(product, changed))
    if not was_archived and product.status == ProductStatus.ARCHIVED:
        event_emit(account=product.account, event="product.archived", data=product_event_data(product))
    return product


def _set_if_changed(product: Product, name: str, value) -> bool:
    current = product.category_id if name == "category" else getattr(product, name)
    new = value.pk if name == "category" and value is not None else value
    if current == new and type(current) is type(new):
        return False
    setattr(product, name, value)
    return True


@atomic_service
def product_delete(*, product: Product) -> str:
    """Deletes a product that was never ordered; archives one that was (order history is never lost).

    Returns "deleted" or "archived". Anything else that protects the row also makes it an archive.
    """
    product = Product.objects.select_for_update(of=("self",)).select_related("account").get(pk=product.pk)
    if product.order_count == 0:
        data = {"id": product.pk, "sku": product.sku}
        try:
            with transaction.atomic():
                product.delete()
        except (ProtectedError, RestrictedError):
            pass
        else:
            event_emit(account=product.account, event="product.deleted", data=data)
            return "deleted"
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        event_emit(account=product.account, event="product.archived", data=product_event_data(product))
    return "archived"


def product_mark_ordered(*, account: Account, product_ids: Iterable[str]) -> int:
    """Orders call this once per order, inside the order's transaction, with the products it contains.

    Increments `order_count` (once per product, however many lines name it), which makes a later delete
    archive the product instead. Returns how many products were marked.
    """
    ids = set(product_ids)
    return Product.objects.filter(account=account, pk__in=ids).update(order_count=F("order_count") + 1)


# --- CSV import -------------------------------------------------------------------------------


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


def _write_batch(to_create: list[Product], to_update: list[tuple[Product, list[str]]], *, batch_size: int) -> None:
    Product.objects.bulk_create(to_create, batch_size=batch_size)
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


class _RowPlanner:
    """Turns CSV rows into unsaved Product changes, collecting per-row errors."""

    def __init__(self, *, account: Account, columns: list[str]):
        self.account = account
        self.columns = columns
        self.categories = {category.slug: category for category in Category.objects.filter(account=account)}
        self.first_row_of_sku: dict[str, int] = {}

    def plan(self, number: int, cells: list[str], existing: dict[str, Product]):
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
        to_create, to_update = [], []
        for number, cells in batch:
            outcome = planner.plan(number, cells, existing)
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
