"""A small stateful Stripe for tests, speaking Stripe's wire protocol on 127.0.0.1.

Requests are form-encoded with bracket nesting (`metadata[order_id]=1`, `expand[0]=latest_charge`,
`line_items[0][price]=price_…`) and answered in JSON; `Authorization: Bearer sk_test_…` (or Basic
with the key as user name) is required; `Idempotency-Key` replays the first answer for the same
parameters and is a 400 `idempotency_error` for different ones. Ids carry Stripe's prefixes.

Implemented: PaymentIntents (create + confirm, retrieve; the outcome follows the test payment
method), Refunds, Checkout Sessions (create, retrieve), Subscriptions (retrieve, update
`cancel_at_period_end`, cancel), Products (create), Prices (create, with `product` or `product_data`,
`lookup_key` and `transfer_lookup_key`; list, newest first, filtered by `lookup_keys`, `active`,
`product`, paged by `limit`, `starting_after`, `ending_before`). Webhook events are built like Stripe's
(envelope, `created`, `data.object`, `previous_attributes`) and signed exactly as Stripe signs them
(`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`). They wait in `pending` until delivered,
by HTTP to `webhook_url` or through any `send(body, signature)` callable, in a configurable order.

Control endpoints stand in for what a customer does on Stripe's pages:
  POST /__fake__/checkout/{id}/complete          pay the hosted Checkout page (creates the subscription)
  POST /__fake__/payment_intents/{id}/authenticate   {"succeed": true|false}: finish 3-D Secure
  POST /__fake__/subscriptions/{id}/renew        the next period is paid (or {"paid": false}: fails)
  POST /__fake__/subscriptions/{id}/end_period   the period ends (cancels if cancel_at_period_end)
  POST /__fake__/fail-next {"status": 500, "count": 1}     POST /__fake__/delay-next {"seconds": 2}
  GET  /__fake__/requests                        the request log
"""

import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qsl, urlsplit

from .fake_http import JsonHandler, ServesHTTP

API_KEY = "sk_test_omnisales_fake"
WEBHOOK_SECRET = "whsec_omnisales_fake"
API_VERSION = "2025-10-29.clover"

# Test payment methods -> outcome: "succeed", "authenticate", or (error code, decline code, message).
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "succeed",
    "pm_card_mastercard": "succeed",
    "pm_card_amex": "succeed",
    "pm_card_authenticationRequired": "authenticate",
    "pm_card_threeDSecure2Required": "authenticate",
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "expired_card", "Your card has expired."),
}
MINIMUM_AMOUNTS = {"usd": 50, "eur": 50, "gbp": 30, "jpy": 50, "cad": 50, "aud": 50}
SUPPORTED_CURRENCIES = {
    "usd", "eur", "gbp", "jpy", "cad", "aud", "chf", "sek", "nok", "dkk", "sgd", "hkd", "nzd", "mxn", "brl",
    "inr", "krw", "vnd", "thb", "myr", "php", "idr", "pln", "czk", "huf", "clp", "twd",
}  # fmt: skip
INTERVAL_SECONDS = {"day": 86_400, "week": 7 * 86_400, "month": 30 * 86_400, "year": 365 * 86_400}
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


class StripeFailure(Exception):
    def __init__(self, status: int, error_type: str, message: str, **fields):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": error_type, "message": message, **fields}}


def invalid(message: str, *, param: str | None = None, code: str | None = None, status: int = 400):
    fields = {key: value for key, value in {"param": param, "code": code}.items() if value}
    return StripeFailure(status, "invalid_request_error", message, **fields)


def missing(kind: str, object_id: str, param: str | None = None):
    return invalid(f"No such {kind}: '{object_id}'", param=param, code="resource_missing", status=404)


def parse_form(text: str) -> dict:
    """`a[b][0][c]=1&e[]=x` -> {"a": {"b": [{"c": "1"}]}, "e": ["x"]} (all values strings)."""
    root: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, *rest = key.split("[")
        tokens = [head] + [part.rstrip("]") for part in rest]
        node = root
        for token in tokens[:-1]:
            node = node.setdefault(token or str(len(node)), {})
        node[tokens[-1] or str(len(node))] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature for `payload`: t=<unix>,v1=hex(HMAC-SHA256(secret, "<t>.<payload>"))."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _int(params: dict, name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None:
        if required:
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise invalid(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    return int(raw)


def _bool(params: dict, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise invalid(f"Invalid boolean: {raw}", param=name, code="parameter_invalid_boolean")
    return raw == "true"


def _currency(params: dict) -> str:
    currency = params.get("currency")
    if not currency:
        raise invalid("Missing required param: currency.", param="currency", code="parameter_missing")
    if currency.lower() not in SUPPORTED_CURRENCIES:
        raise invalid(f"Invalid currency: {currency}.", param="currency", code="parameter_invalid_string")
    return currency.lower()


def _metadata(params: dict) -> dict:
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise invalid("Invalid metadata: must be an object", param="metadata")
    return metadata


class FakeStripe(ServesHTTP):
    """Use as a context manager; `configure(settings)` points the app at it."""

    def __init__(self, *, webhook_secret: str = WEBHOOK_SECRET, api_key: str = API_KEY):
        self.webhook_secret = webhook_secret
        self.api_key = api_key
        self.lock = threading.RLock()
        self.webhook_url: str | None = None
        self.webhook_order = "created"  # "created", "reverse", or a callable reordering a list of events
        self.time_offset = 0
        self.reset()
        self._serve(_Handler)

    # -- lifecycle ---------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict] = {}
            self.private: dict[str, dict] = {}
            self.idempotency: dict[tuple, tuple] = {}
            self.requests: list[dict] = []
            self.events: list[dict] = []
            self.pending: list[dict] = []
            self.fail_next: list[int] = []
            self.delay_next = 0.0

    def configure(self, settings) -> None:
        settings.STRIPE_SECRET_KEY = self.api_key
        settings.STRIPE_WEBHOOK_SECRET = self.webhook_secret
        settings.STRIPE_API_BASE = self.base_url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_TIMEOUT_SECONDS = 5

    def now(self) -> int:
        return int(time.time()) + self.time_offset

    def advance(self, seconds: int) -> None:
        """Moves Stripe's clock (object and event `created` times), not the signing clock."""
        self.time_offset += seconds

    # -- helpers for tests -------------------------------------------------------------------------

    def get(self, object_id: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.objects[object_id])

    def price_create(self, *, unit_amount: int, currency: str = "usd", interval: str = "month") -> dict:
        with self.lock:
            product = self._store({"id": _new_id("prod"), "object": "product", "name": "Test", "active": True})
            return copy.deepcopy(self._price(product["id"], unit_amount, currency, interval, None))

    def requests_to(self, method: str, path_prefix: str) -> list[dict]:
        return [entry for entry in self.requests if entry["method"] == method and entry["path"].startswith(path_prefix)]

    # -- events and webhook delivery ---------------------------------------------------------------

    def event(self, event_type: str, obj: dict, *, previous_attributes: dict | None = None, created=None) -> dict:
        """Records a Stripe event about `obj` (a snapshot) and queues it for delivery."""
        with self.lock:
            event = {
                "id": _new_id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": self.now() if created is None else int(created),
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": _new_id("req"), "idempotency_key": None},
                "type": event_type,
                "data": {"object": copy.deepcopy(obj)},
            }
            if previous_attributes is not None:
                event["data"]["previous_attributes"] = previous_attributes
            self.events.append(event)
            self.pending.append(event)
            return event

    def sign(self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        return signature_header(payload, secret or self.webhook_secret, timestamp)

    def take_pending(self) -> list[dict]:
        with self.lock:
            events, self.pending = self.pending, []
        if callable(self.webhook_order):
            return list(self.webhook_order(events))
        if self.webhook_order == "reverse":
            return list(reversed(events))
        return sorted(events, key=lambda event: event["created"])

    def deliver(self, send=None) -> list:
        """Delivers the queued events: `send(body: bytes, signature: str)`, or HTTP to `webhook_url`."""
        results = []
        for event in self.take_pending():
            body = json.dumps(event).encode()
            signature = self.sign(body)
            results.append(send(body, signature) if send is not None else self._post(body, signature))
        return results

    def _post(self, body: bytes, signature: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    # -- wire --------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path.startswith("/__fake__/"):
            return self._control(method, path, body)
        params = parse_form(body.decode() if method == "POST" else parts.query)
        key = headers.get("Idempotency-Key")
        with self.lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "params": params,
                    "idempotency_key": key,
                    "stripe_version": headers.get("Stripe-Version"),
                }
            )
            delay, self.delay_next = self.delay_next, 0.0
            failure = self.fail_next.pop(0) if self.fail_next else None
        if delay:
            time.sleep(delay)
        api_key = self._api_key(headers.get("Authorization", ""))
        if api_key is None:
            return 401, invalid("You did not provide an API key.").body, {}
        if not api_key.startswith("sk_test_") or api_key != self.api_key:
            return 401, invalid(f"Invalid API Key provided: {api_key[:8]}****").body, {}
        if failure:
            return failure, StripeFailure(failure, "api_error", "An unknown error occurred").body, {}
        fingerprint = (method, path, json.dumps(params, sort_keys=True))
        with self.lock:
            if method == "POST" and key:
                stored = self.idempotency.get((api_key, key))
                if stored is not None:
                    if stored[0] != fingerprint:
                        message = (
                            "Keys for idempotent requests can only be used with the same parameters they were "
                            f"first used with. Try using a key other than '{key}' if you meant to execute a "
                            "different request."
                        )
                        return 400, StripeFailure(400, "idempotency_error", message).body, {}
                    return stored[1], copy.deepcopy(stored[2]), {"Idempotent-Replayed": "true"}
            try:
                status, payload = 200, self._route(method, path, params)
            except StripeFailure as exc:
                status, payload = exc.status, exc.body
            if method == "POST" and key and (status == 200 or status == 402):
                self.idempotency[(api_key, key)] = (fingerprint, status, copy.deepcopy(payload))
        return status, payload, {"Request-Id": _new_id("req")}

    @staticmethod
    def _api_key(authorization: str) -> str | None:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value:
            return value.strip()
        if scheme.lower() == "basic" and value:
            try:
                return base64.b64decode(value).decode().split(":", 1)[0]
            except ValueError:
                return ""
        return None

    def _route(self, method: str, path: str, params: dict) -> dict:
        routes = [
            ("POST", r"/v1/payment_intents", self._payment_intent_create),
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", self._retrieve("pi", "payment_intent")),
            ("POST", r"/v1/refunds", self._refund_create),
            ("GET", r"/v1/refunds/(?P<id>[^/]+)", self._retrieve("re", "refund")),
            ("POST", r"/v1/checkout/sessions", self._checkout_session_create),
            ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", self._retrieve("cs_test", "checkout.session")),
            ("GET", r"/v1/subscriptions/(?P<id>[^/]+)", self._retrieve("sub", "subscription")),
            ("POST", r"/v1/subscriptions/(?P<id>[^/]+)", self._subscription_update),
            ("DELETE", r"/v1/subscriptions/(?P<id>[^/]+)", self._subscription_cancel_now),
            ("POST", r"/v1/products", self._product_create),
            ("POST", r"/v1/prices", self._price_create),
            ("GET", r"/v1/prices", self._price_list),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return handler(params, **match.groupdict())
        raise invalid(f"Unrecognized request URL ({method}: {path}).", status=404)

    def _retrieve(self, prefix: str, object_name: str):
        def retrieve(params: dict, id: str) -> dict:
            obj = self.objects.get(id)
            if obj is None or obj["object"] != object_name:
                raise missing(object_name.replace(".", " ").replace("_", " "), id, param="id")
            return self._render(obj, params.get("expand") or [])

        return retrieve

    def _store(self, obj: dict) -> dict:
        obj.setdefault("created", self.now())
        obj.setdefault("livemode", False)
        self.objects[obj["id"]] = obj
        return obj

    def _render(self, obj: dict, expand) -> dict:
        rendered = copy.deepcopy(obj)
        for field in expand if isinstance(expand, list) else [expand]:
            if isinstance(rendered.get(field), str) and rendered[field] in self.objects:
                rendered[field] = copy.deepcopy(self.objects[rendered[field]])
        return rendered

    # -- payment intents and charges ---------------------------------------------------------------

    def _payment_intent_create(self, params: dict) -> dict:
        amount = _int(params, "amount", required=True)
        currency = _currency(params)
        if amount < MINIMUM_AMOUNTS.get(currency, 1):
            raise invalid(
                f"Amount must be at least {MINIMUM_AMOUNTS.get(currency, 1)} {currency}",
                param="amount",
                code="amount_too_small",
            )
        if amount > 99_999_999:
            raise invalid("Amount must be no more than 99999999", param="amount", code="amount_too_large")
        payment_method = params.get("payment_method")
        if payment_method and payment_method not in TEST_PAYMENT_METHODS:
            raise missing("PaymentMethod", payment_method, param="payment_method")
        confirm = _bool(params, "confirm")
        if confirm and not payment_method:
            raise invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        intent_id = _new_id("pi")
        intent = self._store(
            {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "currency": currency,
                "status": "requires_confirmation" if payment_method else "requires_payment_method",
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                "capture_method": "automatic",
                "confirmation_method": "automatic",
                "customer": params.get("customer"),
                "description": params.get("description"),
                "latest_charge": None,
                "last_payment_error": None,
                "next_action": None,
                "payment_method": payment_method,
                "metadata": _metadata(params),
            }
        )
        if confirm:
            self._confirm(intent)
        return self._render(intent, params.get("expand") or [])

    def _charge(self, intent: dict, *, succeeded: bool, failure=None) -> dict:
        charge = self._store(
            {
                "id": _new_id("ch"),
                "object": "charge",
                "amount": intent["amount"],
                "amount_captured": intent["amount"] if succeeded else 0,
                "amount_refunded": 0,
                "currency": intent["currency"],
                "paid": succeeded,
                "captured": succeeded,
                "refunded": False,
                "status": "succeeded" if succeeded else "failed",
                "payment_intent": intent["id"],
                "payment_method": intent["payment_method"],
                "receipt_url": f"https://pay.stripe.com/receipts/payment/{secrets.token_urlsafe(24)}"
                if succeeded
                else None,
                "failure_code": failure[0] if failure else None,
                "failure_message": failure[2] if failure else None,
                "outcome": {"type": "authorized" if succeeded else "issuer_declined"},
                "metadata": dict(intent["metadata"]),
                "description": intent["description"],
            }
        )
        intent["latest_charge"] = charge["id"]
        return charge

    def _succeed(self, intent: dict) -> None:
        charge = self._charge(intent, succeeded=True)
        intent.update(status="succeeded", amount_received=intent["amount"], next_action=None, last_payment_error=None)
        self.event("payment_intent.succeeded", intent)
        self.event("charge.succeeded", charge)

    def _decline(self, intent: dict, failure: tuple) -> dict:
        charge = self._charge(intent, succeeded=False, failure=failure)
        code, decline_code, message = failure
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "charge": charge["id"],
            "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
            "payment_method": {"id": intent["payment_method"], "object": "payment_method", "type": "card"},
        }
        intent.update(status="requires_payment_method", last_payment_error=error, next_action=None)
        self.event("payment_intent.payment_failed", intent)
        self.event("charge.failed", charge)
        return error

    def _confirm(self, intent: dict) -> None:
        outcome = TEST_PAYMENT_METHODS[intent["payment_method"]]
        if outcome == "succeed":
            self._succeed(intent)
        elif outcome == "authenticate":
            intent.update(
                status="requires_action",
                next_action={
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect", "source": _new_id("src")},
                },
            )
            self.event("payment_intent.requires_action", intent)
        else:
            error = self._decline(intent, outcome)
            fields = {key: value for key, value in error.items() if key not in ("type", "message")}
            raise StripeFailure(402, "card_error", error["message"], **fields, payment_intent=copy.deepcopy(intent))

    # -- refunds -----------------------------------------------------------------------------------

    def _refund_create(self, params: dict) -> dict:
        intent_id, charge_id = params.get("payment_intent"), params.get("charge")
        if not intent_id and not charge_id:
            raise invalid("One of the following params should be provided for this request: payment_intent or charge.")
        if intent_id:
            intent = self.objects.get(intent_id)
            if intent is None or intent["object"] != "payment_intent":
                raise missing("payment_intent", intent_id, param="payment_intent")
            if intent["status"] != "succeeded":
                raise invalid(
                    "This PaymentIntent does not have a successful charge to refund.",
                    param="payment_intent",
                    code="charge_not_refundable",
                )
            charge_id = intent["latest_charge"]
        charge = self.objects.get(charge_id)
        if charge is None or charge["object"] != "charge":
            raise missing("charge", charge_id, param="charge")
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise invalid(f"Charge {charge_id} has already been refunded.", code="charge_already_refunded")
        amount = _int(params, "amount")
        amount = remaining if amount is None else amount
        if amount <= 0:
            raise invalid("Amount must be a positive integer.", param="amount")
        if amount > remaining:
            raise invalid(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                param="amount",
                code="amount_too_large",
            )
        reason = params.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", param="reason"
            )
        refund = self._store(
            {
                "id": _new_id("re"),
                "object": "refund",
                "amount": amount,
                "currency": charge["currency"],
                "status": "succeeded",
                "reason": reason,
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "metadata": _metadata(params),
            }
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        self.event("refund.created", refund)
        previous = {"amount_refunded": charge["amount_refunded"] - amount}
        self.event("charge.refunded", charge, previous_attributes=previous)
        return copy.deepcopy(refund)

    # -- products and prices -----------------------------------------------------------------------

    def _product_create(self, params: dict) -> dict:
        if not params.get("name"):
            raise invalid("Missing required param: name.", param="name", code="parameter_missing")
        product = {
            "id": params.get("id") or _new_id("prod"),
            "object": "product",
            "name": params["name"],
            "active": True,
            "metadata": _metadata(params),
        }
        if product["id"] in self.objects:
            raise invalid("Product already exists.", param="id", code="resource_already_exists")
        return copy.deepcopy(self._store(product))

    def _price(self, product_id: str, unit_amount: int, currency: str, interval: str, lookup_key) -> dict:
        return self._store(
            {
                "id": _new_id("price"),
                "object": "price",
                "active": True,
                "product": product_id,
                "unit_amount": unit_amount,
                "currency": currency,
                "type": "recurring",
                "recurring": {"interval": interval, "interval_count": 1},
                "lookup_key": lookup_key,
            }
        )

    def _price_create(self, params: dict) -> dict:
        product_id, product_data = params.get("product"), params.get("product_data")
        if product_id and product_data is not None:
            raise invalid("You may only specify one of these parameters: product, product_data.")
        if product_id is None and product_data is None:
            raise invalid("Missing required param: product.", param="product", code="parameter_missing")
        if product_id is not None and product_id not in self.objects:
            raise missing("product", str(product_id), param="product")
        if product_data is not None and (not isinstance(product_data, dict) or not product_data.get("name")):
            raise invalid(
                "Missing required param: product_data[name].", param="product_data[name]", code="parameter_missing"
            )
        product_metadata = _metadata(product_data) if product_data is not None else None
        unit_amount = _int(params, "unit_amount", required=True)
        currency = _currency(params)
        interval = (params.get("recurring") or {}).get("interval")
        if interval not in INTERVAL_SECONDS:
            raise invalid(f"Invalid recurring[interval]: {interval}", param="recurring[interval]")
        lookup_key = params.get("lookup_key")
        holders = [obj for obj in self.objects.values() if obj["object"] == "price" and obj["lookup_key"] == lookup_key]
        if lookup_key and holders:
            if not _bool(params, "transfer_lookup_key"):
                raise invalid(f"A price ({holders[0]['id']}) already uses that lookup key.", param="lookup_key")
            for holder in holders:
                holder["lookup_key"] = None
        if product_data is not None:  # made with the price, in the same request
            product_id = self._product_create({"name": product_data["name"], "metadata": product_metadata})["id"]
        return copy.deepcopy(self._price(product_id, unit_amount, currency, interval, lookup_key))

    def _price_list(self, params: dict) -> dict:
        limit = _int(params, "limit")
        limit = 10 if limit is None else limit
        if not 1 <= limit <= 100:
            raise invalid("Invalid integer: limit must be between 1 and 100.", param="limit")
        lookup_keys = params.get("lookup_keys")
        if lookup_keys is not None and (
            not isinstance(lookup_keys, list) or not all(isinstance(key, str) for key in lookup_keys)
        ):
            raise invalid("Invalid array", param="lookup_keys")
        if lookup_keys is not None and len(lookup_keys) > 10:
            raise invalid("Invalid array: lookup_keys must have at most 10 elements.", param="lookup_keys")
        active = _bool(params, "active")
        # Newest first, as Stripe lists (ids made in the same second keep the order they were made in).
        prices = [
            obj
            for obj in reversed(self.objects.values())
            if obj["object"] == "price"
            and (lookup_keys is None or obj["lookup_key"] in lookup_keys)
            and (active is None or obj["active"] == active)
            and (params.get("product") is None or obj["product"] == params["product"])
        ]
        ids = [price["id"] for price in prices]
        for cursor in ("starting_after", "ending_before"):
            if params.get(cursor) is not None and params[cursor] not in self.objects:
                raise missing("price", params[cursor], param=cursor)
        if params.get("starting_after") in ids:
            prices = prices[ids.index(params["starting_after"]) + 1 :]
        elif params.get("ending_before") in ids:
            prices = prices[: ids.index(params["ending_before"])][-limit:]
        return {
            "object": "list",
            "data": copy.deepcopy(prices[:limit]),
            "has_more": len(prices) > limit,
            "url": "/v1/prices",
        }

    # -- checkout and subscriptions ----------------------------------------------------------------

    def _checkout_session_create(self, params: dict) -> dict:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            raise invalid(f"Invalid mode: {mode}", param="mode")
        if not params.get("success_url"):
            raise invalid("Missing required param: success_url.", param="success_url", code="parameter_missing")
        line_items = params.get("line_items") or []
        if mode == "subscription" and not line_items:
            raise invalid("Missing required param: line_items.", param="line_items", code="parameter_missing")
        for index, item in enumerate(line_items):
            price = self.objects.get(item.get("price", ""))
            if price is None or price["object"] != "price":
                raise missing("price", item.get("price", ""), param=f"line_items[{index}][price]")
        customer = params.get("customer")
        if customer and customer not in self.objects:
            raise missing("customer", customer, param="customer")
        session_id = f"cs_test_{secrets.token_urlsafe(30).replace('-', 'a').replace('_', 'b')}"
        session = self._store(
            {
                "id": session_id,
                "object": "checkout.session",
                "mode": mode,
                "status": "open",
                "payment_status": "unpaid",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "success_url": params["success_url"],
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "customer": customer,
                "customer_email": params.get("customer_email"),
                "subscription": None,
                "metadata": _metadata(params),
                "expires_at": self.now() + 86_400,
            }
        )
        self.private[session_id] = {
            "line_items": line_items,
            "subscription_metadata": (params.get("subscription_data") or {}).get("metadata") or {},
        }
        return copy.deepcopy(session)

    def _invoice(self, subscription: dict, *, paid: bool) -> dict:
        price = subscription["items"]["data"][0]["price"]
        item = subscription["items"]["data"][0]
        invoice = self._store(
            {
                "id": _new_id("in"),
                "object": "invoice",
                "customer": subscription["customer"],
                "status": "paid" if paid else "open",
                "currency": price["currency"],
                "amount_due": price["unit_amount"],
                "amount_paid": price["unit_amount"] if paid else 0,
                "period_start": item["current_period_start"],
                "period_end": item["current_period_end"],
                "parent": {
                    "type": "subscription_details",
                    "subscription_details": {
                        "subscription": subscription["id"],
                        "metadata": dict(subscription["metadata"]),
                    },
                },
            }
        )
        subscription["latest_invoice"] = invoice["id"]
        return invoice

    def complete_checkout(self, session_id: str) -> dict:
        """What paying on the hosted page does: customer, subscription, paid invoice, and three events."""
        with self.lock:
            session = self.objects.get(session_id)
            if session is None or session["object"] != "checkout.session":
                raise missing("checkout session", session_id)
            if session["status"] != "open":
                raise invalid("This Checkout Session is no longer open.")
            customer_id = session["customer"]
            if not customer_id:
                customer_id = self._store(
                    {"id": _new_id("cus"), "object": "customer", "email": session["customer_email"]}
                )["id"]
            private = self.private[session_id]
            price = copy.deepcopy(self.objects[private["line_items"][0]["price"]])
            now = self.now()
            subscription_id = _new_id("sub")
            subscription = self._store(
                {
                    "id": subscription_id,
                    "object": "subscription",
                    "customer": customer_id,
                    "status": "active",
                    "cancel_at_period_end": False,
                    "cancel_at": None,
                    "canceled_at": None,
                    "ended_at": None,
                    "start_date": now,
                    "metadata": dict(private["subscription_metadata"]),
                    "items": {
                        "object": "list",
                        "data": [
                            {
                                "id": _new_id("si"),
                                "object": "subscription_item",
                                "price": price,
                                "quantity": int(private["line_items"][0].get("quantity", "1")),
                                "subscription": subscription_id,
                                "current_period_start": now,
                                "current_period_end": now + INTERVAL_SECONDS[price["recurring"]["interval"]],
                            }
                        ],
                        "has_more": False,
                    },
                }
            )
            invoice = self._invoice(subscription, paid=True)
            session.update(status="complete", payment_status="paid", subscription=subscription_id, customer=customer_id)
            self.event("checkout.session.completed", session)
            self.event("customer.subscription.created", subscription)
            self.event("invoice.paid", invoice)
            return copy.deepcopy(subscription)

    def _subscription(self, subscription_id: str) -> dict:
        subscription = self.objects.get(subscription_id)
        if subscription is None or subscription["object"] != "subscription":
            raise missing("subscription", subscription_id, param="id")
        return subscription

    def _subscription_update(self, params: dict, id: str) -> dict:
        subscription = self._subscription(id)
        cancel_at_period_end = _bool(params, "cancel_at_period_end")
        if subscription["status"] == "canceled" and cancel_at_period_end is not None:
            raise invalid("A canceled subscription can only update its cancellation_details and metadata.")
        previous = {}
        if cancel_at_period_end is not None and cancel_at_period_end != subscription["cancel_at_period_end"]:
            previous["cancel_at_period_end"] = subscription["cancel_at_period_end"]
            subscription["cancel_at_period_end"] = cancel_at_period_end
            period_end = subscription["items"]["data"][0]["current_period_end"]
            subscription["cancel_at"] = period_end if cancel_at_period_end else None
        if "metadata" in params:
            previous["metadata"] = dict(subscription["metadata"])
            subscription["metadata"].update(_metadata(params))
        if previous:
            self.event("customer.subscription.updated", subscription, previous_attributes=previous)
        return copy.deepcopy(subscription)

    def _subscription_cancel_now(self, params: dict, id: str) -> dict:
        subscription = self._subscription(id)
        if subscription["status"] == "canceled":
            raise invalid(f"No such subscription: '{id}'", code="resource_missing", status=404)
        now = self.now()
        subscription.update(status="canceled", canceled_at=now, ended_at=now)
        self.event("customer.subscription.deleted", subscription)
        return copy.deepcopy(subscription)

    def renew(self, subscription_id: str, *, paid: bool = True) -> dict:
        """The next billing period starts: its invoice is paid, or fails and the subscription is past_due."""
        with self.lock:
            subscription = self._subscription(subscription_id)
            item = subscription["items"]["data"][0]
            previous = {"items": copy.deepcopy(subscription["items"]), "status": subscription["status"]}
            length = item["current_period_end"] - item["current_period_start"]
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] += length
            invoice = self._invoice(subscription, paid=paid)
            subscription["status"] = "active" if paid else "past_due"
            self.event("invoice.paid" if paid else "invoice.payment_failed", invoice)
            self.event("customer.subscription.updated", subscription, previous_attributes=previous)
            return copy.deepcopy(subscription)

    def end_period(self, subscription_id: str) -> dict:
        """The paid period runs out: a subscription set to cancel at period end is deleted."""
        with self.lock:
            subscription = self._subscription(subscription_id)
            if subscription["cancel_at_period_end"]:
                return self._subscription_cancel_now({}, subscription_id)
            return self.renew(subscription_id)

    def authenticate(self, intent_id: str, *, succeed: bool) -> dict:
        """The customer completes (or fails) 3-D Secure in Stripe.js."""
        with self.lock:
            intent = self.objects.get(intent_id)
            if intent is None or intent["object"] != "payment_intent":
                raise missing("payment_intent", intent_id)
            if intent["status"] != "requires_action":
                raise invalid("This PaymentIntent does not require authentication.")
            if succeed:
                self._succeed(intent)
            else:
                self._decline(
                    intent,
                    (
                        "payment_intent_authentication_failure",
                        None,
                        "We are unable to authenticate your payment method.",
                    ),
                )
            return copy.deepcopy(intent)

    # -- control endpoints -------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict, dict]:
        options = json.loads(body or b"{}") if method == "POST" else {}
        parts = path.removeprefix("/__fake__/").split("/")
        try:
            if parts == ["requests"] and method == "GET":
                with self.lock:
                    return 200, {"data": copy.deepcopy(self.requests)}, {}
            if parts == ["reset"]:
                self.reset()
                return 200, {}, {}
            if parts == ["fail-next"]:
                with self.lock:
                    self.fail_next.extend([int(options.get("status", 500))] * int(options.get("count", 1)))
                return 200, {}, {}
            if parts == ["delay-next"]:
                self.delay_next = float(options.get("seconds", 1))
                return 200, {}, {}
            if len(parts) == 3 and parts[0] == "checkout" and parts[2] == "complete":
                subscription = self.complete_checkout(parts[1])
            elif len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "authenticate":
                subscription = self.authenticate(parts[1], succeed=bool(options.get("succeed", True)))
            elif len(parts) == 3 and parts[0] == "subscriptions" and parts[2] == "renew":
                subscription = self.renew(parts[1], paid=bool(options.get("paid", True)))
            elif len(parts) == 3 and parts[0] == "subscriptions" and parts[2] == "end_period":
                subscription = self.end_period(parts[1])
            else:
                return 404, invalid(f"Unknown control endpoint {path}").body, {}
        except StripeFailure as exc:
            return exc.status, exc.body, {}
        deliveries = self.deliver() if self.webhook_url else []
        return 200, {"object": subscription, "deliveries": [status for status, _ in deliveries]}, {}


class _Handler(JsonHandler):
    do_GET = do_POST = do_DELETE = JsonHandler.respond
