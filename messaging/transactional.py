"""The webhooks subscriber for order events: it only enqueues a task (see webhooks.subscribers)."""

from . import dispatch
from .services.transactional import kind_of

ORDER_EVENTS = ("order.created", "order.updated")


def order_event_received(*, account_id: str, event: str, event_id: str, data: dict) -> None:
    """Enqueues the email task for the events that send one, with only what the task reads of the event."""
    if kind_of(event, data) is None:
        return
    needed = {"orderId": data.get("orderId"), "changedFields": data.get("changedFields") or []}
    if "status" in (data.get("changes") or {}):
        needed["changes"] = {"status": data["changes"]["status"]}
    dispatch.enqueue(dispatch.ORDER_EVENT_NOTIFY, args=[account_id, event, event_id, needed])
