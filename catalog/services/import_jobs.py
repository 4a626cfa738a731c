"""CSV imports as jobs: a file with more than PRODUCT_IMPORT_SYNC_ROWS rows is stored on an import job and
imported by a Celery task; smaller files are imported in the request, as before.

The task runs the same `product_import` in one transaction with the job row locked, so a job is written
whole or not at all, and a task delivered twice runs the import once. Progress (rows done) goes to the
cache after each batch, since the import's own writes are invisible until it commits.
"""

import io
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from omnisales.api.errors import ApplicationError
from omnisales.api.transactions import atomic_service
from webhooks.dispatch import enqueue

from .. import csv_format, selectors
from ..models import ImportJobStatus, ProductImportJob
from .csv_import import ImportReport, product_import

logger = logging.getLogger(__name__)

IMPORT_RUN = "catalog.tasks.product_import_run_task"
PROGRESS_SECONDS = 24 * 3600


def _sync_rows() -> int:
    return getattr(settings, "PRODUCT_IMPORT_SYNC_ROWS", 1000)


@atomic_service
def product_import_submit(
    *, account: Account, file, file_name: str = "", all_or_nothing: bool = False, dry_run: bool = False
) -> ImportReport | ProductImportJob:
    """Imports a file of at most PRODUCT_IMPORT_SYNC_ROWS rows now (its report); a larger one becomes a
    queued import job, run after the commit. Either way an unreadable file is an INVALID_CSV at once."""
    content = file.read()
    total = csv_format.count_rows(io.BytesIO(content))
    if total <= _sync_rows():
        return product_import(account=account, file=io.BytesIO(content), all_or_nothing=all_or_nothing, dry_run=dry_run)
    job = ProductImportJob.objects.create(
        account=account,
        file_name=file_name[:255],
        content=content.decode("utf-8"),
        all_or_nothing=all_or_nothing,
        dry_run=dry_run,
        total_rows=total,
    )
    transaction.on_commit(lambda: enqueue(IMPORT_RUN, args=[job.pk]), robust=True)
    return job


def _claim(job_id: str) -> bool:
    """queued -> running, committed at once so readers see it; a job a dead worker left running is
    taken again (its import was rolled back with it)."""
    with transaction.atomic():
        claimed = ProductImportJob.objects.filter(
            pk=job_id, status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING]
        ).update(status=ImportJobStatus.RUNNING, started_at=timezone.now(), processed_rows=0)
    return claimed == 1


def _finish(job: ProductImportJob, report: dict, *, failure: dict | None = None) -> None:
    job.status = ImportJobStatus.FAILED if failure else ImportJobStatus.SUCCEEDED
    job.failure = failure
    job.created_count = report.get("created", 0)
    job.updated_count = report.get("updated", 0)
    job.unchanged_count = report.get("unchanged", 0)
    job.failed_count = report.get("failed", 0)
    job.errors = report.get("errors", [])
    job.processed_rows = job.total_rows if not failure or report else job.processed_rows
    job.content = ""
    job.finished_at = timezone.now()
    job.save()
    cache.delete(selectors.import_progress_key(job.pk))


def product_import_run(*, job_id: str) -> str:
    """Runs a queued import job (the task calls this). Never raises for a bad file or a refused import:
    the job is marked failed with the error. Returns the job's status."""
    if not _claim(job_id):
        return ProductImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    try:
        with transaction.atomic():
            job = ProductImportJob.objects.select_for_update().select_related("account").get(pk=job_id)
            if job.is_finished:  # another delivery of the task finished it while this one waited
                return job.status
            report = product_import(
                account=job.account,
                file=io.BytesIO(job.content.encode("utf-8")),
                all_or_nothing=job.all_or_nothing,
                dry_run=job.dry_run,
                on_progress=lambda rows: cache.set(selectors.import_progress_key(job_id), rows, PROGRESS_SECONDS),
            )
            _finish(job, report.as_dict())
            return job.status
    except ApplicationError as exc:
        failure = {"error": exc.message, "code": exc.code, "details": exc.details}
        report = exc.details if exc.code == "IMPORT_ROWS_INVALID" else {}
    except Exception:
        logger.exception("Product import job %s failed", job_id)
        failure = {"error": "The import failed unexpectedly; nothing was imported", "code": "IMPORT_FAILED"}
        failure["details"] = {}
        report = {}
    with transaction.atomic():
        job = ProductImportJob.objects.select_for_update().get(pk=job_id)
        _finish(job, report, failure=failure)
    return job.status
