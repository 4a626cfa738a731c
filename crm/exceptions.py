"""Domain errors of the CRM app, each with a stable code (see docs/crm.md)."""

from omnisales.api.errors import ConflictError, ValidationFailed


class LeadAlreadyConverted(ConflictError):
    """A lead converts once; its customer and opportunity links are kept."""

    code = "LEAD_ALREADY_CONVERTED"


class InvalidStageTransition(ConflictError):
    """Not an allowed move of the opportunity's stage (details {from, to, allowed})."""

    code = "INVALID_STAGE_TRANSITION"


class OpportunityClosed(ConflictError):
    """A won or lost opportunity's probability is fixed (100 or 0) until it is reopened."""

    code = "OPPORTUNITY_CLOSED"


__all__ = ["InvalidStageTransition", "LeadAlreadyConverted", "OpportunityClosed", "ValidationFailed"]
