"""Serializer building blocks shared by every app."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models.query import ModelIterable
from rest_framework import serializers

from .compiled import CompiledRead, instance, model_columns
from .errors import UNKNOWN_FIELD, NotFoundError, not_found
from .money import is_currency
from .parsers import free_form_problem

READ_ONLY_FIELD = "This field is read-only."


class StrictString:
    """Mixin for a string field that takes only JSON strings: DRF's CharField turns 42 or true into text and
    its ChoiceField matches 1 to "1". Documented exactly as the field it is mixed into."""

    default_error_messages = {"not_a_string": "Expected a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str) and self.takes_only_strings():
            self.fail("not_a_string")
        return super().to_internal_value(data)

    def takes_only_strings(self) -> bool:
        return True


class StrictCharField(StrictString, serializers.CharField):
    """The CharField of every input serializer."""


class StrictChoiceField(StrictString, serializers.ChoiceField):
    """A ChoiceField whose choices are all strings takes only strings; other choices stay as DRF has them."""

    def takes_only_strings(self) -> bool:
        return all(isinstance(choice, str) for choice in self.choices)


class StrictRegexField(StrictString, serializers.RegexField):
    pass


class StrictSlugField(StrictString, serializers.SlugField):
    pass


# What ModelSerializer makes of a model's text columns (see install_strict_input).
STRICT_MODEL_FIELDS = {
    models.CharField: StrictCharField,
    models.TextField: StrictCharField,
    models.SlugField: StrictSlugField,
}


class MoneyField(serializers.DecimalField):
    """Major units, two decimals, rendered as a JSON number; stored as Decimal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(**kwargs)


class CurrencyField(StrictRegexField):
    """An ISO 4217 currency code in use, any case in, `upper` or `lower` case out.

    Checked against the ISO list here, so a made-up code (`AAA`) is a 422 before anything reaches a
    payment provider, which would refuse it after the fact.
    """

    default_error_messages = {"unknown": "Not an ISO 4217 currency code: {value}."}

    def __init__(self, *, case: str = "upper", **kwargs):
        self.case = case
        kwargs.setdefault("help_text", "ISO 4217 code, any case.")
        super().__init__(r"^[A-Za-z]{3}$", min_length=3, max_length=3, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not is_currency(value):
            self.fail("unknown", value=value)
        return value.upper() if self.case == "upper" else value.lower()


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
        read = _compiled_lookup(self, queryset)
        if read is not None:
            rows = read.rows(account=self.context["request"].auth.account.pk, id=data, using=queryset.db)
            if rows:
                return instance(queryset.model, rows[0], using=queryset.db)
            raise not_found(queryset.model, data)
        try:
            return queryset.get(pk=data)
        except queryset.model.DoesNotExist:
            raise not_found(queryset.model, data) from None

    def use_pk_only_optimization(self):
        return True  # rendering needs only the id: no query per row for the related object

    def to_representation(self, value):
        return value.pk


_compiled_lookups: dict[tuple[type, str], CompiledRead] = {}


def _compiled_lookup(field: TenantRelatedField, queryset: models.QuerySet) -> CompiledRead | None:
    """The compiled read of one row by account and id, for a field whose queryset is a model's plain
    `objects.all()` (nothing filtered, joined, annotated or deferred): it gives the instance `get()` would,
    without building the query each time. Anything else reads through its queryset."""
    query = queryset.query
    if (
        type(field).get_queryset is not TenantRelatedField.get_queryset
        or queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or query.select_related
        or query.annotations
        or query.extra
        or query.deferred_loading != (frozenset(), True)
        or len(query.where) != 1  # the account filter of get_queryset() and nothing else
    ):
        return None
    key = (queryset.model, queryset.db)
    read = _compiled_lookups.get(key)
    if read is None:
        model = queryset.model
        read = _compiled_lookups.setdefault(
            key,
            CompiledRead(
                lambda account, id: model._base_manager.filter(account=account, pk=id).values(*model_columns(model))
            ),
        )
    return read


def unknown_field_errors(serializer: serializers.Serializer, data) -> dict:
    """{key: [message]} for every key of `data` the serializer does not accept as input.

    Read-only fields are refused too (a client sending `status` or `createdAt` expects it to matter);
    a PUT of a read-back object therefore sends only the writable fields. Keys are as parsed
    (snake_case); the renderer camelCases them back to what the client sent.
    """
    if not isinstance(data, Mapping):
        return {}
    errors = {}
    for key in data:
        field = serializer.fields.get(key)
        if field is None or isinstance(field, serializers.HiddenField):
            errors[key] = [UNKNOWN_FIELD]
        elif field.read_only:
            errors[key] = [READ_ONLY_FIELD]
    return errors


def _strict_to_internal_value(original):
    def to_internal_value(self, data):
        unknown = unknown_field_errors(self, data)
        try:
            value = original(self, data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, Mapping):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    to_internal_value.strict_input = True
    return to_internal_value


def _free_form_to_internal_value(original):
    def to_internal_value(self, data):
        value = original(self, data)
        problem = free_form_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    to_internal_value.strict_input = True
    return to_internal_value


def install_strict_input() -> None:
    """Every Serializer (nested ones and list items included) refuses keys it does not accept, free-form
    JSON fields (DictField, JSONField) refuse values nested too deep or too big, and the fields a
    ModelSerializer makes of text columns and choices take only strings. Called once, from ApiConfig."""
    serializers.ModelSerializer.serializer_field_mapping.update(STRICT_MODEL_FIELDS)
    serializers.ModelSerializer.serializer_choice_field = StrictChoiceField
    patches = (
        (serializers.Serializer, _strict_to_internal_value),
        (serializers.DictField, _free_form_to_internal_value),
        (serializers.JSONField, _free_form_to_internal_value),
    )
    for klass, wrap in patches:
        original = klass.__dict__["to_internal_value"]
        if not getattr(original, "strict_input", False):
            klass.to_internal_value = wrap(original)


def quantize_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


__all__ = [
    "CurrencyField",
    "ErrorSerializer",
    "MoneyField",
    "NotFoundError",
    "StrictCharField",
    "StrictChoiceField",
    "StrictRegexField",
    "StrictSlugField",
    "TenantRelatedField",
    "install_strict_input",
    "quantize_money",
    "unknown_field_errors",
]
