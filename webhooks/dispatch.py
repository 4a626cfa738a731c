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


ARGS_REPR_LIMIT = 1024  # what Celery's own repr keeps of a task's arguments for logs and monitoring


def enqueue(name: str, *, args: list, countdown: int | None = None) -> None:
    """Publishes the task. Its arguments' repr (shown in worker logs and monitoring) is the builtin one, cut
    like Celery's: Celery's own pure-Python `saferepr` costs more than the publish on a request's path."""
    _task(name).apply_async(args=args, countdown=countdown, argsrepr=repr(args)[:ARGS_REPR_LIMIT], kwargsrepr="{}")
