"""Writes of returns and reviews: return requests and their status (one transition map), receiving goods
back into stock, refunds of returns and goodwill refunds of orders, reviews and their moderation.

Locking: creating a return locks its order's row (so concurrent returns cannot together exceed what was
bought); status changes lock the return's row and are conditional updates on the old status; receiving
locks the return, then (inventory) the stock levels; a refund locks the order, then the return, commits a
pending refund, calls Stripe outside any transaction, then records the answer. Events go to the webhook
outbox in the same transaction: `return.requested`, `return.authorized`, `return.rejected`,
`return.received`, `return.refunded`.

Modules: `requests` (returns and their status); `refunds`; `reviews`; `_common` (the map, locks, events).
"""

from ._common import TRANSITIONS, allowed_transitions, return_event_data
from .refunds import return_refund, return_value
from .requests import return_authorize, return_close, return_create, return_receive, returned_quantities
from .reviews import (
    is_verified_purchase,
    review_create,
    review_moderate,
    review_settings,
    review_settings_update,
)

__all__ = [
    "TRANSITIONS",
    "allowed_transitions",
    "is_verified_purchase",
    "return_authorize",
    "return_close",
    "return_create",
    "return_event_data",
    "return_receive",
    "return_refund",
    "return_value",
    "returned_quantities",
    "review_create",
    "review_moderate",
    "review_settings",
    "review_settings_update",
]
