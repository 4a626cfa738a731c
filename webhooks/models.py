from django.db import models

from accounts.models import Account, TenantModel
from omnisales.api.encryption import EncryptedTextField
from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField

from .events import subscribed


class WebhookEndpoint(TenantModel):
    """A merchant URL subscribed to event types; `secret` signs every delivery to it.

    Signing needs the secret itself, so it is stored encrypted (FIELD_ENCRYPTION_KEY), not hashed; it
    is shown to the merchant only at creation and rotation. During a rotation `previous_secret` still
    signs until it expires.
    """

    id = PrefixedIdField(kind="webhook_endpoint")
    url = models.URLField(max_length=2048)
    description = models.CharField(max_length=500, blank=True)
    events = JSONField(default=list, help_text='Subscribed event types; "*" means every event.')
    is_active = models.BooleanField(default=True)
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last successful one."
    )
    consecutive_failed_deliveries = models.PositiveIntegerField(
        default=0, help_text="Deliveries in a row whose every attempt failed."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "webhook"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "url"], name="webhook_endpoint_unique_url")]

    def __str__(self):
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return subscribed(self.events, event_type)

    def signing_secrets(self, now) -> list[str]:
        """The current secret, then the previous one while its overlap window lasts."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookEvent(TenantModel):
    """Outbox: one row per domain event, written in the transaction of the change that caused it."""

    id = PrefixedIdField(kind="webhook_event")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)  # see below
    event_type = models.CharField(max_length=64)  # indexed below, without a LIKE index
    payload = JSONField(help_text='The delivered body: {"event", "timestamp", "data"}.')

    class Meta:
        verbose_name = "webhook event"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "event_type", "created_at"]),  # also the account's own
            # A plain index: `db_index=True` on a CharField also gets a `varchar_pattern_ops` one on
            # PostgreSQL, for LIKE searches event types never see.
            models.Index(fields=["event_type"], name="webhook_event_type"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its next attempt (or being sent)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed, or the endpoint was disabled first


class WebhookDelivery(TenantModel):
    """One event to one endpoint. Attempts are numbered across redeliveries; `attempt_offset` is how
    many came before the latest redelivery or replay, so the retry schedule starts over from there."""

    id = PrefixedIdField(kind="webhook_delivery")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    attempt_offset = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_unique_event"),
        ]
        indexes = [
            models.Index(fields=["endpoint", "created_at"]),
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="webhook_delivery_due_idx"
            ),
        ]

    def __str__(self):
        return f"{self.id} ({self.status})"


class WebhookDeliveryAttempt(TenantModel):
    """One HTTP request of a delivery. `finished_at` is empty while the request is in flight."""

    RESULT_FIELDS = ("finished_at", "status_code", "latency_ms", "response_excerpt", "error", "next_retry_at")

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempt_number = models.PositiveIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "attempt_number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "attempt_number"], name="webhook_attempt_unique_number"),
        ]

    def __str__(self):
        return f"{self.delivery_id} #{self.attempt_number}"
