"""Routes of this app that take an id, and how to make such an object for an account: an authorized Shopee
connection (tokens given, as an operator would) and a finished sync job of it."""

import itertools

from django.utils import timezone

from marketplace import services
from marketplace.models import SyncJob, SyncStatus

_shops = itertools.count(1)


def _connection(account):
    return services.connection_create(
        account=account,
        platform="shopee",
        api_key="2001887",
        api_secret="swept-partner-key-0000",
        shop_id=f"{next(_shops)}",
        access_token="swept-access-token",
        refresh_token="swept-refresh-token",
    )


def _connection_id(account):
    return {"connectionId": _connection(account).pk}


def _sync_job_id(account):
    now = timezone.now()
    job = SyncJob.objects.create(
        account=account,
        connection=_connection(account),
        start_date=now,
        end_date=now,
        status=SyncStatus.SUCCEEDED,
        started_at=now,
        finished_at=now,
    )
    return {"syncJobId": job.pk}


SWEEP = {
    "marketplace-connection-detail": _connection_id,
    "marketplace-connection-authorize": _connection_id,
    "marketplace-connection-test": _connection_id,
    "marketplace-connection-push-stock": _connection_id,
    "marketplace-sync-job-detail": _sync_job_id,
    "marketplace-callback": lambda account: {"platform": "shopee"},
}
