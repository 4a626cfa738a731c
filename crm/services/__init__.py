"""Writes of the CRM: leads (and their conversion into a customer), opportunities (and their stages),
activities.

Locking: converting locks the lead row first, then creates or links the customer and creates the
opportunity; a stage change locks the opportunity row first, then (winning with an order) the order
services lock the products and update the customer's statistics. Events go to the webhook outbox in the
same transaction: `lead.created`, `lead.converted`, `opportunity.won`, `opportunity.lost`.
"""

from ._common import TRANSITIONS
from .activities import activity_create, activity_delete, activity_update
from .leads import lead_convert, lead_create, lead_delete, lead_event_data, lead_update
from .opportunities import (
    allowed_stages,
    opportunity_create,
    opportunity_delete,
    opportunity_event_data,
    opportunity_stage_set,
    opportunity_update,
)

__all__ = [
    "TRANSITIONS",
    "activity_create",
    "activity_delete",
    "activity_update",
    "allowed_stages",
    "lead_convert",
    "lead_create",
    "lead_delete",
    "lead_event_data",
    "lead_update",
    "opportunity_create",
    "opportunity_delete",
    "opportunity_event_data",
    "opportunity_stage_set",
    "opportunity_update",
]
