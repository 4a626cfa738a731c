"""Domain errors of the messaging app, each with a stable code (see docs/messaging.md)."""

from omnisales.api.errors import ApplicationError, ConflictError, ValidationFailed


class CampaignNotEditable(ConflictError):
    """Only a draft campaign changes or is deleted; a sent or sending one is history."""

    code = "CAMPAIGN_NOT_EDITABLE"


class CampaignNotSendable(ConflictError):
    code = "CAMPAIGN_NOT_SENDABLE"


class CampaignNotCancellable(ConflictError):
    code = "CAMPAIGN_NOT_CANCELLABLE"


class TemplateInUse(ConflictError):
    code = "TEMPLATE_IN_USE"


class DuplicateTemplateKind(ConflictError):
    code = "DUPLICATE_TEMPLATE_KIND"


class InvalidUnsubscribeToken(ApplicationError):
    status_code = 400
    code = "INVALID_UNSUBSCRIBE_TOKEN"


__all__ = [
    "CampaignNotCancellable",
    "CampaignNotEditable",
    "CampaignNotSendable",
    "DuplicateTemplateKind",
    "InvalidUnsubscribeToken",
    "TemplateInUse",
    "ValidationFailed",
]
