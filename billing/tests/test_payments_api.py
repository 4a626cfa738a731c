"""POST /api/payments/process, GET /api/payments, GET /api/payments/{paymentId}."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Payment, PaymentStatus
from billing.services import payment_record_intent
from billing.tests.factories import PaymentFactory
from omnisales.api.money import from_minor_units, to_minor_units
from omnisales.testing.factories import CustomerFactory, place_order
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

URL = "/api/payments/process"
BODY = {
    "amount": 10000,
    "currency": "usd",
    "paymentMethodId": "pm_card_visa",
    "customerId": "cus_123456",
    "description": "Order #12345",
}
SEED_FIELDS = {
    "id",
    "stripeChargeId",
    "stripePaymentIntentId",
    "amountCents",
    "currency",
    "status",
    "receiptUrl",
    "createdAt",
}


def _events(event_type):
    return list(WebhookEvent.objects.filter(event_type=event_type))


def _nothing_written():
    return Payment.objects.count() == 0 and WebhookEvent.objects.count() == 0


@pytest.fixture(autouse=True)
def known_customer(account):
    """The customer BODY names, one of the account's."""
    return CustomerFactory(account=account, id="cus_123456")


class TestProcess:
    def test_charges_the_card_and_answers_in_the_seed_shape(self, api, account, stripe_fake):
        response = api.post(URL, BODY, format="json")
        assert response.status_code == 200
        body = response.json()
        assert set(body) >= SEED_FIELDS
        assert body["id"].startswith("pay_")
        assert body["stripePaymentIntentId"].startswith("pi_")
        assert body["stripeChargeId"].startswith("ch_")
        assert body["receiptUrl"].startswith("https://pay.stripe.com/receipts/")
        assert body["createdAt"].endswith("Z")
        assert (body["amountCents"], body["currency"], body["status"]) == (10000, "usd", "succeeded")
        assert (body["customerId"], body["description"], body["clientSecret"]) == ("cus_123456", "Order #12345", None)

        payment = Payment.objects.get(pk=body["id"])
        assert payment.account == account
        assert payment.amount == Decimal("100.00")
        assert payment.customer_reference == "cus_123456"
        intent = stripe_fake.get(body["stripePaymentIntentId"])
        assert intent["amount"] == 10000
        assert intent["metadata"] == {"payment_id": payment.id, "account_id": account.id, "customer_id": "cus_123456"}
        (event,) = _events("payment.succeeded")
        assert event.account == account
        assert event.payload["data"]["paymentId"] == payment.id
        assert event.payload["data"]["amountCents"] == 10000

    def test_idempotency_key_for_stripe_is_derived_from_the_payment_id(self, api, stripe_fake):
        payment_id = api.post(URL, BODY, format="json").json()["id"]
        (logged,) = stripe_fake.requests_to("POST", "/v1/payment_intents")
        assert logged["idempotency_key"] == f"{payment_id}:payment-intent"

    def test_card_payment_pays_the_order(self, api, account, stripe_fake):
        order = place_order(account, prices=["100.00"])
        amount = to_minor_units(order.total, "usd")
        response = api.post(URL, {**BODY, "amount": amount, "orderId": order.pk}, format="json")
        assert response.status_code == 200
        assert response.json()["orderId"] == order.pk
        assert stripe_fake.get(response.json()["stripePaymentIntentId"])["metadata"]["order_id"] == order.pk
        shown = api.get(f"/api/orders/{order.pk}").json()
        assert shown["paymentStatus"] == "paid"
        assert shown["amountPaid"] == float(order.total)
        payments = api.get(f"/api/orders/{order.pk}/payments").json()
        assert [(p["method"], p["status"]) for p in payments] == [("credit_card", "succeeded")]

    def test_refund_of_a_card_payment_reaches_the_order(self, api, account, stripe_fake):
        order = place_order(account, prices=["100.00"])
        amount = to_minor_units(order.total, "usd")
        payment_id = api.post(URL, {**BODY, "amount": amount, "orderId": order.pk}, format="json").json()["id"]
        refund = api.post(f"/api/payments/{payment_id}/refund", {"amountCents": 2500}, format="json")
        assert refund.status_code == 201
        shown = api.get(f"/api/orders/{order.pk}").json()
        assert shown["paymentStatus"] == "partially_refunded"
        assert shown["amountPaid"] == float(order.total - Decimal("25.00"))

    @pytest.mark.parametrize("order_id", ["ord_0354ABCmissing", "other-account"])
    def test_unknown_or_foreign_order_is_404_and_charges_nothing(self, api, other_account, stripe_fake, order_id):
        if order_id == "other-account":
            order_id = place_order(other_account).pk
        response = api.post(URL, {**BODY, "orderId": order_id}, format="json")
        assert response.status_code == 404
        assert response.json()["code"] == "ORDER_NOT_FOUND"
        assert not Payment.objects.exists()
        assert stripe_fake.requests_to("POST", "/v1/payment_intents") == []

    def test_currency_is_lowercased(self, api, stripe_fake):
        response = api.post(URL, {**BODY, "currency": "EUR"}, format="json")
        assert response.json()["currency"] == "eur"
        assert stripe_fake.get(response.json()["stripePaymentIntentId"])["currency"] == "eur"

    @pytest.mark.parametrize(
        ("currency", "amount", "stored"),
        [("usd", 1999, Decimal("19.99")), ("jpy", 5000, Decimal("5000")), ("krw", 123456, Decimal("123456"))],
    )
    def test_minor_units_round_trip_through_decimal(self, api, stripe_fake, currency, amount, stored):
        response = api.post(URL, {**BODY, "currency": currency, "amount": amount}, format="json")
        assert response.status_code == 200
        payment = Payment.objects.get()
        assert payment.amount == stored
        assert response.json()["amountCents"] == amount
        assert stripe_fake.get(payment.stripe_payment_intent_id)["amount"] == amount
        assert to_minor_units(from_minor_units(amount, currency), currency) == amount

    def test_a_decline_is_402_and_the_failed_payment_is_kept(self, api, account, stripe_fake):
        response = api.post(URL, {**BODY, "paymentMethodId": "pm_card_chargeDeclined"}, format="json")
        assert response.status_code == 402
        body = response.json()
        assert body["code"] == "PAYMENT_FAILED"
        assert body["details"]["declineCode"] == "generic_decline"
        assert body["details"]["stripeCode"] == "card_declined"
        payment = Payment.objects.get(pk=body["details"]["paymentId"])
        assert payment.status == PaymentStatus.FAILED
        assert (payment.failure_code, payment.decline_code) == ("card_declined", "generic_decline")
        assert payment.stripe_payment_intent_id.startswith("pi_")
        (event,) = _events("payment.failed")
        assert event.payload["data"]["declineCode"] == "generic_decline"
        assert api.get(f"/api/payments/{payment.id}").json()["status"] == "failed"

    def test_insufficient_funds_decline_code_is_passed_on(self, api, stripe_fake):
        response = api.post(URL, {**BODY, "paymentMethodId": "pm_card_chargeDeclinedInsufficientFunds"}, format="json")
        assert response.status_code == 402
        assert response.json()["details"]["declineCode"] == "insufficient_funds"

    def test_3d_secure_is_202_with_the_client_secret_then_the_webhook_settles_it(
        self, api, stripe_fake, webhook_client
    ):
        response = api.post(URL, {**BODY, "paymentMethodId": "pm_card_authenticationRequired"}, format="json")
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "requires_action"
        assert body["clientSecret"].startswith(f"{body['stripePaymentIntentId']}_secret_")
        assert _events("payment.succeeded") == []

        stripe_fake.authenticate(body["stripePaymentIntentId"], succeed=True)
        assert {r.status_code for r in stripe_fake.deliver(webhook_client)} == {200}
        payment = Payment.objects.get(pk=body["id"])
        assert payment.status == PaymentStatus.SUCCEEDED
        assert payment.stripe_charge_id.startswith("ch_")
        assert len(_events("payment.succeeded")) == 1
        assert "clientSecret" not in api.get(f"/api/payments/{payment.id}").json()

    def test_failed_3d_secure_fails_the_payment(self, api, stripe_fake, webhook_client):
        body = api.post(URL, {**BODY, "paymentMethodId": "pm_card_authenticationRequired"}, format="json").json()
        stripe_fake.authenticate(body["stripePaymentIntentId"], succeed=False)
        stripe_fake.deliver(webhook_client)
        payment = Payment.objects.get(pk=body["id"])
        assert payment.status == PaymentStatus.FAILED
        assert payment.failure_code == "payment_intent_authentication_failure"
        assert len(_events("payment.failed")) == 1

    def test_stripe_unreachable_is_503_and_writes_nothing(self, api, stripe_fake):
        stripe_fake.stop()
        response = api.post(URL, BODY, format="json")
        assert response.status_code == 503
        assert response.json()["code"] == "PAYMENT_PROVIDER_UNAVAILABLE"
        assert _nothing_written()

    def test_stripe_server_error_is_503_and_writes_nothing(self, api, stripe_fake):
        stripe_fake.fail_next.append(500)
        response = api.post(URL, BODY, format="json")
        assert (response.status_code, response.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        assert _nothing_written()

    def test_a_charge_whose_answer_was_lost_is_recorded_from_its_webhook(
        self, api, account, stripe_fake, settings, webhook_client
    ):
        settings.STRIPE_TIMEOUT_SECONDS = 0.3
        stripe_fake.delay_next = 0.6  # Stripe charges, but only after we stopped waiting
        response = api.post(URL, BODY, format="json")
        assert response.status_code == 503
        assert _nothing_written()
        deadline = time.monotonic() + 3
        while not stripe_fake.pending and time.monotonic() < deadline:
            time.sleep(0.02)
        stripe_fake.deliver(webhook_client)
        payment = Payment.objects.get()
        (intent,) = [obj for obj in stripe_fake.objects.values() if obj["object"] == "payment_intent"]
        assert payment.pk == intent["metadata"]["payment_id"]
        assert (payment.account, payment.status, payment.amount) == (account, "succeeded", Decimal("100.00"))
        assert payment.customer_reference == "cus_123456"
        assert len(_events("payment.succeeded")) == 1

    def test_webhook_before_the_api_answer_leads_to_one_payment_and_one_event(self, account, stripe_fake):
        from billing.providers import stripe_gateway
        from billing.services import stripe_event_process

        intent = stripe_gateway.payment_intent_create(
            amount_cents=700,
            currency="usd",
            payment_method_id="pm_card_visa",
            description="",
            metadata={"payment_id": "pay_race", "account_id": account.id},
            idempotency_key="pay_race:payment-intent",
        )
        succeeded = next(event for event in stripe_fake.pending if event["type"] == "payment_intent.succeeded")
        stripe_event_process(event=succeeded)
        defaults = {"amount": Decimal("7.00"), "currency": "usd"}
        payment, applied = payment_record_intent(
            account=account, payment_id="pay_race", intent=intent, defaults=defaults
        )
        assert applied is False
        assert payment.status == PaymentStatus.SUCCEEDED
        assert payment.receipt_url == intent["latest_charge"]["receipt_url"]
        assert len(_events("payment.succeeded")) == 1

    def test_not_configured_is_503_without_calling_stripe(self, api, stripe_fake, settings):
        settings.STRIPE_SECRET_KEY = ""
        response = api.post(URL, BODY, format="json")
        assert (response.status_code, response.json()["code"]) == (503, "PAYMENTS_NOT_CONFIGURED")
        assert stripe_fake.requests == []
        assert _nothing_written()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"paymentMethodId": "pm_unknown"}, "paymentMethodId"),
            ({"amount": 10}, "amount"),  # below Stripe's minimum charge
            ({"currency": "xyz"}, "currency"),  # three letters, but not a currency Stripe knows
        ],
    )
    def test_values_only_stripe_can_judge_are_422_on_the_field(self, api, stripe_fake, change, field):
        response = api.post(URL, {**BODY, **change}, format="json")
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert list(response.json()["details"]) == [field]
        assert _nothing_written()

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"amount": None}, "amount"),
            ({"amount": 0}, "amount"),
            ({"amount": -100}, "amount"),
            ({"amount": 100_000_000}, "amount"),
            ({"amount": "10000"}, "amount"),
            ({"amount": 100.5}, "amount"),
            ({"amount": True}, "amount"),
            ({"currency": None}, "currency"),
            ({"currency": "us"}, "currency"),
            ({"currency": "usdd"}, "currency"),
            ({"currency": "u$d"}, "currency"),
            ({"currency": 840}, "currency"),
            ({"paymentMethodId": None}, "paymentMethodId"),
            ({"paymentMethodId": ""}, "paymentMethodId"),
            ({"paymentMethodId": "pm_" + "x" * 253}, "paymentMethodId"),
            ({"customerId": "123456"}, "customerId"),
            ({"customerId": "cus_" + "a" * 37}, "customerId"),
            ({"orderId": "12345"}, "orderId"),
            ({"description": "x" * 501}, "description"),
        ],
    )
    def test_bad_input_is_422_with_the_field_and_nothing_happens(self, api, stripe_fake, change, field):
        body = {key: value for key, value in {**BODY, **change}.items() if value is not None}
        response = api.post(URL, body, format="json")
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert field in response.json()["details"]
        assert stripe_fake.requests == []
        assert _nothing_written()

    def test_missing_fields_are_each_reported(self, api, stripe_fake):
        response = api.post(URL, {}, format="json")
        assert response.status_code == 422
        assert set(response.json()["details"]) == {"amount", "currency", "paymentMethodId"}

    def test_malformed_json_is_400(self, api, stripe_fake):
        response = api.generic("POST", URL, "{not json", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (400, "MALFORMED_REQUEST")

    def test_needs_write_billing(self, account, make_client, stripe_fake):
        response = make_client(account, scopes=["read:billing", "write:orders"]).post(URL, BODY, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "INSUFFICIENT_SCOPE"
        assert response.json()["details"] == {"requiredScope": "write:billing"}
        assert stripe_fake.requests == []
        assert _nothing_written()

    def test_needs_credentials(self, anonymous_client, stripe_fake):
        assert anonymous_client.post(URL, BODY, format="json").status_code == 401
        assert stripe_fake.requests == []

    def test_idempotency_key_replays_the_payment_without_charging_again(self, api, stripe_fake):
        first = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="checkout-42")
        again = api.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="checkout-42")
        assert again.status_code == 200
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert len(stripe_fake.requests_to("POST", "/v1/payment_intents")) == 1
        assert Payment.objects.count() == 1


class TestList:
    URL = "/api/payments"

    def test_lists_the_accounts_payments_newest_first(self, api, account, other_account):
        older = PaymentFactory(account=account)
        newer = PaymentFactory(account=account)
        PaymentFactory(account=other_account)
        Payment.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
        response = api.get(self.URL)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()] == [newer.id, older.id]
        assert response["X-Total-Count"] == "2"

    def test_filters(self, api, account):
        wanted = PaymentFactory(
            account=account, customer_reference="cus_A", order_reference="ord_A", status=PaymentStatus.FAILED
        )
        PaymentFactory(account=account, customer_reference="cus_B", order_reference="ord_B")
        PaymentFactory(account=account, currency="jpy", amount=Decimal("500"))
        for query in ("status=failed", "customerId=cus_A", "orderId=ord_A", "customerId=cus_A&status=failed"):
            assert [row["id"] for row in api.get(f"{self.URL}?{query}").json()] == [wanted.id], query
        assert [row["currency"] for row in api.get(f"{self.URL}?currency=JPY").json()] == ["jpy"]
        assert [row["amountCents"] for row in api.get(f"{self.URL}?currency=jpy").json()] == [500]
        tomorrow = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert api.get(f"{self.URL}?createdAfter={tomorrow}").json() == []
        assert len(api.get(f"{self.URL}?createdBefore={tomorrow}").json()) == 3

    @pytest.mark.parametrize("query", ["status=paid", "createdAfter=yesterday", "limit=-1", "customerId=" + "c" * 41])
    def test_invalid_filters_are_400(self, api, query):
        response = api.get(f"{self.URL}?{query}")
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_PARAMETER"

    def test_needs_read_billing(self, account, make_client):
        response = make_client(account, scopes=["read:orders"]).get(self.URL)
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
        assert make_client(account, scopes=["read:billing"]).get(self.URL).status_code == 200

    @pytest.mark.parametrize("rows", [1, 30])
    def test_query_count_does_not_grow_with_rows(self, api, account, rows, django_assert_max_num_queries):
        PaymentFactory.create_batch(rows, account=account)
        with django_assert_max_num_queries(4):
            response = api.get(self.URL)
        assert len(response.json()) == rows


class TestRetrieve:
    def test_returns_the_payment(self, api, account):
        payment = PaymentFactory(account=account, amount=Decimal("12.34"), amount_refunded=Decimal("2.34"))
        body = api.get(f"/api/payments/{payment.id}").json()
        assert body["id"] == payment.id
        assert (body["amountCents"], body["amountRefundedCents"]) == (1234, 234)

    def test_other_accounts_and_unknown_payments_are_404(self, api, other_account):
        foreign = PaymentFactory(account=other_account)
        for payment_id in (foreign.id, "pay_doesnotexist"):
            response = api.get(f"/api/payments/{payment_id}")
            assert response.status_code == 404
            assert response.json()["code"] == "PAYMENT_NOT_FOUND"

    def test_process_is_not_a_payment_id(self, api):
        response = api.get("/api/payments/process")
        assert response.status_code == 405

    def test_needs_read_billing(self, account, make_client):
        payment = PaymentFactory(account=account)
        response = make_client(account, scopes=["read:products"]).get(f"/api/payments/{payment.id}")
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
