"""Background work for the catalog: thin, idempotent tasks (the `default` queue)."""

from celery import shared_task

from . import services
from .services.import_jobs import IMPORT_RUN


@shared_task(name=IMPORT_RUN, acks_late=True, time_limit=1800, soft_time_limit=1740)
def product_import_run_task(job_id: str) -> str:
    return services.product_import_run(job_id=job_id)
