"""What the CRM services share: the stage map, amounts, row locks, owner and contact checks."""

from decimal import Decimal

from accounts.models import Account, User
from customers.normalize import normalize_contact
from omnisales.api.errors import not_found

from ..exceptions import ValidationFailed
from ..models import (
    OPEN_STAGES,
    Stage,
)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")

# Where an opportunity may move from each stage: open stages anywhere, a lost one can be reopened, a won one
# is final (it may have placed an order).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    **{stage: tuple(other for other in Stage.values if other != stage) for stage in OPEN_STAGES},
    Stage.LOST: tuple(OPEN_STAGES),
    Stage.WON: (),
}


def _invalid(details: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed("Validation failed", details=details)


def _is_percent(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# --- shared checks ---------------------------------------------------------------------------------


def _locked(row):
    """The row re-read under its row lock (only its own row: not the account joined to it)."""
    return type(row).objects.select_for_update(of=("self",)).select_related("account").get(pk=row.pk)


def _save_changes(locked, cleaned: dict) -> None:
    """Sets and saves the fields of `cleaned` that differ on the locked row (nothing when none do)."""
    changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, cleaned[name])
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])


def _check_owner(*, account: Account, owner: User | None) -> None:
    """An owner is a member of the account; anyone else is a missing user (404 USER_NOT_FOUND)."""
    if owner is not None and not owner.memberships.filter(account=account).exists():
        raise not_found(User, owner.pk)


def _check_same_account(*, account: Account, **objects) -> None:
    for obj in objects.values():
        if obj is not None and obj.account_id != account.pk:
            raise not_found(type(obj), obj.pk)


def _clean_contact(changes: dict) -> dict:
    """Email, phone and tags in their stored forms (as customers keep them); 422 naming each bad one."""
    cleaned, errors = normalize_contact(changes)
    if errors:
        raise _invalid(errors)
    return cleaned
