"""Returns of delivered goods (requested, authorized or rejected, received back into stock, refunded) and
product reviews with their moderation.

A return belongs to one shipped or delivered order and names some of its lines; its status, received
quantities and refunded amount are written only by `returns.services`, through one transition map. A refund
(of a return, or a goodwill refund of an order) is recorded here and moves the money through billing (card
payments, Stripe) or orders (everything else).
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from accounts.models import Account, TenantModel
from omnisales.api.ids import PrefixedIdField

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
NOTE_MAX_LENGTH = 2000
MAX_RETURN_ITEMS = 100


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    CLOSED = "closed"


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    SIZE_FIT = "size_fit"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class ItemCondition(models.TextChoices):
    SELLABLE = "sellable"
    DAMAGED = "damaged"


class ReturnRequest(TenantModel):
    """A customer's request to send back part of an order. `customer` is the order's (kept for filtering)."""

    id = PrefixedIdField(kind="return")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="", help_text="The merchant's note.")
    customer_note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    decision_note = models.TextField(
        max_length=NOTE_MAX_LENGTH, blank=True, default="", help_text="Why it was authorized, rejected or closed."
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    amount_refunded = models.DecimalField(**MONEY, default=ZERO)
    authorized_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "return"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "status", "-created_at"], name="return_account_status"),
            models.Index(fields=["account", "order"], name="return_account_order"),
            models.Index(fields=["account", "customer", "-created_at"], name="return_account_customer"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_refunded__gte=0), name="return_refunded_not_negative"),
        ]

    def __str__(self):
        return self.id


class ReturnItem(TenantModel):
    """One order line (or part of it) being returned, with what came back: `quantity_received` =
    restocked (sellable) + damaged (kept out of stock)."""

    id = PrefixedIdField(kind="return_item")
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="items")
    order_item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey("catalog.ProductVariant", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    product_name = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    quantity_restocked = models.PositiveIntegerField(default=0)
    quantity_damaged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_item_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_restocked") + F("quantity_damaged")),
                name="return_item_received_within_quantity",
            ),
            models.UniqueConstraint(fields=["return_request", "order_item"], name="return_item_one_per_line"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product_name}"

    @property
    def quantity_received(self) -> int:
        return self.quantity_restocked + self.quantity_damaged

    @property
    def shown_variant_id(self) -> str | None:
        """The variant, or None for a product without options (as on the order line). Reads `variant_title`
        as returns.selectors.returns_with_items annotates it, else the order line's."""
        annotated = self.__dict__.get("variant_title")
        title = self.order_item.variant_title if annotated is None else annotated
        return self.variant_id if title else None


class RefundStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"


class RefundMethod(models.TextChoices):
    CARD = "card"  # the order's card payment, refunded through Stripe (billing)
    MANUAL = "manual"  # money paid outside the platform, given back by the merchant (orders)


class ReturnRefund(TenantModel):
    """Money given back for a return, or a goodwill refund of an order without one (`return_request` empty).

    A card refund is `pending` from before Stripe is called until Stripe's answer is recorded; while it is,
    it holds its amount against the order and `attempt_until` says until when the request making it may
    still be waiting for Stripe. A pending refund whose request gave up (Stripe unreachable or timing out)
    is completed by repeating the refund: the same `provider_refund_id`, so the same Stripe Idempotency-Key,
    so Stripe refunds once. At most one pending refund per order.
    """

    id = PrefixedIdField(kind="return_refund")
    return_request = models.ForeignKey(
        ReturnRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    include_shipping = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    method = models.CharField(max_length=8, choices=RefundMethod.choices)
    payment_id = models.CharField(max_length=40, blank=True, default="", help_text="The card payment (pay_…).")
    provider_refund_id = models.CharField(
        max_length=40, blank=True, default="", help_text="The billing refund (rfd_…), or the order refund (opay_…)."
    )
    attempt_until = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "order"], name="return_refund_account_order")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="return_refund_amount_positive"),
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="pending"), name="return_refund_one_pending_per_order"
            ),
        ]

    def __str__(self):
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class ReviewStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Review(TenantModel):
    """A rating (1-5) with a title and body. `verified`: its customer bought the product in a delivered order.
    Only approved reviews are shown on the product."""

    id = PrefixedIdField(kind="review")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=5000, blank=True, default="")
    verified = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    reply = models.TextField(max_length=2000, blank=True, default="", help_text="The merchant's public answer.")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "product", "status", "-created_at"], name="review_product_status"),
            models.Index(fields=["account", "status", "-created_at"], name="review_account_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"),
            models.UniqueConstraint(
                fields=["account", "product", "customer"],
                condition=Q(customer__isnull=False),
                name="review_one_per_customer_and_product",
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ {self.title}"


class ReviewSettings(models.Model):
    """The account's review moderation: `auto_approve_verified` publishes verified reviews at once."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+", primary_key=True)
    auto_approve_verified = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "review settings"
        verbose_name_plural = "review settings"

    def __str__(self):
        return f"Review settings of {self.account_id}"
