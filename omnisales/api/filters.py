"""django-filter building blocks for every list endpoint.

- `FilterSet`: an invalid filter value (`minPrice=abc`, `status=bogus`, an unknown `ordering`) is a
  400 `INVALID_PARAMETER` whose details map each query parameter to its messages — never a 500 and
  never a silently ignored filter. An empty value is allowed only for text filters. Date-times are
  turned into UTC before they reach the database. Name filters in
  camelCase, like the fields: `customerId = filters.CharFilter(field_name="customer_id")`.
- `DateTimeFilter`: the one date-time filter (`createdAfter=2024-01-15T10:30:00Z`; no offset means
  UTC). Its field hands the value on in UTC, and an offset or year PostgreSQL cannot take is a 400.
- `OrderingFilter`: `ordering=-price,name`, with the primary key as the last tie-breaker so
  limit/offset pages never overlap or skip rows.
- `JSONArrayContainsFilter`: `tag=sale` on a JSON list column, evaluated in SQL on PostgreSQL and SQLite.

Per request, django-filter deep-copies every filter and builds a new form class from them, which is a
large part of a list request. Here each filter is copied shallowly (its only per-request state is the
FilterSet it belongs to) and the form class is built once per FilterSet class, its fields shared by every
form: they depend only on the filter declarations (no filter here takes its choices from the request),
and a filter form is only validated, never rendered or changed.
"""

import copy
import datetime
import json

import django_filters
from django import forms
from django.db import NotSupportedError
from django.db.models import F, Lookup
from django.http import QueryDict
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from django_filters.filters import FilterMethod, QuerySetRequestMixin

from .pagination import InvalidQueryParameter


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware date-time in UTC. Python takes offsets (+21:22) that PostgreSQL refuses (at most
    ±15:59), and a date-time near year 1 or 9999 may not exist in UTC: that is a ValidationError."""
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise forms.ValidationError("The date-time is out of range.", code="invalid") from None


class DateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, returned in UTC (see `as_utc`)."""

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else as_utc(value)


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """Every date-time query parameter (`createdAfter`, `updatedAfter`, ...) of every list."""

    field_class = DateTimeField


class _SharedFields(dict):
    """A form's base_fields that each form instance uses as they are (Django deep-copies them per form)."""

    def __deepcopy__(self, memo):
        return dict(self)


def _bound_copy(filter_, parent, model):
    """A copy of a declared filter for one FilterSet instance (what django-filter's deep copy gives)."""
    bound = copy.copy(filter_)
    bound.model, bound.parent = model, parent
    if isinstance(bound.__dict__.get("filter"), FilterMethod):  # `method=`: resolved on this parent
        bound.filter = FilterMethod(bound)
    return bound


class FilterSet(django_filters.FilterSet):
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset, self.request, self.form_prefix = queryset, request, prefix
        self.filters = {name: _bound_copy(f, self, queryset.model) for name, f in self.base_filters.items()}

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values()):
                # Fields that do not depend on the request, and that nothing changes on a form that is only
                # validated, never rendered: shared by the class and by every form it makes.
                form_class.base_fields = _SharedFields(form_class.base_fields)
                cls._form_class = form_class
        return form_class

    def is_valid(self) -> bool:
        if not self.is_bound:
            return super().is_valid()
        details = {name: [str(message) for message in messages] for name, messages in self.errors.items()}
        for name, filter_ in self.filters.items():
            # `?minPrice=` is not a number: only text filters may be sent empty (and then do nothing).
            if self.data.get(name) == "" and not isinstance(filter_, django_filters.CharFilter):
                details.setdefault(name, ["This parameter cannot be empty."])
        if details:
            names = ", ".join(sorted(details))
            raise InvalidQueryParameter(f"Invalid query parameter: {names}", details=details)
        return super().is_valid()

    def filter_queryset(self, queryset):
        # Date-times in UTC, also from filters other than DateTimeFilter (see `as_utc`).
        for name, value in self.form.cleaned_data.items():
            if isinstance(value, datetime.datetime):
                try:
                    self.form.cleaned_data[name] = as_utc(value)
                except forms.ValidationError as exc:
                    raise InvalidQueryParameter(
                        f"Invalid query parameter: {name}", details={name: exc.messages}
                    ) from None
        return super().filter_queryset(queryset)

    @property
    def qs(self):
        self.is_valid()
        return super().qs


class OrderingFilter(django_filters.OrderingFilter):
    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if any(not param or param == "-" for param in value):  # `ordering=,` or `ordering=name,,-price`
            raise InvalidQueryParameter(
                f"Invalid query parameter: {self.field_name}",
                details={self.field_name: ["Every ordering term must name a field."]},
            )
        ordering = [self.get_ordering_value(param) for param in value]
        return qs.order_by(*ordering, "pk")


class JSONArrayContains(Lookup):
    """`queryset.filter(JSONArrayContains(F("tags"), "sale"))`: the JSON array column holds the string."""

    lookup_name = "json_array_contains"
    prepare_rhs = False

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} @> %s::jsonb", [*lhs_params, json.dumps([self.rhs])]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)"  # noqa: S608 - lhs is a column
        return sql, [*lhs_params, self.rhs]

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"JSONArrayContains is not implemented for {connection.vendor}")


class JSONArrayContainsFilter(django_filters.CharFilter):
    """Rows whose JSON list `field_name` contains the exact string given."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(JSONArrayContains(F(self.field_name), value))
