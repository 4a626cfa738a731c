"""Webhook tasks enqueued by name, so `services` (which `tasks` imports) never imports `tasks`."""

from celery import current_app

DELIVERY_ATTEMPT = "webhooks.tasks.delivery_attempt_task"
DELIVERIES_ENQUEUE = "webhooks.tasks.deliveries_enqueue_task"


def _task(name: str):
    """The registered task. A worker registers every task module when it starts; a web process imports
    them on demand, through Celery's autodiscovery, so that eager mode (development, tests) still runs the
    task in-process instead of publishing it."""
    try:
        return current_app.tasks[name]
    except KeyError:
        current_app.autodiscover_tasks(force=True)
        return current_app.tasks[name]


def enqueue(name: str, *, args: list, countdown: int | None = None) -> None:
    _task(name).apply_async(args=args, countdown=countdown)
