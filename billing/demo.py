"""Demo data for billing: a few past card payments of the demo store (no Stripe calls).

Plans come from the data migration. The rows look like what Stripe would have produced, with
`pi_demo_…` ids that mark them as demo data (and make a second run a no-op).
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .models import Payment, PaymentStatus, Refund, RefundReason, RefundStatus

DEMO_MARKER = "pi_demo_"

# (days ago, amount, status, refunded, description, (failure code, decline code))
_PAYMENTS = [
    (42, "129.00", PaymentStatus.SUCCEEDED, "0", "Order #1001", None),
    (35, "58.50", PaymentStatus.SUCCEEDED, "0", "Order #1002", None),
    (28, "240.00", PaymentStatus.PARTIALLY_REFUNDED, "40.00", "Order #1003", None),
    (21, "75.25", PaymentStatus.FAILED, "0", "Order #1004", ("card_declined", "insufficient_funds")),
    (14, "19.99", PaymentStatus.REFUNDED, "19.99", "Order #1005", None),
    (7, "310.40", PaymentStatus.SUCCEEDED, "0", "Order #1006", None),
    (1, "88.00", PaymentStatus.SUCCEEDED, "0", "Order #1007", None),
]


def seed(account, *, user, log) -> None:
    if Payment.objects.filter(account=account, stripe_payment_intent_id__startswith=DEMO_MARKER).exists():
        log("Billing: demo payments already present.")
        return
    now = timezone.now()
    payments = []
    for index, (_days_ago, amount, status, refunded, description, failure) in enumerate(_PAYMENTS):
        token = f"{account.pk[-8:]}{index:02d}"
        succeeded = failure is None
        payments.append(
            Payment(
                account=account,
                amount=Decimal(amount),
                currency="usd",
                status=status,
                amount_refunded=Decimal(refunded),
                description=description,
                stripe_payment_intent_id=f"{DEMO_MARKER}{token}",
                stripe_charge_id=f"ch_demo_{token}",
                receipt_url=f"https://pay.stripe.com/receipts/payment/demo_{token}" if succeeded else "",
                failure_code=failure[0] if failure else "",
                decline_code=failure[1] if failure else "",
                failure_message="Your card has insufficient funds." if failure else "",
            )
        )
    with transaction.atomic():
        Payment.objects.bulk_create(payments)
        for payment, (days_ago, *_rest) in zip(payments, _PAYMENTS, strict=True):
            payment.created_at = payment.updated_at = now - timedelta(days=days_ago)
        Payment.objects.bulk_update(payments, ["created_at", "updated_at"])
        Refund.objects.bulk_create(
            [
                Refund(
                    account=account,
                    payment=payment,
                    amount=payment.amount_refunded,
                    currency=payment.currency,
                    status=RefundStatus.SUCCEEDED,
                    reason=RefundReason.REQUESTED_BY_CUSTOMER,
                    stripe_refund_id=f"re_demo_{payment.stripe_charge_id.removeprefix('ch_demo_')}",
                )
                for payment in payments
                if payment.amount_refunded > 0
            ]
        )
    log(f"Billing: {len(payments)} demo payments.")
