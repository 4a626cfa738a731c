"""Emitting: the one API every domain service uses to record an event and its deliveries."""

from django.db import transaction
from django.utils import timezone

from omnisales.api.bulk import copy_insert, insert, new
from omnisales.api.compiled import CompiledRead
from omnisales.api.transactions import atomic_service

from .. import events, subscribers
from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ._common import BULK_BATCH, _enqueue_on_commit, _iso, _payload, _plain


def _check_known(event: str) -> None:
    if not events.is_known(event):
        raise ValueError(f"Unknown webhook event type {event!r}: add it to webhooks.events.EVENT_TYPES")


@atomic_service
def event_emit(*, account, event: str, data: dict) -> WebhookEvent:
    """Records `event` in the outbox inside the caller's transaction, plus a delivery for every active
    endpoint of the account subscribed to it. Deliveries are enqueued when the caller's transaction
    commits; if it rolls back, nothing is recorded and nothing is sent.

    `event` must be registered in webhooks.events.EVENT_TYPES (an unknown type is a programming error).
    """
    _check_known(event)
    webhook_event = WebhookEvent(account=account, event_type=event, payload=_payload(event, data))
    insert(WebhookEvent, [webhook_event])
    _deliveries_create(account=account, webhook_events=[webhook_event])
    _subscribers_notify([webhook_event])
    return webhook_event


def event_emit_many(*, account, events: list[tuple[str, dict]], batch_size: int = BULK_BATCH) -> int:
    """`event_emit` for bulk writes (imports): (event, data) pairs written with one INSERT per batch of
    events and of deliveries, and enqueued after the commit in batches. Returns how many events."""
    for event, _ in events:
        _check_known(event)
    timestamp = _iso(timezone.now())
    rows = (  # made as the COPY sends them (see copy_insert)
        new(
            WebhookEvent,
            account=account,
            event_type=event,
            payload={"event": event, "timestamp": timestamp, "data": _plain(data)},
        )
        for event, data in events
    )
    with transaction.atomic():
        rows = copy_insert(WebhookEvent, rows)
        _deliveries_create(account=account, webhook_events=rows, batch_size=batch_size)
        _subscribers_notify(rows)
    return len(rows)


def _subscribers_notify(webhook_events: list[WebhookEvent]) -> None:
    """The in-process subscribers of these events (webhooks.subscribers), called after the commit."""
    subscribers.notify_on_commit(
        {
            "account_id": webhook_event.account_id,
            "event": webhook_event.event_type,
            "event_id": webhook_event.pk,
            "data": webhook_event.payload["data"],
        }
        for webhook_event in webhook_events
        if subscribers.has_subscribers(webhook_event.event_type)
    )


# Read by every event emitted: compiled once.
_ACTIVE_ENDPOINTS = CompiledRead(
    lambda account: WebhookEndpoint.objects.filter(account=account, is_active=True).values("id", "events")
)


def _deliveries_create(*, account, webhook_events: list[WebhookEvent], batch_size: int = BULK_BATCH) -> None:
    """One delivery per (event, active endpoint subscribed to it), enqueued after the commit."""
    endpoints = _ACTIVE_ENDPOINTS.rows(account=account.pk)
    if not endpoints:
        return
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(account_id=event.account_id, endpoint_id=endpoint["id"], event=event, next_attempt_at=now)
            for event in webhook_events
            for endpoint in endpoints
            if events.subscribed(endpoint["events"], event.event_type)
        ],
        batch_size=batch_size,
    )
    _enqueue_on_commit([delivery.id for delivery in deliveries])
