from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from omnisales.api.serializers import StrictCharField, StrictChoiceField

from . import examples
from .models import Campaign, CampaignStatus, Channel, EmailTemplate, Message, MessagingSettings, TemplateKind

# Bodies stay under API_MAX_BODY_BYTES (1 MiB) however their characters are escaped (Gmail clips
# messages past ~100 KB anyway).
HTML_MAX = 50_000
TEXT_MAX = 20_000


class TemplateIdField(StrictCharField):
    """A template id of the request's account; an unknown one is a 422 on this field (nothing is sent)."""

    def to_internal_value(self, data):
        template_id = super().to_internal_value(data)
        account = self.context["request"].auth.account
        template = EmailTemplate.objects.filter(account=account, pk=template_id.replace("\x00", "")).first()
        if template is None:
            raise serializers.ValidationError(f"No template {template_id}.")
        return template

    def to_representation(self, value):
        return value.pk if isinstance(value, EmailTemplate) else value


@extend_schema_serializer(examples=examples.EMAIL_SEND)
class EmailSendSerializer(serializers.Serializer):
    to = StrictCharField(max_length=254, help_text="The recipient's email address.")
    subject = StrictCharField(max_length=500, required=False, help_text="Required without templateId.")
    content = StrictCharField(
        max_length=TEXT_MAX, required=False, help_text="The text body; required without templateId."
    )
    html = StrictCharField(max_length=HTML_MAX, required=False, allow_blank=True, help_text="An HTML body.")
    template_id = TemplateIdField(required=False, source="template", help_text="Render this template instead.")
    variables = serializers.DictField(
        required=False,
        help_text="Template data: customer, order, account (camelCase keys, as the rest of the API). The "
        "customer is filled from the customer with this email when not given.",
    )


@extend_schema_serializer(examples=examples.SMS_SEND)
class SmsSendSerializer(serializers.Serializer):
    to = StrictCharField(max_length=32, help_text="E.164, e.g. +14155552671.")
    message = StrictCharField(max_length=1600, help_text="Up to 1,600 characters; billed in segments.")


@extend_schema_serializer(examples=[*examples.MESSAGES, *examples.SMS_MESSAGES])
class MessageSerializer(serializers.ModelSerializer):
    content = serializers.CharField(source="text_body", read_only=True)
    html = serializers.CharField(source="html_body", read_only=True)
    template_id = serializers.CharField(read_only=True, allow_null=True)
    customer_id = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "channel",
            "source",
            "to",
            "subject",
            "content",
            "html",
            "template_id",
            "customer_id",
            "status",
            "error",
            "segments",
            "provider_message_id",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.TEMPLATES)
class TemplateSerializer(serializers.ModelSerializer):
    kind = StrictChoiceField(
        choices=TemplateKind.choices,
        required=False,
        default=TemplateKind.CUSTOM,
        help_text="custom, or the order event it is sent on (one per account).",
    )
    active = serializers.BooleanField(source="is_active", required=False, default=True)
    subject = StrictCharField(max_length=500, help_text="Django template language; see the variables in the docs.")
    html_body = StrictCharField(max_length=HTML_MAX, required=False, allow_blank=True, default="")
    text_body = StrictCharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")

    class Meta:
        model = EmailTemplate
        fields = ["id", "name", "kind", "subject", "html_body", "text_body", "active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_serializer(examples=examples.PREVIEW)
class PreviewSerializer(serializers.Serializer):
    subject = serializers.CharField(read_only=True)
    html = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)


class CampaignStatsSerializer(serializers.Serializer):
    recipients = serializers.IntegerField(source="recipients_count", read_only=True)
    pending = serializers.IntegerField(source="pending_count", read_only=True)
    sent = serializers.IntegerField(source="sent_count", read_only=True)
    failed = serializers.IntegerField(source="failed_count", read_only=True)
    skipped = serializers.IntegerField(source="skipped_count", read_only=True)
    skipped_no_consent = serializers.IntegerField(source="skipped_no_consent_count", read_only=True)
    skipped_no_address = serializers.IntegerField(source="skipped_no_address_count", read_only=True)
    cancelled = serializers.IntegerField(source="cancelled_count", read_only=True)


@extend_schema_serializer(examples=examples.CAMPAIGNS)
class CampaignSerializer(serializers.ModelSerializer):
    channel = StrictChoiceField(choices=Channel.choices, required=False, default=Channel.EMAIL)
    template_id = TemplateIdField(
        source="template", required=False, allow_null=True, default=None, help_text="The email's template."
    )
    subject = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    html_body = StrictCharField(max_length=HTML_MAX, required=False, allow_blank=True, default="")
    text_body = StrictCharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", help_text="Text part, or the SMS text."
    )
    segment_id = StrictCharField(
        max_length=40, required=False, allow_null=True, default=None, help_text="An RFM segment name or a seg_… id."
    )
    tags = serializers.ListField(
        child=StrictCharField(max_length=50),
        required=False,
        default=list,
        max_length=50,
        help_text="Customers with any of these tags (with segmentId: those of the segment with one of them).",
    )
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    status = StrictChoiceField(choices=CampaignStatus.choices, read_only=True)
    stats = CampaignStatsSerializer(source="*", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "channel",
            "status",
            "template_id",
            "subject",
            "html_body",
            "text_body",
            "segment_id",
            "tags",
            "scheduled_at",
            "started_at",
            "completed_at",
            "cancelled_at",
            "stats",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "started_at", "completed_at", "cancelled_at", "created_at", "updated_at"]

    def validate_tags(self, value):
        return list(dict.fromkeys(tag.strip().lower() for tag in value if tag.strip()))


@extend_schema_serializer(examples=examples.CAMPAIGN_SEND)
class CampaignSendSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Send at this time instead of now."
    )


@extend_schema_serializer(examples=examples.SETTINGS)
class MessagingSettingsSerializer(serializers.ModelSerializer):
    sender_name = StrictCharField(max_length=100, required=False, allow_blank=True)
    reply_to = StrictCharField(max_length=254, required=False, allow_blank=True, help_text="An email address.")

    class Meta:
        model = MessagingSettings
        fields = ["sender_name", "reply_to"]

    def validate_reply_to(self, value: str) -> str:
        if value:
            try:
                validate_email(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError("Enter a valid email address.") from exc
        return value
