"""Query-parameter filters of the customer lists. An invalid value is a 400 INVALID_PARAMETER (shared FilterSet)."""

import re

from django import forms
from django.db.models import F, Q
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES

from omnisales.api.auth import get_auth_context
from omnisales.api.errors import NotFoundError
from omnisales.api.filters import DateTimeFilter, FilterSet, JSONArrayContainsFilter, OrderingFilter
from omnisales.api.pagination import InvalidQueryParameter

from . import selectors
from .models import Customer
from .normalize import MAX_TAG_LENGTH, normalize_tag
from .rfm import RfmSegment


class StrictBooleanField(forms.Field):
    TRUE, FALSE = ("true", "1"), ("false", "0")

    def to_python(self, value):
        if value in EMPTY_VALUES:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Expected true or false.")


class StrictBooleanFilter(filters.BooleanFilter):
    """`true`/`false` (or 1/0); anything else is an error rather than silently ignored."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # the default widgets turn unknown values into None
        super().__init__(*args, **kwargs)


class NullsLastOrderingFilter(OrderingFilter):
    """`ordering=-totalSpent,name`: customers without orders (empty dates) sort last either way."""

    def get_ordering_value(self, param):
        expression = F(self.param_map[param.lstrip("-")])
        return expression.desc(nulls_last=True) if param.startswith("-") else expression.asc(nulls_last=True)


class TagFilter(JSONArrayContainsFilter):
    """Customers carrying the tag; matched like stored tags (trimmed, lower-case)."""

    def filter(self, qs, value):
        return super().filter(qs, normalize_tag(value) if value and value.strip() else "")


class AccountFilterSet(FilterSet):
    @property
    def account(self):
        return get_auth_context(self.request).account

    def keep(self, queryset, name, value):
        """For parameters the filterset reads itself rather than filtering on."""
        return queryset


class CustomerFilterSet(AccountFilterSet):
    """Anonymized (deleted) customers are left out unless `includeAnonymized=true`."""

    search = filters.CharFilter(method="filter_search", max_length=200, help_text="Part of name, email or phone.")
    tag = TagFilter(field_name="tags", max_length=MAX_TAG_LENGTH, help_text="Customers with this tag.")
    segment = filters.CharFilter(
        method="filter_segment",
        max_length=64,
        help_text="An RFM segment name (champions, at_risk, …) or a custom segment id (seg_…).",
    )
    acceptsEmailMarketing = StrictBooleanFilter(field_name="accepts_email_marketing")
    acceptsSmsMarketing = StrictBooleanFilter(field_name="accepts_sms_marketing")
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    includeAnonymized = StrictBooleanFilter(method="keep", help_text="Also list deleted (anonymized) customers.")
    ordering = NullsLastOrderingFilter(
        fields=(
            ("name", "name"),
            ("created_at", "createdAt"),
            ("total_spent", "totalSpent"),
            ("total_orders", "totalOrders"),
            ("last_order_date", "lastOrderDate"),
        ),
        help_text="name, createdAt, totalSpent, totalOrders or lastOrderDate; prefix - for descending. "
        "Default -createdAt.",
    )

    class Meta:
        model = Customer
        fields = []

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("includeAnonymized"):
            queryset = queryset.filter(is_anonymized=False)
        return super().filter_queryset(queryset)

    def filter_search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        condition = Q(name__icontains=term) | Q(email__icontains=term) | Q(phone__icontains=term)
        digits = re.sub(r"\D", "", term)
        if len(digits) >= 3:
            condition |= Q(phone__contains=digits)
        return queryset.filter(condition)

    def filter_segment(self, queryset, name, value):
        try:
            ref = selectors.segment_get(account=self.account, segment_id=value)
        except NotFoundError:
            raise InvalidQueryParameter(
                "Invalid query parameter: segment",
                details={"segment": [f"{value!r} is neither an RFM segment name nor a segment of this account."]},
            ) from None
        return queryset.filter(is_anonymized=False).filter(selectors.segment_members_q(account=self.account, ref=ref))


class RfmFilterSet(AccountFilterSet):
    segment = filters.ChoiceFilter(field_name="rfm_segment", choices=RfmSegment.choices, help_text="RFM segment name.")
    asOf = filters.DateFilter(
        method="keep",
        input_formats=["%Y-%m-%d"],
        help_text="Date recency is measured to, YYYY-MM-DD; default today in the account's time zone.",
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("total_spent", "monetary"),
            ("total_orders", "frequency"),
            ("recency", "recencyDays"),
            ("last_order_date", "lastOrderDate"),
            ("name", "name"),
        ),
        help_text="monetary, frequency, recencyDays, lastOrderDate or name; prefix - for descending. "
        "Default -monetary.",
    )

    class Meta:
        model = Customer
        fields = []

    def filter_queryset(self, queryset):
        as_of = self.form.cleaned_data.get("asOf") or selectors.account_today(self.account)
        queryset = selectors.with_recency(queryset, account=self.account, as_of=as_of)
        return super().filter_queryset(queryset)
