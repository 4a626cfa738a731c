"""Product services: create, update, delete (or archive once ordered), and the ordered mark."""

import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F

from accounts.models import Account
from omnisales.api.compiled import CompiledUpdate
from omnisales.api.db import pg_array
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from .. import selectors
from ..exceptions import PlanLimitReached
from ..models import PRODUCT_FIELDS, Category, Product, ProductStatus
from ._common import (
    _delete_unless_referred,
    _full_clean,
    _lock_account,
    _reject_unknown,
    _save,
    _set_if_changed,
    _updated_event,
    product_event_data,
)
from .variants import (
    check_options,
    check_sku_free,
    first_variant,
    mirror_default_variant,
    normalized_options,
    options_apply,
)

UPDATABLE_FIELDS = (*PRODUCT_FIELDS, "options")


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
    check_sku_free(account=account, sku=sku, product_id=exclude_id)


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
    options: list[dict] | None = None,
) -> Product:
    """Creates a product with its first variant (the first value of each option; without options, the
    implicit variant). A non-archived product needs room under the plan's product limit (403 otherwise)."""
    fields = {key: value for key, value in locals().items() if key in PRODUCT_FIELDS}
    product = Product(account=account, options=normalized_options(options))
    for key, value in fields.items():
        setattr(product, key, _normalized(key, value, account=account))
    _full_clean(product, exclude=["account", "category"])
    _check_sku_free(account=account, sku=product.sku)
    if product.status != ProductStatus.ARCHIVED:
        _ensure_plan_room(account=account)
    _save(product, check_unique=lambda: _check_sku_free(account=account, sku=product.sku), force_insert=True)
    variant = first_variant(product)
    _save(variant, check_unique=lambda: _check_sku_free(account=account, sku=product.sku), force_insert=True)
    event_emit(account=account, event="product.created", data=product_event_data(product))
    return product


@atomic_service
def product_update(*, product: Product, data: dict[str, Any]) -> Product:
    """Changes the given fields (keys from PRODUCT_FIELDS, and `options`: see `variants.options_apply`).
    Un-archiving needs room under the plan limit."""
    _reject_unknown(data, UPDATABLE_FIELDS, "product")
    product = (
        Product.objects.select_for_update(no_key=True, of=("self",))
        .select_related("account", "category")
        .get(pk=product.pk)
    )
    was_archived = product.status == ProductStatus.ARCHIVED
    changed = [
        name
        for name, value in data.items()
        if name != "options" and _set_if_changed(product, name, _normalized(name, value, account=product.account))
    ]
    options = normalized_options(data.get("options", product.options))
    if options != product.options:
        check_options(options)
        options_apply(product=product, options=options)
        changed.append("options")
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
    mirror_default_variant(product, changed)
    event_emit(account=product.account, event="product.updated", data=_updated_event(product, changed))
    if not was_archived and product.status == ProductStatus.ARCHIVED:
        event_emit(account=product.account, event="product.archived", data=product_event_data(product))
    return product


@atomic_service
def product_delete(*, product: Product) -> str:
    """Deletes a product that was never ordered; archives one that was (order history is never lost).

    Returns "deleted" or "archived". Anything else that protects the row also makes it an archive.
    """
    product = Product.objects.select_for_update(of=("self",)).select_related("account").get(pk=product.pk)
    if product.order_count == 0:
        data = {"id": product.pk, "sku": product.sku}
        if _delete_unless_referred(product):
            event_emit(account=product.account, event="product.deleted", data=data)
            return "deleted"
    if product.status != ProductStatus.ARCHIVED:
        product.status = ProductStatus.ARCHIVED
        product.save(update_fields=["status", "updated_at"])
        event_emit(account=product.account, event="product.archived", data=product_event_data(product))
    return "archived"


def product_mark_ordered(*, account: Account, product_ids: Iterable[str], active_only: bool = False) -> int:
    """Orders call this once per order, inside the order's transaction, with the products it contains.

    Increments `order_count` (once per product, however many lines name it), which makes a later delete
    archive the product instead. The rows are locked in primary-key order first (FOR NO KEY UPDATE, so
    they stay referable), so concurrent orders of overlapping products cannot deadlock. With `active_only`,
    only products still active on their locked rows are counted: a placement compares the result with the
    number of products to learn that one was archived or deleted since it was read. Returns how many
    products were marked.
    """
    ids = sorted(set(product_ids))
    return (_MARK_ACTIVE_ORDERED if active_only else _MARK_ORDERED).run(account=account.pk, ids=ids)


def product_mark_ordered_counts(*, account: Account, counts: dict[str, int]) -> None:
    """`product_mark_ordered` for a batch of imported orders: `counts` is {product id: orders naming it}.
    Locks the products in primary-key order, then one `UPDATE … FROM unnest(ids, counts)` on PostgreSQL,
    elsewhere one UPDATE per distinct count (not per order)."""
    ids = sorted(counts)
    list(Product.objects.select_for_update(no_key=True).filter(account=account, pk__in=ids).order_by("pk").values("pk"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(Product._meta.db_table)} AS p "  # noqa: S608 - a quoted name
                "SET order_count = p.order_count + v.count FROM unnest(%s::text[], %s::integer[]) AS v(id, count) "
                "WHERE p.id = v.id AND p.account_id = %s",
                [pg_array(ids), pg_array(counts[pk] for pk in ids), account.pk],
            )
        return
    by_count: dict[int, list[str]] = {}
    for pk in ids:
        by_count.setdefault(counts[pk], []).append(pk)
    for count, pks in sorted(by_count.items()):
        Product.objects.filter(account=account, pk__in=pks).update(order_count=F("order_count") + count)


def _mark_ordered(account: str, ids: list[str], active_only: bool = False):
    locked = (
        Product.objects.select_for_update(no_key=True).filter(account=account, pk__in=ids).order_by("pk").values("pk")
    )
    marked = Product.objects.filter(pk__in=locked)
    if active_only:
        marked = marked.filter(status=ProductStatus.ACTIVE)
    return marked, {"order_count": F("order_count") + 1}


# Every order placement runs one of these: compiled once per number of products.
_MARK_ORDERED = CompiledUpdate(_mark_ordered)
_MARK_ACTIVE_ORDERED = CompiledUpdate(functools.partial(_mark_ordered, active_only=True))
