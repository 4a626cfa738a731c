"""Writes for webhooks: the one emit API every domain service uses, endpoints, and delivery.

Webhooks knows no domain app: callers pass plain data. Delivery is an outbox: `event_emit` writes the
event and one delivery row per subscribed endpoint in the caller's transaction, and the delivery task
is enqueued only after that transaction commits. A delivery that is never picked up (broker down,
worker killed) stays pending in the database and the periodic sweep enqueues it again.
"""

from ._common import (
    ABANDONED,
    BATCH,
    BULK_BATCH,
    CLAIM_LEASE,
    DUE_TOLERANCE,
    SWEEP_MAX_BATCHES,
    TIMESTAMP_FORMAT,
    deliveries_enqueue,
    logger,
    payload_body,
)
from .deliveries import (
    deliveries_enqueue_due,
    deliveries_replay,
    delivery_attempt,
    delivery_redeliver,
    endpoint_ping,
    events_purge,
)
from .emitting import event_emit, event_emit_many
from .endpoints import (
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_secret_rotate,
    endpoint_update,
)

__all__ = [
    "ABANDONED",
    "BATCH",
    "BULK_BATCH",
    "CLAIM_LEASE",
    "DUE_TOLERANCE",
    "SWEEP_MAX_BATCHES",
    "TIMESTAMP_FORMAT",
    "deliveries_enqueue",
    "deliveries_enqueue_due",
    "deliveries_replay",
    "delivery_attempt",
    "delivery_redeliver",
    "endpoint_create",
    "endpoint_delete",
    "endpoint_disable",
    "endpoint_ping",
    "endpoint_secret_rotate",
    "endpoint_update",
    "event_emit",
    "event_emit_many",
    "events_purge",
    "logger",
    "payload_body",
]
