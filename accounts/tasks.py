"""Background housekeeping for accounts and the API plumbing they own."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def login_logs_purge_task() -> int:
    return services.login_logs_purge(age_days=settings.LOGIN_LOG_RETENTION_DAYS)


@shared_task(acks_late=True)
def idempotency_records_purge_task() -> int:
    return services.idempotency_records_purge(older_than=timezone.now() - settings.IDEMPOTENCY_KEY_TTL)
