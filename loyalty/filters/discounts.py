"""Query-parameter filters of the discount code list. An invalid value is a 400 INVALID_PARAMETER."""

from django.utils import timezone
from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, OrderingFilter

from ..models import AppliesTo, DiscountCode, DiscountType
from ..selectors import discounts as selectors


class DiscountCodeFilterSet(FilterSet):
    # A typed choice rather than BooleanFilter, which quietly ignores values it cannot read ("maybe").
    active = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: switched on; false: switched off (see status for what is usable now).",
    )
    type = filters.ChoiceFilter(choices=DiscountType.choices)
    appliesTo = filters.ChoiceFilter(field_name="applies_to", choices=AppliesTo.choices)
    status = filters.ChoiceFilter(
        choices=selectors.CodeStatus.CHOICES,
        method="filter_status",
        help_text="current (usable now), scheduled, expired, exhausted (usageLimit reached) or inactive.",
    )
    batch = filters.CharFilter(max_length=40, help_text="The codes of one generated batch.")
    search = filters.CharFilter(
        field_name="code", lookup_expr="icontains", max_length=64, help_text="Part of the code, any case."
    )
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(
            ("created_at", "createdAt"),
            ("code", "code"),
            ("times_used", "timesUsed"),
            ("starts_at", "startsAt"),
            ("ends_at", "endsAt"),
        ),
        help_text="createdAt, code, timesUsed, startsAt or endsAt; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = DiscountCode
        fields = []

    def filter_status(self, queryset, name, value):
        return selectors.codes_with_status(queryset, value, timezone.now())
