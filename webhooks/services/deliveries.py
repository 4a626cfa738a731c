"""Delivery: claiming, sending and recording attempts, retries, redelivery, replay, the sweep, purging."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from omnisales.api.transactions import atomic_service

from .. import events, signing, transport
from ..exceptions import DeliveryInProgress, WebhookDisabled
from ..models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, WebhookEvent
from ._common import (
    ABANDONED,
    BATCH,
    CLAIM_LEASE,
    DUE_TOLERANCE,
    SWEEP_MAX_BATCHES,
    _batches,
    _enqueue_on_commit,
    _iso,
    _payload,
    deliveries_enqueue,
    payload_body,
)
from .endpoints import endpoint_disable


def delivery_attempt(*, delivery_id: str) -> bool:
    """Makes one attempt at a pending delivery that is due; returns whether a request was sent.

    Safe to call any number of times, concurrently too: a delivery that succeeded, failed for good,
    is not due yet, or is being sent by another worker is left alone. No transaction is held open
    during the HTTP request.
    """
    claimed = _attempt_claim(delivery_id)
    if claimed is None:
        return False
    delivery, attempt = claimed
    outcome = _attempt_send(delivery)
    _attempt_record(delivery=delivery, attempt=attempt, outcome=outcome)
    return True


@atomic_service
def _attempt_claim(delivery_id: str) -> tuple[WebhookDelivery, WebhookDeliveryAttempt] | None:
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=delivery_id).first()
    now = timezone.now()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    if delivery.next_attempt_at and delivery.next_attempt_at > now + DUE_TOLERANCE:
        return None
    current = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempt_count=delivery.attempt_count
    )
    if not delivery.endpoint.is_active and delivery.event.event_type != events.PING:
        current.update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error="Not sent: the endpoint is disabled."
        )
        return None
    number = delivery.attempt_count + 1
    if not current.update(attempt_count=number, next_attempt_at=now + CLAIM_LEASE, last_attempt_at=now):
        return None  # another worker claimed it first
    if delivery.attempt_count:  # an earlier attempt may have died with its worker
        delivery.attempts.filter(finished_at__isnull=True).update(finished_at=now, error=ABANDONED)
    delivery.attempt_count, delivery.last_attempt_at = number, now
    attempt = WebhookDeliveryAttempt.objects.create(
        account_id=delivery.account_id, delivery=delivery, attempt_number=number
    )
    return delivery, attempt


def _attempt_send(delivery: WebhookDelivery) -> transport.Outcome:
    endpoint, event = delivery.endpoint, delivery.event
    body = payload_body(event.payload)
    now = timezone.now()
    timestamp = int(now.timestamp())
    headers = {
        "Omni-Signature": signing.signature_header(endpoint.signing_secrets(now), timestamp, body),
        "Omni-Event-Id": event.id,
        "Omni-Event-Type": event.event_type,
        "Omni-Delivery-Id": delivery.id,
    }
    return transport.post(endpoint.url, body=body, headers=headers)


def _retry_delay(delivery: WebhookDelivery) -> int | None:
    """Seconds until the next attempt, or None when this was the last one."""
    if delivery.event.event_type == events.PING:
        return None
    delays = settings.WEBHOOKS_RETRY_DELAYS_SECONDS
    attempt_in_round = delivery.attempt_count - delivery.attempt_offset
    return delays[attempt_in_round - 1] if attempt_in_round <= len(delays) else None


@atomic_service
def _attempt_record(*, delivery: WebhookDelivery, attempt: WebhookDeliveryAttempt, outcome: transport.Outcome):
    now = timezone.now()
    retry_delay = None if outcome.succeeded else _retry_delay(delivery)
    if outcome.succeeded:
        status = DeliveryStatus.SUCCEEDED
    else:
        status = DeliveryStatus.PENDING if retry_delay is not None else DeliveryStatus.FAILED
    next_attempt_at = now + timedelta(seconds=retry_delay) if retry_delay is not None else None

    attempt.finished_at = now
    attempt.status_code = outcome.status_code
    attempt.latency_ms = outcome.latency_ms
    attempt.response_excerpt = outcome.response_excerpt
    attempt.error = outcome.error
    attempt.next_retry_at = next_attempt_at
    attempt.save(update_fields=[*WebhookDeliveryAttempt.RESULT_FIELDS, "updated_at"])

    changes = {
        "status": status,
        "next_attempt_at": next_attempt_at,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error or (f"HTTP {outcome.status_code}" if not outcome.succeeded else ""),
    }
    if outcome.succeeded:
        changes["delivered_at"] = now
    recorded = WebhookDelivery.objects.filter(pk=delivery.pk, attempt_count=delivery.attempt_count).update(**changes)
    if not recorded:
        return  # the delivery was re-claimed after this attempt's lease ran out
    if delivery.event.event_type != events.PING:
        _endpoint_health_record(
            endpoint=delivery.endpoint,
            succeeded=outcome.succeeded,
            exhausted=status == DeliveryStatus.FAILED,
            now=now,
        )
    if retry_delay is not None and retry_delay <= settings.WEBHOOKS_COUNTDOWN_MAX_SECONDS:
        _enqueue_on_commit([delivery.pk], countdown=retry_delay)


def _endpoint_health_record(*, endpoint: WebhookEndpoint, succeeded: bool, exhausted: bool, now: datetime) -> None:
    """`endpoint` as loaded when the attempt was claimed."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if succeeded:
        if endpoint.failing_since is not None or endpoint.consecutive_failed_deliveries:
            endpoints.update(failing_since=None, consecutive_failed_deliveries=0)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    if exhausted:
        endpoints.update(consecutive_failed_deliveries=F("consecutive_failed_deliveries") + 1)
    state = endpoints.values("is_active", "failing_since", "consecutive_failed_deliveries").first()
    if state is None or not state["is_active"]:
        return
    reason = _disable_reason(
        failing_since=state["failing_since"], failed_deliveries=state["consecutive_failed_deliveries"], now=now
    )
    if reason:
        endpoint_disable(endpoint=endpoint, reason=reason)


def _disable_reason(*, failing_since: datetime | None, failed_deliveries: int, now: datetime) -> str:
    if failed_deliveries >= settings.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES:
        return f"Every attempt of the last {failed_deliveries} deliveries failed."
    window = timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER_FAILING_SECONDS)
    if failing_since is not None and now - failing_since >= window:
        return f"Every attempt since {_iso(failing_since)} failed."
    return ""


@atomic_service
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the delivery again now. A finished delivery (succeeded or failed) starts a fresh retry
    schedule; a pending one is simply brought forward. Refused while an attempt is in flight."""
    if not delivery.endpoint.is_active:
        raise WebhookDisabled(
            "This webhook is disabled; turn it back on first", details={"webhookId": delivery.endpoint_id}
        )
    now = timezone.now()
    in_flight = delivery.attempts.filter(finished_at__isnull=True, created_at__gt=now - CLAIM_LEASE).exists()
    changes = {"next_attempt_at": now}
    if delivery.status != DeliveryStatus.PENDING:
        changes.update(status=DeliveryStatus.PENDING, attempt_offset=F("attempt_count"), last_error="")
    current = WebhookDelivery.objects.filter(pk=delivery.pk, attempt_count=delivery.attempt_count)
    if in_flight or not current.update(**changes):
        raise DeliveryInProgress("This delivery is being sent right now; try again shortly")
    _enqueue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


@atomic_service
def deliveries_replay(*, endpoint: WebhookEndpoint, since: datetime, until: datetime) -> int:
    """Re-enqueues the endpoint's failed deliveries created in [since, until), each with a fresh retry
    schedule. Returns how many."""
    if not endpoint.is_active:
        raise WebhookDisabled("This webhook is disabled; turn it back on first", details={"webhookId": endpoint.id})
    failed = endpoint.deliveries.filter(status=DeliveryStatus.FAILED, created_at__gte=since, created_at__lt=until)
    ids = list(failed.order_by("created_at").values_list("id", flat=True))
    now = timezone.now()
    for batch in _batches(ids):
        WebhookDelivery.objects.filter(pk__in=batch, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempt_offset=F("attempt_count"), next_attempt_at=now, last_error=""
        )
    _enqueue_on_commit(ids)
    return len(ids)


def deliveries_enqueue_due(*, grace: timedelta, max_batches: int = SWEEP_MAX_BATCHES) -> int:
    """The sweep: enqueues pending deliveries overdue by more than `grace` (their message was lost,
    their worker died, or their retry waits longer than a broker countdown). Returns how many.

    Each one enqueued is marked due as of now, so a later sweep enqueues it again only if it is
    still waiting after another `grace`: a backlog in the queue is not multiplied by every sweep.
    """
    now = timezone.now()
    cutoff = now - grace
    marked_due = max(now, cutoff + timedelta(microseconds=1))  # never selected twice in one run
    total = 0
    for _ in range(max_batches):
        due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        ids = list(due.order_by("next_attempt_at").values_list("id", flat=True)[:BATCH])
        if not ids:
            break
        # Rows claimed by a worker meanwhile are left alone (their next_attempt_at moved past cutoff).
        due.filter(pk__in=ids).update(next_attempt_at=marked_due)
        deliveries_enqueue(delivery_ids=ids)
        total += len(ids)
    return total


def events_purge(*, older_than: datetime) -> int:
    """Deletes events (with their deliveries and attempts) created before `older_than`, in batches,
    keeping any event that still has a pending delivery. Returns how many events were deleted."""
    deleted = 0
    while True:
        old = WebhookEvent.objects.filter(created_at__lt=older_than).exclude(deliveries__status=DeliveryStatus.PENDING)
        ids = list(old.values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


def endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Sends a `webhook.ping` to this endpoint now, once, even if it is inactive; pings neither retry
    nor count towards disabling the endpoint."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            account_id=endpoint.account_id,
            event_type=events.PING,
            payload=_payload(events.PING, {"webhook_id": endpoint.id, "message": "Test event from Omni Sales"}),
        )
        delivery = WebhookDelivery.objects.create(
            account_id=endpoint.account_id, endpoint=endpoint, event=event, next_attempt_at=timezone.now()
        )
    delivery_attempt(delivery_id=delivery.id)
    return delivery
