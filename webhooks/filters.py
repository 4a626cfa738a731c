from django_filters import rest_framework as filters

from omnisales.api.pagination import InvalidQueryParameter

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class StrictFilterSet(filters.FilterSet):
    """An invalid filter value is a 400 INVALID_PARAMETER, never an empty list or a 500."""

    def is_valid(self):
        if not super().is_valid():
            details = {name: list(messages) for name, messages in self.errors.items()}
            raise InvalidQueryParameter("Invalid filter value", details=details)
        return True


class WebhookFilter(StrictFilterSet):
    active = filters.TypedChoiceFilter(
        field_name="is_active", choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = WebhookEndpoint
        fields = []


class DeliveryFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    eventType = filters.CharFilter(field_name="event__event_type")  # query parameters are camelCase
    createdAfter = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = WebhookDelivery
        fields = []
