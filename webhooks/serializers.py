from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from omnisales.api.secrets import SecretField
from omnisales.api.serializers import StrictCharField, StrictChoiceField

from . import events, examples
from .models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from .transport import ALLOWED_SCHEMES

# Kept by the service, shown to the merchant, never written by them.
STATE_FIELDS = [
    "disabled_at",
    "disabled_reason",
    "failing_since",
    "previous_secret_expires_at",
    "created_at",
    "updated_at",
]


@extend_schema_serializer(examples=examples.WEBHOOKS)
class WebhookSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=2048, help_text="Where events are POSTed (http or https).")
    events = serializers.ListField(
        child=StrictChoiceField(choices=events.SUBSCRIBABLE),
        allow_empty=False,
        max_length=len(events.SUBSCRIBABLE),
        help_text='Event types to receive; "*" for every event.',
    )
    description = StrictCharField(max_length=500, allow_blank=True, required=False, default="")
    active = serializers.BooleanField(source="is_active", required=False, default=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "active", *STATE_FIELDS]
        read_only_fields = ["id", *STATE_FIELDS]

    def validate_url(self, value: str) -> str:
        if value.split(":", 1)[0].lower() not in ALLOWED_SCHEMES:
            raise serializers.ValidationError("Only http and https URLs can receive webhooks.")
        return value


@extend_schema_serializer(examples=examples.WEBHOOK_WITH_SECRET)
class WebhookWithSecretSerializer(WebhookSerializer):
    secret = SecretField(help_text="Signing secret (whsec_…). Shown only when created or rotated.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


@extend_schema_serializer(examples=examples.ROTATE)
class RotateSecretSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=168,
        required=False,
        help_text="How long the old secret keeps signing next to the new one (default 24; 0 retires it now).",
    )

    def validate(self, attrs):
        attrs.setdefault("overlap_hours", settings.WEBHOOKS_SECRET_OVERLAP_HOURS)
        return attrs


@extend_schema_serializer(examples=examples.REPLAY)
class ReplaySerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Replay failed deliveries created at or after this time.")
    until = serializers.DateTimeField(help_text="...and before this time.")

    def validate(self, attrs):
        if attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": ["Must be later than since."]})
        return attrs


@extend_schema_serializer(examples=examples.REPLAY_RESULT)
class ReplayResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="How many failed deliveries were enqueued again.")


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    attempted_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = WebhookDeliveryAttempt
        fields = ["attempt_number", "attempted_at", *WebhookDeliveryAttempt.RESULT_FIELDS]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.DELIVERIES)
class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="endpoint_id", read_only=True)
    event_id = serializers.CharField(read_only=True)
    event_type = serializers.CharField(source="event.event_type", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    payload = serializers.JSONField(source="event.payload", read_only=True, help_text="The body that was POSTed.")
    attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields
