"""Background work for messaging, on the `messaging` queue (CELERY_TASK_ROUTES): thin, idempotent tasks."""

from celery import shared_task
from django.conf import settings

from . import dispatch, services


@shared_task(name=dispatch.MESSAGE_DELIVER, acks_late=True)
def message_deliver_task(message_id: str) -> str | None:
    return services.message_deliver(message_id=message_id)


@shared_task(name=dispatch.ORDER_EVENT_NOTIFY, acks_late=True)
def order_event_notify_task(account_id: str, event: str, event_id: str, data: dict) -> str | None:
    return services.order_event_notify(account_id=account_id, event=event, event_id=event_id, data=data)


@shared_task(name=dispatch.CAMPAIGN_START, acks_late=True, time_limit=600, soft_time_limit=540)
def campaign_start_task(campaign_id: str) -> int:
    return services.campaign_start(campaign_id=campaign_id)


@shared_task(
    name=dispatch.CAMPAIGN_BATCH_SEND,
    bind=True,
    acks_late=True,
    max_retries=len(settings.MESSAGING_BATCH_RETRY_DELAYS_SECONDS),
    time_limit=1800,
    soft_time_limit=1740,
)
def campaign_batch_send_task(self, campaign_id: str, batch: int) -> int:
    try:
        return services.campaign_batch_send(campaign_id=campaign_id, batch=batch)
    except services.BatchInterrupted as exc:
        # Out of retries, the rows stay pending for the stalled-campaign sweep.
        delays = settings.MESSAGING_BATCH_RETRY_DELAYS_SECONDS
        raise self.retry(exc=exc, countdown=delays[min(self.request.retries, len(delays) - 1)]) from exc


@shared_task(name="messaging.tasks.campaigns_start_due_task", acks_late=True)
def campaigns_start_due_task() -> int:
    return services.campaigns_start_due()


@shared_task(name="messaging.tasks.campaigns_resume_stalled_task", acks_late=True)
def campaigns_resume_stalled_task() -> int:
    return services.campaigns_resume_stalled()
