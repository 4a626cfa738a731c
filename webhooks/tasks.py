"""Background work for webhooks: thin tasks that take ids and call a service.

All are idempotent (see services.delivery_attempt), so running one twice is harmless and
acks_late is safe. They run on the `webhooks` queue (CELERY_TASK_ROUTES).
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import dispatch, services


@shared_task(name=dispatch.DELIVERY_ATTEMPT, acks_late=True, soft_time_limit=45, time_limit=60)
def delivery_attempt_task(delivery_id: str) -> bool:
    return services.delivery_attempt(delivery_id=delivery_id)


@shared_task(name=dispatch.DELIVERIES_ENQUEUE, acks_late=True)
def deliveries_enqueue_task(delivery_ids: list[str]) -> None:
    services.deliveries_enqueue(delivery_ids=delivery_ids)


@shared_task(acks_late=True)
def deliveries_enqueue_due_task(grace_seconds: int | None = None) -> int:
    if grace_seconds is None:
        grace_seconds = settings.WEBHOOKS_SWEEP_GRACE_SECONDS
    return services.deliveries_enqueue_due(grace=timedelta(seconds=grace_seconds))


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def events_purge_task() -> int:
    older_than = timezone.now() - timedelta(days=settings.WEBHOOKS_RETENTION_DAYS)
    return services.events_purge(older_than=older_than)
