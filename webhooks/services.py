"""The one emit API every domain service uses. Webhooks knows no domain app: callers pass plain data."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from djangorestframework_camel_case.util import camelize

from .models import WebhookEvent


def _plain(data: dict) -> dict:
    """Decimals, datetimes and ids become JSON values; keys become camelCase like the API."""
    return json.loads(json.dumps(camelize(data), cls=DjangoJSONEncoder))


def event_emit(*, account, event: str, data: dict) -> WebhookEvent:
    """Records `event` in the outbox inside the caller's transaction; nothing is sent if it rolls back."""
    timestamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"event": event, "timestamp": timestamp, "data": _plain(data)}
    with transaction.atomic():
        return WebhookEvent.objects.create(account=account, event_type=event, payload=payload)


def event_emit_many(*, account, events: list[tuple[str, dict]], batch_size: int = 1000) -> int:
    """`event_emit` for bulk writes (imports): one INSERT per batch of (event, data) pairs. Returns the count."""
    timestamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [
        WebhookEvent(
            account=account, event_type=event, payload={"event": event, "timestamp": timestamp, "data": _plain(data)}
        )
        for event, data in events
    ]
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
