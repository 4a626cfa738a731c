from decimal import Decimal

import factory

from accounts.tests.factories import AccountFactory
from billing.models import Payment, PaymentStatus, Plan, Subscription, SubscriptionStatus


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


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    account = factory.SubFactory(AccountFactory)
    plan = factory.LazyFunction(lambda: Plan.objects.get(pk="plan_starter"))
    status = SubscriptionStatus.ACTIVE
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_factory{n:06d}")
    stripe_customer_id = factory.Sequence(lambda n: f"cus_factory{n:06d}")
