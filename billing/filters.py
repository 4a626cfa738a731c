import django_filters

from omnisales.api.pagination import InvalidQueryParameter

from .models import Payment, PaymentStatus, Plan, Subscription, SubscriptionStatus


class FilterSet(django_filters.FilterSet):
    """An invalid filter value is a 400 INVALID_PARAMETER naming the parameter, never a 500 or ignored."""

    def is_valid(self) -> bool:
        if self.is_bound and self.errors:
            details = {name: [str(message) for message in messages] for name, messages in self.errors.items()}
            raise InvalidQueryParameter(f"Invalid query parameter: {', '.join(sorted(details))}", details=details)
        return super().is_valid()


class PaymentFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    customerId = django_filters.CharFilter(field_name="customer_reference", max_length=40)
    orderId = django_filters.CharFilter(field_name="order_reference", max_length=40)
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact", max_length=3)
    createdAfter = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Payment
        fields = []


class SubscriptionFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=SubscriptionStatus.choices)

    class Meta:
        model = Subscription
        fields = []


class PlanFilter(FilterSet):
    # A typed choice rather than BooleanFilter, which quietly ignores values it cannot read ("maybe").
    isActive = django_filters.TypedChoiceFilter(
        field_name="is_active", choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = Plan
        fields = []
