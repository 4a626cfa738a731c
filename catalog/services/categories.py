"""Category services: create, update (moves within the tree) and delete."""

from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Account
from omnisales.api.errors import not_found
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit_many

from .. import selectors
from ..exceptions import CategoryCycle, CategoryNotEmpty, DuplicateCategorySlug, InvalidReassignTarget
from ..models import CATEGORY_FIELDS, Category, Product
from ._common import _full_clean, _lock_account, _reject_unknown, _save, _updated_event


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
