import django_filters

from omnisales.api.filters import DateTimeFilter, FilterSet

from .models import Payment, PaymentStatus, Plan, Subscription, SubscriptionStatus


class PaymentFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices)
    customerId = django_filters.CharFilter(field_name="customer_reference", max_length=40)
    orderId = django_filters.CharFilter(field_name="order_reference", max_length=40)
    currency = django_filters.CharFilter(field_name="currency", lookup_expr="iexact", max_length=3)
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

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
