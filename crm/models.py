"""The sales pipeline: leads, opportunities and the activities logged against them.

A lead converts into a `customers.Customer` (created, or linked by email) and optionally an opportunity;
winning an opportunity can place a pending order for its customer (`orders`). Stages and statuses change
only through `crm.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from accounts.models import TenantModel
from customers.lookups import TagsField
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField


class LeadStatus(models.TextChoices):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"  # set only by converting the lead


class LeadSource(models.TextChoices):
    WEBSITE = "website"
    REFERRAL = "referral"
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    ADVERTISING = "advertising"
    EVENT = "event"
    PARTNER = "partner"
    MARKETPLACE = "marketplace"
    IMPORT = "import"
    OTHER = "other"


class Stage(models.TextChoices):
    PROSPECTING = "prospecting"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


OPEN_STAGES = (Stage.PROSPECTING, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
CLOSED_STAGES = (Stage.WON, Stage.LOST)
# The chance of winning an opportunity gets when it enters a stage without one of its own (percent).
DEFAULT_PROBABILITY = {
    Stage.PROSPECTING: 10,
    Stage.QUALIFICATION: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}


class ActivityType(models.TextChoices):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"


MAX_LINE_ITEMS = 100
LEAD_FIELDS = ("name", "email", "phone", "company", "status", "source", "owner", "tags")
OPPORTUNITY_FIELDS = (
    "name",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "customer",
    "lead",
    "owner",
    "items",
)
ACTIVITY_FIELDS = ("type", "subject", "body", "due_date", "done", "owner")


class Lead(TenantModel):
    """A prospective buyer. `status` converted, `customer`, `converted_opportunity_id` and `converted_at` are
    written only by `services.lead_convert`, once."""

    id = PrefixedIdField(kind="lead")
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, null=True, blank=True, help_text="Trimmed and lower-cased.")
    phone = models.CharField(max_length=20, null=True, blank=True, help_text="E.164, e.g. +14155552671")
    company = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    source = models.CharField(max_length=16, choices=LeadSource.choices, default=LeadSource.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = TagsField(default=list, blank=True, help_text="Lower-case labels, in the order given.")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The opportunity its conversion opened. An id rather than a foreign key, as opportunities point at their
    # lead; `services.opportunity_delete` clears it.
    converted_opportunity_id = models.CharField(max_length=40, null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "status"], name="crm_lead_account_status"),
            models.Index(fields=["account", "email"], name="crm_lead_account_email"),
            models.Index(fields=["account", "phone"], name="crm_lead_account_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=LeadStatus.CONVERTED, converted_at__isnull=False, customer__isnull=False)
                | (~models.Q(status=LeadStatus.CONVERTED) & models.Q(converted_at__isnull=True)),
                name="crm_lead_converted_has_customer",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id})"


class Opportunity(TenantModel):
    """A deal being worked. `stage`, `lost_reason`, `closed_at` and `order` are written only by
    `services.opportunity_stage_set` (the transition map)."""

    id = PrefixedIdField(kind="opportunity")
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PROSPECTING)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    currency = models.CharField(max_length=3, help_text="ISO 4217 code")
    probability = models.PositiveSmallIntegerField(help_text="Chance of winning, 0-100 percent.")
    expected_close_date = models.DateField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    items = JSONField(
        default=list, blank=True, help_text="Line items [{product_id, quantity, price}] for the order a win places."
    )
    lost_reason = models.CharField(max_length=500, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "stage"], name="crm_opp_account_stage"),
            models.Index(fields=["account", "expected_close_date"], name="crm_opp_account_close"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="crm_opp_amount_non_negative"),
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="crm_opp_probability_percent"),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.LOST) | ~models.Q(lost_reason=""), name="crm_opp_lost_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id})"


class Activity(TenantModel):
    """A call, email, meeting, note or task logged on exactly one lead or opportunity. Only tasks have a
    due date and a done flag."""

    id = PrefixedIdField(kind="activity")
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="activities")
    opportunity = models.ForeignKey(
        Opportunity, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    type = models.CharField(max_length=16, choices=ActivityType.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["account", "due_date"], condition=models.Q(type="task", done=False), name="crm_open_tasks"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False, opportunity__isnull=True)
                | models.Q(lead__isnull=True, opportunity__isnull=False),
                name="crm_activity_one_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(type="task") | models.Q(due_date__isnull=True, done=False),
                name="crm_activity_only_tasks_due",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()}: {self.subject}"
