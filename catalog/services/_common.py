"""What the catalog services share: validation and saving helpers, and the product event payloads."""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from accounts.models import Account
from omnisales.api.renderers import camel_key

from ..exceptions import (
    ValidationFailed,
)
from ..models import PRODUCT_FIELDS, Product

MONEY_FIELDS = frozenset({"price", "compare_at_price", "cost"})
# Model field -> the name the API uses for it, where they differ.
API_NAMES = {"category": "category_id", "parent": "parent_id"}


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


def _delete_unless_referred(instance) -> bool:
    """Deletes the row in a savepoint; False (nothing deleted) when another table protects it."""
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError):
        return False
    return True


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
    return {
        **product_event_data(product),
        "changed_fields": sorted(camel_key(API_NAMES.get(name, name)) for name in changed),
    }


def _set_if_changed(product: Product, name: str, value) -> bool:
    current = product.category_id if name == "category" else getattr(product, name)
    new = value.pk if name == "category" and value is not None else value
    if current == new and type(current) is type(new):
        return False
    setattr(product, name, value)
    return True
