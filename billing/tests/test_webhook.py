"""POST /api/payments/webhook: signature, exactly-once effects, out-of-order events."""

import json
import time

import pytest
import requests

from billing.models import Payment, PaymentStatus, StripeEvent, Subscription
from billing.tests.factories import PaymentFactory
from omnisales.testing.concurrency import run_together
from omnisales.testing.stripe_server import WEBHOOK_SECRET, signature_header
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

URL = "/api/payments/webhook"


def _event(event_type="payment_intent.succeeded", obj=None, *, event_id="evt_test_1", created=None):
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-10-29.clover",
        "created": created or int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj or {"id": "pi_unknown", "object": "payment_intent", "status": "succeeded"}},
    }


@pytest.fixture
def secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


def _post(client, body: bytes, signature, **headers):
    if signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    return client.post(URL, data=body, content_type="application/json", **headers)


class TestSignature:
    BODY = json.dumps(_event()).encode()

    def test_valid_signature_is_accepted_without_credentials(self, client, secret):
        response = _post(client, self.BODY, signature_header(self.BODY, secret))
        assert response.status_code == 200
        assert response.json() == {"received": True, "duplicate": False}
        record = StripeEvent.objects.get()
        assert (record.stripe_event_id, record.event_type, record.result) == (
            "evt_test_1",
            "payment_intent.succeeded",
            "ignored",
        )

    @pytest.mark.parametrize(
        "signature",
        [
            None,
            "t=1,v1=abc",
            signature_header(BODY, "whsec_someone_else"),
            signature_header(BODY, WEBHOOK_SECRET, int(time.time()) - 301),
            signature_header(BODY.replace(b"evt_test_1", b"evt_test_2"), WEBHOOK_SECRET),
        ],
        ids=["missing", "garbage", "wrong-secret", "stale", "signature-of-another-body"],
    )
    def test_bad_signatures_are_400_and_record_nothing(self, client, secret, signature):
        response = _post(client, self.BODY, signature)
        assert response.status_code == 400
        assert response.json()["code"] == "INVALID_SIGNATURE"
        assert StripeEvent.objects.count() == 0

    def test_tampered_body_is_400(self, client, secret):
        signature = signature_header(self.BODY, secret)
        tampered = self.BODY.replace(b'"livemode": false', b'"livemode": true')
        assert tampered != self.BODY
        assert _post(client, tampered, signature).json()["code"] == "INVALID_SIGNATURE"
        assert StripeEvent.objects.count() == 0

    def test_within_tolerance_is_accepted(self, client, secret):
        response = _post(client, self.BODY, signature_header(self.BODY, secret, int(time.time()) - 290))
        assert response.status_code == 200

    def test_stripe_test_vector_signature_is_checked_by_the_endpoint(self, client, settings):
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
        body = b'{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}'
        header = "t=1700000000,v1=54a9036359a316ea53f7f76aed98e75c86967dcfc489aa367926583bc64522f5"
        from freezegun import freeze_time

        with freeze_time("2023-11-14T22:13:25Z"):
            accepted = _post(client, body, header)
            rejected = _post(client, body, header.replace("54a9", "54a8"))
        # The signature holds; the vector's body is not a full event (no data.object), so it is refused after.
        assert (accepted.status_code, accepted.json()["code"]) == (400, "MALFORMED_EVENT")
        assert (rejected.status_code, rejected.json()["code"]) == (400, "INVALID_SIGNATURE")

    def test_signed_body_that_is_not_an_event_is_400(self, client, secret):
        body = b'{"hello": "world"}'
        response = _post(client, body, signature_header(body, secret))
        assert (response.status_code, response.json()["code"]) == (400, "MALFORMED_EVENT")

    def test_no_secret_configured_is_503(self, client, settings):
        settings.STRIPE_WEBHOOK_SECRET = ""
        response = _post(client, self.BODY, signature_header(self.BODY, "anything"))
        assert (response.status_code, response.json()["code"]) == (503, "PAYMENTS_NOT_CONFIGURED")

    def test_only_post(self, client, secret):
        assert client.get(URL).status_code == 405


class TestPlumbingBypass:
    def test_not_rate_limited(self, client, secret, settings):
        settings.API_RATE_LIMITS = {"read": "1/hour", "write": "1/hour"}
        for number in range(5):
            body = json.dumps(_event(event_id=f"evt_rate_{number}")).encode()
            response = _post(client, body, signature_header(body, secret))
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response

    def test_idempotency_key_header_is_not_applied(self, client, secret):
        for number in range(2):
            body = json.dumps(_event(event_id=f"evt_idem_{number}")).encode()
            response = _post(client, body, signature_header(body, secret), HTTP_IDEMPOTENCY_KEY="same-key")
            assert response.status_code == 200
            assert "Idempotent-Replayed" not in response
        assert StripeEvent.objects.count() == 2

    def test_payload_is_stored_exactly_as_stripe_sent_it(self, client, secret):
        event = _event("checkout.session.completed", {"id": "cs_test_1", "client_reference_id": "x", "mode": "payment"})
        body = json.dumps(event).encode()
        _post(client, body, signature_header(body, secret))
        assert StripeEvent.objects.get().payload == event

    def test_credentials_are_not_needed_and_not_checked(self, client, secret):
        body = json.dumps(_event()).encode()
        response = _post(client, body, signature_header(body, secret), HTTP_X_API_KEY="not-a-key")
        assert response.status_code == 200


class TestExactlyOnce:
    def test_same_event_delivered_ten_times_has_one_effect(self, api, stripe_fake, webhook_client):
        payment = Payment.objects.get(
            pk=api.post(
                "/api/payments/process",
                {"amount": 1000, "currency": "usd", "paymentMethodId": "pm_card_authenticationRequired"},
                format="json",
            ).json()["id"]
        )
        stripe_fake.pending.clear()
        stripe_fake.authenticate(payment.stripe_payment_intent_id, succeed=True)
        succeeded = next(event for event in stripe_fake.take_pending() if event["type"] == "payment_intent.succeeded")
        body = json.dumps(succeeded).encode()
        responses = [webhook_client(body, stripe_fake.sign(body)) for _ in range(10)]
        assert [response.json()["duplicate"] for response in responses] == [False] + [True] * 9
        assert WebhookEvent.objects.filter(event_type="payment.succeeded").count() == 1
        record = StripeEvent.objects.get(stripe_event_id=succeeded["id"])
        assert (record.delivery_count, record.result, record.account_id) == (10, "applied", payment.account_id)
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.SUCCEEDED

    def test_older_failure_after_success_changes_nothing(self, account, secret, client):
        payment = PaymentFactory(account=account, status=PaymentStatus.REQUIRES_ACTION, stripe_charge_id="")
        intent = {
            "id": payment.stripe_payment_intent_id,
            "object": "payment_intent",
            "latest_charge": "ch_ok",
            "metadata": {"payment_id": payment.id},
        }
        now = int(time.time())
        failed = _event(
            "payment_intent.payment_failed",
            {
                **intent,
                "status": "requires_payment_method",
                "last_payment_error": {"code": "card_declined", "decline_code": "do_not_honor"},
            },
            event_id="evt_failed",
            created=now - 30,
        )
        succeeded = _event(
            "payment_intent.succeeded", {**intent, "status": "succeeded"}, event_id="evt_ok", created=now
        )
        for event in (succeeded, failed):
            body = json.dumps(event).encode()
            assert _post(client, body, signature_header(body, secret)).status_code == 200
        payment.refresh_from_db()
        assert (payment.status, payment.decline_code) == (PaymentStatus.SUCCEEDED, "")
        assert StripeEvent.objects.get(stripe_event_id="evt_failed").result == "stale"
        assert list(WebhookEvent.objects.values_list("event_type", flat=True)) == ["payment.succeeded"]

    def test_events_about_unknown_objects_are_acknowledged_and_ignored(self, client, secret):
        for number, event_type in enumerate(["payment_intent.succeeded", "charge.refunded", "invoice.paid"]):
            body = json.dumps(_event(event_type, {"id": "x_1"}, event_id=f"evt_unknown_{number}")).encode()
            assert _post(client, body, signature_header(body, secret)).status_code == 200
        assert set(StripeEvent.objects.values_list("result", flat=True)) == {"ignored"}
        assert Payment.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_deliveries_apply_once(account, stripe_fake, settings):
    from django.test import Client

    payment = PaymentFactory(account=account, status=PaymentStatus.REQUIRES_ACTION)
    event = _event(
        "payment_intent.succeeded",
        {"id": payment.stripe_payment_intent_id, "object": "payment_intent", "status": "succeeded"},
        event_id="evt_concurrent",
    )
    body = json.dumps(event).encode()
    responses = run_together(*[lambda: _post(Client(), body, stripe_fake.sign(body))] * 5)
    assert [response.status_code for response in responses] == [200] * 5
    assert StripeEvent.objects.get().delivery_count == 5
    assert WebhookEvent.objects.filter(event_type="payment.succeeded").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hosted_checkout_end_to_end_over_http(live_server, account, make_client, stripe_fake):
    """The local Stripe delivers its signed webhooks over HTTP to the running app."""
    from billing.models import Plan
    from billing.services import plan_sync_to_stripe

    plan_sync_to_stripe(plan=Plan.objects.get(pk="plan_growth"))
    stripe_fake.webhook_url = f"{live_server.url}{URL}"
    session = make_client(account).post("/api/billing/checkout", {"planId": "plan_growth"}, format="json").json()
    completed = requests.post(f"{stripe_fake.base_url}/__fake__/checkout/{session['sessionId']}/complete", timeout=10)
    assert completed.json()["deliveries"] == [200, 200, 200]
    subscription = Subscription.objects.get(account=account)
    assert (subscription.status, subscription.plan_id) == ("active", "plan_growth")
    account.refresh_from_db()
    assert account.product_limit == 1000
