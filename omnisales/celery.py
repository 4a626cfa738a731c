"""The Celery application. Without CELERY_BROKER_URL tasks run in-process (eagerly).

Worker and beat commands, queues and settings: docs/operations.md.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")

app = Celery("omnisales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(**kwargs):
    """Database connections in a worker follow the same rules as in a web request: kept for
    DATABASE_CONN_MAX_AGE seconds, dropped when broken. (Celery's own Django fixup would close them
    around every task; CELERY_DB_REUSE_MAX in settings hands that decision to this handler.)"""
    request = getattr(kwargs.get("task"), "request", None)
    if request is not None and not request.is_eager:
        from django.db import close_old_connections

        close_old_connections()
