"""The shape of the Stripe events we apply, checked once before any handler reads them.

A correctly signed event can still be unusable (a `created` of 1e30, an `amount` of "10x", a
five-letter currency, NUL in a string, which PostgreSQL cannot store): it is refused as a whole with
400 MALFORMED_EVENT, so the handlers in `billing.services.stripe_events` only ever see the types they expect.
The schemas name just the fields the handlers read; Stripe's other fields pass unchecked.
"""

import math

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
MAX_AMOUNT = 999_999_999_999  # minor units that fit Payment.amount in any currency (14 digits, 2 decimals)

_ID = {"type": "string", "maxLength": 255}
_TEXT = {"type": ["string", "null"]}
_URL = {"type": ["string", "null"], "maxLength": 500}
_TIMESTAMP = {"type": "integer", "minimum": 0, "maximum": MAX_TIMESTAMP}
_OPTIONAL_TIMESTAMP = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_TIMESTAMP}
_AMOUNT = {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT}
_CURRENCY = {"type": "string", "pattern": "^[a-z]{3}$"}
_METADATA = {"type": ["object", "null"], "additionalProperties": {"type": "string", "maxLength": 500}}


def _expandable(**properties) -> dict:
    """An expandable Stripe field: null, an id, or the object itself."""
    return {"anyOf": [{"type": "null"}, _ID, {"type": "object", "properties": {"id": _ID, **properties}}]}


def _object(**properties) -> dict:
    return {"type": "object", "properties": {"id": _ID, **properties}}


_PAYMENT_INTENT = _object(
    status={"type": ["string", "null"]},
    amount={**_AMOUNT, "minimum": 1},
    currency=_CURRENCY,
    description=_TEXT,
    metadata=_METADATA,
    latest_charge=_expandable(receipt_url=_URL),
    last_payment_error={
        "type": ["object", "null"],
        "properties": {"code": _TEXT, "decline_code": _TEXT, "message": _TEXT},
    },
    client_secret=_TEXT,
)
_CHARGE = _object(payment_intent=_expandable(), currency=_CURRENCY, amount_refunded=_AMOUNT, receipt_url=_URL)
_SUBSCRIPTION = _object(
    status={"type": ["string", "null"]},
    metadata=_METADATA,
    items={
        "type": ["object", "null"],
        "properties": {
            "data": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "properties": {"price": _expandable(), "current_period_end": _OPTIONAL_TIMESTAMP},
                },
            }
        },
    },
    current_period_end=_OPTIONAL_TIMESTAMP,
    cancel_at_period_end={"type": ["boolean", "null"]},
    canceled_at=_OPTIONAL_TIMESTAMP,
    customer=_expandable(),
)
_CHECKOUT_SESSION = _object(
    mode=_TEXT, subscription=_expandable(), customer=_expandable(), client_reference_id=_TEXT, metadata=_METADATA
)
_SUBSCRIPTION_DETAILS = {
    "type": ["object", "null"],
    "properties": {"subscription": _expandable(), "metadata": _METADATA},
}
_INVOICE = _object(
    parent={"type": ["object", "null"], "properties": {"subscription_details": _SUBSCRIPTION_DETAILS}},
    subscription=_expandable(),
    subscription_details=_SUBSCRIPTION_DETAILS,
    customer=_expandable(),
)

OBJECT_SCHEMAS = {
    "payment_intent.succeeded": _PAYMENT_INTENT,
    "payment_intent.payment_failed": _PAYMENT_INTENT,
    "payment_intent.canceled": _PAYMENT_INTENT,
    "charge.refunded": _CHARGE,
    "checkout.session.completed": _CHECKOUT_SESSION,
    "customer.subscription.created": _SUBSCRIPTION,
    "customer.subscription.updated": _SUBSCRIPTION,
    "customer.subscription.deleted": _SUBSCRIPTION,
    "invoice.paid": _INVOICE,
    "invoice.payment_failed": _INVOICE,
}


def _event_schema(object_schema: dict) -> dict:
    return {
        "type": "object",
        "required": ["id", "type", "data"],
        "properties": {
            "id": {**_ID, "minLength": 1},
            "type": {"type": "string", "minLength": 1, "maxLength": 100},
            "created": _TIMESTAMP,
            "livemode": {"type": ["boolean", "null"]},
            "data": {"type": "object", "required": ["object"], "properties": {"object": object_schema}},
        },
    }


_VALIDATORS = {event_type: Draft202012Validator(_event_schema(schema)) for event_type, schema in OBJECT_SCHEMAS.items()}
_ENVELOPE = Draft202012Validator(_event_schema({"type": "object"}))


def _unstorable(value, path: str = "") -> str | None:
    """The path to the first string holding NUL or number that is not finite, anywhere in the event:
    PostgreSQL cannot store either, not even in the JSON copy of the event that is kept."""
    if isinstance(value, str):
        return path or "(root)" if "\x00" in value else None
    if isinstance(value, float):
        return path or "(root)" if not math.isfinite(value) else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        child = f"{path}.{key}" if path else str(key)
        if "\x00" in child:
            return path or "(root)"
        found = _unstorable(item, child)
        if found:
            return found
    return None


def event_shape_error(event) -> dict | None:
    """None when the event has the shape its handler expects; otherwise {"path", "message"}."""
    if not isinstance(event, dict):
        return {"path": "(root)", "message": "The event is not a JSON object."}
    validator = _VALIDATORS.get(event.get("type"), _ENVELOPE)
    error = best_match(validator.iter_errors(event))
    if error is not None:
        path = ".".join(str(part) for part in error.absolute_path) or "(root)"
        return {"path": path, "message": error.message[:200].replace("\x00", "\\x00")}
    path = _unstorable(event)
    if path is not None:
        return {"path": path, "message": "NUL characters and non-finite numbers are not accepted."}
    return None
