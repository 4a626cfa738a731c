"""Warehouse services: create, update, delete (or archive when stock ever moved through it)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Account
from omnisales.api.transactions import atomic_service

from ..exceptions import DuplicateWarehouseCode, ValidationFailed, WarehouseArchived, WarehouseNotEmpty
from ..models import WAREHOUSE_FIELDS, StockLevel, StockMovement, StockReservation, StockTransfer, Warehouse

_TEXT_FIELDS = ("name", "address_line_1", "address_line_2", "city", "region", "postal_code")


def _clean_warehouse_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(WAREHOUSE_FIELDS)
    if unknown:
        raise ValueError(f"Not warehouse fields: {sorted(unknown)}")
    cleaned = dict(data)
    for name in _TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    for name in ("code", "country"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip().upper()
    return cleaned


def _validate_warehouse(warehouse: Warehouse) -> None:
    try:
        warehouse.full_clean(exclude=["account"], validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed("Validation failed", details=exc.message_dict) from None


def _check_code_free(*, account: Account, code: str, exclude_id: str | None = None) -> None:
    taken = Warehouse.objects.filter(account=account, code=code, archived_at__isnull=True).exclude(pk=exclude_id)
    if taken.exists():
        raise DuplicateWarehouseCode(
            "A warehouse with this code already exists", details={"code": [f"'{code}' is already used."]}
        )


def _save_warehouse(warehouse: Warehouse, **kwargs) -> None:
    try:
        with transaction.atomic():
            warehouse.save(**kwargs)
    except IntegrityError:
        _check_code_free(account=warehouse.account, code=warehouse.code, exclude_id=warehouse.pk)
        raise


@atomic_service
def warehouse_create(*, account: Account, name: str, code: str, **fields) -> Warehouse:
    """Creates a warehouse; `fields` takes the other WAREHOUSE_FIELDS. A code in use is a 409."""
    values = _clean_warehouse_values({"name": name, "code": code, **fields})
    warehouse = Warehouse(account=account, **values)
    _validate_warehouse(warehouse)
    _check_code_free(account=account, code=warehouse.code)
    _save_warehouse(warehouse, force_insert=True)
    return warehouse


@atomic_service
def warehouse_update(*, warehouse: Warehouse, data: dict[str, Any]) -> Warehouse:
    """Changes the given fields. An archived warehouse cannot be changed (409 WAREHOUSE_ARCHIVED)."""
    values = _clean_warehouse_values(data)
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    if warehouse.is_archived:
        raise WarehouseArchived("An archived warehouse cannot be changed", details={"id": warehouse.pk})
    changed = [name for name, value in values.items() if getattr(warehouse, name) != value]
    if not changed:
        return warehouse
    for name in changed:
        setattr(warehouse, name, values[name])
    _validate_warehouse(warehouse)
    if "code" in changed:
        _check_code_free(account=warehouse.account, code=warehouse.code, exclude_id=warehouse.pk)
    _save_warehouse(warehouse, update_fields=[*changed, "updated_at"])
    return warehouse


@atomic_service
def warehouse_delete(*, warehouse: Warehouse) -> str:
    """Deletes an empty warehouse, or archives it when stock ever moved through it (the ledger keeps it).

    Returns "deleted" or "archived". A warehouse still holding stock (on hand or reserved) is a 409
    WAREHOUSE_NOT_EMPTY: deactivate it, or move the stock out, first. Its stock levels are locked before
    the warehouse row, in the order stock writes take them, so a concurrent write either lands first (and
    is seen here) or waits.
    """
    list(StockLevel.objects.select_for_update().filter(warehouse_id=warehouse.pk).order_by("pk").values("pk"))
    warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    totals = StockLevel.objects.filter(warehouse=warehouse).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    on_hand, reserved = totals["on_hand"] or 0, totals["reserved"] or 0
    if on_hand or reserved:
        raise WarehouseNotEmpty(
            "This warehouse still holds stock; deactivate it or move the stock out first",
            details={"onHand": on_hand, "reserved": reserved},
        )
    has_history = (
        StockMovement.objects.filter(warehouse=warehouse).exists()
        or StockReservation.objects.filter(warehouse=warehouse).exists()
        or StockTransfer.objects.filter(Q(from_warehouse=warehouse) | Q(to_warehouse=warehouse)).exists()
    )
    if has_history:
        if not warehouse.is_archived:
            warehouse.is_active = False
            warehouse.archived_at = timezone.now()
            warehouse.save(update_fields=["is_active", "archived_at", "updated_at"])
        return "archived"
    StockLevel.objects.filter(warehouse=warehouse).delete()
    warehouse.delete()
    return "deleted"
