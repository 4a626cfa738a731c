"""POST /api/payments/{paymentId}/refund and the refund service the returns flow calls."""

from decimal import Decimal

import pytest

from billing.exceptions import PaymentNotRefundable, RefundExceedsCaptured
from billing.models import Payment, PaymentStatus, Refund, RefundStatus
from billing.services import payment_refund
from billing.tests.factories import PaymentFactory
from omnisales.testing.concurrency import run_together
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged(card_payment, stripe_fake):
    """A real $100.00 charge, its webhooks (Stripe's and ours) already out of the way."""
    stripe_fake.pending.clear()
    WebhookEvent.objects.all().delete()
    return card_payment


def _url(payment):
    return f"/api/payments/{payment.id}/refund"


def _refunded_events():
    return [event.payload["data"] for event in WebhookEvent.objects.filter(event_type="payment.refunded")]


def test_full_refund_by_default(api, charged, stripe_fake):
    response = api.post(_url(charged), {"reason": "requested_by_customer"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("rfd_")
    assert body["stripeRefundId"].startswith("re_")
    assert (body["paymentId"], body["amountCents"], body["currency"]) == (charged.id, 10000, "usd")
    assert (body["status"], body["reason"]) == ("succeeded", "requested_by_customer")
    charged.refresh_from_db()
    assert (charged.status, charged.amount_refunded) == (PaymentStatus.REFUNDED, Decimal("100.00"))
    (logged,) = stripe_fake.requests_to("POST", "/v1/refunds")
    assert logged["idempotency_key"] == f"{body['id']}:refund"
    assert logged["params"]["amount"] == "10000"
    assert logged["params"]["payment_intent"] == charged.stripe_payment_intent_id
    assert logged["params"]["metadata"] == {
        "refund_id": body["id"],
        "payment_id": charged.id,
        "account_id": charged.account_id,
    }
    (event,) = _refunded_events()
    assert (event["refundId"], event["refundAmountCents"], event["amountRefundedCents"]) == (body["id"], 10000, 10000)
    assert api.get(f"/api/payments/{charged.id}").json()["amountRefundedCents"] == 10000


def test_partial_refunds_until_nothing_is_left(api, charged, stripe_fake):
    assert api.post(_url(charged), {"amountCents": 2500}, format="json").status_code == 201
    charged.refresh_from_db()
    assert (charged.status, charged.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("25.00"))
    too_much = api.post(_url(charged), {"amountCents": 7501}, format="json")
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "REFUND_EXCEEDS_CAPTURED"
    assert too_much.json()["details"] == {"refundableCents": 7500, "requestedCents": 7501}
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 1
    assert Refund.objects.count() == 1
    assert api.post(_url(charged), {"amountCents": 7500}, format="json").status_code == 201
    nothing_left = api.post(_url(charged), {}, format="json")
    assert (nothing_left.status_code, nothing_left.json()["code"]) == (409, "PAYMENT_NOT_REFUNDABLE")
    charged.refresh_from_db()
    assert (charged.status, charged.amount_refunded) == (PaymentStatus.REFUNDED, Decimal("100.00"))
    assert [event["refundAmountCents"] for event in _refunded_events()] == [7500, 2500]


@pytest.mark.parametrize("status", [PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION, PaymentStatus.REFUNDED])
def test_only_captured_payments_are_refundable(api, account, stripe_fake, status):
    payment = PaymentFactory(account=account, status=status)
    response = api.post(_url(payment), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "PAYMENT_NOT_REFUNDABLE")
    assert stripe_fake.requests == []
    assert Refund.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amountCents": 0}, "amountCents"),
        ({"amountCents": -5}, "amountCents"),
        ({"amountCents": "500"}, "amountCents"),
        ({"amountCents": 5.5}, "amountCents"),
        ({"amountCents": 100_000_000}, "amountCents"),
        ({"reason": "changed_my_mind"}, "reason"),
        ({"reason": 3}, "reason"),
    ],
)
def test_bad_input_is_422_and_nothing_is_refunded(api, charged, stripe_fake, body, field):
    response = api.post(_url(charged), body, format="json")
    assert response.status_code == 422
    assert field in response.json()["details"]
    assert stripe_fake.requests_to("POST", "/v1/refunds") == []
    assert Refund.objects.count() == 0
    assert WebhookEvent.objects.count() == 0


def test_other_accounts_payment_is_404(api, other_account, stripe_fake):
    foreign = PaymentFactory(account=other_account)
    response = api.post(_url(foreign), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "PAYMENT_NOT_FOUND")
    assert stripe_fake.requests == []


def test_needs_write_billing(account, make_client, charged, stripe_fake):
    response = make_client(account, scopes=["read:billing"]).post(_url(charged), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    assert Refund.objects.count() == 0


def test_stripe_unreachable_is_503_and_the_reservation_is_released(api, charged, stripe_fake):
    stripe_fake.stop()
    response = api.post(_url(charged), {"amountCents": 1000}, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
    assert Refund.objects.count() == 0
    charged.refresh_from_db()
    assert (charged.status, charged.amount_refunded) == (PaymentStatus.SUCCEEDED, Decimal("0"))
    assert WebhookEvent.objects.count() == 0


def test_refund_made_in_the_stripe_dashboard_is_learned_from_the_webhook(api, charged, stripe_fake, webhook_client):
    stripe_fake._refund_create({"payment_intent": charged.stripe_payment_intent_id, "amount": "4000"})
    response = api.post(_url(charged), {"amountCents": 7000}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "REFUND_EXCEEDS_CAPTURED")
    assert Refund.objects.count() == 0

    stripe_fake.deliver(webhook_client)
    charged.refresh_from_db()
    assert (charged.status, charged.amount_refunded) == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("40.00"))
    (event,) = _refunded_events()
    assert (event["refundId"], event["refundAmountCents"]) == (None, 4000)
    again = api.post(_url(charged), {"amountCents": 6001}, format="json")
    assert again.json()["details"]["refundableCents"] == 6000


def test_the_webhook_for_our_own_refund_announces_nothing_twice(api, charged, stripe_fake, webhook_client):
    api.post(_url(charged), {"amountCents": 3000}, format="json")
    responses = stripe_fake.deliver(webhook_client)
    assert {response.status_code for response in responses} == {200}
    charged.refresh_from_db()
    assert charged.amount_refunded == Decimal("30.00")
    assert len(_refunded_events()) == 1


def test_service_refunds_for_the_returns_flow(account, charged, stripe_fake):
    refund = payment_refund(payment=charged, amount_cents=1250, reason="duplicate")
    assert (refund.amount, refund.status, refund.reason) == (Decimal("12.50"), RefundStatus.SUCCEEDED, "duplicate")
    with pytest.raises(RefundExceedsCaptured):
        payment_refund(payment=charged, amount_cents=8751)
    rest = payment_refund(payment=charged)
    assert rest.amount == Decimal("87.50")
    with pytest.raises(PaymentNotRefundable):
        payment_refund(payment=charged)


def test_zero_decimal_currency_refunds_in_whole_units(api, account, stripe_fake):
    body = api.post(
        "/api/payments/process",
        {"amount": 5000, "currency": "jpy", "paymentMethodId": "pm_card_visa"},
        format="json",
    ).json()
    refund = api.post(f"/api/payments/{body['id']}/refund", {"amountCents": 1200}, format="json").json()
    assert (refund["amountCents"], refund["currency"]) == (1200, "jpy")
    assert Refund.objects.get().amount == Decimal("1200")
    assert stripe_fake.requests_to("POST", "/v1/refunds")[0]["params"]["amount"] == "1200"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_refunds_never_exceed_the_payment(account, make_client, stripe_fake):
    client = make_client(account)
    payment_id = client.post(
        "/api/payments/process",
        {"amount": 10000, "currency": "usd", "paymentMethodId": "pm_card_visa"},
        format="json",
    ).json()["id"]
    clients = [make_client(account) for _ in range(4)]
    responses = run_together(
        *[
            lambda refund_client=refund_client: refund_client.post(
                f"/api/payments/{payment_id}/refund", {"amountCents": 4000}, format="json"
            )
            for refund_client in clients
        ]
    )
    assert sorted(response.status_code for response in responses) == [201, 201, 409, 409]
    payment = Payment.objects.get(pk=payment_id)
    assert payment.amount_refunded == Decimal("80.00")
    # The reservation under the payment's lock stopped the excess refunds before they reached Stripe.
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 2
