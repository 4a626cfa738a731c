"""Messaging tasks enqueued by name after the commit, so services never import tasks."""

from celery import current_app
from django.db import transaction

MESSAGE_DELIVER = "messaging.tasks.message_deliver_task"
CAMPAIGN_START = "messaging.tasks.campaign_start_task"
CAMPAIGN_BATCH_SEND = "messaging.tasks.campaign_batch_send_task"
ORDER_EVENT_NOTIFY = "messaging.tasks.order_event_notify_task"


def _task(name: str):
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.autodiscover_tasks(force=True)
        return current_app.tasks[name]


def enqueue(name: str, *, args: list, countdown: int | None = None) -> None:
    _task(name).apply_async(args=args, countdown=countdown)


def enqueue_on_commit(name: str, *, args: list, countdown: int | None = None) -> None:
    transaction.on_commit(lambda: enqueue(name, args=args, countdown=countdown), robust=True)
