"""Order writes: create, status transitions, shipping, payments and refunds, notes.

Each runs in one transaction and, inside it, keeps the other apps in step: the catalog (products that
were ever ordered are archived instead of deleted), the customer's order statistics, the inventory
(through the three `_…_stock` hooks in `_common`) and the webhook outbox (`order.created`, `order.updated`,
`order.cancelled`). A failure anywhere rolls everything back.

Locking: creating an order locks its products (primary-key order) before the customer's stats row is
updated; every change to an existing order locks the order row first, then (cancel, full refund) the
customer row. Status changes are also conditional updates (`status=<old>`), so of two concurrent
transitions exactly one wins and the other is a 409.

Modules: `create`; `discounts` (discounts added after placing); `transitions` (the transition map and status
changes); `shipping`; `payments` (payments and refunds); `notes` (notes and reconciliation); `_common` (the
inventory hooks and helpers they share).
"""

from ..exceptions import InvalidStatusTransition  # raised by order_transition; callers catch it from here
from ._common import order_event_data
from .create import order_create, order_draft
from .discounts import DISCOUNTABLE, order_discount_add, order_discount_room
from .imports import ImportLine, ImportOrder, order_follow, order_import_many, status_path
from .notes import order_customer_stats_rebuild, order_note_add
from .payments import (
    NOT_PAYABLE,
    order_payment_check,
    order_payment_record,
    order_payment_refund,
    order_payment_release,
)
from .shipping import SHIPPED_OR_LATER, SHIPPING_FIELDS, order_shipping_update
from .transitions import API, INTERNAL, STATUS_TIMESTAMPS, TRANSITIONS, allowed_transitions, order_transition

__all__ = [
    "API",
    "DISCOUNTABLE",
    "INTERNAL",
    "NOT_PAYABLE",
    "SHIPPED_OR_LATER",
    "SHIPPING_FIELDS",
    "STATUS_TIMESTAMPS",
    "TRANSITIONS",
    "ImportLine",
    "ImportOrder",
    "InvalidStatusTransition",
    "allowed_transitions",
    "order_create",
    "order_customer_stats_rebuild",
    "order_discount_add",
    "order_discount_room",
    "order_draft",
    "order_event_data",
    "order_follow",
    "order_import_many",
    "order_note_add",
    "order_payment_check",
    "order_payment_record",
    "order_payment_refund",
    "order_payment_release",
    "order_shipping_update",
    "order_transition",
    "status_path",
]
