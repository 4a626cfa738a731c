"""Background work of the marketplace: thin tasks that take ids and call a service, on the `marketplace`
queue (CELERY_TASK_ROUTES). Sync jobs are resumable and idempotent, so acks_late is safe: a worker that
dies mid-job has its task delivered again, and the job goes on from its last committed page. A redelivery
that comes while the job still looks alive (its heartbeat younger than MARKETPLACE_STALE_JOB_SECONDS) finds
nothing to claim; the stalled-job sweep enqueues it once it has been quiet that long. Each claim is fenced by
the job's attempt number, so a worker wrongly taken for dead stops at its next write."""

import logging

from celery import shared_task

from . import services
from .models import SyncJob, SyncTrigger

log = logging.getLogger(__name__)

SYNC_RETRIES = 8


@shared_task(bind=True, acks_late=True, max_retries=SYNC_RETRIES, soft_time_limit=3300, time_limit=3600)
def sync_job_run_task(self, job_id: str) -> str | None:
    try:
        job = services.sync_job_run(job_id=job_id)
    except services.SyncPostponed as exc:
        # In-process tasks (no broker) cannot wait for a later attempt: the job fails, and can be run again.
        if self.request.is_eager or self.request.retries >= SYNC_RETRIES:
            services.sync_job_fail(job_id=job_id, error=f"The platform kept failing: {exc}")
            return "failed"
        raise self.retry(countdown=min(900, 15 * 2**self.request.retries)) from exc
    return job.status if job is not None else None


def enqueue_sync(job: SyncJob) -> None:
    sync_job_run_task.apply_async(args=[job.pk], argsrepr=repr([job.pk]))


@shared_task(acks_late=True)
def connections_sync_task() -> int:
    """Beat: a job for every active connection on the schedule that has none queued or running."""
    created = 0
    for connection in services.connections_due():
        try:
            services.sync_job_create(
                account=connection.account, connection=connection, trigger=SyncTrigger.SCHEDULE, enqueue=enqueue_sync
            )
            created += 1
        except Exception:  # one connection's problem must not stop the others
            log.exception("Could not schedule a sync of %s", connection.pk)
    return created


@shared_task(acks_late=True)
def sync_jobs_resume_stalled_task() -> int:
    """Beat: jobs whose worker went quiet (or whose message was lost) are enqueued again."""
    job_ids = services.sync_jobs_stalled()
    for job_id in job_ids:
        sync_job_run_task.apply_async(args=[job_id], argsrepr=repr([job_id]))
    return len(job_ids)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def stock_push_task(connection_id: str) -> dict | None:
    from .models import MarketplaceConnection

    connection = MarketplaceConnection.objects.select_related("account").filter(pk=connection_id).first()
    if connection is None:
        return None
    try:
        return services.stock_push(connection=connection)
    except services.StockPushRefused:
        return None


@shared_task(acks_late=True)
def stock_push_all_task() -> int:
    """Beat: each connection that pushes stock gets its changed quantities pushed."""
    connection_ids = services.connections_to_push()
    for connection_id in connection_ids:
        stock_push_task.apply_async(args=[connection_id], argsrepr=repr([connection_id]))
    return len(connection_ids)
