"""Messaging tasks enqueued by name (webhooks.dispatch), so services never import tasks."""

from django.db import transaction

from webhooks.dispatch import enqueue

MESSAGE_DELIVER = "messaging.tasks.message_deliver_task"
CAMPAIGN_START = "messaging.tasks.campaign_start_task"
CAMPAIGN_BATCH_SEND = "messaging.tasks.campaign_batch_send_task"
ORDER_EVENT_NOTIFY = "messaging.tasks.order_event_notify_task"

__all__ = ["enqueue", "enqueue_on_commit"]


def enqueue_on_commit(name: str, *, args: list, countdown: int | None = None) -> None:
    transaction.on_commit(lambda: enqueue(name, args=args, countdown=countdown), robust=True)
