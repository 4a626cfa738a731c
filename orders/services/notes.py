"""Notes on an order's timeline, and rebuilding customers' order statistics."""

from decimal import Decimal

from accounts.models import Account
from customers.models import Customer
from customers.services import customer_stats_set
from omnisales.api.transactions import atomic_service

from .. import pricing, selectors
from ..actors import SYSTEM, Actor
from ..models import EventKind, Order, OrderEvent
from ._common import _invalid, _record_event


def order_note_add(*, order: Order, note: str, actor: Actor = SYSTEM) -> OrderEvent:
    """A note on the order's timeline (not sent to the customer)."""
    note = note.strip()
    if not note:
        raise _invalid({"note": ["This field may not be blank."]})
    return _record_event(order, kind=EventKind.NOTE, actor=actor, note=note)


@atomic_service
def order_customer_stats_rebuild(*, account: Account) -> int:
    """Recomputes every customer's order stats of the account from its orders (one aggregate query,
    then `customer_stats_set` per customer with orders; customers without counting orders are reset).
    For bulk imports and reconciliation. Returns the number of customers with orders."""
    rows = list(selectors.customer_stats_from_orders(account=account))
    with_orders = {row["customer_id"] for row in rows}
    customers = {customer.pk: customer for customer in Customer.objects.filter(account=account)}
    for row in rows:
        customer_stats_set(
            customer=customers[row["customer_id"]],
            total_orders=row["total_orders"],
            total_spent=row["total_spent"].quantize(pricing.CENT),
            first_order_at=row["first_order_at"],
            last_order_at=row["last_order_at"],
        )
    stale = Customer.objects.filter(account=account, total_orders__gt=0).exclude(pk__in=with_orders)
    for customer in stale:
        customer_stats_set(
            customer=customer, total_orders=0, total_spent=Decimal("0.00"), first_order_at=None, last_order_at=None
        )
    return len(rows)
