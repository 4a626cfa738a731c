"""Leads and their conversion into a customer (and, optionally, an opportunity)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, User
from customers.exceptions import DuplicateEmail
from customers.models import Customer
from customers.services import customer_create
from omnisales.api.transactions import atomic_service
from webhooks.services import event_emit

from ..exceptions import LeadAlreadyConverted
from ..models import (
    LEAD_FIELDS,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
)
from ._common import (
    _check_owner,
    _check_same_account,
    _clean_contact,
    _invalid,
    _locked,
    _save_changes,
)
from .opportunities import opportunity_create


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
