"""Errors of the marketplace services (code and status; rendered in the error envelope)."""

from omnisales.api.errors import ApplicationError, ConflictError, ServiceUnavailableError


class ConnectionExists(ConflictError):
    code = "CONNECTION_EXISTS"


class ConnectionNotAuthorized(ConflictError):
    code = "CONNECTION_NOT_AUTHORIZED"


class ConnectionDisabled(ConflictError):
    code = "CONNECTION_DISABLED"


class NoActiveConnection(ApplicationError):
    status_code = 422
    code = "NO_ACTIVE_CONNECTION"


class InvalidAuthorizationState(ApplicationError):
    status_code = 400
    code = "INVALID_AUTHORIZATION_STATE"


class MarketplaceAuthFailed(ApplicationError):
    """The platform refused the connection's credentials or tokens: fix them or authorize again."""

    status_code = 422
    code = "MARKETPLACE_AUTH_FAILED"


class MarketplaceRejected(ApplicationError):
    """The platform answered with an error of its own."""

    status_code = 502
    code = "MARKETPLACE_ERROR"


class MarketplaceUnavailable(ServiceUnavailableError):
    """The platform kept failing or throttling after the retries."""

    code = "MARKETPLACE_UNAVAILABLE"


class StockPushNotSupported(ApplicationError):
    status_code = 422
    code = "STOCK_PUSH_NOT_SUPPORTED"


class ShopMismatch(ConflictError):
    """The platform authorized another shop than the connection's."""

    code = "SHOP_MISMATCH"
