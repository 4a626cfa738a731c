"""What the billing services share: Stripe field readers and the mapping of Stripe's rejections."""

from datetime import UTC, datetime

from omnisales.api.errors import ApplicationError

from ..exceptions import PaymentProviderError, ProviderRejectedRequest, ValidationFailed


def timestamp_to_datetime(epoch) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), tz=UTC) if epoch is not None else None


def stripe_id(value) -> str:
    """The id in an expandable Stripe field, which holds either an id or the expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _field_error(exc: ProviderRejectedRequest, fields: dict[str, str]) -> ApplicationError:
    """Stripe's `param` -> our request field, so a value only Stripe can judge is still a 422 on that field."""
    field = fields.get(exc.param or "")
    if field is None:
        return PaymentProviderError(
            "The payment provider rejected the request", details={"provider_code": exc.stripe_code}
        )
    return ValidationFailed("Validation failed", details={field: [exc.message]})
