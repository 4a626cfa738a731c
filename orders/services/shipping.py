"""Shipping details and tracking; a tracking number ships a processing order."""

from collections.abc import Mapping
from typing import Any

from omnisales.api.renderers import camel_key
from omnisales.api.transactions import atomic_service

from ..actors import SYSTEM, Actor
from ..exceptions import ShippingLocked
from ..models import EventKind, Order, OrderStatus
from ._common import _emit_updated, _lock, _record_event, _save
from .transitions import _apply_transition

SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED})
SHIPPING_FIELDS = ("shipping_address", "shipping_method", "carrier", "tracking_number", "tracking_url")


@atomic_service
def order_shipping_update(
    *, order: Order, changes: Mapping[str, Any], mark_shipped: bool = False, actor: Actor = SYSTEM
) -> Order:
    """Sets any of SHIPPING_FIELDS. The address is frozen once the order has shipped, and a cancelled
    order cannot change (409 SHIPPING_LOCKED). `mark_shipped` also moves a processing order to shipped
    (an order already shipped or delivered stays as it is; a pending one is a 409 INVALID_STATUS_TRANSITION)."""
    unknown = set(changes) - set(SHIPPING_FIELDS)
    if unknown:
        raise TypeError(f"Not shipping fields: {sorted(unknown)}")
    order = _lock(order)
    if order.status == OrderStatus.CANCELLED:
        raise ShippingLocked("A cancelled order's shipping cannot change", details={"status": order.status})
    changed = [name for name, value in changes.items() if getattr(order, name) != value]
    if "shipping_address" in changed and order.status in SHIPPED_OR_LATER:
        raise ShippingLocked(
            "The shipping address cannot change once the order has shipped", details={"status": order.status}
        )
    if changed:
        for name in changed:
            setattr(order, name, changes[name])
        _save(order, changed)
        api_names = sorted(camel_key(name) for name in changed)
        tracking = {camel_key(name): getattr(order, name) for name in changed if name != "shipping_address"}
        _record_event(
            order, kind=EventKind.SHIPPING_UPDATED, actor=actor, data={"changedFields": api_names, **tracking}
        )
        _emit_updated(order, changed=api_names)
    if mark_shipped and order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        _apply_transition(order, to_status=OrderStatus.SHIPPED, actor=actor, note="", internal=False)
    return order
