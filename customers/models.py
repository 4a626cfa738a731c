"""Customers of a merchant, their order statistics (kept by the orders app), and saved segments."""

from decimal import Decimal

from django.db import models
from django.db.models.functions import Lower

from accounts.models import Account, TenantModel
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField

from .lookups import TagsField
from .rfm import RfmSegment

# What the API may write, and what only the order-statistics services write.
PROFILE_FIELDS = (
    "name",
    "email",
    "phone",
    "address",
    "shipping_address",
    "tags",
    "accepts_email_marketing",
    "accepts_sms_marketing",
)
ORDER_STATS_FIELDS = ("total_orders", "total_spent", "first_order_date", "last_order_date")
# What the API shows of a customer (CustomerSerializer), and the columns its reads fetch.
SHOWN_FIELDS = (
    "id",
    *PROFILE_FIELDS,
    *ORDER_STATS_FIELDS,
    "is_anonymized",
    "anonymized_at",
    "created_at",
    "updated_at",
)
# Written only by `services.rfm_scores_refresh`.
RFM_SCORE_FIELDS = ("r_score", "f_score", "m_score", "rfm_segment", "rfm_computed_at")
# Active customers the last refresh scored that still have orders (selectors.SCORED): the RFM rows.
RFM_SCORED_ACTIVE = models.Q(
    is_anonymized=False, rfm_segment__isnull=False, total_orders__gt=0, last_order_date__isnull=False
)


class Customer(TenantModel):
    """A buyer of one account.

    `total_orders`, `total_spent`, `first_order_date` and `last_order_date` are derived: only the
    stats services in `customers.services` write them (called by the orders app), never the API.
    Deleting a customer anonymizes the row instead, so order history keeps pointing at it.
    """

    id = PrefixedIdField(kind="customer")
    # No index of its own: the indexes below start with it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=20, null=True, blank=True, help_text="E.164, e.g. +14155552671")
    address = models.CharField(max_length=500, blank=True, default="")
    shipping_address = JSONField(
        null=True, blank=True, help_text="Structured address: line1, line2, city, region, postal_code, country."
    )
    tags = TagsField(default=list, blank=True, help_text="Lower-case labels, in the order given.")
    accepts_email_marketing = models.BooleanField(default=False)
    accepts_sms_marketing = models.BooleanField(default=False)

    total_orders = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    first_order_date = models.DateTimeField(null=True, blank=True)
    last_order_date = models.DateTimeField(null=True, blank=True)

    is_anonymized = models.BooleanField(default=False)
    anonymized_at = models.DateTimeField(null=True, blank=True)

    # RFM scores as of the last `services.rfm_scores_refresh` (see customers.rfm); null for customers
    # the rules leave unscored (no orders, anonymized) or not yet refreshed.
    r_score = models.PositiveSmallIntegerField(null=True, blank=True)
    f_score = models.PositiveSmallIntegerField(null=True, blank=True)
    m_score = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_segment = models.CharField(max_length=20, null=True, blank=True, choices=RfmSegment.choices)
    rfm_computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint("account", Lower("email"), name="customer_unique_account_email_ci"),
            models.CheckConstraint(condition=models.Q(total_spent__gte=0), name="customer_total_spent_non_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "name"], name="customer_account_name"),
            models.Index(fields=["account", "last_order_date"], name="customer_account_last_order"),
            models.Index(fields=["account", "total_spent"], name="customer_account_total_spent"),
            # The scored customers RFM reads select (selectors.SCORED over active customers): pages by
            # segment in spend order, and counts and per-segment sums from the index alone.
            models.Index(
                fields=["account", "rfm_segment", "total_spent", "total_orders"],
                condition=RFM_SCORED_ACTIVE,
                name="customer_rfm_scored",
            ),
            # The same customers by last order date: RFM pages in recency order walk it
            # (selectors.RfmQuerySet) instead of sorting every customer by recency.
            models.Index(
                fields=["account", "last_order_date"], condition=RFM_SCORED_ACTIVE, name="customer_rfm_last_order"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id})"


class CustomerSegment(TenantModel):
    """A merchant-defined segment: a name and filter rules evaluated live (see `selectors.segment_q`)."""

    id = PrefixedIdField(kind="customer_segment")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True, default="")
    rules = JSONField(help_text="Validated filter rules; see docs/customers.md.")

    class Meta:
        verbose_name = "segment"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="customer_segment_unique_account_name_ci"),
        ]

    def __str__(self):
        return self.name
