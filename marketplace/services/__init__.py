"""Marketplace writes: connections and their authorization (`connections`), order sync (`sync`, with the
platform-to-Omni-Sales mapping in `mapping`) and the stock push (`stock`)."""

from ..exceptions import ConnectionDisabled, ConnectionNotAuthorized, StockPushNotSupported
from .connections import (
    ConnectionTokenStore,
    client,
    connection_authorize_finish,
    connection_authorize_start,
    connection_create,
    connection_delete,
    connection_test,
    connection_update,
    platform_error,
)
from .stock import connections_to_push, stock_push, stock_wanted
from .sync import (
    SyncPostponed,
    connections_due,
    default_start,
    sync_job_create,
    sync_job_fail,
    sync_job_run,
    sync_jobs_stalled,
)

StockPushRefused = (ConnectionDisabled, ConnectionNotAuthorized, StockPushNotSupported)

__all__ = [
    "ConnectionTokenStore",
    "StockPushRefused",
    "SyncPostponed",
    "client",
    "connection_authorize_finish",
    "connection_authorize_start",
    "connection_create",
    "connection_delete",
    "connection_test",
    "connection_update",
    "connections_due",
    "connections_to_push",
    "default_start",
    "platform_error",
    "stock_push",
    "stock_wanted",
    "sync_job_create",
    "sync_job_fail",
    "sync_job_run",
    "sync_jobs_stalled",
]
