"""Query-parameter filters of the marketplace lists. An invalid value is a 400 INVALID_PARAMETER."""

from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, OrderingFilter

from .models import ConnectionStatus, MarketplaceConnection, Platform, SyncJob, SyncStatus, SyncTrigger


class ConnectionFilterSet(FilterSet):
    platform = filters.ChoiceFilter(choices=Platform.choices)
    status = filters.ChoiceFilter(choices=ConnectionStatus.choices)

    class Meta:
        model = MarketplaceConnection
        fields = []


class SyncJobFilterSet(FilterSet):
    connectionId = filters.CharFilter(field_name="connection_id", max_length=40, help_text="Jobs of this connection.")
    platform = filters.ChoiceFilter(field_name="connection__platform", choices=Platform.choices)
    status = filters.ChoiceFilter(choices=SyncStatus.choices)
    trigger = filters.ChoiceFilter(choices=SyncTrigger.choices)
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(("created_at", "createdAt"), ("status", "status")),
        help_text="createdAt or status; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = SyncJob
        fields = []
