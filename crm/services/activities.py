"""Activities (calls, emails, meetings, notes, tasks) on leads and opportunities."""

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from accounts.models import Account, User
from omnisales.api.transactions import atomic_service

from ..models import (
    ACTIVITY_FIELDS,
    Activity,
    ActivityType,
    Lead,
    Opportunity,
)
from ._common import (
    _check_owner,
    _check_same_account,
    _invalid,
    _locked,
    _save_changes,
)


def _clean_activity(cleaned: dict, *, kind: str) -> dict:
    unknown = set(cleaned) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"Not writable activity fields: {sorted(unknown)}")
    errors = {}
    if "subject" in cleaned:
        cleaned["subject"] = (cleaned["subject"] or "").strip()
        if not cleaned["subject"]:
            errors["subject"] = ["This field may not be blank."]
    if "body" in cleaned and cleaned["body"] is None:
        cleaned["body"] = ""
    if kind not in ActivityType.values:
        errors["type"] = [f"Not one of {', '.join(ActivityType.values)}."]
    elif kind != ActivityType.TASK:
        for name in ("due_date", "done"):
            if cleaned.get(name):
                errors[name] = ["Only tasks have a due date and a done flag."]
    if errors:
        raise _invalid(errors)
    return cleaned


@atomic_service
def activity_create(
    *,
    account: Account,
    type: str,
    subject: str,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    body: str = "",
    due_date=None,
    done: bool = False,
    owner: User | None = None,
) -> Activity:
    """Logs an activity on one lead or one opportunity. Its owner defaults to the parent's owner."""
    if (lead is None) == (opportunity is None):
        raise TypeError("An activity belongs to exactly one lead or one opportunity")
    parent = lead or opportunity
    _check_same_account(account=account, parent=parent)
    cleaned = _clean_activity(
        {"type": type, "subject": subject, "body": body, "due_date": due_date, "done": done, "owner": owner}, kind=type
    )
    if cleaned["owner"] is None:
        cleaned["owner_id"] = parent.owner_id
        del cleaned["owner"]
    else:
        _check_owner(account=account, owner=cleaned["owner"])
    activity = Activity(account=account, lead=lead, opportunity=opportunity, **cleaned)
    activity.done_at = timezone.now() if activity.done else None
    activity.save(force_insert=True)
    return activity


@atomic_service
def activity_update(*, activity: Activity, changes: Mapping[str, Any]) -> Activity:
    """Changes any of ACTIVITY_FIELDS; marking a task done stamps `done_at`, reopening it clears it."""
    locked = _locked(activity)
    cleaned = dict(changes)
    kind = cleaned.get("type", locked.type)
    if kind != ActivityType.TASK and "type" in cleaned:
        # Leaving `task` drops what only tasks have.
        cleaned.setdefault("due_date", None)
        cleaned.setdefault("done", False)
    cleaned = _clean_activity(cleaned, kind=kind)
    if "owner" in cleaned:
        _check_owner(account=locked.account, owner=cleaned["owner"])
    if cleaned.get("done", locked.done) != locked.done:
        cleaned["done_at"] = timezone.now() if cleaned["done"] else None
    _save_changes(locked, cleaned)
    return locked


@atomic_service
def activity_delete(*, activity: Activity) -> None:
    Activity.objects.filter(pk=activity.pk).delete()
