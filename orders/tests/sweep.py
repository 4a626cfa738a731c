"""Routes of this app that take an id, and how to make such an object for an account."""

from decimal import Decimal

from omnisales.testing.factories import place_order
from orders import services


def _order(account):
    """A processing order with a payment, a note and a tracking number, so every sub-list has rows."""
    order = place_order(account, shipping=Decimal("5.00"))
    services.order_transition(order=order, to_status="processing")
    services.order_payment_record(order=order, amount=Decimal("10.00"), method="cash")
    services.order_note_add(order=order, note="Gift wrap")
    services.order_shipping_update(order=order, changes={"carrier": "UPS", "tracking_number": "1Z999"})
    return {"orderId": order.pk}


ROUTES = ("order-detail", "order-status", "order-items", "order-shipping", "order-payments", "order-events")
SWEEP = dict.fromkeys((*ROUTES, "order-notes"), _order)
