from omnisales.api.errors import ConflictError, ValidationFailed


class WebhookUrlNotAllowed(ValidationFailed):
    """The URL is not http(s), or its host resolves to an address that is not public."""

    code = "WEBHOOK_URL_NOT_ALLOWED"

    @classmethod
    def because(cls, reason: str) -> "WebhookUrlNotAllowed":
        error = cls("This URL cannot receive webhooks", details={"url": [reason]})
        error.reason = reason
        return error


class DuplicateWebhookUrl(ConflictError):
    code = "DUPLICATE_WEBHOOK_URL"


class WebhookLimitReached(ConflictError):
    code = "WEBHOOK_LIMIT_REACHED"


class WebhookDisabled(ConflictError):
    code = "WEBHOOK_DISABLED"


class DeliveryInProgress(ConflictError):
    code = "DELIVERY_IN_PROGRESS"
