"""The registry of webhook event types. Endpoints subscribe to these (or to `*`, every event)."""

ALL_EVENTS = "*"
PING = "webhook.ping"  # sent only by the test endpoint, to the one endpoint being tested

EVENT_TYPES: dict[str, str] = {
    "order.created": "New order created",
    "order.updated": "Order status or details updated",
    "order.cancelled": "Order cancelled",
    "payment.succeeded": "Payment completed successfully",
    "payment.failed": "Payment failed",
    "payment.refunded": "Payment refunded, in full or in part",
    "subscription.created": "New subscription",
    "subscription.updated": "Subscription status changed",
    "subscription.deleted": "Subscription ended",
    "inventory.low_stock": "Product stock below threshold",
    "customer.created": "New customer",
    "customer.updated": "Customer details updated",
    "customer.deleted": "Customer deleted or anonymized",
    "product.created": "New product",
    "product.updated": "Product details updated",
    "product.deleted": "Product deleted",
    "product.archived": "Product archived",
    "return.requested": "Return requested",
    "return.authorized": "Return authorized",
    "return.rejected": "Return rejected",
    "return.received": "Returned goods received",
    "return.refunded": "Return refunded, in full or in part",
    "lead.created": "New CRM lead",
    "lead.converted": "CRM lead converted into a customer (and an opportunity)",
    "opportunity.won": "CRM opportunity won",
    "opportunity.lost": "CRM opportunity lost",
    "marketplace.sync_completed": "A marketplace order sync finished (with its counts and errors)",
    "marketplace.connection_failed": "A marketplace refused a connection's credentials: it must be reconnected",
    "webhook.disabled": "A webhook endpoint was disabled after sustained delivery failures",
}

SUBSCRIBABLE = (ALL_EVENTS, *EVENT_TYPES)


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES


def subscribed(subscriptions: list[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `subscriptions` receives `event_type`."""
    return ALL_EVENTS in subscriptions or event_type in subscriptions
