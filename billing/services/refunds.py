"""Refunds of card payments, and refunds made elsewhere applied from webhooks."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from omnisales.api.errors import ApplicationError
from omnisales.api.money import from_minor_units, to_minor_units

from ..exceptions import PaymentNotRefundable, ProviderRejectedRequest, RefundExceedsCaptured, ValidationFailed
from ..models import Payment, PaymentStatus, Refund, RefundStatus
from ..providers import stripe_gateway
from ._common import _field_error
from .payments import payment_changed

REFUNDABLE_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
# A refund in these states holds its amount against the payment.
_RESERVING_REFUND_STATUSES = (RefundStatus.PENDING, RefundStatus.SUCCEEDED, RefundStatus.REQUIRES_ACTION)

_REFUND_PARAM_FIELDS = {"amount": "amount_cents", "reason": "reason"}


def _refund_status(stripe_status: str | None) -> str:
    return stripe_status if stripe_status in RefundStatus.values else RefundStatus.PENDING


def payment_record_refunded_amount(*, payment: Payment, amount_refunded: Decimal) -> bool:
    """Raises the payment's refunded total to `amount_refunded` (never lowers it) and sets its status.

    Caller holds the payment's row lock. Returns whether anything changed.
    """
    if amount_refunded <= payment.amount_refunded or payment.status not in REFUNDABLE_STATUSES:
        return False
    payment.amount_refunded = min(amount_refunded, payment.amount)
    if payment.amount_refunded >= payment.amount:
        payment.status = PaymentStatus.REFUNDED
    else:
        payment.status = PaymentStatus.PARTIALLY_REFUNDED
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    return True


def refunds_held(payment: Payment, *, confirmed_only: bool = False) -> Decimal:
    """What this payment's own refunds hold against it: those Stripe accepted, and unless
    `confirmed_only`, also the reservations of refunds still waiting for Stripe's answer."""
    refunds = payment.refunds.filter(status__in=_RESERVING_REFUND_STATUSES)
    if confirmed_only:
        refunds = refunds.exclude(stripe_refund_id=None)
    return refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _reserved_refunds(payment: Payment) -> Decimal:
    return max(refunds_held(payment), payment.amount_refunded)


def payment_refund(
    *, payment: Payment, amount_cents: int | None = None, reason: str | None = None, refund_id: str | None = None
) -> Refund:
    """Refunds all of a captured payment, or part of it, through Stripe.

    Never more than captured minus what is already refunded or being refunded (RefundExceedsCaptured,
    409). The amount is first reserved by a pending Refund row under the payment's lock, so concurrent
    refunds cannot together exceed the payment; then Stripe is called with the refund's id as
    Idempotency-Key; then Stripe's answer is recorded and `payment.refunded` emitted. If Stripe
    refuses or cannot be reached, the reservation is deleted and nothing stays written.

    `refund_id` is the id the Refund takes (default: a new one). A caller that repeats a refund whose
    Stripe call timed out passes the same id, so Stripe sees the same Idempotency-Key and refunds once.

    It calls Stripe: call it outside long transactions (it commits its own short ones).
    """
    stripe_gateway.ensure_configured()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status not in REFUNDABLE_STATUSES or not payment.stripe_payment_intent_id:
            raise PaymentNotRefundable(
                "Only a succeeded payment can be refunded",
                details={"payment_id": payment.id, "status": payment.status},
            )
        if amount_cents is not None and amount_cents <= 0:
            raise ValidationFailed("Validation failed", details={"amount_cents": ["Must be a positive integer."]})
        refundable = payment.amount - _reserved_refunds(payment)
        amount = refundable if amount_cents is None else from_minor_units(amount_cents, payment.currency)
        if amount <= 0 or amount > refundable:
            raise RefundExceedsCaptured(
                "The refund is more than the payment has left to refund",
                details={
                    "refundable_cents": to_minor_units(refundable, payment.currency),
                    "requested_cents": to_minor_units(amount, payment.currency),
                },
            )
        refund = Refund.objects.create(
            **({"id": refund_id} if refund_id else {}),
            account=payment.account,
            payment=payment,
            amount=amount,
            currency=payment.currency,
            status=RefundStatus.PENDING,
            reason=reason or "",
        )
    try:
        stripe_refund = stripe_gateway.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount_cents=to_minor_units(amount, payment.currency),
            reason=reason or "",
            metadata={"refund_id": refund.id, "payment_id": payment.id, "account_id": payment.account_id},
            idempotency_key=f"{refund.id}:refund",
        )
    except ApplicationError as exc:
        Refund.objects.filter(pk=refund.pk).delete()
        if isinstance(exc, ProviderRejectedRequest):
            if exc.stripe_code in ("charge_already_refunded", "amount_too_large"):
                raise RefundExceedsCaptured(exc.message, details={"provider_code": exc.stripe_code}) from exc
            raise _field_error(exc, _REFUND_PARAM_FIELDS) from exc
        raise
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refund.status = _refund_status(stripe_refund.get("status"))
        refund.stripe_refund_id = stripe_refund.get("id")
        refund.save(update_fields=["status", "stripe_refund_id", "updated_at"])
        previous_status = payment.status
        payment_record_refunded_amount(payment=payment, amount_refunded=refunds_held(payment, confirmed_only=True))
        payment_changed(payment=payment, previous_status=previous_status, refunded_amount=refund.amount, refund=refund)
    return refund
