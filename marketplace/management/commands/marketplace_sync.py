"""`manage.py marketplace_sync --connection conn_…`: an order sync run here, in the shell, with a progress line on
stderr (how much of the time range is done, and the counts so far). The same job the API's sync-orders queues,
marked `command`; `--job sync_…` resumes one (a job whose worker died), `--due` runs every connection the
periodic sync would."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from djangorestframework_camel_case.util import camelize

from marketplace import services
from marketplace.models import MarketplaceConnection, SyncJob, SyncTrigger
from marketplace.services.sync import sync_job_event_data
from omnisales.api.errors import ApplicationError


def _moment(value: str | None, name: str) -> datetime.datetime | None:
    if value is None:
        return None
    moment = parse_datetime(value) or (parse_datetime(value + "T00:00:00Z") if len(value) == 10 else None)
    if moment is None:
        raise CommandError(f"--{name}: not an ISO 8601 date or time: {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


class Command(BaseCommand):
    help = "Syncs a marketplace connection's orders now, with a progress line."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--connection", help="The connection to sync (conn_…).")
        target.add_argument("--job", help="Resume this sync job (sync_…), taking it over from a dead worker.")
        target.add_argument("--due", action="store_true", help="Every connection the periodic sync would run.")
        parser.add_argument("--start", help="Orders updated from (ISO 8601; default: where the last sync ended).")
        parser.add_argument("--end", help="Orders updated until (ISO 8601; default: now).")

    def handle(self, *args, **options):
        if options["job"]:
            jobs = [options["job"]]
        elif options["due"]:
            jobs = [self._create(connection, None, None) for connection in services.connections_due()]
        else:
            connection = (
                MarketplaceConnection.objects.select_related("account").filter(pk=options["connection"]).first()
            )
            if connection is None:
                raise CommandError(f"No connection {options['connection']}")
            jobs = [self._create(connection, _moment(options["start"], "start"), _moment(options["end"], "end"))]
        failed = False
        for job_id in jobs:
            job = self._run(job_id)
            failed |= job.status in ("failed", "partial")
        if failed:
            raise CommandError("Some orders or jobs failed (see above).")

    def _create(self, connection, start, end) -> str:
        try:
            job = services.sync_job_create(
                account=connection.account,
                connection=connection,
                start_date=start,
                end_date=end,
                trigger=SyncTrigger.COMMAND,
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        return job.pk

    def _run(self, job_id: str) -> SyncJob:
        try:
            job = services.sync_job_run(job_id=job_id, force=True, progress=self._progress)
        except services.SyncPostponed as exc:
            raise CommandError(f"The platform kept failing; the job is queued to run again: {exc}") from exc
        if job is None:
            raise CommandError(f"No sync job {job_id} to run (unknown, or finished)")
        self.stderr.write("")
        self.stdout.write(json.dumps(camelize({**sync_job_event_data(job), "errors": job.errors}), indent=2))
        style = self.style.SUCCESS if job.status == "succeeded" else self.style.WARNING
        self.stdout.write(style(f"{job.pk}: {job.status}"))
        return job

    def _progress(self, job: SyncJob) -> None:
        span = (job.end_date - job.start_date).total_seconds() or 1
        reached = getattr(job, "reached", None) or job.start_date
        percent = max(0, min(100, int((reached - job.start_date).total_seconds() * 100 / span)))
        bar = "#" * (percent // 5)
        self.stderr.write(
            f"\r[{bar:<20}] {percent:3d}% fetched {job.fetched}, created {job.created}, updated {job.updated}, "
            f"unchanged {job.unchanged}, failed {job.failed}",
            ending="",
        )
        self.stderr.flush()
