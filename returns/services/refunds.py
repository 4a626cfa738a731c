"""Refunds: of a received return (by default the value of what came back), or goodwill refunds of an order.

Card payments are refunded through Stripe (`billing.services.payment_refund`, which hands the refund to the
order); money taken outside the platform through `orders.services.order_payment_refund`. Either way the
order's amountPaid, amountRefunded and paymentStatus and the customer's totalSpent follow (those services
do it).

A card refund commits a pending ReturnRefund first (under the order's row lock, after every check), then
calls Stripe outside any transaction with the Idempotency-Key of the billing refund id chosen up front,
then records the answer. If Stripe cannot be reached or times out, the refund stays pending (its amount
held) and repeating the refund completes it with the same key: Stripe refunds once.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.exceptions import PaymentProviderUnavailable
from billing.models import Payment
from billing.models import Refund as BillingRefund
from billing.services import REFUNDABLE_STATUSES, payment_refund, refunds_held
from omnisales.api.actors import SYSTEM, Actor
from omnisales.api.ids import PREFIXES, new_id
from omnisales.api.money import to_minor_units
from orders.models import Order, OrderItem
from orders.services import order_payment_refund
from webhooks.services import event_emit

from ..exceptions import RefundExceedsPaid, RefundInProgress, ReturnNotRefundable
from ..models import RefundMethod, RefundStatus, ReturnRefund, ReturnRequest, ReturnStatus
from ._common import _invalid, _transition, return_event_data

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REFUNDABLE_RETURN_STATUSES = (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED)
PROVIDER = "returns"  # the provider of manual refunds recorded on orders: the refund's id is their reference


def _attempt_window() -> timedelta:
    """How long a request may wait on Stripe (every retry of the SDK), and a margin."""
    seconds = float(settings.STRIPE_TIMEOUT_SECONDS) * (int(settings.STRIPE_MAX_NETWORK_RETRIES) + 1) + 30
    return timedelta(seconds=seconds)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def return_value(*, return_request: ReturnRequest, order: Order, include_shipping: bool = False) -> Decimal:
    """What the received units of a return are worth on the order: what was paid for them (their lines'
    totals less the lines' discounts, per unit), plus their share of the order's tax when prices exclude it
    (the order's tax is split pro rata over its taxable amount), plus the order's shipping less any shipping
    discount (and its tax) with `include_shipping`."""
    lines = {
        line.pk: line
        for line in OrderItem.objects.filter(order_id=order.pk).only("quantity", "line_total", "discount_amount")
    }
    line_discounts = sum((line.discount_amount for line in lines.values()), ZERO)
    goods = ZERO
    for item in return_request.items.all():
        line = lines[item.order_item_id]
        goods += (
            (line.line_total - line.discount_amount) * (item.quantity_restocked + item.quantity_damaged) / line.quantity
        )
    shipping = order.shipping_amount - (order.discount_amount - line_discounts)
    value, taxable = goods, goods
    if include_shipping:
        value += shipping
        if order.tax_shipping:
            taxable += shipping
    base = order.subtotal - line_discounts + (shipping if order.tax_shipping else ZERO)
    if not order.prices_include_tax and base > 0:
        value += order.tax * taxable / base
    return _cents(value)


def _card_payments(order: Order) -> list[tuple[Payment, Decimal]]:
    """The order's captured card payments, newest first, each with what is left to refund of it."""
    payments = Payment.objects.filter(
        account_id=order.account_id, order_reference=order.pk, status__in=REFUNDABLE_STATUSES
    ).order_by("-created_at", "-id")
    return [(payment, payment.amount - max(refunds_held(payment), payment.amount_refunded)) for payment in payments]


def _source(order: Order, amount: Decimal) -> tuple[str, Payment | None]:
    """Which money gives `amount` back: a card payment with enough left, else what was paid outside the
    platform. More than either is 409 REFUND_EXCEEDS_PAID {amount, refundable}."""
    cards = _card_payments(order)
    for payment, left in cards:
        if amount <= left:
            return RefundMethod.CARD, payment
    manual = order.amount_paid - sum((left for _, left in cards), ZERO)
    if amount <= manual:
        return RefundMethod.MANUAL, None
    refundable = max([manual, *(left for _, left in cards)])
    raise RefundExceedsPaid(
        "The refund is more than was paid and not yet refunded",
        details={"amount": amount, "refundable": max(refundable, ZERO)},
    )


def _resume_or_refuse(pending: ReturnRefund, *, return_request: ReturnRequest | None, amount) -> ReturnRefund:
    """The order's pending refund: taken over when this request repeats it and no request is waiting on
    Stripe for it any more; otherwise 409 REFUND_IN_PROGRESS."""
    same = pending.return_request_id == (return_request.pk if return_request else None) and amount in (
        None,
        pending.amount,
    )
    if same and (pending.attempt_until is None or pending.attempt_until <= timezone.now()):
        pending.attempt_until = timezone.now() + _attempt_window()
        pending.save(update_fields=["attempt_until", "updated_at"])
        return pending
    raise RefundInProgress(
        "A refund of this order is waiting for the payment provider: repeat it (same amount) to complete it",
        details={"refund_id": pending.pk, "amount": pending.amount, "return_id": pending.return_request_id},
    )


def _amount(*, return_request: ReturnRequest | None, order: Order, amount, include_shipping: bool) -> Decimal:
    if amount is not None:
        if amount <= 0 or _cents(amount) != amount:
            raise _invalid({"amount": ["Must be more than 0, in cents."]})
        return amount
    if return_request is None:
        raise _invalid({"amount": ["A refund without a return needs an amount."]})
    left = return_value(return_request=return_request, order=order, include_shipping=include_shipping)
    left -= return_request.amount_refunded
    if left <= 0:
        raise ReturnNotRefundable(
            "This return's value is refunded already: send an amount to refund more",
            details={"amount_refunded": return_request.amount_refunded},
        )
    if order.amount_paid <= 0:
        raise RefundExceedsPaid(
            "Nothing is left to refund on this order", details={"amount": left, "refundable": order.amount_paid}
        )
    return min(left, order.amount_paid)


def _reserve(*, account, return_request, order, amount, include_shipping, reason) -> ReturnRefund:
    """Every check, under the order's (then the return's) row lock, and the pending refund that holds the
    amount. Committed before Stripe is called."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk, account=account)
    if return_request is not None:
        return_request = ReturnRequest.objects.select_for_update(of=("self",)).get(pk=return_request.pk)
        if return_request.status not in REFUNDABLE_RETURN_STATUSES:
            raise ReturnNotRefundable(
                f"A {return_request.status} return cannot be refunded: receive it first",
                details={"status": return_request.status},
            )
    pending = ReturnRefund.objects.filter(order=order, status=RefundStatus.PENDING).first()
    if pending is not None:
        return _resume_or_refuse(pending, return_request=return_request, amount=amount)
    amount = _amount(return_request=return_request, order=order, amount=amount, include_shipping=include_shipping)
    method, payment = _source(order, amount)
    refund = ReturnRefund(
        account=account,
        return_request=return_request,
        order=order,
        amount=amount,
        currency=order.currency,
        include_shipping=include_shipping,
        reason=reason,
        method=method,
        payment_id=payment.pk if payment else "",
        provider_refund_id=new_id(PREFIXES["refund"]) if payment else "",
        attempt_until=timezone.now() + _attempt_window() if payment else None,
    )
    refund.save(force_insert=True)
    return refund


def _settle(refund: ReturnRefund, *, provider_refund_id: str) -> ReturnRefund:
    """Records a refund done: succeeded, counted on its return (the first moves a received return to
    refunded), `return.refunded` emitted. Inside a transaction; a refund already settled is left alone."""
    refund = ReturnRefund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    refund.status, refund.provider_refund_id = RefundStatus.SUCCEEDED, provider_refund_id
    refund.refunded_at, refund.attempt_until = timezone.now(), None
    refund.save(update_fields=["status", "provider_refund_id", "refunded_at", "attempt_until", "updated_at"])
    if refund.return_request_id is None:
        return refund
    locked = (
        ReturnRequest.objects.select_for_update(of=("self",)).select_related("account").get(pk=refund.return_request_id)
    )
    locked.amount_refunded += refund.amount
    if locked.status == ReturnStatus.RECEIVED:
        _transition(locked, to_status=ReturnStatus.REFUNDED, amount_refunded=locked.amount_refunded)
    else:
        locked.save(update_fields=["amount_refunded", "updated_at"])
        event_emit(account=locked.account, event="return.refunded", data=return_event_data(locked))
    return refund


def return_refund(
    *,
    account,
    return_request: ReturnRequest | None = None,
    order: Order | None = None,
    amount: Decimal | None = None,
    include_shipping: bool = False,
    reason: str = "",
    actor: Actor = SYSTEM,
) -> ReturnRefund:
    """Refunds a received return (`return_request`; by default the value of what came back less what was
    refunded for it, at most what the order has paid and not had back) or, without one, gives `amount` of
    `order` back as goodwill.

    Errors, all before any money moves: 409 RETURN_NOT_REFUNDABLE (not received, or its value refunded
    already), 409 REFUND_EXCEEDS_PAID {amount, refundable}, 409 REFUND_IN_PROGRESS (another refund of the
    order is waiting for Stripe), 422 on amount; then Stripe's (503 PAYMENT_PROVIDER_UNAVAILABLE leaves the
    refund pending, to complete by repeating it). Calls Stripe: run it outside a request transaction.
    """
    if return_request is not None:
        order = return_request.order
    with transaction.atomic():
        refund = _reserve(
            account=account,
            return_request=return_request,
            order=order,
            amount=amount,
            include_shipping=include_shipping,
            reason=reason,
        )
        if refund.method == RefundMethod.MANUAL:
            recorded = order_payment_refund(
                order=refund.order,
                amount=refund.amount,
                provider=PROVIDER,
                provider_reference=refund.pk,
                note=reason or (f"Return {refund.return_request_id}" if refund.return_request_id else ""),
                actor=actor,
            )
            return _settle(refund, provider_refund_id=recorded.pk)
    done = BillingRefund.objects.filter(pk=refund.provider_refund_id).exclude(stripe_refund_id=None).first()
    if done is not None:  # recorded by billing before an earlier attempt stopped short of settling
        with transaction.atomic():
            return _settle(refund, provider_refund_id=done.pk)
    payment = Payment.objects.get(pk=refund.payment_id)
    try:
        billing_refund = payment_refund(
            payment=payment,
            amount_cents=to_minor_units(refund.amount, payment.currency),
            reason="requested_by_customer" if refund.return_request_id else None,
            refund_id=refund.provider_refund_id,
        )
    except PaymentProviderUnavailable:
        # Stripe may have refunded before the answer was lost: keep the reservation, free it for a repeat.
        ReturnRefund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(attempt_until=None)
        raise
    except Exception:
        ReturnRefund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).delete()
        raise
    with transaction.atomic():
        return _settle(refund, provider_refund_id=billing_refund.pk)
