from django.db import models

from .fields import JSONField


class IdempotencyRecord(models.Model):
    """The first successful response to a POST carrying an Idempotency-Key, kept for 24 hours.

    Written in the same transaction as the request's own writes, so a retry after a crash either
    finds the stored response or finds nothing written at all.
    """

    scope = models.CharField(max_length=120, help_text="The credential the key belongs to.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True, help_text="The response body without its secret fields.")
    secrets_omitted = JSONField(
        default=list, blank=True, help_text="camelCase paths of the secret fields left out of the body."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_unique_key")]

    def __str__(self):
        return f"{self.scope} {self.key}"
