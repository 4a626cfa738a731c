from django.db import models

from accounts.models import TenantModel
from omnisales.api.ids import PrefixedIdField


class WebhookEvent(TenantModel):
    """Outbox: one row per domain event, written in the transaction of the change that caused it."""

    id = PrefixedIdField(kind="webhook_event")
    event_type = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(help_text='The delivered body: {"event", "timestamp", "data"}.')

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "event_type", "created_at"])]

    def __str__(self):
        return f"{self.event_type} {self.id}"
