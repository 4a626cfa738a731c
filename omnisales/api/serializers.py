"""Serializer building blocks shared by every app."""

from decimal import ROUND_HALF_UP, Decimal

from rest_framework import serializers

from .errors import NotFoundError
from .views import not_found


class MoneyField(serializers.DecimalField):
    """Major units, two decimals, rendered as a JSON number; stored as Decimal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Human-readable message.")
    details = serializers.JSONField(
        allow_null=True, help_text="More about the error; for 422 a map of field -> list of messages."
    )
    code = serializers.CharField(help_text="Stable UPPER_SNAKE error code.")


class TenantRelatedField(serializers.RelatedField):
    """An id in a request body, resolved inside the request's account.

    An unknown id and another account's id are the same thing to the caller: a 404 with the
    model's code (CUSTOMER_NOT_FOUND), raised before anything is written.
    """

    default_error_messages = {"incorrect_type": "Expected an id string, got {data_type}."}

    def __init__(self, *, queryset, **kwargs):
        super().__init__(queryset=queryset, **kwargs)

    def get_queryset(self):
        request = self.context["request"]
        return super().get_queryset().filter(account=request.auth.account)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        queryset = self.get_queryset()
        if "\x00" in data:  # no id holds NUL, and PostgreSQL refuses it in a query
            raise not_found(queryset.model, data.replace("\x00", "\\x00"))
        try:
            return queryset.get(pk=data)
        except queryset.model.DoesNotExist:
            raise not_found(queryset.model, data) from None

    def use_pk_only_optimization(self):
        return True  # rendering needs only the id: no query per row for the related object

    def to_representation(self, value):
        return value.pk


def quantize_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


__all__ = ["ErrorSerializer", "MoneyField", "NotFoundError", "TenantRelatedField", "quantize_money"]
