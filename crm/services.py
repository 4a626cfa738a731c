"""Writes of the CRM: leads (and their conversion into a customer), opportunities (and their stages),
activities.

Locking: converting locks the lead row first, then creates or links the customer and creates the
opportunity; a stage change locks the opportunity row first, then (winning with an order) the order
services lock the products and update the customer's statistics. Events go to the webhook outbox in the
same transaction: `lead.created`, `lead.converted`, `opportunity.won`, `opportunity.lost`.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from catalog.models import Product
from customers.exceptions import DuplicateEmail
from customers.models import Customer
from customers.normalize import InvalidValue, normalize_email, normalize_phone, normalize_tags
from customers.services import customer_create
from omnisales.api.actors import SYSTEM, Actor
from omnisales.api.errors import not_found
from omnisales.api.money import is_currency
from omnisales.api.transactions import atomic_service
from orders.services import order_create
from webhooks.services import event_emit

from .exceptions import InvalidStageTransition, LeadAlreadyConverted, OpportunityClosed, ValidationFailed
from .models import (
    ACTIVITY_FIELDS,
    CLOSED_STAGES,
    DEFAULT_PROBABILITY,
    LEAD_FIELDS,
    MAX_LINE_ITEMS,
    OPEN_STAGES,
    OPPORTUNITY_FIELDS,
    Activity,
    ActivityType,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
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
    cleaned, errors = dict(changes), {}
    for name, normalize in (("email", normalize_email), ("phone", normalize_phone), ("tags", normalize_tags)):
        if name in cleaned:
            try:
                cleaned[name] = normalize(cleaned[name])
            except InvalidValue as exc:
                errors[name] = [str(exc)]
    if errors:
        raise _invalid(errors)
    return cleaned


# --- leads -----------------------------------------------------------------------------------------


def lead_event_data(lead: Lead) -> dict[str, Any]:
    """The lead as webhook consumers see it (keys are camelCased by the outbox)."""
    return {
        "id": lead.pk,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "company": lead.company,
        "status": lead.status,
        "source": lead.source,
        "owner_id": lead.owner_id,
        "tags": list(lead.tags),
        "customer_id": lead.customer_id,
        "opportunity_id": lead.converted_opportunity_id,
        "converted_at": lead.converted_at,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def _check_lead_fields(cleaned: dict) -> None:
    unknown = set(cleaned) - set(LEAD_FIELDS)
    if unknown:
        raise TypeError(f"Not writable lead fields: {sorted(unknown)}")
    if cleaned.get("status") == LeadStatus.CONVERTED:
        raise _invalid({"status": ["A lead becomes converted only by converting it (POST …/convert)."]})
    if "status" in cleaned and cleaned["status"] not in LeadStatus.values:
        raise _invalid({"status": [f"Not one of {', '.join(LeadStatus.values)}."]})
    if "source" in cleaned and cleaned["source"] not in LeadSource.values:
        raise _invalid({"source": [f"Not one of {', '.join(LeadSource.values)}."]})
    if "name" in cleaned and not (cleaned["name"] or "").strip():
        raise _invalid({"name": ["This field may not be blank."]})


@atomic_service
def lead_create(
    *,
    account: Account,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    company: str = "",
    status: str = LeadStatus.NEW,
    source: str = LeadSource.OTHER,
    owner: User | None = None,
    tags: Iterable[str] = (),
) -> Lead:
    """Records a lead and emits `lead.created`. A lead sharing an email or phone with another lead or a
    customer is still created: `selectors.lead_duplicates` names them for the caller to warn about."""
    cleaned = _clean_contact(
        {
            "name": name.strip(),
            "email": email,
            "phone": phone,
            "company": company or "",
            "status": status,
            "source": source,
            "owner": owner,
            "tags": list(tags),
        }
    )
    _check_lead_fields(cleaned)
    _check_owner(account=account, owner=owner)
    lead = Lead(account=account, **cleaned)
    lead.save(force_insert=True)
    event_emit(account=account, event="lead.created", data=lead_event_data(lead))
    return lead


@atomic_service
def lead_update(*, lead: Lead, changes: Mapping[str, Any]) -> Lead:
    """Changes any of LEAD_FIELDS under the lead's row lock. A converted lead keeps its status (409
    LEAD_ALREADY_CONVERTED when asked to change it); no status becomes `converted` here."""
    locked = _locked(lead)
    cleaned = _clean_contact(dict(changes))
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
    if "company" in cleaned and cleaned["company"] is None:
        cleaned["company"] = ""
    if locked.status == LeadStatus.CONVERTED and cleaned.get("status", LeadStatus.CONVERTED) != LeadStatus.CONVERTED:
        raise LeadAlreadyConverted(
            "A converted lead keeps its status", details={"id": locked.pk, "status": locked.status}
        )
    if locked.status == LeadStatus.CONVERTED:
        cleaned.pop("status", None)
    _check_lead_fields(cleaned)
    if "owner" in cleaned:
        _check_owner(account=locked.account, owner=cleaned["owner"])
    _save_changes(locked, cleaned)
    return locked


@atomic_service
def lead_delete(*, lead: Lead) -> None:
    """Deletes the lead and its activities; a customer it converted into stays, and opportunities linked to it
    stay with their `lead` cleared."""
    Lead.objects.filter(pk=lead.pk).delete()


def _customer_for(*, lead: Lead) -> tuple[Customer, bool]:
    """The account's customer with the lead's email (linked), else a new one from the lead (created)."""
    if lead.email:
        existing = Customer.objects.filter(account=lead.account, email__iexact=lead.email, is_anonymized=False).first()
        if existing is not None:
            return existing, False
    tags = list(dict.fromkeys([*lead.tags, "lead"]))
    try:
        with transaction.atomic():  # a savepoint: the refused insert must not doom the conversion
            customer = customer_create(
                account=lead.account, name=lead.name, email=lead.email, phone=lead.phone, tags=tags[:50]
            )
    except DuplicateEmail:
        # Another conversion created the customer with this email since we looked: link to it.
        return Customer.objects.get(account=lead.account, email__iexact=lead.email), False
    return customer, True


@atomic_service
def lead_convert(
    *, lead: Lead, customer: Customer | None = None, opportunity: Mapping[str, Any] | None = None
) -> tuple[Lead, Customer, bool, Opportunity | None]:
    """Converts the lead, once, in one transaction: links `customer` if given, else the account's customer
    with the lead's email, else creates one (`customer.created`); with `opportunity` (fields of
    `opportunity_create`, all optional) also opens an opportunity for that customer. The lead becomes
    `converted` and keeps links to both; `lead.converted` is emitted.

    Returns (lead, customer, whether the customer was created, the opportunity or None). A second
    conversion, also one racing this one (the lead's row lock serializes them), is 409
    LEAD_ALREADY_CONVERTED and writes nothing.
    """
    locked = _locked(lead)
    if locked.status == LeadStatus.CONVERTED:
        raise LeadAlreadyConverted(
            "This lead was already converted",
            details={
                "id": locked.pk,
                "customerId": locked.customer_id,
                "opportunityId": locked.converted_opportunity_id,
            },
        )
    account = locked.account
    if customer is not None:
        _check_same_account(account=account, customer=customer)
        if customer.is_anonymized:
            raise _invalid({"customer_id": ["This customer was deleted (anonymized)."]})
        created = False
    else:
        customer, created = _customer_for(lead=locked)
    opened = None
    if opportunity is not None:
        fields = {
            "name": locked.company or locked.name,
            "owner": locked.owner,
            **opportunity,
            "customer": customer,
            "lead": locked,
        }
        opened = opportunity_create(account=account, **fields)
    now = timezone.now()
    locked.status, locked.customer, locked.converted_at = LeadStatus.CONVERTED, customer, now
    locked.converted_opportunity_id = opened.pk if opened else None
    locked.save(update_fields=["status", "customer", "converted_opportunity_id", "converted_at", "updated_at"])
    event_emit(
        account=account,
        event="lead.converted",
        data={
            "lead_id": locked.pk,
            "customer_id": customer.pk,
            "customer_created": created,
            "opportunity_id": opened.pk if opened else None,
            "converted_at": now,
            "lead": lead_event_data(locked),
        },
    )
    return locked, customer, created, opened


# --- opportunities ---------------------------------------------------------------------------------


def opportunity_event_data(opportunity: Opportunity) -> dict[str, Any]:
    """The opportunity as webhook consumers see it (money as numbers; keys are camelCased by the outbox)."""
    return {
        "id": opportunity.pk,
        "name": opportunity.name,
        "stage": opportunity.stage,
        "amount": _money(opportunity.amount),
        "currency": opportunity.currency,
        "probability": opportunity.probability,
        "expected_close_date": opportunity.expected_close_date,
        "customer_id": opportunity.customer_id,
        "lead_id": opportunity.lead_id,
        "owner_id": opportunity.owner_id,
        "order_id": opportunity.order_id,
        "lost_reason": opportunity.lost_reason,
        "closed_at": opportunity.closed_at,
        "created_at": opportunity.created_at,
        "updated_at": opportunity.updated_at,
    }


def _clean_items(*, account: Account, items) -> list[dict]:
    """[{product_id, quantity, price?}] stored as JSON (price a string of two decimals, or None), every
    product one of the account's (404 PRODUCT_NOT_FOUND), one line per product."""
    if len(items) > MAX_LINE_ITEMS:
        raise _invalid({"items": [f"At most {MAX_LINE_ITEMS} items."]})
    cleaned, seen = [], set()
    for index, line in enumerate(items):
        product_id, quantity, price = line["product_id"], line["quantity"], line.get("price")
        if product_id in seen:
            raise _invalid({"items": [f"Line {index}: {product_id} is on an earlier line: use one line."]})
        seen.add(product_id)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 10_000:
            raise _invalid({"items": [f"Line {index}: quantity must be 1 to 10000."]})
        if price is not None and (not isinstance(price, Decimal) or price < 0 or price > MAX_AMOUNT):
            raise _invalid({"items": [f"Line {index}: price must be a decimal from 0 to {MAX_AMOUNT}."]})
        cleaned.append(
            {
                "product_id": product_id,
                "quantity": quantity,
                "price": None if price is None else str(price.quantize(CENT)),
            }
        )
    found = set(Product.objects.filter(account=account, pk__in=seen).values_list("pk", flat=True))
    missing = sorted(seen - found)
    if missing:
        raise not_found(Product, ", ".join(missing))
    return cleaned


def _clean_opportunity(*, account: Account, fields: dict) -> dict:
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"Not writable opportunity fields: {sorted(unknown)}")
    cleaned, errors = dict(fields), {}
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors["name"] = ["This field may not be blank."]
    if "amount" in cleaned:
        amount = cleaned["amount"]
        if amount is None:
            cleaned["amount"] = Decimal("0.00")
        elif not isinstance(amount, Decimal) or not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
            errors["amount"] = [f"Must be a decimal from 0 to {MAX_AMOUNT}."]
        else:
            cleaned["amount"] = amount.quantize(CENT)
    if "currency" in cleaned:
        currency = cleaned["currency"] or account.currency
        if not is_currency(currency):
            errors["currency"] = [f"Not an ISO 4217 currency code: {currency}."]
        cleaned["currency"] = currency.upper()
    probability = cleaned.get("probability")
    if probability is not None and not _is_percent(probability):
        errors["probability"] = ["Must be a whole percentage from 0 to 100."]
    if errors:
        raise _invalid(errors)
    if "items" in cleaned:
        cleaned["items"] = _clean_items(account=account, items=cleaned["items"] or [])
    _check_same_account(account=account, customer=cleaned.get("customer"), lead=cleaned.get("lead"))
    if "owner" in cleaned:
        _check_owner(account=account, owner=cleaned["owner"])
    return cleaned


@atomic_service
def opportunity_create(
    *, account: Account, name: str, stage: str = Stage.PROSPECTING, probability: int | None = None, **fields
) -> Opportunity:
    """Opens an opportunity in an open stage (won and lost are reached through `opportunity_stage_set`).
    `fields`: the other OPPORTUNITY_FIELDS; currency defaults to the account's, probability to the stage's."""
    if stage not in OPEN_STAGES:
        raise _invalid({"stage": [f"A new opportunity starts in an open stage: {', '.join(OPEN_STAGES)}."]})
    fields.setdefault("currency", None)
    cleaned = _clean_opportunity(account=account, fields={"name": name, "probability": probability, **fields})
    if cleaned.get("probability") is None:
        cleaned["probability"] = DEFAULT_PROBABILITY[stage]
    opportunity = Opportunity(account=account, stage=stage, **cleaned)
    opportunity.save(force_insert=True)
    return opportunity


@atomic_service
def opportunity_update(*, opportunity: Opportunity, changes: Mapping[str, Any]) -> Opportunity:
    """Changes any of OPPORTUNITY_FIELDS under the row lock. The stage changes only through
    `opportunity_stage_set`; a won or lost opportunity's probability is fixed (409 OPPORTUNITY_CLOSED)."""
    locked = _locked(opportunity)
    cleaned = _clean_opportunity(account=locked.account, fields=dict(changes))
    if "probability" in cleaned:
        if locked.stage in CLOSED_STAGES and cleaned["probability"] not in (None, locked.probability):
            raise OpportunityClosed(
                f"A {locked.stage} opportunity's probability is fixed at {locked.probability}",
                details={"stage": locked.stage, "probability": locked.probability},
            )
        if cleaned["probability"] is None:
            cleaned["probability"] = (
                locked.probability if locked.stage in CLOSED_STAGES else DEFAULT_PROBABILITY[locked.stage]
            )
    _save_changes(locked, cleaned)
    return locked


def allowed_stages(from_stage: str) -> list[str]:
    return list(TRANSITIONS.get(from_stage, ()))


def _place_order(opportunity: Opportunity, *, actor: Actor):
    """The won opportunity's pending order, placed by the orders service (validation, stock reservation,
    customer statistics, `order.created`); its errors roll the stage change back."""
    errors = {}
    if opportunity.customer_id is None:
        errors["customer_id"] = ["An order needs the opportunity's customer: set customerId first."]
    if not opportunity.items:
        errors["items"] = ["An order needs line items: set the opportunity's items first."]
    if opportunity.currency != opportunity.account.currency:
        errors["currency"] = [
            f"Orders are in the store's currency ({opportunity.account.currency}), "
            f"this opportunity is in {opportunity.currency}."
        ]
    if errors:
        raise _invalid(errors)
    items = [
        {
            "product_id": line["product_id"],
            "quantity": line["quantity"],
            "price": None if line.get("price") is None else Decimal(line["price"]),
        }
        for line in opportunity.items
    ]
    return order_create(
        account=opportunity.account,
        customer=Customer.objects.get(pk=opportunity.customer_id),
        items=items,
        notes=f"Won opportunity {opportunity.pk}: {opportunity.name}"[:2000],
        actor=actor,
    )


@atomic_service
def opportunity_stage_set(
    *,
    opportunity: Opportunity,
    stage: str,
    lost_reason: str = "",
    probability: int | None = None,
    create_order: bool = False,
    actor: Actor = SYSTEM,
) -> Opportunity:
    """Moves the opportunity along TRANSITIONS (anything else is 409 INVALID_STAGE_TRANSITION {from, to,
    allowed}). Open stages take `probability` or the stage's default; won is 100 and lost 0. Lost needs a
    `lost_reason` (422). `create_order` (won only) places a pending order for the opportunity's customer
    from its items, in this transaction, and links it. Emits `opportunity.won` / `opportunity.lost`."""
    locked = _locked(opportunity)
    from_stage = locked.stage
    allowed = allowed_stages(from_stage)
    if stage not in allowed:
        raise InvalidStageTransition(
            f"An opportunity cannot go from {from_stage} to {stage}",
            details={"from": from_stage, "to": stage, "allowed": allowed},
        )
    lost_reason = (lost_reason or "").strip()
    errors = {}
    if stage == Stage.LOST and not lost_reason:
        errors["lost_reason"] = ["A lost opportunity needs a reason."]
    if stage != Stage.LOST and lost_reason:
        errors["lost_reason"] = ["Only a lost opportunity has a reason."]
    if create_order and stage != Stage.WON:
        errors["create_order"] = ["Only winning an opportunity places an order."]
    if probability is not None and stage in CLOSED_STAGES and probability != DEFAULT_PROBABILITY[stage]:
        errors["probability"] = [f"A {stage} opportunity's probability is {DEFAULT_PROBABILITY[stage]}."]
    if probability is not None and not _is_percent(probability):
        errors["probability"] = ["Must be a whole percentage from 0 to 100."]
    if errors:
        raise _invalid(errors)

    locked.stage = stage
    locked.probability = DEFAULT_PROBABILITY[stage] if probability is None else probability
    locked.lost_reason = lost_reason
    locked.closed_at = timezone.now() if stage in CLOSED_STAGES else None
    fields = ["stage", "probability", "lost_reason", "closed_at"]
    if create_order:
        locked.order = _place_order(locked, actor=actor)
        fields.append("order")
    locked.save(update_fields=[*fields, "updated_at"])
    if stage == Stage.WON:
        event_emit(account=locked.account, event="opportunity.won", data=opportunity_event_data(locked))
    elif stage == Stage.LOST:
        event_emit(account=locked.account, event="opportunity.lost", data=opportunity_event_data(locked))
    return locked


@atomic_service
def opportunity_delete(*, opportunity: Opportunity) -> None:
    """Deletes the opportunity and its activities; a lead converted into it keeps its customer link, and an
    order it placed stays."""
    Lead.objects.filter(converted_opportunity_id=opportunity.pk).update(converted_opportunity_id=None)
    Opportunity.objects.filter(pk=opportunity.pk).delete()


# --- activities ------------------------------------------------------------------------------------


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
