"""Order sync: a job per connection and time range, run by a worker on the `marketplace` queue.

The worker walks the platform's order list page by page (the client splits the range into the windows the
platform allows), reads the orders' details in batches (at most 50 per call; a thread of its own reads a
few pages ahead, see `reading`), and writes each batch in one transaction that starts by locking the
connection's row, so two syncs of one connection write one batch at a time and the second sees what the
first wrote. A platform order is linked to its Omni Sales order by `MarketplaceOrder` (unique per
connection and platform order): a known order is updated when its platform status or update time changed,
and left alone otherwise.

The job records where the platform's list was after each committed page (`resume`); a job whose worker
died is taken over from there (`sync_jobs_resume_stalled`, or Celery's redelivery of the unacknowledged
task), and the batch that was being written is simply read again. A rate limit or outage that outlasts
the client's back-off is retried by the task later, from the same place.
"""

import contextlib
import datetime
import gc
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import connections as db_connections
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import Account
from omnisales.api.bulk import copy_insert, new
from omnisales.api.errors import ApplicationError, ValidationFailed
from orders.models import MAX_QUANTITY, Order, OrderStatus
from orders.services import ImportOrder, order_follow, order_import_many, order_payment_record, status_path
from webhooks.services import event_emit

from ..exceptions import ConnectionDisabled, ConnectionNotAuthorized, NoActiveConnection
from ..models import (
    MAX_SYNC_ERRORS,
    ConnectionStatus,
    MarketplaceConnection,
    MarketplaceListing,
    MarketplaceOrder,
    SyncJob,
    SyncStatus,
    SyncTrigger,
)
from ..platforms import PLATFORMS
from ..providers.base import AuthFailed, ExternalOrder, MarketplaceError
from .connections import client as connection_client
from .mapping import CustomerPlan, Matcher
from .reading import PageReader

log = logging.getLogger(__name__)

MAX_RANGE = datetime.timedelta(days=366)
OUR_STATUSES = {
    OrderStatus.PENDING,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
}
ACTIVE_JOB = (SyncStatus.QUEUED, SyncStatus.RUNNING)
AWAITING_ACKNOWLEDGEMENT = "CREATED"  # Facebook: paid, waiting for the seller to take it (acknowledge_order)


class JobTakenOver(Exception):
    """Another worker claimed the job (this one was thought dead): this one stops without writing."""


class SyncPostponed(Exception):
    """The platform throttled or failed beyond the client's retries: run the job again later."""

    def __init__(self, error: MarketplaceError):
        super().__init__(str(error))
        self.error = error


# ---- creating jobs ------------------------------------------------------------------------------------


def _check_syncable(connection: MarketplaceConnection) -> None:
    if connection.status == ConnectionStatus.DISABLED:
        raise ConnectionDisabled("The connection is disabled: enable it first", details={"id": connection.pk})
    if not connection.is_authorized:
        raise ConnectionNotAuthorized(
            "The shop is not authorized yet: POST /api/marketplace/connections/{id}/authorize",
            details={"id": connection.pk},
        )


def sync_job_create(
    *,
    account: Account,
    connection: MarketplaceConnection | None = None,
    platform: str | None = None,
    start_date: datetime.datetime | None = None,
    end_date: datetime.datetime | None = None,
    trigger: str = SyncTrigger.API,
    enqueue: Callable[[SyncJob], None] | None = None,
) -> SyncJob:
    """A queued job for the connection (or the account's one active connection of `platform`) and the orders
    updated from `start_date` (default: where the last sync ended, or MARKETPLACE_INITIAL_SYNC_DAYS ago) to
    `end_date` (default now). `enqueue(job)` runs once the job is committed. Runs in its own transaction
    (or the caller's)."""
    with transaction.atomic():
        if connection is None:
            connection = _only_connection(account, platform)
        _check_syncable(connection)
        now = timezone.now()
        end_date = min(end_date or now, now)
        if start_date is None:
            start_date = default_start(connection, now)
        errors = {}
        if start_date > end_date:
            errors["startDate"] = ["Must be before endDate (and not in the future)."]
        elif end_date - start_date > MAX_RANGE:
            errors["startDate"] = ["At most 366 days per sync."]
        if errors:
            raise ValidationFailed("Validation failed", details=errors)
        job = SyncJob.objects.create(
            account=account, connection=connection, start_date=start_date, end_date=end_date, trigger=trigger
        )
        if enqueue is not None:
            transaction.on_commit(lambda: enqueue(job))
    return job


def _only_connection(account: Account, platform: str | None) -> MarketplaceConnection:
    connections = list(
        MarketplaceConnection.objects.filter(account=account, platform=platform)
        .exclude(status=ConnectionStatus.DISABLED)
        .order_by("created_at")[:2]
    )
    name = PLATFORMS[platform].name if platform in PLATFORMS else platform
    if not connections:
        raise NoActiveConnection(
            f"No {name} connection: create one with POST /api/marketplace/connections",
            details={"platformId": f"platform_{platform}"},
        )
    if len(connections) > 1:
        raise ValidationFailed(
            "Validation failed",
            details={"connectionId": [f"Several {name} connections: name the one to sync with connectionId."]},
        )
    return connections[0]


def default_start(connection: MarketplaceConnection, now: datetime.datetime) -> datetime.datetime:
    if connection.synced_until:
        return min(connection.synced_until - datetime.timedelta(minutes=settings.MARKETPLACE_SYNC_OVERLAP_MINUTES), now)
    return now - datetime.timedelta(days=settings.MARKETPLACE_INITIAL_SYNC_DAYS)


def connections_due(now: datetime.datetime | None = None) -> list[MarketplaceConnection]:
    """Active, authorized connections on the periodic schedule with no job queued or running."""
    busy = SyncJob.objects.filter(connection=OuterRef("pk"), status__in=ACTIVE_JOB)
    return list(
        MarketplaceConnection.objects.filter(status=ConnectionStatus.ACTIVE, auto_sync=True)
        .annotate(busy=Exists(busy))
        .filter(busy=False)
        .select_related("account")
        .order_by("pk")
    )


# ---- running jobs -------------------------------------------------------------------------------------


def _claim(job_id: str) -> SyncJob | None:
    """Marks the job running (a queued one, or a running one whose worker went quiet) and returns it."""
    stale = timezone.now() - datetime.timedelta(seconds=settings.MARKETPLACE_STALE_JOB_SECONDS)
    now = timezone.now()
    claimed = SyncJob.objects.filter(
        Q(status=SyncStatus.QUEUED)
        | Q(status=SyncStatus.RUNNING, heartbeat_at__lt=stale)
        | Q(status=SyncStatus.RUNNING, heartbeat_at__isnull=True),
        pk=job_id,
    ).update(status=SyncStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, updated_at=now)
    if not claimed:
        return None
    job = SyncJob.objects.select_related("connection", "connection__account", "account").get(pk=job_id)
    if job.started_at is None:
        job.started_at = now
        SyncJob.objects.filter(pk=job_id).update(started_at=now)
    return job


def sync_job_run(
    *, job_id: str, force: bool = False, progress: Callable[[SyncJob], None] | None = None, **client_options
) -> SyncJob | None:
    """Runs (or resumes) a job to its end. Returns None when another worker holds it. `force` takes over a
    running job at once (an operator's command after a crash). `progress(job)` is called after each batch.
    Raises SyncPostponed when the platform throttles or fails beyond the client's retries (the task
    retries it later; the job stays running with its resume point)."""
    if force:
        SyncJob.objects.filter(pk=job_id, status=SyncStatus.RUNNING).update(heartbeat_at=None)
    job = _claim(job_id)
    if job is None:
        return None
    connection = job.connection
    if connection.status == ConnectionStatus.DISABLED or not connection.is_authorized:
        return _finish(job, failed=f"The connection is {connection.get_status_display().lower()}: nothing synced")
    platform = connection_client(connection, **client_options)
    matcher = Matcher(connection)
    pending: list[ExternalOrder] = []
    try:
        with (
            PageReader(platform, start=job.start_date, end=job.end_date, state=job.resume) as pages,
            BatchWriter(job, matcher, platform, progress) as writer,
        ):
            for orders, resume in pages:
                pending.extend(orders)
                # Written at the end of a page, so the resume point committed with them is exact; several
                # pages go in one transaction (its fixed statements shared by more orders).
                if len(pending) >= settings.MARKETPLACE_SYNC_WRITE_BATCH or resume is None:
                    writer.write(prepare_batch(job=job, matcher=matcher, orders=pending, resume=resume))
                    pending = []
                elif not writer.busy:  # a write in flight holds the job's row, and refreshes its heartbeat
                    _heartbeat(job)
            if pending:  # a client whose last page still had a resume point
                writer.write(prepare_batch(job=job, matcher=matcher, orders=pending, resume=job.resume))
            writer.finish()
    except JobTakenOver:
        log.warning("Sync job %s was taken over by another worker; this one stops", job.pk)
        return None
    except AuthFailed as exc:
        return _finish(job, failed=f"{PLATFORMS[connection.platform].name} refused the connection: {exc}")
    except MarketplaceError as exc:
        if exc.retryable:
            # Queued again (its resume point kept) so the task's retry can claim it at once.
            SyncJob.objects.filter(pk=job.pk, status=SyncStatus.RUNNING).update(
                status=SyncStatus.QUEUED, error=str(exc)[:2000], updated_at=timezone.now()
            )
            raise SyncPostponed(exc) from exc
        return _finish(job, failed=f"{PLATFORMS[connection.platform].name} answered: {exc}")
    return _finish(job)


def _heartbeat(job: SyncJob) -> None:
    """The job is alive (between writes, after each page read); stops this worker if another claimed it. Not
    waiting for the disk: a heartbeat a crash loses only makes the job look stale, as the crash does."""
    now = timezone.now()
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        alive = SyncJob.objects.filter(pk=job.pk, attempts=job.attempts, status=SyncStatus.RUNNING).update(
            heartbeat_at=now
        )
    if not alive:
        raise JobTakenOver(job.pk)


def sync_jobs_stalled() -> list[str]:
    """Running jobs whose worker has been quiet for MARKETPLACE_STALE_JOB_SECONDS, and queued jobs waiting
    that long (their message was lost): the ids to enqueue again."""
    stale = timezone.now() - datetime.timedelta(seconds=settings.MARKETPLACE_STALE_JOB_SECONDS)
    return list(
        SyncJob.objects.filter(
            Q(status=SyncStatus.RUNNING, heartbeat_at__lt=stale) | Q(status=SyncStatus.QUEUED, created_at__lt=stale)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def sync_job_fail(*, job_id: str, error: str) -> None:
    """Gives up a job (the task's retries are spent)."""
    job = SyncJob.objects.select_related("connection", "account").filter(pk=job_id, status__in=ACTIVE_JOB).first()
    if job is not None:
        _finish(job, failed=error)


def _finish(job: SyncJob, *, failed: str = "") -> SyncJob:
    now = timezone.now()
    claimed = job.attempts
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().select_related("connection", "account").get(pk=job.pk)
        if job.attempts != claimed or job.status not in ACTIVE_JOB:
            return job  # another worker took it over (or finished it): its outcome is the one that counts
        job.status = SyncStatus.FAILED if failed else (SyncStatus.PARTIAL if job.failed else SyncStatus.SUCCEEDED)
        job.error, job.finished_at, job.heartbeat_at = failed[:2000], now, now
        job.save(update_fields=["status", "error", "finished_at", "heartbeat_at", "updated_at"])
        connection = MarketplaceConnection.objects.select_for_update().get(pk=job.connection_id)
        connection.last_sync_at = now
        if not failed and (connection.synced_until is None or job.end_date > connection.synced_until):
            connection.synced_until = job.end_date
        if failed:
            connection.last_error, connection.last_error_at = failed[:2000], now
        connection.save(update_fields=["last_sync_at", "synced_until", "last_error", "last_error_at", "updated_at"])
        event_emit(account=job.account, event="marketplace.sync_completed", data=sync_job_event_data(job))
    return job


def sync_job_event_data(job: SyncJob) -> dict[str, Any]:
    return {
        "sync_job_id": job.pk,
        "connection_id": job.connection_id,
        "platform": job.connection.platform,
        "status": job.status,
        "fetched": job.fetched,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "failed": job.failed,
        "error": job.error,
    }


# ---- one batch ----------------------------------------------------------------------------------------


def _problem(order: ExternalOrder) -> str:
    """Why an order cannot be written as it is ('' when it can)."""
    if order.status not in OUR_STATUSES:
        return f"Unknown status {order.status!r}"
    if not order.external_id or len(order.external_id) > 64:
        return "Missing or overlong order id"
    if len(order.currency or "") != 3:
        return f"Invalid currency {order.currency!r}"
    for name in ("subtotal", "shipping_fee", "total"):
        value = getattr(order, name)
        if not value.is_finite() or value < 0:
            return f"Invalid {name}: {value}"
    for line in order.lines:
        if not 1 <= line.quantity <= MAX_QUANTITY:
            return f"Line {line.external_id}: quantity {line.quantity} out of range"
        if not line.unit_price.is_finite() or line.unit_price < 0:
            return f"Line {line.external_id}: invalid price {line.unit_price}"
        if len(line.sku) > 64:
            return f"Line {line.external_id}: SKU longer than 64 characters"
    return ""


def _commit_without_waiting_for_disk() -> None:
    """This transaction's commit does not wait for its WAL to reach the disk (PostgreSQL's
    `synchronous_commit`, for this transaction only). A crash may lose the last batches committed, never
    half a batch: their resume point is in the same transaction, so the job reads them again."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


_collector_pauses = {"count": 0, "enable": False}  # batches being prepared or written, and what to restore
_collector_lock = threading.Lock()


@contextlib.contextmanager
def _without_collector_pauses() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is prepared or written. A batch makes a hundred
    thousand objects (instances, rows, payloads) that live until it ends: the collector, which runs every few
    hundred allocations, examined them again and again and promoted them to its oldest generation, whose full
    collections walk every object of the process (a third of the sync's CPU). A batch needs no cycle
    collected while it runs; the ones it leaves are collected as usual once no batch is being prepared or
    written (its objects released, so the collector does not walk them on their way out). Counted: the
    worker's thread prepares a batch while the writer's thread writes the one before."""
    with _collector_lock:
        if _collector_pauses["count"] == 0:
            _collector_pauses["enable"] = gc.isenabled()
            gc.disable()
        _collector_pauses["count"] += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses["count"] -= 1
            if _collector_pauses["count"] == 0 and _collector_pauses["enable"]:
                gc.enable()


_POLL_SECONDS = 0.05


class Batch:
    """A batch of a job's orders read and planned, ready to be written (`prepare_batch`)."""

    def __init__(self, orders: list[ExternalOrder], resume: Any):
        self.orders, self.resume = orders, resume
        self.counts = {"fetched": len(orders), "created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        self.errors: list[dict[str, str]] = []
        self.unique: list[ExternalOrder] = []  # the orders to write: each once, none refused
        self.customers: CustomerPlan | None = None
        self.imports: dict[str, ImportOrder] = {}  # for the orders that were new when planned
        self.committing = threading.Event()  # set by its write when only the commit is left

    def fail(self, order: ExternalOrder, message: str, code: str = "INVALID_ORDER") -> None:
        self.counts["failed"] += 1
        self.errors.append({"external_id": order.external_id, "code": code, "message": message[:500]})


@_without_collector_pauses()
def prepare_batch(*, job: SyncJob, matcher: Matcher, orders: list[ExternalOrder], resume: Any) -> Batch:
    """Everything of a batch that only reads: the orders checked (one that cannot be written is counted
    failed with its reason), the new ones (no link yet) matched to variants and to customers, and made
    into `ImportOrder`s. Runs while the batch before is being written (see `BatchWriter`): its reads may
    miss what that write has not committed, which `write_batch` checks again under the connection's lock."""
    batch = Batch(orders, resume)
    seen = set()
    for order in orders:
        if order.external_id in seen:
            batch.counts["fetched"] -= 1  # a platform listing one order twice in a batch
            continue
        seen.add(order.external_id)
        problem = _problem(order)
        if problem:
            batch.fail(order, problem)
        else:
            batch.unique.append(order)
    known = set(
        MarketplaceOrder.objects.filter(
            connection=job.connection, external_id__in=[order.external_id for order in batch.unique]
        ).values_list("external_id", flat=True)
    )
    _plan(batch, matcher, [order for order in batch.unique if order.external_id not in known])
    return batch


def _plan(batch: Batch, matcher: Matcher, orders: list[ExternalOrder]) -> None:
    if not orders:
        return
    matcher.load_variants({line.sku for order in orders for line in order.lines})
    plan = matcher.plan_customers(orders)
    if batch.customers is None:
        batch.customers = plan
    else:
        batch.customers.customers.update(plan.customers)
        batch.customers.buyers.update(plan.buyers)
    for order in orders:
        batch.imports[order.external_id] = matcher.import_order(order, customer=None)


@_without_collector_pauses()
def write_batch(*, job: SyncJob, matcher: Matcher, batch: Batch) -> list[tuple[str, str]]:
    """Writes a prepared batch, its counts and its resume point (where the platform's list is after these
    orders) in one transaction. Returns the orders the platform waits to be acknowledged:
    [(platform id, ours)]."""
    connection = job.connection
    counts = batch.counts
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        MarketplaceConnection.objects.select_for_update().filter(pk=connection.pk).values_list("pk").get()
        # Fenced by the attempt this worker claimed: a worker taken for dead writes nothing more.
        if (
            not SyncJob.objects.select_for_update()
            .filter(pk=job.pk, attempts=job.attempts, status=SyncStatus.RUNNING)
            .exists()
        ):
            raise JobTakenOver(job.pk)
        links = {
            link.external_id: link
            for link in MarketplaceOrder.objects.filter(
                connection=connection, external_id__in=[order.external_id for order in batch.unique]
            ).select_related("order")
        }
        new = [order for order in batch.unique if order.external_id not in links]
        known = [order for order in batch.unique if order.external_id in links]
        # Planned as known, new now (its order was deleted meanwhile): planned here, under the lock.
        _plan(batch, matcher, [order for order in new if order.external_id not in batch.imports])
        order_ids = {external_id: link.order_id for external_id, link in links.items()}
        if new:
            _remember_listings(matcher, new)
            order_ids.update(_create(job, matcher, batch, new, counts))
        for order in known:
            _update(job, matcher, order, links[order.external_id], counts, batch.fail)

        stored_errors = max(0, MAX_SYNC_ERRORS - len(job.errors or []))
        job.errors = [*(job.errors or []), *batch.errors[:stored_errors]]
        changes = {name: F(name) + value for name, value in counts.items() if value}
        now = timezone.now()
        SyncJob.objects.filter(pk=job.pk).update(
            errors=job.errors, resume=batch.resume, heartbeat_at=now, updated_at=now, **changes
        )
        job.resume = batch.resume
        batch.committing.set()
    for name, value in counts.items():
        setattr(job, name, getattr(job, name) + value)
    orders = batch.orders
    if orders:  # how far through the range the platform's list has come (lists go by update time)
        job.reached = max(getattr(job, "reached", None) or job.start_date, max(order.updated_at for order in orders))
    return [
        (order.external_id, order_ids[order.external_id])
        for order in batch.unique
        if order.platform_status == AWAITING_ACKNOWLEDGEMENT and order.external_id in order_ids
    ]


class BatchWriter:
    """Writes a job's prepared batches in order, one at a time, on a thread of its own with its own database
    connection, so that the worker's thread prepares the next batch (its reads, its customers matched, its
    `ImportOrder`s) while the database commits the one before (the commit runs the batch's deferred
    foreign-key checks: about a fifth of a sync). `write` returns once the write it started is committing:
    the preparing then runs beside a single wait for the database. Run beside the write's own Python, it
    made the sync slower: each of the writer's many round trips (a COPY's buffers, its statements) then
    waited for the GIL to come back from the preparing thread. After each write, the orders a platform waits
    for are acknowledged and `progress(job)` is called, on the worker's thread. A write's error is raised by
    the next `write` or by `finish`.

    The writes run in the worker's thread instead (one after the other with the preparing) elsewhere than
    on PostgreSQL, when MARKETPLACE_SYNC_CONCURRENT_WRITES is off, and inside an outer transaction: a second
    connection would not see its rows."""

    def __init__(self, job: SyncJob, matcher: Matcher, platform, progress: Callable[[SyncJob], None] | None):
        self.job, self.matcher, self.platform, self.progress = job, matcher, platform, progress
        self.concurrent = (
            settings.MARKETPLACE_SYNC_CONCURRENT_WRITES
            and db_connection.vendor == "postgresql"
            and not db_connection.in_atomic_block
        )
        self.executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="marketplace-writer") if self.concurrent else None
        )
        self.in_flight: Future | None = None

    def __enter__(self) -> "BatchWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.executor is None:
            return
        try:
            if self.in_flight is not None:  # the worker's thread failed (the platform's error, a stop)
                wait([self.in_flight])
                if self.in_flight.exception() is None:  # written: acknowledged as it would have been
                    self.finish()
        finally:
            self.executor.submit(db_connections.close_all).result()
            self.executor.shutdown()

    @property
    def busy(self) -> bool:
        return self.in_flight is not None and not self.in_flight.done()

    def write(self, batch: Batch) -> None:
        """Writes `batch` once the write before it has ended (in the background when concurrent)."""
        self.finish()
        if self.executor is None:
            self._written(write_batch(job=self.job, matcher=self.matcher, batch=batch))
        else:
            self.in_flight = self.executor.submit(write_batch, job=self.job, matcher=self.matcher, batch=batch)
            while not batch.committing.wait(_POLL_SECONDS) and not self.in_flight.done():
                pass  # writing (or failed before its commit: `finish` raises why)

    def finish(self) -> None:
        """Waits for the write in flight, raising its error."""
        if self.in_flight is None:
            return
        future, self.in_flight = self.in_flight, None
        self._written(future.result())

    def _written(self, waiting: list[tuple[str, str]]) -> None:
        acknowledge(job=self.job, platform=self.platform, orders=waiting)
        if self.progress is not None:
            self.progress(self.job)


def acknowledge(*, job: SyncJob, platform, orders: list[tuple[str, str]]) -> None:
    """Tells a platform that wants it (Facebook: orders stay CREATED until acknowledged) that these orders are
    in: [(platform order id, our order id)], after they were committed. The idempotency key is our order id,
    so a repeat after a crash is the same acknowledgement; a refusal is noted in the job's errors."""
    if not orders or not hasattr(platform, "acknowledge"):
        return
    failures = []
    for external_id, order_id in orders:
        try:
            platform.acknowledge(external_id, merchant_order_reference=order_id, idempotency_key=f"ack-{order_id}")
        except MarketplaceError as exc:
            failures.append({"external_id": external_id, "code": "ACKNOWLEDGE_FAILED", "message": str(exc)[:500]})
    if failures:
        job.errors = [*(job.errors or []), *failures][:MAX_SYNC_ERRORS]
        SyncJob.objects.filter(pk=job.pk).update(errors=job.errors, updated_at=timezone.now())


def _create(job: SyncJob, matcher: Matcher, batch: Batch, orders: list[ExternalOrder], counts: dict) -> dict[str, str]:
    connection = job.connection
    fail = batch.fail
    customers = matcher.create_customers(batch.customers, [order.external_id for order in orders])
    imports = [batch.imports[order.external_id] for order in orders]
    for order, imported in zip(orders, imports, strict=True):
        imported.customer = customers[order.external_id]
    try:
        with transaction.atomic():
            order_import_many(account=connection.account, orders=imports)
        written = list(zip(orders, imports, strict=True))
    except ApplicationError:
        # Something in the batch was refused: write the orders one by one to find it and keep the others.
        written = []
        for order, imported in zip(orders, imports, strict=True):
            try:
                with transaction.atomic():
                    order_import_many(account=connection.account, orders=[imported])
                written.append((order, imported))
            except ApplicationError as exc:
                fail(order, f"{exc.code}: {exc.message}", code=exc.code)
    now = timezone.now()
    copy_insert(
        MarketplaceOrder,
        (
            new(
                MarketplaceOrder,
                account=connection.account,
                connection=connection,
                external_id=order.external_id,
                order=imported.order,
                platform_status=order.platform_status[:200],
                platform_updated_at=order.updated_at,
                synced_at=now,
            )
            for order, imported in written
        ),
    )
    counts["created"] += len(written)
    for order, imported in written:
        if imported.error:
            fail(order, f"Created, but left {imported.order.status}: {imported.error}", code="STATUS_NOT_FOLLOWED")
    return {order.external_id: imported.order.pk for order, imported in written}


def _update(job: SyncJob, matcher: Matcher, order: ExternalOrder, link: MarketplaceOrder, counts: dict, fail) -> None:
    existing = link.order
    behind = existing.status != order.status and status_path(existing.status, order.status) is not None
    same = link.platform_status == order.platform_status[:200] and link.platform_updated_at >= order.updated_at
    if same and not behind:
        counts["unchanged"] += 1
        return
    details = {**(existing.marketplace or {}), "platform_status": order.platform_status}
    imported = ImportOrder(
        customer=existing.customer,
        channel=existing.channel,
        status=order.status,
        placed_at=existing.created_at,
        currency=existing.currency,
        lines=[],
        subtotal=existing.subtotal,
        shipping=existing.shipping_amount,
        total=existing.total,
        paid=order.paid,
        external_id=existing.external_id,
        marketplace=details,
    )
    imported.order = existing
    try:
        with transaction.atomic():
            Order.objects.filter(pk=existing.pk).update(marketplace=details, updated_at=timezone.now())
            existing.marketplace = details
            if order.paid and existing.amount_paid == 0 and existing.balance > 0:
                order_payment_record(
                    order=existing,
                    amount=existing.balance,
                    method=existing.payment_method or "marketplace",
                    provider=existing.channel,
                    provider_reference=existing.external_id,
                    note=f"Paid on {existing.channel}",
                )
                existing.refresh_from_db()
            order_follow(imported)
    except ApplicationError as exc:
        fail(order, f"{exc.code}: {exc.message}", code=exc.code)
        return
    MarketplaceOrder.objects.filter(pk=link.pk).update(
        platform_status=order.platform_status[:200],
        platform_updated_at=max(order.updated_at, link.platform_updated_at),
        synced_at=timezone.now(),
        updated_at=timezone.now(),
    )
    counts["updated"] += 1
    if imported.error:
        fail(order, f"Updated, but left {imported.order.status}: {imported.error}", code="STATUS_NOT_FOLLOWED")


def _remember_listings(matcher: Matcher, orders: list[ExternalOrder]) -> None:
    """The SKUs the shop sells, with the platform's listing ids and the variant they matched (stock push)."""
    connection = matcher.connection
    seen = getattr(matcher, "listed", None)
    if seen is None:
        seen = matcher.listed = set()
    listings = {}
    for order in orders:
        for line in order.lines:
            if line.sku and line.sku not in seen:
                variant = matcher.variants.get(line.sku)
                listings[line.sku] = MarketplaceListing(
                    account=connection.account,
                    connection=connection,
                    sku=line.sku,
                    item_id=line.item_id,
                    model_id=line.model_id,
                    variant=variant,
                )
    if listings:
        MarketplaceListing.objects.bulk_create(
            list(listings.values()),
            update_conflicts=True,
            unique_fields=["connection", "sku"],
            update_fields=["item_id", "model_id", "variant", "updated_at"],
        )
        seen.update(listings)
