from decimal import Decimal

import factory

from billing.models import Payment, PaymentStatus
from omnisales.testing.factories import AccountFactory


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment as a succeeded card charge leaves it (ids look like Stripe's; no Stripe call)."""

    class Meta:
        model = Payment

    account = factory.SubFactory(AccountFactory)
    amount = Decimal("100.00")
    currency = "usd"
    status = PaymentStatus.SUCCEEDED
    description = factory.Sequence(lambda n: f"Order #{1000 + n}")
    stripe_payment_intent_id = factory.Sequence(lambda n: f"pi_factory{n:06d}")
    stripe_charge_id = factory.Sequence(lambda n: f"ch_factory{n:06d}")
    receipt_url = "https://pay.stripe.com/receipts/payment/factory"
