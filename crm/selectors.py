"""Reads of the CRM that are more than a filter: duplicate detection, open tasks by due date, the pipeline."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Customer

from .models import OPEN_STAGES, Activity, ActivityType, Lead, Stage

MAX_DUPLICATES = 10
ZERO = Decimal("0.00")


def account_today(account) -> datetime.date:
    """Today in the account's time zone: what "overdue" and "due today" are measured against."""
    return timezone.localdate(timezone=account.zone)


def _matched_on(row: dict, *, email: str | None, phone: str | None) -> list[str]:
    return [name for name, value in (("email", email), ("phone", phone)) if value and row[name] == value]


def lead_duplicates(*, account, email: str | None, phone: str | None, exclude_id: str | None = None) -> list[dict]:
    """Other leads and customers (not anonymized) of the account with the same normalized email or phone,
    up to MAX_DUPLICATES of each: [{type, id, name, matched_on}], leads first, newest first."""
    match = Q()
    if email:
        match |= Q(email=email)
    if phone:
        match |= Q(phone=phone)
    if not match:
        return []
    columns = ("id", "name", "email", "phone")
    leads = Lead.objects.filter(match, account=account).exclude(pk=exclude_id or "").values(*columns)
    customers = Customer.objects.filter(match, account=account, is_anonymized=False).values(*columns)
    found = []
    for kind, rows in (("lead", leads[:MAX_DUPLICATES]), ("customer", customers[:MAX_DUPLICATES])):
        found += [
            {
                "type": kind,
                "id": row["id"],
                "name": row["name"],
                "matched_on": _matched_on(row, email=email, phone=phone),
            }
            for row in rows
        ]
    return found


def activities_of(parent) -> QuerySet[Activity]:
    """The activities of a lead or an opportunity, newest first."""
    return parent.activities.order_by("-created_at", "-id")


def open_tasks(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Tasks not done, soonest due first (undated last)."""
    return queryset.filter(type=ActivityType.TASK, done=False).order_by(
        F("due_date").asc(nulls_last=True), "created_at", "id"
    )


def tasks_due(queryset: QuerySet[Activity], *, due: str, today: datetime.date) -> QuerySet[Activity]:
    """overdue: due before today; today: due today; week: due from today through the next six days."""
    if due == "overdue":
        return queryset.filter(due_date__lt=today)
    if due == "today":
        return queryset.filter(due_date=today)
    return queryset.filter(due_date__gte=today, due_date__lte=today + datetime.timedelta(days=6))


def _weighted():
    return ExpressionWrapper(
        F("amount") * F("probability") / Value(Decimal(100)), output_field=DecimalField(max_digits=20, decimal_places=4)
    )


def _cents(value) -> Decimal:
    """Rounded half up to cents. SQLite sums in floating point, so its 166.665 may arrive as 166.66499…:
    six places first, which is far inside a float's precision for these amounts, then cents."""
    return Decimal(str(value)).quantize(Decimal("0.000001")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pipeline(queryset) -> dict:
    """Count, amount and probability-weighted amount per stage, and for the open stages together, in ONE
    statement (conditional aggregation over the already filtered opportunities)."""
    aggregates = {}
    groups = {stage: Q(stage=stage) for stage in Stage.values}
    groups["open"] = Q(stage__in=OPEN_STAGES)
    for key, condition in groups.items():
        aggregates[f"{key}__count"] = Count("id", filter=condition)
        aggregates[f"{key}__amount"] = Coalesce(Sum("amount", filter=condition), Value(ZERO))
        aggregates[f"{key}__weighted"] = Coalesce(
            Sum(_weighted(), filter=condition), Value(ZERO), output_field=DecimalField(max_digits=20, decimal_places=4)
        )
    row = queryset.order_by().aggregate(**aggregates)

    def figures(key: str) -> dict:
        return {
            "count": row[f"{key}__count"],
            "amount": _cents(row[f"{key}__amount"]),
            "weighted_amount": _cents(row[f"{key}__weighted"]),
        }

    return {
        "stages": [{"stage": stage, **figures(stage)} for stage in Stage.values],
        "open": figures("open"),
    }


MAX_ADMIN_CURRENCIES = 5


def pipeline_by_currency(queryset) -> list[dict]:
    """`pipeline` for each currency among the opportunities (the first few, alphabetically): the back office
    lists every account, so amounts are never added up across currencies."""
    currencies = list(
        queryset.order_by("currency").values_list("currency", flat=True).distinct()[:MAX_ADMIN_CURRENCIES]
    )
    return [{"currency": currency, **pipeline(queryset.filter(currency=currency))} for currency in currencies]
