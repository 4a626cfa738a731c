"""Catalog reads that are more than a filter: the category tree, counts, and plan usage."""

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable

from accounts.models import Account
from omnisales.api.compiled import CompiledRead, instance, model_columns
from omnisales.api.errors import ValidationFailed, not_found

from . import stock as stock_totals
from .exceptions import VariantRequired
from .models import (
    OPTION_COLUMNS,
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    Category,
    ImportJobStatus,
    Product,
    ProductStatus,
    ProductVariant,
    VariantStatus,
)

DEFAULT_PRODUCT_LIMIT = 100


# What a product shows (ProductSerializer's fields), as columns: list and detail rows read only these.
PRODUCT_ROW_COLUMNS = (
    "id",
    *("category_id" if name == "category" else name for name in PRODUCT_FIELDS),
    "options",
    "order_count",
    "created_at",
    "updated_at",
)
# What a variant shows (ProductVariantSerializer's fields), as columns.
VARIANT_ROW_COLUMNS = (
    "id",
    "product_id",
    "title",
    *(name for name in VARIANT_FIELDS if name != "option_values"),
    *OPTION_COLUMNS,
    "created_at",
    "updated_at",
)


def variant_row(row: dict) -> dict:
    """A variant's values() row completed with its `option_values`, as the instance property gives them."""
    row["option_values"] = [value for value in (row.pop(column) for column in OPTION_COLUMNS) if value]
    return row


def _variants_of(product_ids):
    return (
        ProductVariant.objects.filter(product_id__in=product_ids, is_default=False)
        .order_by("product_id", "position", "id")
        .values(*VARIANT_ROW_COLUMNS)
    )


PRODUCT_VARIANTS = CompiledRead(_variants_of)  # the variants of a page of products: compiled once per page size


class ProductRowIterable(ValuesIterable):
    """Products as dicts of what ProductSerializer shows, with the variants of the page's products that
    have options read in one more query (none when no product of the page has options)."""

    def __iter__(self):
        yield from self.complete(list(super().__iter__()), self.queryset.db)

    @staticmethod
    def complete(rows: list[dict], using: str) -> list[dict]:
        variants = {row["id"]: [] for row in rows if row["options"]}
        stock = stock_totals.by_variant([row["id"] for row in rows], using=using)
        if variants:
            for variant in PRODUCT_VARIANTS.rows(product_ids=list(variants), using=using):
                variant["stock"] = stock_totals.totals(filter(None, [stock.get(variant["id"])]))
                variants[variant["product_id"]].append(variant_row(variant))
        by_product = stock_totals.of_products(stock)
        for row in rows:
            row["listed_variants"] = variants.get(row["id"], [])
            row["stock"] = stock_totals.totals(by_product.get(row["id"], ()))
        return rows


@functools.cache
def _product_rows() -> QuerySet:
    rows = Product.objects.values(*PRODUCT_ROW_COLUMNS)
    rows._iterable_class = ProductRowIterable
    return rows


def product_rows() -> QuerySet:
    """Products as dicts of what ProductSerializer shows, for reads that only render them (no model
    instances), prepared once per process: filter it (the account first)."""
    return _product_rows().all()


class VariantWithStockIterable(ModelIterable):
    """Variants with their `stock` filled, for all the variants read in one more statement."""

    def __iter__(self):
        variants = list(super().__iter__())
        stock = stock_totals.by_variant(sorted({variant.product_id for variant in variants}), using=self.queryset.db)
        for variant in variants:
            variant.__dict__["stock"] = stock_totals.totals(filter(None, [stock.get(variant.pk)]))
        yield from variants


def variants_shown(queryset: QuerySet[ProductVariant], *, product_id: str) -> QuerySet[ProductVariant]:
    """The variants a product shows (none for a product without options: its one variant is implicit),
    with their stock."""
    variants = queryset.filter(product_id=product_id, is_default=False).order_by("position", "id")
    variants._iterable_class = VariantWithStockIterable
    return variants


def _variant_order(variant: ProductVariant) -> tuple[int, str]:
    return variant.position, variant.pk


def _line(index: int | None) -> str:
    return "" if index is None else f"Line {index}: "


def variant_required(
    product: Product, variants: Iterable[ProductVariant], *, field: str, index: int | None = None
) -> VariantRequired:
    """The 422 for a product with several variants named without one: `details.variants` lists them."""
    return VariantRequired(
        f"{product.pk} has several variants: name one with variantId",
        details={
            field: [f"{_line(index)}{product.pk} has several variants: send variantId instead."],
            "variants": [
                {"id": variant.pk, "sku": variant.sku, "title": variant.title}
                for variant in sorted(variants, key=_variant_order)
            ],
        },
    )


def _not_its_variant(
    variant: ProductVariant, product_id: str, field: str, index: int | None = None
) -> ValidationFailed:
    message = f"{_line(index)}{variant.pk} is a variant of {variant.product_id}, not of {product_id}."
    return ValidationFailed("Validation failed", details={field: [message]})


def line_variant(
    *, product: Product | None, variant: ProductVariant | None, product_field="product_id", variant_field="variant_id"
) -> ProductVariant:
    """The variant a stock operation means (its `product` loaded): `variant` (which must be `product`'s when
    both are given), else the one variant that is not archived of `product` (a product without options);
    a product with several is a 422 VARIANT_REQUIRED listing them."""
    if variant is not None:
        if product is not None and variant.product_id != product.pk:
            raise _not_its_variant(variant, product.pk, variant_field)
        return variant
    if product is None:
        raise ValidationFailed("Validation failed", details={product_field: ["Give productId or variantId."]})
    live = list(ProductVariant.objects.filter(product=product).exclude(status=VariantStatus.ARCHIVED))
    if len(live) != 1:
        raise variant_required(product, live, field=product_field)
    live[0].product = product
    return live[0]


def _line_variants(account: str, variant_ids: list[str], product_ids: list[str]):
    return (
        ProductVariant.objects.filter(account=account)
        .filter(Q(pk__in=variant_ids) | (Q(product_id__in=product_ids) & ~Q(status=VariantStatus.ARCHIVED)))
        .values(*model_columns(ProductVariant), *model_columns(Product, "product__"))
    )


_LINE_VARIANTS = CompiledRead(_line_variants)  # every order placement: compiled once per number of lines


def line_variants(
    *, account: Account, lines: Sequence[tuple[str | None, str | None]], field: str = "items"
) -> list[ProductVariant | None]:
    """The variant of each (product id, variant id) line of an order, with its product, in one query: the
    variant named (of the account, else 404 PRODUCT_VARIANT_NOT_FOUND; of the product when both are given,
    else 422), or the one variant that is not archived of a product named alone (422 VARIANT_REQUIRED when
    it has several). None for a product id the account does not have: the caller answers its 404."""
    variant_ids = sorted({variant_id for _, variant_id in lines if variant_id})
    product_ids = sorted({product_id for product_id, variant_id in lines if product_id and not variant_id})
    by_id, by_product = {}, defaultdict(list)
    for row in _LINE_VARIANTS.rows(account=account.pk, variant_ids=variant_ids, product_ids=product_ids):
        variant = instance(ProductVariant, row)
        variant.product = instance(Product, row, prefix="product__")
        by_id[variant.pk] = variant
        if variant.status != VariantStatus.ARCHIVED:
            by_product[variant.product_id].append(variant)
    result = []
    for index, (product_id, variant_id) in enumerate(lines):
        if variant_id:
            variant = by_id.get(variant_id)
            if variant is None:
                raise not_found(ProductVariant, variant_id)
            if product_id and variant.product_id != product_id:
                raise _not_its_variant(variant, product_id, field, index)
            result.append(variant)
            continue
        live = by_product.get(product_id, [])
        if len(live) > 1:
            raise variant_required(live[0].product, live, field=field, index=index)
        result.append(live[0] if live else None)
    return result


def categories_with_product_counts(queryset: QuerySet[Category]) -> QuerySet[Category]:
    """Adds `product_count`: products directly in each category, in the same query."""
    return queryset.annotate(product_count=Count("products"))


def category_parent_map(*, account: Account) -> dict[str, str | None]:
    """The whole tree of the account in one query: category id -> parent id."""
    return dict(Category.objects.filter(account=account).values_list("id", "parent_id"))


def _descendants(parent_map: dict[str, str | None], root_id: str) -> set[str]:
    children = defaultdict(list)
    for category_id, parent_id in parent_map.items():
        children[parent_id].append(category_id)
    found, stack = set(), [root_id]
    while stack:
        current = stack.pop()
        for child in children[current]:
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def category_subtree_ids(*, account: Account, category_id: str) -> set[str]:
    """The category and all its descendants (empty when the account has no such category)."""
    parent_map = category_parent_map(account=account)
    if category_id not in parent_map:
        return set()
    return {category_id} | _descendants(parent_map, category_id)


def category_is_in_subtree(*, account: Account, category_id: str, root_id: str) -> bool:
    """True when `category_id` is `root_id` or one of its descendants (a move there would make a cycle)."""
    if category_id == root_id:
        return True
    parent_map = category_parent_map(account=account)
    seen = set()
    current = parent_map.get(category_id)
    while current is not None and current not in seen:
        if current == root_id:
            return True
        seen.add(current)
        current = parent_map.get(current)
    return False


def category_depths(*, account_ids) -> dict[str, tuple[int, str]]:
    """category id -> (depth, "Parent › Child" path) for every category of the given accounts, in one query."""
    rows = {
        category_id: (parent_id, name)
        for category_id, parent_id, name in Category.objects.filter(account_id__in=account_ids).values_list(
            "id", "parent_id", "name"
        )
    }
    result: dict[str, tuple[int, str]] = {}
    for start in rows:
        trail = []  # walk up to a resolved ancestor (or the root), then resolve on the way back down
        current = start
        while current is not None and current not in result and current in rows and current not in trail:
            trail.append(current)
            current = rows[current][0]
        depth, path = result.get(current, (-1, ""))
        for category_id in reversed(trail):
            name = rows[category_id][1]
            depth, path = depth + 1, f"{path} › {name}" if path else name
            result[category_id] = (depth, path)
    return result


@dataclass(frozen=True)
class ProductUsage:
    limit: int
    current: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.current, 0)


def product_limit_for(account: Account) -> int:
    """The plan's product limit (written on the account by billing), else settings.DEFAULT_PRODUCT_LIMIT."""
    if account.product_limit is not None:
        return account.product_limit
    return getattr(settings, "DEFAULT_PRODUCT_LIMIT", DEFAULT_PRODUCT_LIMIT)


def product_usage(*, account: Account) -> ProductUsage:
    """Products counting against the plan: every product that is not archived."""
    current = Product.objects.filter(account=account).exclude(status=ProductStatus.ARCHIVED).count()
    return ProductUsage(limit=product_limit_for(account), current=current)


def import_progress_key(job_id: str) -> str:
    return f"catalog:product-import:{job_id}:rows"


def import_job_processed_rows(job) -> int:
    """Rows an import job has done: while it runs, the count its task keeps in the cache after each batch
    (its writes are one transaction, invisible until the end); otherwise the stored count."""
    if job.status == ImportJobStatus.RUNNING:
        return cache.get(import_progress_key(job.pk), job.processed_rows)
    return job.processed_rows
