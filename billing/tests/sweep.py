"""Routes of this app that take an id, and how to make such an object for an account."""

from billing.tests.factories import PaymentFactory
from omnisales.testing.factories import SubscriptionFactory


def _payment(account):
    return {"paymentId": PaymentFactory(account=account).id}


def _subscription(account):
    return {"subscriptionId": SubscriptionFactory(account=account).id}


SWEEP = {
    "payment-detail": _payment,
    "payment-refund": _payment,
    "subscription-cancel": _subscription,
}
