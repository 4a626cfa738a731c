"""Subscription checkout (a Stripe Checkout page) and cancellation."""

import uuid

from django.conf import settings

from accounts.models import Account

from ..exceptions import (
    AlreadySubscribed,
    PlanNotAvailable,
    PlanNotFound,
    ProviderRejectedRequest,
    SubscriptionNotCancelable,
)
from ..models import ENTITLED_STATUSES, FINAL_STATUSES, Plan, Subscription
from ..providers import stripe_gateway
from ._common import _field_error
from .plans import plan_sync_to_stripe


def checkout_session_create(*, account: Account, plan_id: str) -> dict:
    """A Stripe Checkout page subscribing the account to the plan: {"session_id", "url"}.

    Writes nothing: the subscription is recorded when Stripe's webhooks confirm it, never from the
    browser returning to the success URL.
    """
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise PlanNotFound("Plan not found", details=f"No plan exists with ID: {plan_id}")
    if not plan.is_active:
        raise PlanNotAvailable("This plan is no longer offered", details={"plan_id": plan.id})
    if (
        Subscription.objects.filter(account=account, plan=plan, status__in=ENTITLED_STATUSES)
        .exclude(cancel_at_period_end=True)
        .exists()
    ):
        raise AlreadySubscribed("The account already subscribes to this plan", details={"plan_id": plan.id})
    stripe_gateway.ensure_configured()
    known_customer = (
        Subscription.objects.filter(account=account)
        .exclude(stripe_customer_id="")
        .values_list("stripe_customer_id", flat=True)
        .first()
    )
    metadata = {"account_id": account.id, "plan_id": plan.id}
    try:
        plan = plan_sync_to_stripe(plan=plan)  # every check that can refuse the checkout ran above
        session = stripe_gateway.checkout_session_create(
            price_id=plan.stripe_price_id,
            client_reference_id=account.id,
            metadata=metadata,
            success_url=settings.BILLING_SUCCESS_URL,
            cancel_url=settings.BILLING_CANCEL_URL,
            customer_id=known_customer,
            idempotency_key=f"checkout:{account.id}:{uuid.uuid4().hex}",
        )
    except ProviderRejectedRequest as exc:
        raise _field_error(exc, {}) from exc
    return {"session_id": session["id"], "url": session["url"]}


def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """Asks Stripe to cancel the subscription at the end of the paid period.

    The local row is not changed here: Stripe's `customer.subscription.updated` webhook records
    `cancelAtPeriodEnd`, and `customer.subscription.deleted` at period end removes the entitlements.
    """
    if subscription.status in FINAL_STATUSES:
        raise SubscriptionNotCancelable(
            "The subscription has already ended",
            details={"subscription_id": subscription.id, "status": subscription.status},
        )
    try:
        stripe_gateway.subscription_cancel_at_period_end(
            subscription_id=subscription.stripe_subscription_id,
            idempotency_key=f"{subscription.id}:cancel:{uuid.uuid4().hex}",
        )
    except ProviderRejectedRequest as exc:
        raise _field_error(exc, {}) from exc
    return subscription
