"""Every call to Stripe goes through this module.

It builds a `stripe.StripeClient` from settings (key, API base, timeout, retries), sends an
Idempotency-Key on every POST, returns plain dicts, and turns SDK errors into our domain errors:

- CardError                                  -> PaymentFailed (402 PAYMENT_FAILED, decline code in details)
- InvalidRequestError                        -> ProviderRejectedRequest (422, the caller maps `param` to a field)
- APIConnectionError / timeout / 429 / 5xx   -> PaymentProviderUnavailable (503)
- no key, or a key Stripe refuses            -> PaymentsNotConfigured (503)
- anything else from Stripe                  -> PaymentProviderError (502)
"""

import contextlib
import functools
import json
import logging
import time

import stripe
from django.conf import settings

from billing.exceptions import (
    InvalidSignature,
    MalformedEvent,
    PaymentFailed,
    PaymentProviderError,
    PaymentProviderUnavailable,
    PaymentsNotConfigured,
    ProviderRejectedRequest,
)

logger = logging.getLogger("omnisales.billing.stripe")


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def ensure_configured() -> None:
    if not is_configured():
        raise PaymentsNotConfigured(
            "Payments are not configured", details="Set STRIPE_SECRET_KEY to accept payments through Stripe."
        )


@functools.lru_cache(maxsize=8)
def _build_client(api_key: str, api_base: str, timeout: float, max_network_retries: int) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=max_network_retries,
    )


def _client() -> stripe.StripeClient:
    ensure_configured()
    return _build_client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        float(settings.STRIPE_TIMEOUT_SECONDS),
        int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


def _plain(value):
    """StripeObjects (dict subclasses, nested) -> plain dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _error_body(exc: stripe.StripeError) -> dict:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error")
    return error if isinstance(error, dict) else {}


@contextlib.contextmanager
def _translated_errors(operation: str):
    try:
        yield
    except stripe.CardError as exc:
        error = _error_body(exc)
        raise PaymentFailed(
            error.get("message") or "The card was declined",
            details={
                "decline_code": error.get("decline_code"),
                "stripe_code": error.get("code"),
                "message": error.get("message"),
            },
            payment_intent=error.get("payment_intent"),
        ) from exc
    except stripe.InvalidRequestError as exc:
        error = _error_body(exc)
        logger.info("Stripe rejected %s: %s (param %s)", operation, error.get("message"), error.get("param"))
        raise ProviderRejectedRequest(
            error.get("message") or "Stripe rejected the request",
            param=error.get("param"),
            stripe_code=error.get("code"),
        ) from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        logger.error("Stripe refused the configured API key during %s: %s", operation, exc)
        raise PaymentsNotConfigured(
            "Payments are not configured", details="Stripe refused the configured API key."
        ) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        logger.warning("Stripe unavailable during %s: %s", operation, exc)
        raise PaymentProviderUnavailable(
            "The payment provider is unavailable; try again shortly",
            details={"provider": "stripe", "operation": operation},
        ) from exc
    except stripe.StripeError as exc:
        logger.error("Unexpected Stripe error during %s: %r", operation, exc)
        raise PaymentProviderError(
            "The payment provider rejected the request", details={"provider": "stripe", "operation": operation}
        ) from exc


def _call(operation: str, request):
    """Runs `request(client.v1)` against Stripe with our error mapping; returns the answer as plain dicts."""
    client = _client()
    with _translated_errors(operation):
        return _plain(request(client.v1))


def _options(idempotency_key: str) -> dict:
    return {"idempotency_key": idempotency_key}


def payment_intent_create(
    *,
    amount_cents: int,
    currency: str,
    payment_method_id: str,
    description: str,
    metadata: dict,
    idempotency_key: str,
) -> dict:
    """Creates and confirms a card PaymentIntent server-side; `latest_charge` comes back expanded."""
    params = {
        "amount": amount_cents,
        "currency": currency,
        "payment_method": payment_method_id,
        "confirm": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "metadata": metadata,
        "expand": ["latest_charge"],
    }
    if description:
        params["description"] = description
    return _call(
        "payment_intent.create", lambda v1: v1.payment_intents.create(params=params, options=_options(idempotency_key))
    )


def refund_create(
    *, payment_intent_id: str, amount_cents: int, reason: str, metadata: dict, idempotency_key: str
) -> dict:
    params = {"payment_intent": payment_intent_id, "amount": amount_cents, "metadata": metadata}
    if reason:
        params["reason"] = reason
    return _call("refund.create", lambda v1: v1.refunds.create(params=params, options=_options(idempotency_key)))


def checkout_session_create(
    *,
    price_id: str,
    client_reference_id: str,
    metadata: dict,
    success_url: str,
    cancel_url: str,
    customer_id: str | None,
    idempotency_key: str,
) -> dict:
    """A hosted Checkout page for a subscription to one recurring price."""
    params = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
    }
    if customer_id:
        params["customer"] = customer_id
    return _call(
        "checkout.session.create",
        lambda v1: v1.checkout.sessions.create(params=params, options=_options(idempotency_key)),
    )


def subscription_cancel_at_period_end(*, subscription_id: str, idempotency_key: str) -> dict:
    params = {"cancel_at_period_end": True}
    return _call(
        "subscription.update",
        lambda v1: v1.subscriptions.update(subscription_id, params=params, options=_options(idempotency_key)),
    )


def price_by_lookup_key(*, lookup_key: str) -> dict | None:
    """The price that holds `lookup_key` (at most one price holds a lookup key), active or not."""
    params = {"lookup_keys": [lookup_key], "limit": 1}
    prices = _call("price.list", lambda v1: v1.prices.list(params=params))["data"]
    return prices[0] if prices else None


def recurring_price_create(
    *,
    product: str | dict,
    amount_cents: int,
    currency: str,
    interval: str,
    lookup_key: str,
    idempotency_key: str,
) -> dict:
    """A recurring price taking over `lookup_key`, of the product `product` (an id), or of a new product
    made in the same request from `product` ({"name", "metadata"}: Stripe's `product_data`)."""
    params = {
        "unit_amount": amount_cents,
        "currency": currency,
        "recurring": {"interval": interval},
        "lookup_key": lookup_key,
        "transfer_lookup_key": True,
        **({"product": product} if isinstance(product, str) else {"product_data": product}),
    }
    return _call("price.create", lambda v1: v1.prices.create(params=params, options=_options(idempotency_key)))


def webhook_signature_verify(*, payload: bytes, signature_header: str | None) -> str:
    """Checks `Stripe-Signature` over the raw body with the SDK: some v1 = HMAC-SHA256(secret, "<t>.<body>"),
    and t within 300 s of our clock, either way (the SDK's tolerance). Returns the body as text."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise PaymentsNotConfigured(
            "Stripe webhooks are not configured", details="Set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret."
        )
    if not signature_header:
        raise InvalidSignature("Missing Stripe-Signature header")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSignature("Invalid Stripe signature", details="The body is not UTF-8.") from exc
    # The check stripe.Webhook.construct_event runs, without its next step (building an SDK Event),
    # which fails with AttributeError on signed JSON that is not an object.
    tolerance = stripe.Webhook.DEFAULT_TOLERANCE
    try:
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature("Invalid Stripe signature", details=exc.user_message) from exc
    # The SDK refuses only old timestamps; one far ahead of our clock is as suspect (a signature made
    # to be replayed later), so the tolerance holds both ways.
    timestamps = [
        value for key, _, value in (item.partition("=") for item in signature_header.split(",")) if key == "t"
    ]
    if int(timestamps[0]) > time.time() + tolerance:
        raise InvalidSignature("Invalid Stripe signature", details="Timestamp is too far in the future.")
    return text


def webhook_event_verify(*, payload: bytes, signature_header: str | None) -> dict:
    """The verified Stripe event in the raw body, as plain JSON."""
    text = webhook_signature_verify(payload=payload, signature_header=signature_header)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        logger.warning("Refused a signed Stripe webhook body that is not JSON: %s", exc)
        raise MalformedEvent("The signed body is not JSON") from exc
