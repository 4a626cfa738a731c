"""Query parameters of GET /api/orders. An invalid value is a 400 INVALID_PARAMETER (shared FilterSet)."""

import datetime

from django import forms
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.utils import extend_schema_field

from omnisales.api.filters import FilterSet, OrderingFilter, as_utc

from .models import Channel, Order, OrderStatus, PaymentStatus


class MomentField(forms.Field):
    """An ISO 8601 date-time (`2024-01-15T10:30:00Z`; no offset means UTC) or a date (`2024-01-15`)."""

    default_error_messages = {"invalid": "Expected an ISO 8601 date (YYYY-MM-DD) or date-time."}

    def to_python(self, value):
        if value in EMPTY_VALUES:
            return None
        text = str(value).strip()
        try:
            # A bare date first: Python would also read "2024-01-31" as a date-time at midnight.
            day = parse_date(text) if len(text) == 10 else None
            moment = None if day else parse_datetime(text)
        except ValueError:
            moment = day = None
        if moment is not None:
            return as_utc(moment)
        if day is not None and day < datetime.date.max:  # the day after must exist too
            return day
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


@extend_schema_field({"type": "string", "description": "ISO 8601 date-time, or a date in the store's time zone."})
class MomentFilter(filters.Filter):
    """`created_at` against a date-time, or against a whole day of the account's calendar.

    edge="start": a date means the first moment of that day (after: from the day on; before: up to it).
    edge="end": a date means the whole day is included (`endDate=2024-01-31` takes all of the 31st).
    """

    field_class = MomentField

    def __init__(self, *args, edge: str = "start", **kwargs):
        kwargs.setdefault("field_name", "created_at")
        super().__init__(*args, **kwargs)
        self.edge = edge

    def filter(self, queryset, value):
        if value in EMPTY_VALUES:
            return queryset
        lookup = self.lookup_expr
        if not isinstance(value, datetime.datetime):
            zone = self.parent.request.auth.account.zone
            day = value + datetime.timedelta(days=1) if self.edge == "end" else value
            value = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
            if self.edge == "end":
                lookup = "lt"
        return queryset.filter(**{f"{self.field_name}__{lookup}": value})


class OrderFilter(FilterSet):
    customerId = filters.CharFilter(field_name="customer_id", max_length=40, help_text="Orders of this customer.")
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    paymentStatus = filters.ChoiceFilter(field_name="payment_status", choices=PaymentStatus.choices)
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Part of the order id or of the customer's name."
    )
    createdAfter = MomentFilter(lookup_expr="gte", help_text="Placed at or after (a date: from that day on).")
    createdBefore = MomentFilter(lookup_expr="lt", help_text="Placed before (a date: before that day).")
    startDate = MomentFilter(lookup_expr="gte", help_text="Alias of createdAfter.")
    endDate = MomentFilter(
        lookup_expr="lte", edge="end", help_text="Placed at or before (a date: up to the end of that day)."
    )
    ordering = OrderingFilter(
        fields=(("created_at", "createdAt"), ("total", "total"), ("status", "status")),
        help_text="createdAt, total or status; prefix with - for descending. Default: -createdAt.",
    )

    class Meta:
        model = Order
        fields = []

    def filter_search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(id__icontains=term) | Q(customer__name__icontains=term))
