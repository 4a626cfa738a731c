"""Query-parameter filters of the loyalty lists. An invalid value is a 400 INVALID_PARAMETER."""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, OrderingFilter

from ..models import LoyaltyMember, LoyaltyProgram, PointsTransaction, TransactionKind


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class ProgramFilterSet(FilterSet):
    # A typed choice rather than BooleanFilter, which quietly ignores values it cannot read ("maybe").
    active = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: the active program only; false: the others.",
    )
    ordering = OrderingFilter(
        fields=(("created_at", "createdAt"), ("name", "name")),
        help_text="createdAt or name; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = LoyaltyProgram
        fields = []


class MemberFilterSet(FilterSet):
    tier = filters.CharFilter(field_name="tier_id", max_length=40, help_text="Members in this tier (tier_… id).")
    minBalance = IntegerFilter(
        field_name="points_balance", lookup_expr="gte", min_value=0, help_text="Members with at least this many points."
    )
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Part of the customer's name or email."
    )
    joinedAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    joinedBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(
            ("created_at", "joinedAt"),
            ("points_balance", "pointsBalance"),
            ("lifetime_points", "lifetimePoints"),
            ("lifetime_spend", "lifetimeSpend"),
        ),
        help_text="joinedAt, pointsBalance, lifetimePoints or lifetimeSpend; prefix - for descending. "
        "Default -joinedAt.",
    )

    class Meta:
        model = LoyaltyMember
        fields = []

    def filter_search(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        return queryset.filter(Q(customer__name__icontains=term) | Q(customer__email__icontains=term))


class TransactionFilterSet(FilterSet):
    kind = filters.ChoiceFilter(choices=TransactionKind.choices, help_text="earn, redeem, adjust, expire or reverse.")
    orderId = filters.CharFilter(field_name="order_id", max_length=40, help_text="Changes made for this order.")
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = PointsTransaction
        fields = []
