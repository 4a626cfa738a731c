"""The one module that talks to Stripe: timeouts, error mapping, and webhook signature verification."""

import json
import socket
import time

import pytest
from freezegun import freeze_time

from billing.exceptions import (
    InvalidSignature,
    MalformedEvent,
    PaymentFailed,
    PaymentProviderUnavailable,
    PaymentsNotConfigured,
    ProviderRejectedRequest,
)
from billing.providers import stripe_gateway
from omnisales.testing.stripe_server import signature_header


def _intent(payment_method="pm_card_visa", **overrides):
    arguments = {
        "amount_cents": 1500,
        "currency": "usd",
        "payment_method_id": payment_method,
        "description": "",
        "metadata": {"payment_id": "pay_test"},
        "idempotency_key": f"pay_test:{time.time_ns()}",
    }
    return stripe_gateway.payment_intent_create(**{**arguments, **overrides})


def test_answers_are_plain_dicts_with_the_charge_expanded(stripe_fake):
    intent = _intent()
    assert type(intent) is dict
    assert type(intent["latest_charge"]) is dict
    assert intent["latest_charge"]["receipt_url"]


def test_every_post_carries_our_idempotency_key(stripe_fake):
    _intent(idempotency_key="pay_abc:payment-intent")
    (logged,) = stripe_fake.requests_to("POST", "/v1/payment_intents")
    assert logged["idempotency_key"] == "pay_abc:payment-intent"
    assert logged["params"]["confirm"] == "true"
    assert logged["params"]["automatic_payment_methods"] == {"enabled": "true", "allow_redirects": "never"}


def test_card_error_becomes_payment_failed_with_the_decline_code(stripe_fake):
    with pytest.raises(PaymentFailed) as caught:
        _intent("pm_card_chargeDeclinedInsufficientFunds")
    assert caught.value.status_code == 402
    assert caught.value.details["decline_code"] == "insufficient_funds"
    assert caught.value.details["stripe_code"] == "card_declined"
    assert caught.value.payment_intent["id"].startswith("pi_")


def test_invalid_request_keeps_stripes_param(stripe_fake):
    with pytest.raises(ProviderRejectedRequest) as caught:
        _intent("pm_does_not_exist")
    assert (caught.value.param, caught.value.stripe_code) == ("payment_method", "resource_missing")


def test_no_key_is_not_configured_and_calls_nobody(stripe_fake, settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(PaymentsNotConfigured) as caught:
        _intent()
    assert caught.value.status_code == 503
    assert stripe_fake.requests == []


def test_a_key_stripe_refuses_is_not_configured(stripe_fake, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_revoked"
    with pytest.raises(PaymentsNotConfigured):
        _intent()


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_provider_side_failures_are_unavailable(stripe_fake, status):
    stripe_fake.fail_next.append(status)
    with pytest.raises(PaymentProviderUnavailable) as caught:
        _intent()
    assert caught.value.status_code == 503


def test_closed_port_is_unavailable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with pytest.raises(PaymentProviderUnavailable):
        _intent()


def test_a_slow_stripe_times_out_as_unavailable(stripe_fake, settings):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    stripe_fake.delay_next = 2.0
    started = time.monotonic()
    with pytest.raises(PaymentProviderUnavailable):
        _intent()
    assert time.monotonic() - started < 1.5


class TestWebhookSignature:
    BODY = json.dumps({"id": "evt_1", "object": "event", "type": "x", "data": {"object": {"id": "y"}}}).encode()

    @pytest.fixture(autouse=True)
    def _secret(self, settings):
        settings.STRIPE_WEBHOOK_SECRET = "whsec_unit"

    def test_stripe_test_vector_verifies(self, settings):
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
        body = b'{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}'
        header = "t=1700000000,v1=54a9036359a316ea53f7f76aed98e75c86967dcfc489aa367926583bc64522f5"
        with freeze_time("2023-11-14T22:13:30Z"):  # 10 s after t
            assert stripe_gateway.webhook_signature_verify(payload=body, signature_header=header) == body.decode()
            with pytest.raises(InvalidSignature):
                stripe_gateway.webhook_signature_verify(
                    payload=body.replace(b"evt_test", b"evt_tesT"), signature_header=header
                )
        with freeze_time("2023-11-14T22:18:21Z"), pytest.raises(InvalidSignature):  # 301 s after t
            stripe_gateway.webhook_signature_verify(payload=body, signature_header=header)

    def test_valid_signature_returns_the_event(self):
        header = signature_header(self.BODY, "whsec_unit")
        assert stripe_gateway.webhook_event_verify(payload=self.BODY, signature_header=header)["id"] == "evt_1"

    def test_any_matching_v1_signature_is_enough(self):
        good = signature_header(self.BODY, "whsec_unit")
        timestamp, digest = good.split(",")
        header = f"{timestamp},v1={'0' * 64},{digest},v0=ignored"
        assert stripe_gateway.webhook_event_verify(payload=self.BODY, signature_header=header)["id"] == "evt_1"

    @pytest.mark.parametrize(
        "header",
        [
            None,
            "",
            "garbage",
            "t=abc,v1=00",
            "v1=00",
            signature_header(BODY, "whsec_other"),
            signature_header(BODY, "whsec_unit", int(time.time()) - 301),
            signature_header(BODY + b" ", "whsec_unit"),
        ],
        ids=["missing", "empty", "garbage", "bad-t", "no-t", "wrong-secret", "stale", "other-body"],
    )
    def test_invalid_signatures_are_rejected(self, header):
        with pytest.raises(InvalidSignature) as caught:
            stripe_gateway.webhook_event_verify(payload=self.BODY, signature_header=header)
        assert (caught.value.status_code, caught.value.code) == (400, "INVALID_SIGNATURE")

    def test_signed_but_not_json_is_malformed(self):
        body = b"not json"
        with pytest.raises(MalformedEvent):
            stripe_gateway.webhook_event_verify(payload=body, signature_header=signature_header(body, "whsec_unit"))

    @pytest.mark.django_db
    def test_signed_json_that_is_not_an_event_is_malformed_before_anything_is_written(self):
        from billing.models import StripeEvent
        from billing.services import stripe_event_process

        for body in (b"[1, 2]", b'{"id": "evt_1", "type": "x"}', b'{"id": 1, "type": "x", "data": {"object": {}}}'):
            event = stripe_gateway.webhook_event_verify(
                payload=body, signature_header=signature_header(body, "whsec_unit")
            )
            with pytest.raises(MalformedEvent):
                stripe_event_process(event=event)
        assert not StripeEvent.objects.exists()

    def test_without_a_secret_webhooks_are_not_configured(self, settings):
        settings.STRIPE_WEBHOOK_SECRET = ""
        with pytest.raises(PaymentsNotConfigured):
            stripe_gateway.webhook_event_verify(
                payload=self.BODY, signature_header=signature_header(self.BODY, "whsec_unit")
            )
