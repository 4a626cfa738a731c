"""How background work is wired: queues, routes, task options and the beat schedule."""

import pytest
from django.conf import settings

from omnisales.celery import app


def test_every_area_has_its_own_queue():
    assert {queue.name for queue in app.conf.task_queues} == {"default", "webhooks", "marketplace", "messaging"}
    assert app.conf.task_default_queue == "default"


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("webhooks.tasks.delivery_attempt_task", "webhooks"),
        ("webhooks.tasks.deliveries_enqueue_due_task", "webhooks"),
        ("marketplace.tasks.orders_sync_task", "marketplace"),
        ("messaging.tasks.campaign_send_task", "messaging"),
        ("accounts.tasks.idempotency_records_purge_task", "default"),
    ],
)
def test_tasks_are_routed_to_their_area_queue(task_name, queue):
    assert app.amqp.router.route({}, task_name)["queue"].name == queue


def test_tasks_acknowledge_late_and_have_time_limits():
    from accounts.tasks import idempotency_records_purge_task
    from webhooks import tasks

    for task in (
        tasks.delivery_attempt_task,
        tasks.deliveries_enqueue_task,
        tasks.deliveries_enqueue_due_task,
        tasks.events_purge_task,
        idempotency_records_purge_task,
    ):
        assert task.acks_late is True
    assert tasks.delivery_attempt_task.time_limit == 60
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def test_tasks_run_in_process_under_tests():
    assert app.conf.task_always_eager is True
    assert app.conf.task_eager_propagates is True


# transaction=True: the scheduler closes and reopens its database connection
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_installs_the_periodic_jobs_in_the_database():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    app.loader.import_default_modules()
    DatabaseScheduler(app=app)  # what `celery beat` does at start

    installed = {task.name: task for task in PeriodicTask.objects.all()}
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(installed)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert installed[name].task == entry["task"]
        assert entry["task"] in app.tasks, f"{name} names a task that does not exist"
    assert installed["webhooks-enqueue-due-deliveries"].interval.every == 60
    assert installed["accounts-purge-idempotency-records"].crontab.minute == "5"
