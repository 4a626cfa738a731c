from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import (
    BaseAPIView,
    ListMixin,
    RetrieveMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    TenantViewSet,
)

from . import examples, selectors, services
from .filters import CampaignFilter, MessageFilter, TemplateFilter
from .models import Campaign, Channel, EmailTemplate, Message
from .serializers import (
    CampaignSendSerializer,
    CampaignSerializer,
    EmailSendSerializer,
    MessageSerializer,
    MessagingSettingsSerializer,
    PreviewSerializer,
    SmsSendSerializer,
    TemplateSerializer,
)
from .services._common import account_settings

EMAIL_TAGS = ["email"]
SMS_TAGS = ["sms"]

CONFLICTS = ErrorCatalog(
    error_example("CAMPAIGN_NOT_EDITABLE", "A sent campaign cannot be changed", {"status": "sent"}),
    error_example("CAMPAIGN_NOT_SENDABLE", "A sending campaign cannot be sent again", {"status": "sending"}),
    error_example("CAMPAIGN_NOT_CANCELLABLE", "A sent campaign cannot be cancelled", {"status": "sent"}),
    error_example("TEMPLATE_IN_USE", "Campaigns use this template", {"id": "tpl_123"}),
    error_example(
        "DUPLICATE_TEMPLATE_KIND", "This account already has a template of this kind", {"kind": "order_shipped"}
    ),
    prefix="Conflict: ",
)


def _id(name: str, prefix: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, str, OpenApiParameter.PATH, pattern=rf"^{prefix}_[0-9A-Za-z]+$", description=f"A {prefix}_… id."
    )


MESSAGE_ID, TEMPLATE_ID, CAMPAIGN_ID = _id("messageId", "msg"), _id("templateId", "tpl"), _id("campaignId", "cmp")


class EmailSendView(BaseAPIView):
    scope_area = "messaging"

    @extend_schema(
        request=EmailSendSerializer,
        responses={202: MessageSerializer},
        summary="Send an email (202: queued; delivered by a worker). 422 for a bad address, template or variables",
        tags=EMAIL_TAGS,
    )
    def post(self, request):
        data = self.payload(EmailSendSerializer)
        message = services.email_send(account=self.account, **data)
        return self.respond(MessageSerializer, message, status.HTTP_202_ACCEPTED)


class SmsSendView(BaseAPIView):
    scope_area = "messaging"

    @extend_schema(
        request=SmsSendSerializer,
        responses={202: MessageSerializer},
        summary="Send an SMS (to in E.164; 202: queued, with its segment count)",
        tags=SMS_TAGS,
    )
    def post(self, request):
        message = services.sms_send(account=self.account, **self.payload(SmsSendSerializer))
        return self.respond(MessageSerializer, message, status.HTTP_202_ACCEPTED)


class MessageViewSet(ListMixin, RetrieveMixin, TenantViewSet):
    """Messages of one channel, newest first, with their delivery status."""

    queryset = Message.objects.all()
    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    scope_area = "messaging"
    lookup_url_kwarg = "messageId"
    channel = Channel.EMAIL

    def get_queryset(self):
        return super().get_queryset().filter(channel=self.channel)


@extend_schema_view(
    list=extend_schema(
        summary="List sent emails, newest first (status: queued, sent, failed, bounced)", tags=EMAIL_TAGS
    ),
    retrieve=extend_schema(parameters=[MESSAGE_ID], summary="Get an email and its status", tags=EMAIL_TAGS),
)
class EmailMessageViewSet(MessageViewSet):
    channel = Channel.EMAIL


@extend_schema_view(
    list=extend_schema(summary="List sent SMS, newest first, with the provider's status", tags=SMS_TAGS),
    retrieve=extend_schema(parameters=[MESSAGE_ID], summary="Get an SMS and its status", tags=SMS_TAGS),
)
class SmsMessageViewSet(MessageViewSet):
    channel = Channel.SMS


@extend_schema_view(
    list=extend_schema(summary="List email templates (the order event templates included)", tags=EMAIL_TAGS),
    retrieve=extend_schema(parameters=[TEMPLATE_ID], summary="Get an email template", tags=EMAIL_TAGS),
)
class TemplateViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """Email templates in Django's template language, checked in a sandbox when saved."""

    queryset = EmailTemplate.objects.all()
    serializer_class = TemplateSerializer
    filterset_class = TemplateFilter
    scope_area = "messaging"
    lookup_url_kwarg = "templateId"

    def list(self, request, *args, **kwargs):
        # The order event templates exist from the first look, so a merchant can switch them off at once.
        services.transactional_templates_seed(account=self.account)
        return super().list(request, *args, **kwargs)

    def perform_create_with(self, data):
        return services.template_create(account=self.account, **data)

    def perform_update_with(self, template, data):
        return services.template_update(template=template, changes=data)

    @extend_schema(
        request=TemplateSerializer,
        responses={201: TemplateSerializer, 409: CONFLICTS.response("DUPLICATE_TEMPLATE_KIND")},
        summary="Create an email template (422 for a syntax error, a refused tag or an unknown variable)",
        tags=EMAIL_TAGS,
    )
    def create(self, request, *args, **kwargs):
        return super().create(request)

    @extend_schema(
        request=TemplateSerializer,
        responses={200: TemplateSerializer, 409: CONFLICTS.response("DUPLICATE_TEMPLATE_KIND", "TEMPLATE_IN_USE")},
        parameters=[TEMPLATE_ID],
        summary="Replace an email template",
        tags=EMAIL_TAGS,
    )
    def update(self, request, templateId=None):
        return super().update(request, partial=False)

    @extend_schema(
        request=TemplateSerializer(partial=True),
        responses={200: TemplateSerializer, 409: CONFLICTS.response("DUPLICATE_TEMPLATE_KIND", "TEMPLATE_IN_USE")},
        parameters=[TEMPLATE_ID],
        examples=examples.TEMPLATE_PATCH,
        summary="Change part of an email template (active: false stops an order event email)",
        tags=EMAIL_TAGS,
    )
    def partial_update(self, request, templateId=None):
        return super().update(request, partial=True)

    @extend_schema(
        responses={204: None, 409: CONFLICTS.response("TEMPLATE_IN_USE")},
        parameters=[TEMPLATE_ID],
        summary="Delete an email template (409 while a campaign uses it)",
        tags=EMAIL_TAGS,
    )
    def destroy(self, request, templateId=None):
        services.template_delete(template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: PreviewSerializer},
        parameters=[TEMPLATE_ID],
        summary="Render a template with sample customer, order and account data",
        tags=EMAIL_TAGS,
    )
    def preview(self, request, templateId=None):
        return self.respond(PreviewSerializer, services.template_preview(template=self.get_object()))


@extend_schema_view(
    list=extend_schema(summary="List campaigns with their recipient counts", tags=EMAIL_TAGS),
    retrieve=extend_schema(parameters=[CAMPAIGN_ID], summary="Get a campaign and its live counts", tags=EMAIL_TAGS),
)
class CampaignViewSet(ServiceCreateMixin, ServiceUpdateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """Email and SMS campaigns to a segment or to tagged customers."""

    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    scope_area = "messaging"
    lookup_url_kwarg = "campaignId"

    def get_queryset(self):
        return selectors.campaigns_with_stats(super().get_queryset())

    def represent(self, instance):
        return super().represent(self.get_queryset().get(pk=instance.pk))

    def perform_create_with(self, data):
        return services.campaign_create(account=self.account, **data)

    def perform_update_with(self, campaign, data):
        return services.campaign_update(campaign=campaign, changes=data)

    @extend_schema(
        request=CampaignSerializer,
        responses={201: CampaignSerializer},
        summary="Create a draft campaign (422 for a missing audience or content that campaigns cannot render)",
        tags=EMAIL_TAGS,
    )
    def create(self, request, *args, **kwargs):
        return super().create(request)

    @extend_schema(
        request=CampaignSerializer(partial=True),
        responses={200: CampaignSerializer, 409: CONFLICTS.response("CAMPAIGN_NOT_EDITABLE")},
        parameters=[CAMPAIGN_ID],
        examples=examples.CAMPAIGN_PATCH,
        summary="Change a draft campaign",
        tags=EMAIL_TAGS,
    )
    def partial_update(self, request, campaignId=None):
        return super().update(request, partial=True)

    @extend_schema(
        responses={204: None, 409: CONFLICTS.response("CAMPAIGN_NOT_EDITABLE")},
        parameters=[CAMPAIGN_ID],
        summary="Delete a draft (or cancelled, never started) campaign",
        tags=EMAIL_TAGS,
    )
    def destroy(self, request, campaignId=None):
        services.campaign_delete(campaign=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=CampaignSendSerializer,
        responses={202: CampaignSerializer, 409: CONFLICTS.response("CAMPAIGN_NOT_SENDABLE")},
        parameters=[CAMPAIGN_ID],
        summary="Send a draft campaign now, or at scheduledAt (409 if it was sent already)",
        tags=EMAIL_TAGS,
    )
    def send(self, request, campaignId=None):
        campaign = self.get_object()
        data = self.payload(CampaignSendSerializer)
        campaign = services.campaign_send(campaign=campaign, scheduled_at=data["scheduled_at"])
        return Response(self.represent(campaign), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={200: CampaignSerializer, 409: CONFLICTS.response("CAMPAIGN_NOT_CANCELLABLE")},
        parameters=[CAMPAIGN_ID],
        summary="Cancel a draft, scheduled or sending campaign (what was sent stays recorded)",
        tags=EMAIL_TAGS,
    )
    def cancel(self, request, campaignId=None):
        campaign = services.campaign_cancel(campaign=self.get_object())
        return Response(self.represent(campaign))


class MessagingSettingsView(BaseAPIView):
    scope_area = "messaging"

    @extend_schema(
        responses={200: MessagingSettingsSerializer}, summary="The email sender name and reply-to", tags=EMAIL_TAGS
    )
    def get(self, request):
        return self.respond(MessagingSettingsSerializer, account_settings(self.account.pk))

    @extend_schema(
        request=MessagingSettingsSerializer,
        responses={200: MessagingSettingsSerializer},
        summary="Change the sender name and reply-to address of this account's emails",
        tags=EMAIL_TAGS,
    )
    def patch(self, request):
        changes = self.payload(MessagingSettingsSerializer, partial=True)
        own = services.messaging_settings_update(account=self.account, changes=changes)
        return self.respond(MessagingSettingsSerializer, own)
