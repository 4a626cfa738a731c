"""In-process subscribers to the event outbox, for higher apps that act on events of lower ones.

A higher app registers a handler for some event types in its `AppConfig.ready()`:

    subscribers.subscribe(["order.created"], handler)

and `services.event_emit` (and `event_emit_many`) calls `handler(account_id=…, event=…, event_id=…, data=…)`
after the emitting transaction commits — never inside it, and never for a rolled-back event. `data` is the
event's payload data as webhook endpoints receive it (camelCase keys, money as numbers). A handler should
only enqueue a task; one that raises is logged and does not affect the others or the caller, who has
committed already.
"""

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = {}


def subscribe(event_types: Iterable[str], handler: Handler) -> None:
    for event_type in event_types:
        handlers = _handlers.setdefault(event_type, [])
        if handler not in handlers:
            handlers.append(handler)


def unsubscribe(event_types: Iterable[str], handler: Handler) -> None:
    for event_type in event_types:
        if handler in _handlers.get(event_type, []):
            _handlers[event_type].remove(handler)


def has_subscribers(event_type: str) -> bool:
    return bool(_handlers.get(event_type))


def _call(handler: Handler, *, account_id: str, event: str, event_id: str, data: dict) -> None:
    try:
        handler(account_id=account_id, event=event, event_id=event_id, data=data)
    except Exception:
        logger.exception("Event subscriber %r failed for %s %s", handler, event, event_id)


def notify_on_commit(events: Iterable[dict]) -> None:
    """Calls the subscribers of each event (`{"account_id", "event", "event_id", "data"}`) once the current
    transaction commits, event after event. One callback for them all: an import emits thousands."""
    calls = [(handler, event) for event in events for handler in list(_handlers.get(event["event"], ()))]
    if not calls:
        return

    def notify() -> None:
        for handler, event in calls:
            _call(handler, **event)

    transaction.on_commit(notify)
