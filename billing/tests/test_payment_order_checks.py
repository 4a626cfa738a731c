"""POST /api/payments/process refuses what the order cannot take before any charge reaches Stripe.

The order's rules are those of POST /api/orders/{orderId}/payments (status, balance, currency,
account), checked under the order's row lock; the amount is then held by a pending payment on the
order until Stripe answers, so two charges racing for the same balance cannot both reach Stripe.
"""

from decimal import Decimal

import pytest

from billing.models import Payment
from omnisales.api.money import to_minor_units
from omnisales.testing.factories import CustomerFactory, place_order
from orders import services as order_services
from orders.models import OrderPayment

pytestmark = pytest.mark.django_db

URL = "/api/payments/process"


def _charges(stripe_fake) -> list[dict]:
    return stripe_fake.requests_to("POST", "/v1/payment_intents")


def _body(order, **changes) -> dict:
    body = {
        "amount": to_minor_units(order.balance, order.currency),
        "currency": order.currency,
        "paymentMethodId": "pm_card_visa",
        "orderId": order.pk,
    }
    return {**body, **changes}


def _order_state(order) -> tuple:
    order.refresh_from_db()
    return order.amount_paid, order.payment_status, list(order.payments.values_list("status", flat=True))


def test_an_order_paid_in_full_is_refused_before_stripe(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    order_services.order_payment_record(order=order, amount=order.total, method="cash")

    response = api.post(URL, _body(order, amount=10000), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "PAYMENT_EXCEEDS_BALANCE"
    assert _charges(stripe_fake) == []
    assert not Payment.objects.exists()
    assert _order_state(order) == (order.total, "paid", ["succeeded"])


def test_a_cancelled_order_is_refused_before_stripe(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    order_services.order_transition(order=order, to_status="cancelled")

    response = api.post(URL, _body(order), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "ORDER_NOT_PAYABLE"
    assert _charges(stripe_fake) == []
    assert not Payment.objects.exists()
    assert not OrderPayment.objects.exists()


def test_more_than_the_balance_is_refused_before_stripe(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    response = api.post(URL, _body(order, amount=to_minor_units(order.total, "usd") + 1), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "PAYMENT_EXCEEDS_BALANCE"
    assert _charges(stripe_fake) == []
    assert not OrderPayment.objects.exists()


@pytest.mark.parametrize("currency", ["jpy", "eur"])
def test_a_currency_other_than_the_orders_is_422_before_stripe(api, account, stripe_fake, currency):
    order = place_order(account, prices=["100.00"])
    assert order.currency.lower() == "usd"

    response = api.post(URL, _body(order, amount=50, currency=currency), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert list(response.json()["details"]) == ["currency"]
    assert _charges(stripe_fake) == []
    assert not Payment.objects.exists()
    assert _order_state(order) == (Decimal("0.00"), "unpaid", [])


def test_the_orders_currency_in_any_case_is_accepted(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    response = api.post(URL, _body(order, currency=order.currency.upper()), format="json")
    assert response.status_code == 200, response.content
    assert _order_state(order) == (order.total, "paid", ["succeeded"])


@pytest.mark.parametrize("whose", ["unknown", "other-account"])
def test_an_unknown_or_foreign_customer_is_404_before_stripe(api, account, other_account, stripe_fake, whose):
    customer_id = "cus_0354ABCmissing" if whose == "unknown" else CustomerFactory(account=other_account).pk
    body = {"amount": 1000, "currency": "usd", "paymentMethodId": "pm_card_visa", "customerId": customer_id}

    response = api.post(URL, body, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "CUSTOMER_NOT_FOUND"
    assert _charges(stripe_fake) == []
    assert not Payment.objects.exists()


def test_the_accounts_own_customer_is_accepted(api, account, stripe_fake):
    customer = CustomerFactory(account=account)
    body = {"amount": 1000, "currency": "usd", "paymentMethodId": "pm_card_visa", "customerId": customer.pk}
    response = api.post(URL, body, format="json")
    assert response.status_code == 200
    assert Payment.objects.get().customer_reference == customer.pk


def test_a_declined_card_releases_the_held_amount(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    declined = api.post(URL, _body(order, paymentMethodId="pm_card_chargeDeclined"), format="json")
    assert declined.status_code == 402

    assert api.post(URL, _body(order), format="json").status_code == 200
    assert _order_state(order)[:2] == (order.total, "paid")
    assert sorted(order.payments.values_list("status", flat=True)) == ["failed", "succeeded"]


def test_stripe_unavailable_releases_the_held_amount_and_writes_nothing(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    stripe_fake.fail_next.append(500)
    assert api.post(URL, _body(order), format="json").status_code == 503
    assert _order_state(order) == (Decimal("0.00"), "unpaid", [])

    assert api.post(URL, _body(order), format="json").status_code == 200
    assert _order_state(order) == (order.total, "paid", ["succeeded"])


def test_a_charge_waiting_for_3d_secure_holds_its_amount(api, account, stripe_fake, webhook_client):
    order = place_order(account, prices=["100.00"])
    waiting = api.post(URL, _body(order, paymentMethodId="pm_card_authenticationRequired"), format="json")
    assert waiting.status_code == 202

    second = api.post(URL, _body(order), format="json")
    assert (second.status_code, second.json()["code"]) == (409, "PAYMENT_EXCEEDS_BALANCE")
    assert len(_charges(stripe_fake)) == 1
    cash = api.post(f"/api/orders/{order.pk}/payments", {"amount": 1, "method": "cash"}, format="json")
    assert (cash.status_code, cash.json()["code"]) == (409, "PAYMENT_EXCEEDS_BALANCE")

    stripe_fake.authenticate(waiting.json()["stripePaymentIntentId"], succeed=True)
    stripe_fake.deliver(webhook_client)
    assert _order_state(order) == (order.total, "paid", ["succeeded"])


def test_a_failed_3d_secure_releases_the_held_amount(api, account, stripe_fake, webhook_client):
    order = place_order(account, prices=["100.00"])
    waiting = api.post(URL, _body(order, paymentMethodId="pm_card_authenticationRequired"), format="json")
    stripe_fake.authenticate(waiting.json()["stripePaymentIntentId"], succeed=False)
    stripe_fake.deliver(webhook_client)

    assert api.post(URL, _body(order), format="json").status_code == 200
    assert _order_state(order)[:2] == (order.total, "paid")


def test_refunds_never_exceed_what_was_paid_and_are_refused_before_stripe(api, account, stripe_fake):
    order = place_order(account, prices=["100.00"])
    payment_id = api.post(URL, _body(order), format="json").json()["id"]
    total_cents = to_minor_units(order.total, "usd")

    too_much = api.post(f"/api/payments/{payment_id}/refund", {"amountCents": total_cents + 1}, format="json")
    assert (too_much.status_code, too_much.json()["code"]) == (409, "REFUND_EXCEEDS_CAPTURED")
    assert api.post(f"/api/payments/{payment_id}/refund", {}, format="json").status_code == 201
    again = api.post(f"/api/payments/{payment_id}/refund", {"amountCents": 1}, format="json")
    assert again.status_code == 409
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 1
    order.refresh_from_db()
    assert (order.amount_paid, order.amount_refunded) == (Decimal("0.00"), order.total)


def test_a_canceled_payment_intent_releases_the_held_amount(api, account, stripe_fake):
    from billing.services import stripe_event_process

    order = place_order(account, prices=["100.00"])
    waiting = api.post(URL, _body(order, paymentMethodId="pm_card_authenticationRequired"), format="json").json()
    intent = {**stripe_fake.get(waiting["stripePaymentIntentId"]), "status": "canceled"}
    stripe_event_process(event=stripe_fake.event("payment_intent.canceled", intent))

    assert Payment.objects.get(pk=waiting["id"]).status == "canceled"
    assert api.post(URL, _body(order), format="json").status_code == 200
    assert _order_state(order)[:2] == (order.total, "paid")


def test_a_failed_payment_that_later_succeeds_at_stripe_pays_the_order(api, account, stripe_fake, webhook_client):
    from billing.services import stripe_event_process

    order = place_order(account, prices=["100.00"])
    waiting = api.post(URL, _body(order, paymentMethodId="pm_card_authenticationRequired"), format="json").json()
    stripe_fake.authenticate(waiting["stripePaymentIntentId"], succeed=False)
    stripe_fake.deliver(webhook_client)
    assert _order_state(order) == (Decimal("0.00"), "unpaid", ["failed"])

    # The customer completes the same PaymentIntent with Stripe.js afterwards.
    intent = {**stripe_fake.get(waiting["stripePaymentIntentId"]), "status": "succeeded", "latest_charge": "ch_later"}
    stripe_event_process(event=stripe_fake.event("payment_intent.succeeded", intent, created=stripe_fake.now() + 5))

    assert Payment.objects.get(pk=waiting["id"]).status == "succeeded"
    assert _order_state(order) == (order.total, "paid", ["succeeded"])
