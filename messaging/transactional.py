"""The webhooks subscriber for order events: it only enqueues a task (see webhooks.subscribers)."""

from . import dispatch

ORDER_EVENTS = ("order.created", "order.updated")


def order_event_received(*, account_id: str, event: str, event_id: str, data: dict) -> None:
    dispatch.enqueue(dispatch.ORDER_EVENT_NOTIFY, args=[account_id, event, event_id, data])
