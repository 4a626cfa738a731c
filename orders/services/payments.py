"""Payments and refunds recorded on orders."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from customers.services import customer_record_refund
from omnisales.api.errors import not_found
from omnisales.api.transactions import atomic_service

from .. import pricing, rollups
from ..actors import SYSTEM, Actor
from ..exceptions import OrderNotPayable, PaymentExceedsBalance, PaymentReferenceConflict, RefundExceedsPaid
from ..models import EventKind, Order, OrderPayment, OrderStatus, PaymentKind, PaymentMethod, PaymentRecordStatus
from ._common import _emit_updated, _invalid, _lock, _money, _positive_amount, _record_event, _save
from .transitions import _apply_transition, _uncount, allowed_transitions

NOT_PAYABLE = frozenset({OrderStatus.CANCELLED, OrderStatus.REFUNDED})


def _recorded(order: Order, *, provider: str, kind: str, reference: str) -> OrderPayment | None:
    """The payment or refund a provider reference was already recorded as, if any."""
    return OrderPayment.objects.filter(
        account_id=order.account_id, provider=provider, kind=kind, provider_reference=reference
    ).first()


def _set_amounts(order: Order, *, paid_delta: Decimal, refunded_delta: Decimal = Decimal("0.00")) -> None:
    order.amount_paid += paid_delta
    order.amount_refunded += refunded_delta
    order.payment_status = pricing.payment_status_for(
        total=order.total, amount_paid=order.amount_paid, amount_refunded=order.amount_refunded
    )
    _save(order, ["amount_paid", "amount_refunded", "payment_status", "payment_method"])


def _payable_balance(order: Order, *, excluding: OrderPayment | None = None) -> Decimal:
    """The balance less what pending payments hold: a card payment waiting for the provider's answer
    keeps its amount until it succeeds or fails, so two payments cannot both take the same balance."""
    pending = OrderPayment.objects.filter(order=order, kind=PaymentKind.PAYMENT, status=PaymentRecordStatus.PENDING)
    if excluding is not None:
        pending = pending.exclude(pk=excluding.pk)
    return order.balance - (pending.aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))


def _check_balance(order: Order, amount: Decimal, *, excluding: OrderPayment | None = None) -> None:
    balance = _payable_balance(order, excluding=excluding)
    if amount > balance:
        raise PaymentExceedsBalance(
            "The payment is more than the order's outstanding balance",
            details={"amount": amount, "balance": balance},
        )


def order_payment_check(*, order: Order, amount: Decimal, currency: str | None = None) -> Decimal:
    """Refuses a payment the order cannot take; returns the amount, quantized to cents.

    The one set of rules for money in, whoever takes it: merchants recording payments and card payments
    before the provider is asked to charge. Caller holds the order's row lock (see `_lock`) and found
    the order inside the paying account. Errors: 422 VALIDATION_ERROR (amount, or `currency` other
    than the order's), 409 ORDER_NOT_PAYABLE (cancelled or refunded), 409 PAYMENT_EXCEEDS_BALANCE
    (more than the balance less pending payments).
    """
    amount = _positive_amount(amount)
    if currency is not None and currency.upper() != order.currency.upper():
        raise _invalid({"currency": [f"Must be the order's currency, {order.currency}."]})
    if order.status in NOT_PAYABLE:
        raise OrderNotPayable(f"A {order.status} order cannot take payments", details={"status": order.status})
    _check_balance(order, amount)
    return amount


def _payment_succeeded(order: Order, payment: OrderPayment, actor: Actor) -> None:
    _check_balance(order, payment.amount, excluding=payment)
    if order.payment_method is None:
        order.payment_method = payment.method
    _set_amounts(order, paid_delta=payment.amount)
    _record_event(
        order,
        kind=EventKind.PAYMENT,
        actor=actor,
        note=payment.note,
        data={"paymentId": payment.pk, "amount": _money(payment.amount), "method": payment.method},
    )
    _emit_updated(order, changed=["amountPaid", "paymentStatus"])


def _replayed_payment(existing: OrderPayment, *, order: Order, amount: Decimal, status: str, actor: Actor):
    """A provider reference seen before: the same notification again, a pending payment settling, or a
    failed payment succeeding after all (a card payment the customer completed later at the provider;
    it is checked against the balance again, as it held nothing while failed)."""
    if existing.order_id != order.pk or existing.amount != amount:
        raise PaymentReferenceConflict(
            "This provider reference is already recorded for another order or amount",
            details={"paymentId": existing.pk},
        )
    if existing.status == status:
        return existing
    completed_later = existing.status == PaymentRecordStatus.FAILED and status == PaymentRecordStatus.SUCCEEDED
    if existing.status != PaymentRecordStatus.PENDING and not completed_later:
        raise PaymentReferenceConflict(
            f"A {existing.status} payment cannot become {status}",
            details={"paymentId": existing.pk, "status": existing.status},
        )
    if status == PaymentRecordStatus.SUCCEEDED:
        _payment_succeeded(order, existing, actor)
    existing.status = status
    existing.save(update_fields=["status", "updated_at"])
    if status == PaymentRecordStatus.SUCCEEDED:
        rollups.rollups_record_payment(order=order, payment=existing)  # last: the payment day is a shared row
    return existing


@atomic_service
def order_payment_record(
    *,
    order: Order,
    amount: Decimal,
    method: str,
    provider: str = "manual",
    provider_reference: str = "",
    status: str = PaymentRecordStatus.SUCCEEDED,
    reference: str = "",
    note: str = "",
    currency: str | None = None,
    actor: Actor = SYSTEM,
) -> OrderPayment:
    """The one entry point for money received against an order: cash, terminal and bank transfers
    recorded by the merchant (POST /api/orders/{orderId}/payments) and card payments confirmed by the
    payment provider (billing).

    Only `succeeded` payments count: they raise amountPaid and set paymentStatus (and the order's
    paymentMethod if it had none). `pending` and `failed` rows are kept for the record; calling again
    with the same `provider_reference` and a new status settles a pending payment, and a repeat of
    the same call returns the payment already recorded (provider notifications are retried).

    A `pending` payment holds its amount against the balance until it settles (billing records one
    before asking the provider to charge, see `order_payment_release`). `currency`, when given, must
    be the order's.

    Errors: those of `order_payment_check` (not for `failed` rows, which are only kept for the
    record), and 409 PAYMENT_REFERENCE_CONFLICT when the reference was used for another order or amount.
    """
    amount = _positive_amount(amount)
    if method not in PaymentMethod.values:
        raise _invalid({"method": [f"Not one of {', '.join(PaymentMethod.values)}."]})
    if status not in PaymentRecordStatus.values:
        raise ValueError(f"Unknown payment status {status!r}")
    order = _lock(order)
    if provider_reference:
        existing = _recorded(order, provider=provider, kind=PaymentKind.PAYMENT, reference=provider_reference)
        if existing is not None:
            return _replayed_payment(existing, order=order, amount=amount, status=status, actor=actor)
    if status != PaymentRecordStatus.FAILED:
        order_payment_check(order=order, amount=amount, currency=currency)
    elif order.status in NOT_PAYABLE:
        raise OrderNotPayable(f"A {order.status} order cannot take payments", details={"status": order.status})
    payment = OrderPayment(
        account_id=order.account_id,
        order=order,
        kind=PaymentKind.PAYMENT,
        status=status,
        amount=amount,
        currency=order.currency,
        method=method,
        provider=provider,
        provider_reference=provider_reference,
        reference=reference,
        note=note,
    )
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError:
        raise PaymentReferenceConflict(
            "This provider reference is already recorded", details={"providerReference": provider_reference}
        ) from None
    if status == PaymentRecordStatus.SUCCEEDED:
        _payment_succeeded(order, payment, actor)
        rollups.rollups_record_payment(order=order, payment=payment)  # last: the payment day is a shared row
    return payment


@atomic_service
def order_payment_release(*, order: Order, provider: str, provider_reference: str) -> bool:
    """Deletes the pending payment `provider_reference`, giving its amount back to the balance.

    For a charge the provider never made (unreachable, or it refused the request): nothing about it is
    kept. A payment that settled meanwhile stays. Returns whether a pending payment was removed.
    """
    order = _lock(order)
    deleted, _ = OrderPayment.objects.filter(
        order=order,
        kind=PaymentKind.PAYMENT,
        provider=provider,
        provider_reference=provider_reference,
        status=PaymentRecordStatus.PENDING,
    ).delete()
    return bool(deleted)


@atomic_service
def order_payment_refund(
    *,
    order: Order,
    amount: Decimal,
    payment: OrderPayment | None = None,
    provider: str = "manual",
    provider_reference: str = "",
    note: str = "",
    actor: Actor = SYSTEM,
) -> OrderPayment:
    """Records money given back (billing for card refunds, returns for returned goods).

    `amount` is at most what was paid and not yet refunded (of `payment`, when given): 409
    REFUND_EXCEEDS_PAID otherwise. amountPaid goes down, amountRefunded up, paymentStatus becomes
    partially_refunded or refunded. The customer's totalSpent goes down by `amount`; a refund of the
    whole order total takes the order out of the customer's stats instead, and moves a shipped or
    delivered order to `refunded`. A repeat with the same `provider_reference` returns the first refund.
    """
    amount = _positive_amount(amount)
    order = _lock(order)
    if provider_reference:
        existing = _recorded(order, provider=provider, kind=PaymentKind.REFUND, reference=provider_reference)
        if existing is not None:
            if existing.order_id != order.pk or existing.amount != amount:
                raise PaymentReferenceConflict(
                    "This refund reference is already recorded for another order or amount",
                    details={"paymentId": existing.pk},
                )
            return existing
    refundable = order.amount_paid
    if payment is not None:
        if payment.order_id != order.pk or payment.kind != PaymentKind.PAYMENT:
            raise not_found(OrderPayment, payment.pk)
        already = sum((refund.amount for refund in payment.refunds.all()), Decimal("0.00"))
        succeeded = payment.status == PaymentRecordStatus.SUCCEEDED
        refundable = min(refundable, payment.amount - already if succeeded else Decimal("0.00"))
    if amount > refundable:
        raise RefundExceedsPaid(
            "The refund is more than was paid", details={"amount": amount, "refundable": refundable}
        )
    refund = OrderPayment.objects.create(
        account_id=order.account_id,
        order=order,
        kind=PaymentKind.REFUND,
        amount=amount,
        currency=order.currency,
        method=payment.method if payment else (order.payment_method or PaymentMethod.OTHER),
        provider=provider,
        provider_reference=provider_reference,
        note=note,
        refunded_payment=payment,
    )
    in_full = order.amount_refunded + amount >= order.total
    if order.counted_in_stats:
        if in_full:
            _uncount(order)
        else:
            customer_record_refund(customer=order.customer, amount=amount)
    _set_amounts(order, paid_delta=-amount, refunded_delta=amount)
    _record_event(
        order,
        kind=EventKind.REFUND,
        actor=actor,
        note=note,
        data={"paymentId": refund.pk, "amount": _money(amount), "method": refund.method},
    )
    _emit_updated(order, changed=["amountPaid", "amountRefunded", "paymentStatus"])
    if in_full and OrderStatus.REFUNDED in allowed_transitions(order.status, internal=True):
        _apply_transition(order, to_status=OrderStatus.REFUNDED, actor=actor, note=note, internal=True)
    rollups.rollups_record_refund(order=order, refund=refund)  # last: the sales day is the contended row
    return refund
