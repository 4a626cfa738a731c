"""Variant services: options changed with the product, variants created, updated, deleted (or archived),
and the implicit variant of a product without options kept equal to the product.

Locking: every variant write locks its product row first (`FOR NO KEY UPDATE`), so the per-product cap,
the uniqueness of option combinations and option changes are decided on current rows.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError

from accounts.models import Account
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from ..exceptions import (
    DuplicateSku,
    DuplicateVariant,
    LastVariant,
    OptionValueInUse,
    ProductHasNoOptions,
    ValidationFailed,
    VariantLimitReached,
)
from ..models import (
    DEFAULT_VARIANT_TITLE,
    MIRRORED_FIELDS,
    OPTION_COLUMNS,
    VARIANT_FIELDS,
    Product,
    ProductVariant,
    VariantStatus,
    default_variant_id,
    validate_options,
)
from ._common import _delete_unless_referred, _full_clean, _reject_unknown, _save, _updated_event

DEFAULT_VARIANT_LIMIT = 100


def variant_limit() -> int:
    """Variants a product may have that are not archived (settings.PRODUCT_VARIANT_LIMIT)."""
    return getattr(settings, "PRODUCT_VARIANT_LIMIT", DEFAULT_VARIANT_LIMIT)


def variant_title(values: list[str]) -> str:
    return " / ".join(values) if values else DEFAULT_VARIANT_TITLE


def _set_values(variant: ProductVariant, values: list[str]) -> None:
    padded = [*values, "", "", ""][:3]
    variant.option1, variant.option2, variant.option3 = padded
    variant.title = variant_title(values)


def normalized_options(options: list[dict] | None):
    """Names and values stripped; anything not shaped like options is returned as is (check_options refuses it)."""
    try:
        return [
            {"name": option["name"].strip(), "values": [value.strip() for value in option["values"]]}
            for option in options or []
        ]
    except (AttributeError, KeyError, TypeError):
        return options


def check_options(options) -> None:
    try:
        validate_options(options)
    except DjangoValidationError as exc:
        raise ValidationFailed("Validation failed", details={"options": list(exc.messages)}) from None


def first_variant(product: Product) -> ProductVariant:
    """The (unsaved) variant a new product is created with: its own SKU and prices, and the first value of
    each of its options (none: the implicit variant)."""
    variant = ProductVariant(
        id=default_variant_id(product.pk),
        account_id=product.account_id,
        product=product,
        is_default=not product.options,
        **{name: getattr(product, name) for name in MIRRORED_FIELDS},
    )
    _set_values(variant, [option["values"][0] for option in product.options])
    return variant


def mirror_default_variant(product: Product, changed) -> None:
    """Copies the product's SKU, prices, barcode and weight onto its implicit variant (no options only)."""
    fields = {name: getattr(product, name) for name in MIRRORED_FIELDS if name in changed}
    if fields and not product.options:
        ProductVariant.objects.filter(product=product, is_default=True).update(**fields)


def sku_taken(*, account: Account, sku: str, product_id: str | None = None) -> bool:
    """True when another product, or a variant of another product, has this SKU."""
    products = Product.objects.filter(account=account, sku=sku)
    variants = ProductVariant.objects.filter(account=account, sku=sku)
    if product_id is not None:
        products, variants = products.exclude(pk=product_id), variants.exclude(product_id=product_id)
    return products.exists() or variants.exists()


def check_sku_free(*, account: Account, sku: str, product_id: str | None = None, variant_id: str | None = None):
    """A SKU is free for a product (or a variant of it) when no other product or variant has it; within
    one product a variant may reuse the product's SKU but not another variant's."""
    clash = sku_taken(account=account, sku=sku, product_id=product_id)
    if not clash and variant_id is not None and product_id is not None:
        clash = ProductVariant.objects.filter(product_id=product_id, sku=sku).exclude(pk=variant_id).exists()
    if clash:
        raise DuplicateSku("A product with this SKU already exists", details={"sku": [f"'{sku}' is already used."]})


def _lock_variants(product: Product) -> list[ProductVariant]:
    return list(ProductVariant.objects.select_for_update(no_key=True).filter(product=product).order_by("pk"))


def _remap(variant: ProductVariant, old: list[dict], new: list[dict]) -> list[str]:
    """The variant's values under the new options: each option found by name (or, renamed, at the same
    position), new options take their first value; a value that no longer exists is refused."""
    current = [variant.option1, variant.option2, variant.option3]
    old_names = [option["name"].lower() for option in old]
    new_names = {option["name"].lower() for option in new}
    values = []
    for position, option in enumerate(new):
        name = option["name"].lower()
        index = old_names.index(name) if name in old_names else None
        if index is None and position < len(old) and old_names[position] not in new_names:
            index = position  # renamed in place
        value = current[index] if index is not None else ""
        if not value:
            value = option["values"][0]
        elif value not in option["values"]:
            raise OptionValueInUse(
                "An option value still used by a variant cannot be removed; archive or change the variant first",
                details={"options": [f"{option['name']} {value!r} is used by {variant.pk}."]},
            )
        values.append(value)
    return values


def options_apply(*, product: Product, options: list[dict]) -> None:
    """Product services call this (the product locked) when its options change. Variants keep their values
    (by option name); options added give every variant their first value; adding values creates no
    variant. Removing every option needs at most one variant that is not archived: it becomes the
    implicit variant and takes the product's SKU and prices again."""
    old, new = product.options, options
    variants = _lock_variants(product)
    live = [variant for variant in variants if variant.status != VariantStatus.ARCHIVED]
    product.options = new
    if not new:
        if len(live) > 1:
            raise OptionValueInUse(
                "A product with several variants keeps its options; archive or delete variants first",
                details={"options": [f"{len(live)} variants use them."]},
            )
        keep = live[0] if live else next(v for v in variants if v.pk == default_variant_id(product.pk))
        keep.is_default, keep.status = True, VariantStatus.ACTIVE
        _set_values(keep, [])
        for name in MIRRORED_FIELDS:
            setattr(keep, name, getattr(product, name))
        if sku_taken(account=product.account, sku=product.sku, product_id=product.pk) or any(
            v.sku == product.sku and v.pk != keep.pk for v in variants
        ):
            raise DuplicateSku(
                "A product with this SKU already exists", details={"sku": [f"'{product.sku}' is already used."]}
            )
        _save_variants([keep], ["is_default", "status", "title", *OPTION_COLUMNS, *MIRRORED_FIELDS])
        return
    combinations = {}
    for variant in live:
        values = _remap(variant, old, new)
        if tuple(values) in combinations:
            raise DuplicateVariant(
                "Two variants would have the same option values",
                details={"options": [f"{combinations[tuple(values)]} and {variant.pk} would both be {values}."]},
            )
        combinations[tuple(values)] = variant.pk
        _set_values(variant, values)
        variant.is_default = False
    _save_variants(live, ["is_default", "title", *OPTION_COLUMNS])


def _save_variants(variants: list[ProductVariant], fields: list[str]) -> None:
    if not variants:
        return
    # No two variants swap values here (each keeps its own), so one statement never meets the unique index.
    ProductVariant.objects.bulk_update(variants, [*fields, "updated_at"])


def _lock_product(product: Product) -> Product:
    return Product.objects.select_for_update(no_key=True, of=("self",)).select_related("account").get(pk=product.pk)


def _check_values(product: Product, values) -> list[str]:
    if not product.options:
        raise ProductHasNoOptions(
            "Add options to the product before adding variants",
            details={"options": ["The product has no options."]},
        )
    names = [option["name"] for option in product.options]
    if not isinstance(values, list) or len(values) != len(names):
        raise ValidationFailed("Validation failed", details={"option_values": [f"One value for each option: {names}."]})
    values = [value.strip() if isinstance(value, str) else value for value in values]
    errors = [
        f"{option['name']}: {value!r} is not one of {option['values']}."
        for option, value in zip(product.options, values, strict=True)
        if value not in option["values"]
    ]
    if errors:
        raise ValidationFailed("Validation failed", details={"option_values": errors})
    return values


def _check_combination_free(product: Product, values: list[str], exclude_id: str | None = None) -> None:
    padded = [*values, "", "", ""][:3]
    clash = (
        ProductVariant.objects.filter(product=product, option1=padded[0], option2=padded[1], option3=padded[2])
        .exclude(status=VariantStatus.ARCHIVED)
        .exclude(pk=exclude_id)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise DuplicateVariant(
            "A variant with these option values already exists",
            details={"option_values": [f"{variant_title(values)} is {clash}."]},
        )


def _check_room(product: Product, exclude_id: str | None = None) -> None:
    limit = variant_limit()
    current = (
        ProductVariant.objects.filter(product=product)
        .exclude(status=VariantStatus.ARCHIVED)
        .exclude(pk=exclude_id)
        .count()
    )
    if current >= limit:
        raise VariantLimitReached(
            f"A product has at most {limit} variants that are not archived",
            details={"limit": limit, "current": current},
        )


def _save_variant(variant: ProductVariant, **save_kwargs) -> None:
    """Saves; a SKU or combination lost to a concurrent write is its 409."""

    def check_unique():
        check_sku_free(account=variant.account, sku=variant.sku, product_id=variant.product_id, variant_id=variant.pk)
        _check_combination_free(variant.product, variant.option_values, exclude_id=variant.pk)

    _save(variant, check_unique=check_unique, **save_kwargs)


def _emit_changed(product: Product) -> None:
    event_emit(account=product.account, event="product.updated", data=_updated_event(product, ["variants"]))


def _normalized(name: str, value):
    if name in ("sku", "barcode", "image") and isinstance(value, str):
        return value.strip()
    return value


@atomic_service
def variant_create(
    *,
    product: Product,
    sku: str,
    option_values: list[str],
    price: Decimal,
    compare_at_price: Decimal | None = None,
    barcode: str = "",
    weight: Decimal | None = None,
    status: str = VariantStatus.ACTIVE,
    image: str | None = None,
    position: int | None = None,
) -> ProductVariant:
    """Adds a variant to a product with options: one value per option, a combination no other variant
    (not archived) has, a free SKU, and room under the per-product cap (422 VARIANT_LIMIT_REACHED)."""
    product = _lock_product(product)
    values = _check_values(product, option_values)
    variant = ProductVariant(account_id=product.account_id, product=product, account=product.account)
    for name, value in (
        ("sku", sku),
        ("price", price),
        ("compare_at_price", compare_at_price),
        ("barcode", barcode),
        ("weight", weight),
        ("status", status),
        ("image", image),
    ):
        setattr(variant, name, _normalized(name, value))
    _set_values(variant, values)
    if position is None:
        last = ProductVariant.objects.filter(product=product).order_by("-position").values_list("position", flat=True)
        position = (last.first() or 0) + 1
    variant.position = position
    _full_clean(variant, exclude=["account", "product"])
    check_sku_free(account=product.account, sku=variant.sku, product_id=product.pk, variant_id=variant.pk)
    if variant.status != VariantStatus.ARCHIVED:
        _check_combination_free(product, values)
        _check_room(product)
    _save_variant(variant, force_insert=True)
    _emit_changed(product)
    return variant


@atomic_service
def variant_update(*, variant: ProductVariant, data: dict[str, Any]) -> ProductVariant:
    """Changes the given fields (keys from VARIANT_FIELDS). A variant taken out of the archive needs room
    under the cap and a free combination again."""
    _reject_unknown(data, VARIANT_FIELDS, "variant")
    product = _lock_product(variant.product)
    variant = ProductVariant.objects.select_for_update(no_key=True).get(pk=variant.pk)
    variant.product, variant.account = product, product.account
    was_archived = variant.status == VariantStatus.ARCHIVED
    changed = []
    for name, value in data.items():
        if name == "option_values":
            values = _check_values(product, value)
            if values != variant.option_values:
                _set_values(variant, values)
                changed += [*OPTION_COLUMNS, "title"]
            continue
        value = _normalized(name, value)
        if getattr(variant, name) != value:
            setattr(variant, name, value)
            changed.append(name)
    if not changed:
        return variant
    _full_clean(variant, exclude=["account", "product"])
    if "sku" in changed:
        check_sku_free(account=product.account, sku=variant.sku, product_id=product.pk, variant_id=variant.pk)
    if variant.status != VariantStatus.ARCHIVED and ("title" in changed or was_archived):
        _check_combination_free(product, variant.option_values, exclude_id=variant.pk)
    if was_archived and variant.status != VariantStatus.ARCHIVED:
        _check_room(product, exclude_id=variant.pk)
    _save_variant(variant, update_fields=[*changed, "updated_at"])
    _emit_changed(product)
    return variant


@atomic_service
def variant_delete(*, variant: ProductVariant) -> str:
    """Deletes a variant that nothing refers to; archives one that stock or orders refer to, and the
    variant the product was created with (its stock and order lines are recorded against it). The last
    variant that is not archived is kept (409 LAST_VARIANT: delete the product instead)."""
    product = _lock_product(variant.product)
    variant = ProductVariant.objects.select_for_update(no_key=True).get(pk=variant.pk)
    variant.product = product
    if variant.status != VariantStatus.ARCHIVED:
        others = ProductVariant.objects.filter(product=product).exclude(status=VariantStatus.ARCHIVED)
        if not others.exclude(pk=variant.pk).exists():
            raise LastVariant(
                "A product keeps at least one variant; delete or archive the product instead",
                details={"variant_id": [variant.pk]},
            )
    deleted = variant.pk != default_variant_id(product.pk) and _delete_unless_referred(variant)
    result = "deleted" if deleted else "archived"
    if not deleted and variant.status != VariantStatus.ARCHIVED:
        variant.status = VariantStatus.ARCHIVED
        variant.save(update_fields=["status", "updated_at"])
    _emit_changed(product)
    return result
