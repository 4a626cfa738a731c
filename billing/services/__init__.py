"""Billing writes: card payments, refunds, subscription checkout and cancellation, plan set-up in Stripe.

Calls to Stripe never run inside a database transaction: each service calls Stripe first (or after a
short reservation) and records Stripe's answer in its own short `transaction.atomic()`. The API views
that reach these services therefore open no request transaction (see `billing.views.ProviderCallMixin`).

State that Stripe owns (a payment's outcome after 3-D Secure, refunds made elsewhere, everything about
subscriptions) is applied from verified webhooks in `stripe_events`, through the same guarded functions
of `payments` and `refunds`, so a redelivered or late event never rolls state back.

Modules: `payments`; `refunds`; `subscriptions` (checkout and cancellation); `plans`; `stripe_events`;
`_common` (the helpers they share).
"""

from ._common import stripe_id, timestamp_to_datetime
from .payments import (
    PAYMENT_TRANSITIONS,
    payment_apply_intent,
    payment_changed,
    payment_event_data,
    payment_process,
    payment_record_intent,
)
from .plans import plan_sync_to_stripe
from .refunds import REFUNDABLE_STATUSES, payment_record_refunded_amount, payment_refund, refunds_held
from .stripe_events import account_entitlements_sync, stripe_event_process, subscription_event_data
from .subscriptions import checkout_session_create, subscription_cancel

__all__ = [
    "PAYMENT_TRANSITIONS",
    "REFUNDABLE_STATUSES",
    "account_entitlements_sync",
    "checkout_session_create",
    "payment_apply_intent",
    "payment_changed",
    "payment_event_data",
    "payment_process",
    "payment_record_intent",
    "payment_record_refunded_amount",
    "payment_refund",
    "plan_sync_to_stripe",
    "refunds_held",
    "stripe_event_process",
    "stripe_id",
    "subscription_cancel",
    "subscription_event_data",
    "timestamp_to_datetime",
]
