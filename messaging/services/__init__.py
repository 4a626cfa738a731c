"""Messaging writes: templates, transactional email and SMS, campaigns, consent."""

from .campaigns import (
    BatchInterrupted,
    audience,
    campaign_batch_send,
    campaign_cancel,
    campaign_complete_if_done,
    campaign_create,
    campaign_delete,
    campaign_recipients_freeze,
    campaign_send,
    campaign_start,
    campaign_update,
    campaigns_resume_stalled,
    campaigns_start_due,
)
from .consent import unsubscribe, unsubscribe_target
from .messages import email_send, message_deliver, sms_send, sms_status_record
from .settings import messaging_settings_update
from .templates import (
    template_create,
    template_delete,
    template_preview,
    template_update,
    transactional_templates_seed,
)
from .transactional import order_event_notify

__all__ = [
    "BatchInterrupted",
    "audience",
    "campaign_batch_send",
    "campaign_cancel",
    "campaign_complete_if_done",
    "campaign_create",
    "campaign_delete",
    "campaign_recipients_freeze",
    "campaign_send",
    "campaign_start",
    "campaign_update",
    "campaigns_resume_stalled",
    "campaigns_start_due",
    "email_send",
    "message_deliver",
    "messaging_settings_update",
    "order_event_notify",
    "sms_send",
    "sms_status_record",
    "template_create",
    "template_delete",
    "template_preview",
    "template_update",
    "transactional_templates_seed",
    "unsubscribe",
    "unsubscribe_target",
]
