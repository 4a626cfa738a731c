"""Correctly signed Stripe events with a wrong shape are a 400 MALFORMED_EVENT, logged, never a 500.

Stripe retries every non-2xx delivery for days; a 500 for an event we can never apply would also hide
real failures. The signature is made with the real algorithm, so only the shape is wrong.
"""

import json
import logging
import time

import pytest

from billing.models import Payment, StripeEvent
from billing.tests.factories import PaymentFactory
from omnisales.testing.factories import SubscriptionFactory
from omnisales.testing.stripe_server import WEBHOOK_SECRET, signature_header
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

URL = "/api/payments/webhook"


@pytest.fixture
def secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


def _post(client, body: bytes, *, timestamp: int | None = None):
    signature = signature_header(body, WEBHOOK_SECRET, timestamp)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def _event(event_type: str, obj: dict, **envelope) -> dict:
    return {
        "id": "evt_malformed_1",
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
        **envelope,
    }


def _intent(account, **fields) -> dict:
    """A PaymentIntent we never heard about, which the handler would adopt from its metadata."""
    return {
        "id": "pi_adopted_1",
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 1000,
        "currency": "usd",
        "description": None,
        "latest_charge": "ch_adopted_1",
        "metadata": {"payment_id": "pay_adopted1", "account_id": account.id},
        **fields,
    }


def _subscription(subscription, **fields) -> dict:
    return {
        "id": subscription.stripe_subscription_id,
        "object": "subscription",
        "status": "active",
        "cancel_at_period_end": False,
        "items": {"data": [{"price": {"id": "price_1"}, "current_period_end": int(time.time()) + 3600}]},
        "metadata": {},
        **fields,
    }


def _cases(account):
    payment = PaymentFactory(account=account)
    subscription = SubscriptionFactory(account=account)
    charge = {
        "id": payment.stripe_charge_id,
        "object": "charge",
        "payment_intent": payment.stripe_payment_intent_id,
        "currency": "usd",
        "amount_refunded": 500,
    }
    return {
        "created-1e30": json.dumps(_event("payment_intent.succeeded", _intent(account))).replace(
            '"created": ', '"created": 1e30, "x": '
        ),
        "created-a-string": _event("payment_intent.succeeded", _intent(account), created="yesterday"),
        "created-NaN": json.dumps(_event("payment_intent.succeeded", _intent(account), created=0)).replace(
            '"created": 0', '"created": NaN'
        ),
        "amount-10x": _event("payment_intent.succeeded", _intent(account, amount="10x")),
        "amount-1e30": _event("payment_intent.succeeded", _intent(account, amount=1e30)),
        "currency-5-letters": _event("payment_intent.succeeded", _intent(account, currency="usdxx")),
        "nul-in-metadata": _event(
            "payment_intent.succeeded",
            _intent(account, metadata={"payment_id": "pay_adopted1", "account_id": account.id, "note": "a\x00b"}),
        ),
        "nul-in-an-unhandled-event": _event("customer.created", {"id": "cus_1", "name": "\x00"}),
        "metadata-a-list": _event("payment_intent.succeeded", _intent(account, metadata=["payment_id"])),
        "last-payment-error-a-string": _event(
            "payment_intent.payment_failed",
            {**_intent(account, status="requires_payment_method"), "last_payment_error": "declined"},
        ),
        "refunded-amount-a-string": _event("charge.refunded", {**charge, "amount_refunded": "lots"}),
        "refunded-amount-negative": _event("charge.refunded", {**charge, "amount_refunded": -5}),
        "subscription-items-a-string": _event("customer.subscription.updated", _subscription(subscription, items="x")),
        "subscription-period-end-1e30": _event(
            "customer.subscription.updated",
            _subscription(subscription, items={"data": [{"price": "price_1", "current_period_end": 1e30}]}),
        ),
        "subscription-canceled-at-a-string": _event(
            "customer.subscription.deleted", _subscription(subscription, canceled_at="now")
        ),
        "invoice-parent-a-string": _event("invoice.paid", {"id": "in_1", "object": "invoice", "parent": "sub_1"}),
        "checkout-metadata-a-number": _event(
            "checkout.session.completed",
            {
                "id": "cs_1",
                "object": "checkout.session",
                "mode": "subscription",
                "subscription": "sub_1",
                "metadata": 7,
            },
        ),
        "data-object-missing": {**_event("invoice.paid", {}), "data": {}},
    }


CASES = [
    "created-1e30",
    "created-a-string",
    "created-NaN",
    "amount-10x",
    "amount-1e30",
    "currency-5-letters",
    "nul-in-metadata",
    "nul-in-an-unhandled-event",
    "metadata-a-list",
    "last-payment-error-a-string",
    "refunded-amount-a-string",
    "refunded-amount-negative",
    "subscription-items-a-string",
    "subscription-period-end-1e30",
    "subscription-canceled-at-a-string",
    "invoice-parent-a-string",
    "checkout-metadata-a-number",
    "data-object-missing",
]


@pytest.mark.parametrize("case", CASES)
def test_a_signed_event_of_the_wrong_shape_is_400_and_logged(client, account, secret, caplog, case):
    event = _cases(account)[case]
    body = (event if isinstance(event, str) else json.dumps(event)).encode()
    payment_count = Payment.objects.count()

    with caplog.at_level(logging.WARNING, logger="omnisales.billing.stripe"):
        response = _post(client, body)

    assert response.status_code == 400, response.content[:300]
    assert set(response.json()) == {"error", "details", "code"}
    assert response.json()["code"] == "MALFORMED_EVENT"
    assert StripeEvent.objects.count() == 0
    assert Payment.objects.count() == payment_count
    assert not WebhookEvent.objects.exists()
    assert any("evt_malformed_1" in record.getMessage() for record in caplog.records)


def test_every_case_is_parametrized(account):
    assert sorted(_cases(account)) == sorted(CASES)


def test_a_well_formed_event_of_the_same_kind_is_applied(client, account, secret):
    response = _post(client, json.dumps(_event("payment_intent.succeeded", _intent(account))).encode())
    assert response.status_code == 200
    assert Payment.objects.get(pk="pay_adopted1").amount == 10


# Thirty seconds either side of the 300 s tolerance, so a slow machine cannot move a case across it.
@pytest.mark.parametrize(("offset", "status"), [(-270, 200), (270, 200), (330, 400), (3600, 400), (-330, 400)])
def test_the_signature_timestamp_may_be_neither_too_old_nor_too_far_ahead(client, secret, offset, status):
    body = json.dumps(_event("customer.created", {"id": "cus_1"})).encode()
    response = _post(client, body, timestamp=int(time.time()) + offset)
    assert response.status_code == status
    if status == 400:
        assert response.json()["code"] == "INVALID_SIGNATURE"
