"""Payments through Stripe, their refunds, subscription plans, subscriptions, and received Stripe events.

Money is stored as Decimal major units next to a lowercase ISO 4217 currency; the API shows integer
minor units (`amountCents`), converted only through `omnisales.api.money`.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from accounts.models import Account, TenantModel
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField

# Written onto Account.product_limit for plans without a limit (Account.product_limit is a positive
# integer column where empty means "no plan: use the default"), so "unlimited" needs no special case.
UNLIMITED_PRODUCT_LIMIT = 2_147_483_647


class BillingInterval(models.TextChoices):
    MONTH = "month"
    YEAR = "year"


class Plan(models.Model):
    """Reference data shared by every account (readable ids like `plan_starter`), edited in the admin."""

    id = models.CharField(max_length=40, primary_key=True, help_text="Readable id, e.g. plan_starter")
    name = models.CharField(max_length=100)
    stripe_product_id = models.CharField(max_length=255, blank=True)
    stripe_price_id = models.CharField(max_length=255, blank=True, db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="usd")
    billing_interval = models.CharField(max_length=8, choices=BillingInterval.choices, default=BillingInterval.MONTH)
    product_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means unlimited.")
    features = JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "amount", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="billing_plan_amount_not_negative")]

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.features, list) or not all(isinstance(item, str) for item in self.features):
            raise ValidationError({"features": 'A JSON list of strings, e.g. ["Up to 100 products"].'})
        if not self.id.startswith("plan_"):
            raise ValidationError({"id": "Plan ids start with plan_."})

    @property
    def account_product_limit(self) -> int:
        """What this plan writes onto Account.product_limit."""
        return UNLIMITED_PRODUCT_LIMIT if self.product_limit is None else self.product_limit


class PaymentStatus(models.TextChoices):
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class Payment(TenantModel):
    id = PrefixedIdField(kind="payment")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=24, choices=PaymentStatus.choices, db_index=True)
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    description = models.CharField(max_length=500, blank=True)
    # Typed references to rows of apps built beside or above this one (no foreign keys yet).
    customer_reference = models.CharField(max_length=40, blank=True, db_index=True, help_text="cus_… id")
    order_reference = models.CharField(max_length=40, blank=True, db_index=True, help_text="ord_… id")
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    receipt_url = models.CharField(max_length=500, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    decline_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    provider_state_at = models.DateTimeField(
        null=True, blank=True, help_text="`created` of the newest Stripe event applied; older events are ignored."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0, amount_refunded__lte=F("amount")),
                name="billing_payment_refunded_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class RefundStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REQUIRES_ACTION = "requires_action"


class RefundReason(models.TextChoices):
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    REQUESTED_BY_CUSTOMER = "requested_by_customer"


class Refund(TenantModel):
    id = PrefixedIdField(kind="refund")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=32, choices=RefundReason.choices, blank=True)
    stripe_refund_id = models.CharField(max_length=255, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="billing_refund_amount_positive")]

    def __str__(self):
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class SubscriptionStatus(models.TextChoices):
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


# Statuses under which the plan's entitlements apply (past_due: Stripe is still retrying the invoice).
ENTITLED_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
# Statuses Stripe never leaves.
FINAL_STATUSES = (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED)


class Subscription(TenantModel):
    """Mirrors a Stripe subscription. Changed only by verified Stripe webhooks, never by a redirect."""

    id = PrefixedIdField(kind="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="subscriptions")
    status = models.CharField(
        max_length=24, choices=SubscriptionStatus.choices, default=SubscriptionStatus.INCOMPLETE, db_index=True
    )
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    latest_invoice_id = models.CharField(max_length=255, blank=True)
    latest_invoice_status = models.CharField(max_length=24, blank=True, help_text="paid or payment_failed")
    latest_invoice_at = models.DateTimeField(null=True, blank=True)
    provider_state_at = models.DateTimeField(
        null=True, blank=True, help_text="`created` of the newest subscription event applied."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.id} {self.plan_id} ({self.status})"


class StripeEventResult(models.TextChoices):
    APPLIED = "applied"
    STALE = "stale"  # older than the state already recorded
    IGNORED = "ignored"  # a type we do not handle, or about nothing we know


class StripeEvent(models.Model):
    """Every Stripe event received, once (the unique Stripe id makes redeliveries no-ops)."""

    id = PrefixedIdField(kind="stripe_event")
    stripe_event_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100, db_index=True)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stripe_created_at = models.DateTimeField()
    livemode = models.BooleanField(default=False)
    payload = JSONField()
    result = models.CharField(max_length=16, choices=StripeEventResult.choices)
    delivery_count = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.event_type} {self.stripe_event_id}"
