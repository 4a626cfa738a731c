"""Opportunities: their fields, their stages through one transition map, winning into an order."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Account
from catalog.models import Product
from customers.models import Customer
from omnisales.api.actors import SYSTEM, Actor
from omnisales.api.errors import not_found
from omnisales.api.money import is_currency
from omnisales.api.transactions import atomic_service
from orders.services import order_create
from webhooks.services import event_emit

from ..exceptions import InvalidStageTransition, OpportunityClosed
from ..models import (
    CLOSED_STAGES,
    DEFAULT_PROBABILITY,
    MAX_LINE_ITEMS,
    OPEN_STAGES,
    OPPORTUNITY_FIELDS,
    Lead,
    Opportunity,
    Stage,
)
from ._common import (
    CENT,
    MAX_AMOUNT,
    TRANSITIONS,
    _check_owner,
    _check_same_account,
    _invalid,
    _is_percent,
    _locked,
    _money,
    _save_changes,
)


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
