"""Card payments: creating and confirming PaymentIntents, and applying their outcome (also from webhooks)."""

import logging
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import Account
from customers.models import Customer
from omnisales.api.errors import ApplicationError, not_found
from omnisales.api.ids import PREFIXES, new_id
from omnisales.api.money import from_minor_units, to_minor_units
from orders.models import Order, PaymentRecordStatus
from orders.models import PaymentMethod as OrderPaymentMethod
from orders.services import order_payment_record, order_payment_refund, order_payment_release
from webhooks.services import event_emit

from ..exceptions import (
    PaymentFailed,
    ProviderRejectedRequest,
)
from ..models import Payment, PaymentStatus, Refund
from ..providers import stripe_gateway
from ._common import _field_error, stripe_id

logger = logging.getLogger("billing.services")

_INTENT_STATUS = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.PROCESSING,
    "requires_confirmation": PaymentStatus.PROCESSING,
    "requires_payment_method": PaymentStatus.FAILED,  # what a declined confirmation leaves behind
    "canceled": PaymentStatus.CANCELED,
}

# Which status may follow which. A failed PaymentIntent can still be completed by the customer (it
# is retried with the client secret); refunds only follow a success; refunded and canceled are final.
PAYMENT_TRANSITIONS = {
    PaymentStatus.REQUIRES_ACTION: {
        PaymentStatus.PROCESSING,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.CANCELED,
    },
    PaymentStatus.PROCESSING: {PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED},
    PaymentStatus.FAILED: {
        PaymentStatus.REQUIRES_ACTION,
        PaymentStatus.PROCESSING,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.CANCELED,
    },
    PaymentStatus.SUCCEEDED: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
    PaymentStatus.PARTIALLY_REFUNDED: {PaymentStatus.REFUNDED},
    PaymentStatus.REFUNDED: set(),
    PaymentStatus.CANCELED: set(),
}
_PAYMENT_PARAM_FIELDS = {"amount": "amount", "currency": "currency", "payment_method": "payment_method_id"}


def payment_event_data(payment: Payment) -> dict:
    return {
        "payment_id": payment.id,
        "status": payment.status,
        "amount_cents": to_minor_units(payment.amount, payment.currency),
        "amount_refunded_cents": to_minor_units(payment.amount_refunded, payment.currency),
        "currency": payment.currency,
        "customer_id": payment.customer_reference or None,
        "order_id": payment.order_reference or None,
        "stripe_payment_intent_id": payment.stripe_payment_intent_id,
        "stripe_charge_id": payment.stripe_charge_id or None,
        "failure_code": payment.failure_code or None,
        "decline_code": payment.decline_code or None,
    }


def _notify_order_of_payment(payment: Payment) -> None:
    """Orders integration: record the payment on the order and update its paid state.

    The single call site for the hand-off to orders: `payment_changed` calls it for every change of
    the status or refunded amount of a payment that names an order, inside that change's transaction
    (the caller holds the payment's row lock). Both order services are idempotent on the provider
    reference, so Stripe's retried and duplicated notifications change the order once. An order that
    cannot take the money keeps its state; the payment is still recorded here and the mismatch is
    logged for the merchant to settle. Through the API that cannot happen: `payment_process` holds
    the amount on the order before charging, and this hand-off settles that pending payment (a
    failed or canceled charge gives the amount back). Only a charge made elsewhere can reach it.
    """
    order = Order.objects.filter(account_id=payment.account_id, pk=payment.order_reference).first()
    if order is None:
        return
    captured = payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
    try:
        with transaction.atomic():
            if captured or payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
                record = order_payment_record(
                    order=order,
                    amount=payment.amount,
                    method=OrderPaymentMethod.CREDIT_CARD,
                    provider="stripe",
                    provider_reference=payment.id,
                    status=PaymentRecordStatus.SUCCEEDED if captured else PaymentRecordStatus.FAILED,
                )
                refunded_on_order = sum((refund.amount for refund in record.refunds.all()), Decimal("0.00"))
                missing = payment.amount_refunded - refunded_on_order
                if captured and missing > 0:
                    order_payment_refund(
                        order=order,
                        amount=missing,
                        payment=record,
                        provider="stripe",
                        provider_reference=f"{payment.id}:refunded:{payment.amount_refunded}",
                    )
    except ApplicationError as exc:
        logger.warning("Payment %s could not be applied to order %s: %s", payment.id, order.pk, exc.message)


def payment_changed(
    *,
    payment: Payment,
    previous_status: str | None,
    refunded_amount: Decimal | None = None,
    refund: Refund | None = None,
) -> None:
    """Emits our event for a change being committed and hands the payment to orders.

    Caller holds the payment's row lock, inside the transaction of the change (outbox). A refund is
    announced with `refunded_amount` (and our `refund` row when the refund went through our API).
    """
    if payment.status != previous_status:
        if payment.status == PaymentStatus.SUCCEEDED:
            event_emit(account=payment.account, event="payment.succeeded", data=payment_event_data(payment))
        elif payment.status == PaymentStatus.FAILED:
            event_emit(account=payment.account, event="payment.failed", data=payment_event_data(payment))
    if refunded_amount is not None:
        data = {
            **payment_event_data(payment),
            "refund_id": refund.id if refund else None,
            "refund_amount_cents": to_minor_units(refunded_amount, payment.currency),
        }
        event_emit(account=payment.account, event="payment.refunded", data=data)
    if payment.order_reference:
        _notify_order_of_payment(payment)


def _apply_intent_fields(payment: Payment, intent: dict) -> None:
    payment.status = _INTENT_STATUS.get(intent.get("status"), PaymentStatus.PROCESSING)
    payment.stripe_payment_intent_id = intent.get("id") or payment.stripe_payment_intent_id
    charge = intent.get("latest_charge")
    payment.stripe_charge_id = stripe_id(charge) or payment.stripe_charge_id
    if isinstance(charge, dict) and charge.get("receipt_url"):
        payment.receipt_url = charge["receipt_url"]
    error = intent.get("last_payment_error") or {}
    if payment.status == PaymentStatus.FAILED:
        payment.failure_code = (error.get("code") or payment.failure_code or "")[:64]
        payment.decline_code = (error.get("decline_code") or payment.decline_code or "")[:64]
        payment.failure_message = (error.get("message") or payment.failure_message or "")[:500]
    elif payment.status == PaymentStatus.SUCCEEDED:
        payment.failure_code = payment.decline_code = payment.failure_message = ""


def payment_apply_intent(*, payment: Payment, intent: dict, event_created: datetime | None = None) -> bool:
    """Moves a payment to the state of Stripe's PaymentIntent, if that is a legal and newer step.

    Caller holds the payment's row lock. `event_created` is the `created` time of the webhook event
    carrying `intent` (None for the answer to our own API call, which any webhook about the same
    PaymentIntent supersedes); an event older than the last one applied, or a step the transition map
    forbids (succeeded -> failed), changes nothing. Returns whether it applied.
    """
    if payment.provider_state_at is not None and (event_created is None or event_created < payment.provider_state_at):
        return False  # a webhook already recorded a state at least as new as this one
    previous_status = payment.status
    target = _INTENT_STATUS.get(intent.get("status"), PaymentStatus.PROCESSING)
    if target != previous_status and target not in PAYMENT_TRANSITIONS[previous_status]:
        return False
    _apply_intent_fields(payment, intent)
    if event_created is not None:
        payment.provider_state_at = event_created
    payment.save()
    payment_changed(payment=payment, previous_status=previous_status)
    return True


def payment_record_intent(
    *,
    account: Account,
    payment_id: str,
    intent: dict,
    defaults: dict,
    event_created: datetime | None = None,
    failure: dict | None = None,
) -> tuple[Payment, bool]:
    """Creates the payment `payment_id` in the state of `intent`, or moves the existing one there.

    The same payment can be reached from the API answer and from a webhook that overtook it, in either
    order; the first creates it (and emits its event), the second only applies a newer state.
    Returns (payment, applied).
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            payment = Payment(id=payment_id, account=account, **defaults)
            _apply_intent_fields(payment, intent)
            if failure and payment.status == PaymentStatus.FAILED:
                payment.failure_code = payment.failure_code or (failure.get("stripe_code") or "")[:64]
                payment.decline_code = payment.decline_code or (failure.get("decline_code") or "")[:64]
                payment.failure_message = payment.failure_message or (failure.get("message") or "")[:500]
            payment.provider_state_at = event_created
            try:
                with transaction.atomic():
                    payment.save(force_insert=True)
            except IntegrityError:
                payment = Payment.objects.select_for_update().get(pk=payment_id)
            else:
                payment_changed(payment=payment, previous_status=None)
                return payment, True
        applied = payment_apply_intent(payment=payment, intent=intent, event_created=event_created)
        charge = intent.get("latest_charge")
        if not applied and isinstance(charge, dict) and charge.get("receipt_url") and not payment.receipt_url:
            # Webhooks carry the charge as an id only: keep the receipt our expanded API answer has.
            payment.receipt_url = charge["receipt_url"]
            payment.save(update_fields=["receipt_url", "updated_at"])
        return payment, applied


def _order_payment_hold(
    *, account: Account, order_reference: str, payment_id: str, amount: Decimal, currency: str
) -> Order | None:
    """Checks that the order can take the payment and holds the amount on it, before Stripe is called.

    One short transaction under the order's row lock, with the rules of every payment on an order
    (`order_payment_record`): the pending payment it records keeps the amount out of the balance
    until Stripe's answer settles it (or `order_payment_release` gives it back), so two charges
    racing for one balance cannot both reach Stripe.
    """
    if not order_reference:
        return None
    order = Order.objects.filter(account=account, pk=order_reference).first()
    if order is None:
        raise not_found(Order, order_reference)
    order_payment_record(
        order=order,
        amount=amount,
        currency=currency,
        method=OrderPaymentMethod.CREDIT_CARD,
        provider="stripe",
        provider_reference=payment_id,
        status=PaymentRecordStatus.PENDING,
    )
    return order


def payment_process(
    *,
    account: Account,
    amount_cents: int,
    currency: str,
    payment_method_id: str,
    customer_reference: str = "",
    order_reference: str = "",
    description: str = "",
) -> tuple[Payment, str | None]:
    """Charges a card now: creates and confirms a Stripe PaymentIntent and records the Payment.

    Returns (payment, client_secret); the client secret is given only when the card needs 3-D Secure
    (status requires_action), for the client to finish with Stripe.js.

    - Before Stripe is called: the customer must be the account's (404 CUSTOMER_NOT_FOUND), and the
      order the account's (404 ORDER_NOT_FOUND) and able to take the amount, by the rules of every
      payment on an order (409 ORDER_NOT_PAYABLE / PAYMENT_EXCEEDS_BALANCE, 422 on a currency other
      than the order's); the amount is then held on the order until Stripe's answer settles it.
    - The PaymentIntent's Idempotency-Key is derived from the new payment's id, so retries of this
      call (the SDK's included) can never charge twice.
    - A decline is recorded as a failed Payment, with its `payment.failed` event, and committed; then
      PaymentFailed (402) is raised. This is the one write a failed request keeps.
    - If Stripe is unreachable (503) nothing is written. Should Stripe have charged anyway, its
      `payment_intent.succeeded` webhook creates the Payment from the PaymentIntent's metadata.
    """
    stripe_gateway.ensure_configured()
    if customer_reference and not Customer.objects.filter(account=account, pk=customer_reference).exists():
        raise not_found(Customer, customer_reference)
    payment_id = new_id(PREFIXES["payment"])
    order = _order_payment_hold(
        account=account,
        order_reference=order_reference,
        payment_id=payment_id,
        amount=from_minor_units(amount_cents, currency),
        currency=currency,
    )
    metadata = {"payment_id": payment_id, "account_id": account.id}
    if customer_reference:
        metadata["customer_id"] = customer_reference
    if order_reference:
        metadata["order_id"] = order_reference
    defaults = {
        "amount": from_minor_units(amount_cents, currency),
        "currency": currency,
        "description": description,
        "customer_reference": customer_reference,
        "order_reference": order_reference,
    }
    try:
        intent = stripe_gateway.payment_intent_create(
            amount_cents=amount_cents,
            currency=currency,
            payment_method_id=payment_method_id,
            description=description,
            metadata=metadata,
            idempotency_key=f"{payment_id}:payment-intent",
        )
    except PaymentFailed as exc:
        intent = exc.payment_intent or {"status": "requires_payment_method"}
        payment, _ = payment_record_intent(
            account=account, payment_id=payment_id, intent=intent, defaults=defaults, failure=exc.details
        )
        exc.details = {**(exc.details or {}), "payment_id": payment.id}
        raise
    except Exception as exc:
        # Stripe refused the request or could not be reached: no charge was made (a charge Stripe made
        # anyway is recorded from its webhook), so the order's balance is no longer held.
        if order is not None:
            order_payment_release(order=order, provider="stripe", provider_reference=payment_id)
        if isinstance(exc, ProviderRejectedRequest):
            raise _field_error(exc, _PAYMENT_PARAM_FIELDS) from exc
        raise
    payment, _ = payment_record_intent(account=account, payment_id=payment_id, intent=intent, defaults=defaults)
    client_secret = intent.get("client_secret") if payment.status == PaymentStatus.REQUIRES_ACTION else None
    return payment, client_secret
