"""Email and SMS: templates, every message sent, campaigns with one recipient row per customer, consent changes."""

from django.db import models

from accounts.models import Account, TenantModel
from customers.models import Customer
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField


class Channel(models.TextChoices):
    EMAIL = "email"
    SMS = "sms"


class TemplateKind(models.TextChoices):
    """Custom templates are the merchant's own; the others are sent on order events when active."""

    CUSTOM = "custom"
    ORDER_CONFIRMATION = "order_confirmation"
    ORDER_SHIPPED = "order_shipped"
    REFUND_ISSUED = "refund_issued"


class MessagingSettings(models.Model):
    """The account's sender identity: `"<sender_name>" <DEFAULT_FROM_EMAIL's address>`, replies to `reply_to`."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+", primary_key=True)
    sender_name = models.CharField(max_length=100, blank=True, default="")
    reply_to = models.EmailField(max_length=254, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "messaging settings"
        verbose_name_plural = "messaging settings"

    def __str__(self):
        return f"Messaging settings of {self.account_id}"


class EmailTemplate(TenantModel):
    id = PrefixedIdField(kind="template")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=TemplateKind.choices, default=TemplateKind.CUSTOM)
    subject = models.CharField(max_length=500)
    html_body = models.TextField(blank=True, default="")
    text_body = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True, help_text="Transactional kinds: sent on their order event.")

    class Meta:
        verbose_name = "email template"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=~models.Q(kind="custom"),
                name="email_template_one_transactional_kind",
            ),
        ]

    def __str__(self):
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    UNDELIVERED = "undelivered"


class MessageSource(models.TextChoices):
    API = "api"
    ORDER_EVENT = "order_event"


class Message(TenantModel):
    """One transactional email or SMS: what was asked, then what the provider said."""

    id = PrefixedIdField(kind="message")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    source = models.CharField(max_length=20, choices=MessageSource.choices, default=MessageSource.API)
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=500, blank=True, default="")
    text_body = models.TextField(blank=True, default="")
    html_body = models.TextField(blank=True, default="")
    template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    error = models.CharField(max_length=500, blank=True, default="")
    segments = models.PositiveSmallIntegerField(null=True, blank=True, help_text="SMS: parts billed.")
    provider_message_id = models.CharField(max_length=100, blank=True, default="")
    # Order events: the webhook event and template kind, so a redelivered event sends nothing twice.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["account", "channel", "created_at"], name="message_account_channel"),
            models.Index(fields=["provider_message_id"], name="message_provider_id"),
        ]

    def __str__(self):
        return f"{self.channel} to {self.to} ({self.status})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Campaign(TenantModel):
    """A marketing send to a segment or to customers with some tags, on one channel."""

    id = PrefixedIdField(kind="campaign")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    template = models.ForeignKey(EmailTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=500, blank=True, default="")
    html_body = models.TextField(blank=True, default="")
    text_body = models.TextField(blank=True, default="", help_text="The SMS text of an SMS campaign.")
    segment_id = models.CharField(max_length=40, null=True, blank=True, help_text="RFM name or seg_… id.")
    tags = JSONField(default=list, blank=True, help_text="Customers with any of these tags.")
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the audience was frozen into recipient rows; until then the campaign cannot be complete.
    recipients_ready_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="campaign_status_scheduled")]

    def __str__(self):
        return self.name


class RecipientStatus(models.TextChoices):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a batch task; the send is under way
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent"
    NO_ADDRESS = "no_address"


class CampaignRecipient(models.Model):
    """One per campaign and customer (unique): a retried or duplicated task can never send twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    batch = models.PositiveIntegerField()
    address = models.CharField(max_length=254, blank=True, default="")
    status = models.CharField(max_length=20, choices=RecipientStatus.choices, default=RecipientStatus.PENDING)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    provider_message_id = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_recipient_unique_customer")
        ]
        indexes = [models.Index(fields=["campaign", "batch", "status"], name="campaign_recipient_batch")]

    def __str__(self):
        return f"{self.campaign_id} → {self.customer_id} ({self.status})"


class ConsentSource(models.TextChoices):
    ONE_CLICK = "one_click", "One-click unsubscribe (List-Unsubscribe-Post)"
    UNSUBSCRIBE_PAGE = "unsubscribe_page", "Unsubscribe page"


class ConsentChange(TenantModel):
    """An opt-out as it happened: which customer, which channel, when, how, and from which campaign."""

    id = PrefixedIdField(kind="consent_change")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subscribed = models.BooleanField(default=False)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.customer_id} {'in' if self.subscribed else 'out'} of {self.channel} ({self.source})"
