"""Applying verified Stripe webhook events (services: they write, each inside the request's transaction).

Every event id is recorded once in StripeEvent; a redelivery only counts itself. Events arrive out of
order, so each handler compares the event's `created` time with the newest one already applied to the
object, and status changes follow the transition rules: an older event never overwrites newer state.
"""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import Account
from omnisales.api.money import from_minor_units
from webhooks.services import event_emit

from ..exceptions import MalformedEvent
from ..models import (
    ENTITLED_STATUSES,
    FINAL_STATUSES,
    Payment,
    Plan,
    StripeEvent,
    StripeEventResult,
    Subscription,
    SubscriptionStatus,
)
from ..stripe_event_schema import event_shape_error
from ._common import stripe_id, timestamp_to_datetime
from .payments import payment_apply_intent, payment_changed, payment_record_intent
from .refunds import payment_record_refunded_amount, refunds_held

logger = logging.getLogger("omnisales.billing.stripe")

APPLIED, STALE, IGNORED = StripeEventResult.APPLIED, StripeEventResult.STALE, StripeEventResult.IGNORED


def _metadata(obj: dict) -> dict:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _account(account_id) -> Account | None:
    if not isinstance(account_id, str) or not account_id:
        return None
    return Account.objects.filter(pk=account_id).first()


# --- Payments -----------------------------------------------------------------------------------


def _on_payment_intent(*, obj: dict, created: datetime, event_type: str):
    intent_id = stripe_id(obj)
    metadata = _metadata(obj)
    payment = Payment.objects.select_for_update().filter(stripe_payment_intent_id=intent_id).first()
    if payment is None and isinstance(metadata.get("payment_id"), str):
        payment = Payment.objects.select_for_update().filter(pk=metadata["payment_id"]).first()
    if payment is not None:
        applied = payment_apply_intent(payment=payment, intent=obj, event_created=created)
        return payment.account, APPLIED if applied else STALE
    # A PaymentIntent we created whose API answer never reached us (a timeout): adopt it.
    account = _account(metadata.get("account_id"))
    payment_id = metadata.get("payment_id")
    currency = obj.get("currency")
    if account is None or not isinstance(payment_id, str) or not payment_id.startswith("pay_"):
        return None, IGNORED
    if not currency or not obj.get("amount"):
        return None, IGNORED
    defaults = {
        "amount": from_minor_units(int(obj["amount"]), currency),
        "currency": currency,
        "description": (obj.get("description") or "")[:500],
        "customer_reference": str(metadata.get("customer_id") or "")[:40],
        "order_reference": str(metadata.get("order_id") or "")[:40],
    }
    payment, applied = payment_record_intent(
        account=account, payment_id=payment_id, intent=obj, defaults=defaults, event_created=created
    )
    return account, APPLIED if applied else STALE


def _on_charge_refunded(*, obj: dict, created: datetime, event_type: str):
    payment = None
    intent_id = stripe_id(obj.get("payment_intent"))
    if intent_id:
        payment = Payment.objects.select_for_update().filter(stripe_payment_intent_id=intent_id).first()
    if payment is None and stripe_id(obj):
        payment = Payment.objects.select_for_update().filter(stripe_charge_id=stripe_id(obj)).first()
    if payment is None or obj.get("currency") != payment.currency:
        return None, IGNORED
    if obj.get("receipt_url") and not payment.receipt_url:
        Payment.objects.filter(pk=payment.pk).update(receipt_url=obj["receipt_url"])
    previous_status, previous_refunded = payment.status, payment.amount_refunded
    amount_refunded = from_minor_units(int(obj.get("amount_refunded") or 0), payment.currency)
    if not payment_record_refunded_amount(payment=payment, amount_refunded=amount_refunded):
        return payment.account, STALE
    # Our own refunds announce themselves when Stripe answers; announce here only what they do not cover
    # (a refund made in the Stripe dashboard).
    held = refunds_held(payment)
    external = payment.amount_refunded - max(previous_refunded, held)
    payment_changed(
        payment=payment, previous_status=previous_status, refunded_amount=external if external > 0 else None
    )
    return payment.account, APPLIED


# --- Subscriptions ------------------------------------------------------------------------------


def account_entitlements_sync(*, account_id: str) -> int | None:
    """Writes the product limit of the account's best entitled subscription onto the account.

    Entitled: active, trialing or past_due (Stripe is still retrying). No entitled subscription
    -> None, which means "the documented default" to the catalog. A plan without a limit writes
    UNLIMITED_PRODUCT_LIMIT. Locks the account row (after any subscription row the caller holds).
    """
    account = Account.objects.select_for_update().get(pk=account_id)
    entitled = Plan.objects.filter(subscriptions__account_id=account_id, subscriptions__status__in=ENTITLED_STATUSES)
    limits = [plan.account_product_limit for plan in entitled]
    product_limit = max(limits) if limits else None
    if account.product_limit != product_limit:
        account.product_limit = product_limit
        account.save(update_fields=["product_limit"])  # a save, not update(): cached credentials see it at once
    return product_limit


def subscription_event_data(subscription: Subscription) -> dict:
    return {
        "subscription_id": subscription.id,
        "stripe_subscription_id": subscription.stripe_subscription_id,
        "status": subscription.status,
        "plan_id": subscription.plan_id,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
    }


def _plan_for(obj: dict, metadata: dict) -> Plan | None:
    plan = None
    if isinstance(metadata.get("plan_id"), str):
        plan = Plan.objects.filter(pk=metadata["plan_id"]).first()
    items = (obj.get("items") or {}).get("data") or []
    price_id = stripe_id((items[0] or {}).get("price")) if items else ""
    if price_id and (plan is None or plan.stripe_price_id != price_id):
        plan = Plan.objects.filter(stripe_price_id=price_id).first() or plan
    return plan


def _locked_subscription(
    stripe_subscription_id: str, *, metadata: dict, account_hint: str | None = None
) -> tuple[Subscription | None, bool]:
    """The subscription row, locked; created (incomplete, no state yet) when metadata names our account."""
    subscription = (
        Subscription.objects.select_for_update().filter(stripe_subscription_id=stripe_subscription_id).first()
    )
    if subscription is not None:
        return subscription, False
    account = _account(metadata.get("account_id")) or _account(account_hint)
    if account is None:
        return None, False
    plan = Plan.objects.filter(pk=metadata.get("plan_id") or "").first()
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(
                account=account, plan=plan, stripe_subscription_id=stripe_subscription_id
            )
    except IntegrityError:  # created meanwhile by a concurrent delivery of another event
        subscription = Subscription.objects.select_for_update().get(stripe_subscription_id=stripe_subscription_id)
        return subscription, False
    return subscription, True


def _period_end(obj: dict) -> datetime | None:
    """Top-level before API version 2025-03-31; on the subscription items since."""
    if obj.get("current_period_end"):
        return timestamp_to_datetime(obj["current_period_end"])
    ends = [item.get("current_period_end") for item in (obj.get("items") or {}).get("data") or []]
    ends = [end for end in ends if end]
    return timestamp_to_datetime(max(ends)) if ends else None


_SUBSCRIPTION_EVENTS = {
    "customer.subscription.created": "subscription.created",
    "customer.subscription.updated": "subscription.updated",
    "customer.subscription.deleted": "subscription.deleted",
}
_TRACKED_FIELDS = ("status", "plan_id", "current_period_end", "cancel_at_period_end", "canceled_at")


def _on_subscription(*, obj: dict, created: datetime, event_type: str):
    metadata = _metadata(obj)
    subscription, _ = _locked_subscription(stripe_id(obj), metadata=metadata)
    if subscription is None:
        return None, IGNORED
    status = SubscriptionStatus.CANCELED if event_type.endswith(".deleted") else obj.get("status")
    if status not in SubscriptionStatus.values:
        logger.warning("Stripe subscription %s has unknown status %r", stripe_id(obj), status)
        return subscription.account, IGNORED
    is_stale = subscription.provider_state_at is not None and created < subscription.provider_state_at
    if is_stale or (subscription.status in FINAL_STATUSES and status != subscription.status):
        return subscription.account, STALE
    before = {field: getattr(subscription, field) for field in _TRACKED_FIELDS}
    subscription.status = status
    subscription.plan = _plan_for(obj, metadata) or subscription.plan
    subscription.current_period_end = _period_end(obj) or subscription.current_period_end
    subscription.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    subscription.canceled_at = timestamp_to_datetime(obj.get("canceled_at")) or subscription.canceled_at
    subscription.stripe_customer_id = stripe_id(obj.get("customer")) or subscription.stripe_customer_id
    subscription.provider_state_at = created
    subscription.save()
    account_entitlements_sync(account_id=subscription.account_id)
    changed = any(getattr(subscription, field) != value for field, value in before.items())
    if changed or event_type != "customer.subscription.updated":
        event_emit(
            account=subscription.account,
            event=_SUBSCRIPTION_EVENTS[event_type],
            data=subscription_event_data(subscription),
        )
    return subscription.account, APPLIED


def _on_checkout_completed(*, obj: dict, created: datetime, event_type: str):
    stripe_subscription_id = stripe_id(obj.get("subscription"))
    if obj.get("mode") != "subscription" or not stripe_subscription_id:
        return None, IGNORED
    metadata = _metadata(obj)
    subscription, _ = _locked_subscription(
        stripe_subscription_id, metadata=metadata, account_hint=obj.get("client_reference_id")
    )
    if subscription is None:
        return None, IGNORED
    subscription.stripe_checkout_session_id = stripe_id(obj)
    subscription.stripe_customer_id = stripe_id(obj.get("customer")) or subscription.stripe_customer_id
    if subscription.plan_id is None:
        subscription.plan = Plan.objects.filter(pk=metadata.get("plan_id") or "").first()
    subscription.save(update_fields=["stripe_checkout_session_id", "stripe_customer_id", "plan", "updated_at"])
    return subscription.account, APPLIED


def _invoice_subscription(obj: dict) -> tuple[str, dict]:
    """(subscription id, its metadata): under `parent` since API version 2025-03-31, top-level before."""
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    if details.get("subscription"):
        return stripe_id(details["subscription"]), _metadata(details)
    return stripe_id(obj.get("subscription")), _metadata(obj.get("subscription_details") or {})


def _on_invoice(*, obj: dict, created: datetime, event_type: str):
    stripe_subscription_id, metadata = _invoice_subscription(obj)
    if not stripe_subscription_id:
        return None, IGNORED
    subscription, _ = _locked_subscription(stripe_subscription_id, metadata=metadata)
    if subscription is None:
        return None, IGNORED
    if subscription.latest_invoice_at is not None and created < subscription.latest_invoice_at:
        return subscription.account, STALE
    subscription.latest_invoice_id = stripe_id(obj)
    subscription.latest_invoice_status = "paid" if event_type == "invoice.paid" else "payment_failed"
    subscription.latest_invoice_at = created
    subscription.stripe_customer_id = stripe_id(obj.get("customer")) or subscription.stripe_customer_id
    subscription.save(
        update_fields=[
            "latest_invoice_id",
            "latest_invoice_status",
            "latest_invoice_at",
            "stripe_customer_id",
            "updated_at",
        ]
    )
    return subscription.account, APPLIED


HANDLERS = {
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "charge.refunded": _on_charge_refunded,
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "invoice.paid": _on_invoice,
    "invoice.payment_failed": _on_invoice,
}


def stripe_event_process(*, event: dict) -> tuple[StripeEvent, bool]:
    """Records a verified Stripe event and applies it, exactly once per Stripe event id.

    Returns (record, is_new). A redelivery (same id, sequentially or concurrently) changes nothing but
    the record's delivery count. An exception rolls the record back too, so Stripe's retry reapplies.

    An event whose shape its handler cannot read (`billing.stripe_event_schema`) is logged and refused
    with MalformedEvent (400) before anything is written: retrying it could never succeed.
    """
    problem = event_shape_error(event)
    if problem is not None:
        event_id = event.get("id") if isinstance(event, dict) else None
        logger.warning("Refused Stripe event %r: %s at %s", event_id, problem["message"], problem["path"])
        raise MalformedEvent("The signed body is not a Stripe event we can read", details=problem)
    with transaction.atomic():
        record = StripeEvent(
            stripe_event_id=event["id"],
            event_type=event["type"],
            stripe_created_at=timestamp_to_datetime(event.get("created") or 0),
            livemode=bool(event.get("livemode")),
            payload=event,
            result=IGNORED,
        )
        try:
            with transaction.atomic():
                record.save(force_insert=True)
        except IntegrityError:
            StripeEvent.objects.filter(stripe_event_id=event["id"]).update(delivery_count=F("delivery_count") + 1)
            return StripeEvent.objects.get(stripe_event_id=event["id"]), False
        handler = HANDLERS.get(event["type"])
        if handler is not None:
            account, result = handler(
                obj=event["data"]["object"], created=record.stripe_created_at, event_type=event["type"]
            )
            record.account, record.result = account, result
            record.save(update_fields=["account", "result"])
    return record, True
