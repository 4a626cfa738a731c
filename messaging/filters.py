from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet

from .models import Campaign, CampaignStatus, Channel, EmailTemplate, Message, MessageStatus, TemplateKind


class MessageFilter(FilterSet):
    status = filters.ChoiceFilter(choices=MessageStatus.choices)
    to = filters.CharFilter(field_name="to", lookup_expr="iexact")
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")  # query parameters are camelCase
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Message
        fields = []


class TemplateFilter(FilterSet):
    kind = filters.ChoiceFilter(choices=TemplateKind.choices)

    class Meta:
        model = EmailTemplate
        fields = []


class CampaignFilter(FilterSet):
    status = filters.ChoiceFilter(choices=CampaignStatus.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Campaign
        fields = []
