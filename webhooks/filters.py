from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class WebhookFilter(FilterSet):
    active = filters.TypedChoiceFilter(
        field_name="is_active", choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = WebhookEndpoint
        fields = []


class DeliveryFilter(FilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    eventType = filters.CharFilter(field_name="event__event_type")  # query parameters are camelCase
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WebhookDelivery
        fields = []
