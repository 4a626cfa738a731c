"""Writes for webhooks: the one emit API every domain service uses, endpoints, and delivery.

Webhooks knows no domain app: callers pass plain data. Delivery is an outbox: `event_emit` writes the
event and one delivery row per subscribed endpoint in the caller's transaction, and the delivery task
is enqueued only after that transaction commits. A delivery that is never picked up (broker down,
worker killed) stays pending in the database and the periodic sweep enqueues it again.
"""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from djangorestframework_camel_case.util import camelize

from accounts.models import Account, Membership, Role
from omnisales.api.transactions import atomic_service

from . import dispatch, events, signing, subscribers, transport
from .exceptions import DeliveryInProgress, DuplicateWebhookUrl, WebhookDisabled, WebhookLimitReached
from .models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint, WebhookEvent

logger = logging.getLogger("omnisales.webhooks")

# An attempt still unfinished after this long is taken as abandoned (its worker died); the delivery
# becomes due again. Longer than the delivery task's hard time limit.
CLAIM_LEASE = timedelta(minutes=5)
# A task that arrives this much before its delivery is due still runs (clock skew between hosts).
DUE_TOLERANCE = timedelta(seconds=5)
BATCH = 500
BULK_BATCH = 1000
SWEEP_MAX_BATCHES = 20  # at most 10,000 deliveries per sweep
ABANDONED = "Abandoned: the worker stopped before the attempt finished."
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


class _PayloadEncoder(DjangoJSONEncoder):
    """Money is a JSON number and times are `...Z` in UTC, exactly as the API renders them."""

    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime) and timezone.is_aware(o):
            return _iso(o)
        return super().default(o)


def _plain(data: dict) -> dict:
    """Decimals, datetimes and ids become JSON values; keys become camelCase like the API."""
    return json.loads(json.dumps(camelize(data), cls=_PayloadEncoder))


def _payload(event: str, data: dict) -> dict:
    return {"event": event, "timestamp": _iso(timezone.now()), "data": _plain(data)}


def payload_body(payload: dict) -> bytes:
    """The exact bytes POSTed (and signed): the stored payload with its keys in the documented order."""
    ordered = {"event": payload["event"], "timestamp": payload["timestamp"], "data": payload["data"]}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def deliveries_enqueue(*, delivery_ids: list[str], countdown: int | None = None) -> None:
    """One delivery task per id. Past a batch, the fan-out itself becomes tasks (one per batch of ids,
    run by a worker), so an import that creates thousands of deliveries publishes a few messages."""
    if len(delivery_ids) > BATCH and countdown is None:
        for batch in _batches(delivery_ids):
            dispatch.enqueue(dispatch.DELIVERIES_ENQUEUE, args=[batch])
        return
    for delivery_id in delivery_ids:
        dispatch.enqueue(dispatch.DELIVERY_ATTEMPT, args=[delivery_id], countdown=countdown)


def _enqueue_on_commit(delivery_ids: list[str], countdown: int | None = None) -> None:
    """After the commit; if publishing fails the deliveries stay pending and the sweep sends them."""
    if delivery_ids:
        ids = list(delivery_ids)
        # A plain function, not a partial: Django names robust callbacks in its error log.
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=ids, countdown=countdown), robust=True)


# --- Emitting --------------------------------------------------------------------------------------


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
    webhook_event = WebhookEvent.objects.create(account=account, event_type=event, payload=_payload(event, data))
    _deliveries_create(account=account, webhook_events=[webhook_event])
    _subscribers_notify([webhook_event])
    return webhook_event


def event_emit_many(*, account, events: list[tuple[str, dict]], batch_size: int = BULK_BATCH) -> int:
    """`event_emit` for bulk writes (imports): (event, data) pairs written with one INSERT per batch of
    events and of deliveries, and enqueued after the commit in batches. Returns how many events."""
    for event, _ in events:
        _check_known(event)
    timestamp = _iso(timezone.now())
    rows = [
        WebhookEvent(
            account=account, event_type=event, payload={"event": event, "timestamp": timestamp, "data": _plain(data)}
        )
        for event, data in events
    ]
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(rows, batch_size=batch_size)
        _deliveries_create(account=account, webhook_events=rows, batch_size=batch_size)
        _subscribers_notify(rows)
    return len(rows)


def _subscribers_notify(webhook_events: list[WebhookEvent]) -> None:
    """The in-process subscribers of these events (webhooks.subscribers), called after the commit."""
    for webhook_event in webhook_events:
        if subscribers.has_subscribers(webhook_event.event_type):
            subscribers.notify_on_commit(
                account_id=webhook_event.account_id,
                event=webhook_event.event_type,
                event_id=webhook_event.pk,
                data=webhook_event.payload["data"],
            )


def _deliveries_create(*, account, webhook_events: list[WebhookEvent], batch_size: int = BULK_BATCH) -> None:
    """One delivery per (event, active endpoint subscribed to it), enqueued after the commit."""
    endpoints = list(WebhookEndpoint.objects.filter(account=account, is_active=True).only("id", "events"))
    if not endpoints:
        return
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(account_id=event.account_id, endpoint=endpoint, event=event, next_attempt_at=now)
            for event in webhook_events
            for endpoint in endpoints
            if endpoint.subscribes_to(event.event_type)
        ],
        batch_size=batch_size,
    )
    _enqueue_on_commit([delivery.id for delivery in deliveries])


# --- Endpoints ---------------------------------------------------------------------------------------


def _events_normalize(event_types: list[str]) -> list[str]:
    unique = list(dict.fromkeys(event_types))
    return [events.ALL_EVENTS] if events.ALL_EVENTS in unique else unique


def _endpoint_save(endpoint: WebhookEndpoint, **kwargs) -> None:
    duplicate = WebhookEndpoint.objects.filter(account_id=endpoint.account_id, url=endpoint.url).exclude(pk=endpoint.pk)
    if duplicate.exists():
        raise DuplicateWebhookUrl("A webhook with this URL already exists", details={"url": endpoint.url})
    try:
        with transaction.atomic():
            endpoint.save(**kwargs)
    except IntegrityError as exc:
        raise DuplicateWebhookUrl("A webhook with this URL already exists", details={"url": endpoint.url}) from exc


@atomic_service
def endpoint_create(
    *, account: Account, url: str, events: list[str], description: str = "", is_active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which the API shows only this once."""
    transport.url_check(url)
    Account.objects.select_for_update().filter(pk=account.pk).first()  # serializes the limit check
    limit = settings.WEBHOOKS_MAX_ENDPOINTS_PER_ACCOUNT
    if WebhookEndpoint.objects.filter(account=account).count() >= limit:
        raise WebhookLimitReached(f"An account can have at most {limit} webhooks", details={"limit": limit})
    secret = signing.secret_generate()
    endpoint = WebhookEndpoint(
        account=account,
        url=url,
        events=_events_normalize(events),
        description=description,
        is_active=is_active,
        secret=secret,
    )
    _endpoint_save(endpoint, force_insert=True)
    return endpoint, secret


@atomic_service
def endpoint_update(*, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    """Changes any of url, events, description, is_active. Re-activating clears the failure record."""
    if "url" in data and data["url"] != endpoint.url:
        transport.url_check(data["url"])
    if "events" in data:
        data = {**data, "events": _events_normalize(data["events"])}
    reactivated = data.get("is_active") is True and not endpoint.is_active
    for field in ("url", "events", "description", "is_active"):
        if field in data:
            setattr(endpoint, field, data[field])
    if reactivated:
        endpoint.failing_since = None
        endpoint.consecutive_failed_deliveries = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    _endpoint_save(endpoint)
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Deletes the endpoint with its deliveries; queued tasks for them find nothing and stop."""
    endpoint.delete()


@atomic_service
def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, overlap: timedelta) -> tuple[WebhookEndpoint, str]:
    """Issues a new secret. For `overlap` the old one keeps signing too (a second v1 in the header);
    a zero overlap retires it at once. Any secret from an earlier rotation stops signing now."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = signing.secret_generate()
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret if overlap else ""
    endpoint.previous_secret_expires_at = now + overlap if overlap else None
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint, secret


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


@atomic_service
def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Turns off an endpoint that kept failing, records `webhook.disabled` and emails the account's
    owners. Returns False (and does nothing) if the endpoint was already inactive."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:255], updated_at=now
    )
    if not changed:
        return False
    event_emit(
        account=endpoint.account,
        event="webhook.disabled",
        data={"webhook_id": endpoint.id, "url": endpoint.url, "reason": reason, "disabled_at": now},
    )
    transaction.on_commit(lambda: _disabled_notice_send(endpoint.pk), robust=True)
    return True


def _disabled_notice_send(endpoint_id: str) -> None:
    endpoint = WebhookEndpoint.objects.select_related("account").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    owners = list(
        Membership.objects.filter(account_id=endpoint.account_id, role=Role.OWNER, user__is_active=True)
        .order_by("created_at")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return
    api_path = f"/api/webhooks/{endpoint.id}"
    send_mail(
        subject=f"Webhook disabled: {endpoint.url}",
        message=(
            f"We stopped sending events to {endpoint.url} ({endpoint.id}) for {endpoint.account.name}.\n\n"
            f"Reason: {endpoint.disabled_reason}\n\n"
            f'Once the endpoint works again, turn it back on with PATCH {api_path} {{"active": true}}\n'
            f"and resend what it missed with POST {api_path}/replay.\n"
        ),
        from_email=None,
        recipient_list=owners,
    )


# --- Delivery ----------------------------------------------------------------------------------------


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
