"""What the webhook services share: payloads, batching and enqueueing deliveries after the commit."""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from omnisales.api.renderers import camelize

from .. import dispatch

logger = logging.getLogger("omnisales.webhooks")

# An attempt still unfinished after this long is taken as abandoned (its worker died); the delivery
# becomes due again. Longer than the delivery task's hard time limit.
CLAIM_LEASE = timedelta(minutes=5)
# A task that arrives this much before its delivery is due still runs (clock skew between hosts).
DUE_TOLERANCE = timedelta(seconds=5)
BATCH = 500
BULK_BATCH = 1000
SWEEP_MAX_BATCHES = 20  # at most 10,000 deliveries per sweep
ABANDONED = "Abandoned: the worker stopped before the attempt finished."
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


class _PayloadEncoder(DjangoJSONEncoder):
    """Money is a JSON number and times are `...Z` in UTC, exactly as the API renders them."""

    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime) and timezone.is_aware(o):
            return _iso(o)
        return super().default(o)


_NOTHING_IGNORED = frozenset()
_PAYLOAD_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS  # datetimes as _iso, via _encode
_encode = _PayloadEncoder().default


def _plain(data: dict) -> dict:
    """Decimals, datetimes and ids become JSON values; every key becomes camelCase, at every depth. The API's
    camelize (cached key conversion) and orjson: a bulk import emits thousands of these."""
    camel = camelize(data, _NOTHING_IGNORED, _NOTHING_IGNORED)
    return orjson.loads(orjson.dumps(camel, default=_encode, option=_PAYLOAD_JSON))


def _payload(event: str, data: dict) -> dict:
    return {"event": event, "timestamp": _iso(timezone.now()), "data": _plain(data)}


def payload_body(payload: dict) -> bytes:
    """The exact bytes POSTed (and signed): the stored payload with its keys in the documented order."""
    ordered = {"event": payload["event"], "timestamp": payload["timestamp"], "data": payload["data"]}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()


def _batches(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def deliveries_enqueue(*, delivery_ids: list[str], countdown: int | None = None) -> None:
    """One delivery task per id. Past a batch, the fan-out itself becomes tasks (one per batch of ids,
    run by a worker), so an import that creates thousands of deliveries publishes a few messages."""
    if len(delivery_ids) > BATCH and countdown is None:
        for batch in _batches(delivery_ids):
            dispatch.enqueue(dispatch.DELIVERIES_ENQUEUE, args=[batch])
        return
    for delivery_id in delivery_ids:
        dispatch.enqueue(dispatch.DELIVERY_ATTEMPT, args=[delivery_id], countdown=countdown)


def _enqueue_on_commit(delivery_ids: list[str], countdown: int | None = None) -> None:
    """After the commit; if publishing fails the deliveries stay pending and the sweep sends them."""
    if delivery_ids:
        ids = list(delivery_ids)
        # A plain function, not a partial: Django names robust callbacks in its error log.
        transaction.on_commit(lambda: deliveries_enqueue(delivery_ids=ids, countdown=countdown), robust=True)
