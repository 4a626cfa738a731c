"""Request and response shapes of the marketplace endpoints (snake_case here; camelCase on the wire).

Credentials and tokens are write-only: a connection shows only hints of them (`credentialHints`)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import StrictCharField, StrictChoiceField, TenantRelatedField

from . import examples
from .models import MarketplaceConnection, SyncJob
from .platforms import BY_ID, PLATFORMS

PLATFORM_IDS = sorted(BY_ID)
SECRET_MAX = 1000


@extend_schema_serializer(examples=examples.PLATFORMS)
class PlatformSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    code = serializers.CharField()
    icon_url = serializers.URLField()
    api_base_url = serializers.URLField()
    is_active = serializers.BooleanField()
    credentials = serializers.DictField(
        child=serializers.CharField(), help_text="What apiKey, apiSecret and shopId are on this platform."
    )
    authorization = serializers.CharField(help_text="oauth: tokens come from the platform's authorization flow.")
    supports_stock_push = serializers.BooleanField()


def platform_data(info) -> dict:
    return {
        "id": info.id,
        "name": info.name,
        "code": info.code,
        "icon_url": info.icon_url,
        "api_base_url": info.api_base_url,
        "is_active": True,
        "credentials": info.credentials,
        "authorization": "oauth",
        "supports_stock_push": info.supports_stock_push,
    }


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}, "example": {"apiKey": "…7821"}})
class HintsField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, connection):
        return {
            "apiKey": f"…{connection.api_key_hint}" if connection.api_key_hint else "",
            "apiSecret": f"…{connection.api_secret_hint}" if connection.api_secret_hint else "",
        }


@extend_schema_serializer(examples=examples.CONNECTIONS)
class ConnectionSerializer(CompiledRepresentation, serializers.ModelSerializer):
    platform_id = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()
    authorized = serializers.SerializerMethodField()
    authorized_until = serializers.DateTimeField(source="token_expires_at", read_only=True, allow_null=True)
    credential_hints = HintsField(help_text="The last characters of the credentials; they are never shown.")
    details = serializers.DictField(read_only=True, help_text="What the platform said of the shop.")

    class Meta:
        model = MarketplaceConnection
        fields = [
            "id",
            "platform_id",
            "platform",
            "name",
            "shop_id",
            "status",
            "is_active",
            "authorized",
            "authorized_until",
            "credential_hints",
            "push_stock",
            "stock_buffer",
            "auto_sync",
            "synced_until",
            "last_sync_at",
            "last_error",
            "last_error_at",
            "details",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_platform_id(self, connection) -> str:
        return f"platform_{connection.platform}"

    def get_is_active(self, connection) -> bool:
        return connection.status != "disabled"

    def get_authorized(self, connection) -> bool:
        return connection.is_authorized


def _secret(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=SECRET_MAX, write_only=True, trim_whitespace=True, **kwargs)


@extend_schema_serializer(examples=examples.CREATE)
class ConnectionCreateSerializer(serializers.Serializer):
    platform_id = StrictChoiceField(choices=PLATFORM_IDS)
    api_key = _secret(help_text="Shopee: the partner id. Lazada: the app key. Facebook: the app id.")
    api_secret = _secret(help_text="Shopee: the partner key. Lazada and Facebook: the app secret.")
    shop_id = StrictCharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="Facebook: the commerce account id."
    )
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    access_token = _secret(required=False, default="", allow_blank=True, help_text="Only when you already hold tokens.")
    refresh_token = _secret(required=False, default="", allow_blank=True)
    token_expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None, write_only=True)
    push_stock = serializers.BooleanField(required=False, default=True)
    stock_buffer = serializers.IntegerField(required=False, default=0, min_value=0, max_value=100_000)
    auto_sync = serializers.BooleanField(required=False, default=True)

    def validate(self, data):
        data["platform"] = BY_ID[data.pop("platform_id")].code
        if data["platform"] not in PLATFORMS:  # pragma: no cover - the choices guard it
            raise serializers.ValidationError({"platform_id": "Unknown platform."})
        return data


@extend_schema_serializer(examples=examples.UPDATE)
class ConnectionUpdateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    api_key = _secret(required=False)
    api_secret = _secret(required=False)
    shop_id = StrictCharField(max_length=64, required=False, allow_blank=True)
    push_stock = serializers.BooleanField(required=False)
    stock_buffer = serializers.IntegerField(required=False, min_value=0, max_value=100_000)
    auto_sync = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False, help_text="false pauses syncs and stock pushes.")


@extend_schema_serializer(examples=examples.AUTHORIZE)
class AuthorizationSerializer(serializers.Serializer):
    authorization_url = serializers.URLField(help_text="Open it to approve the app on the platform.")
    redirect_uri = serializers.URLField(help_text="Where the platform sends the merchant back (this API).")
    expires_at = serializers.DateTimeField()


@extend_schema_serializer(examples=examples.TEST)
class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    latency_ms = serializers.IntegerField()
    shop = serializers.DictField(help_text="What the platform says of the shop.")
    connection = ConnectionSerializer()


@extend_schema_serializer(examples=examples.STOCK_PUSH)
class StockPushSerializer(serializers.Serializer):
    pushed = serializers.IntegerField()
    failed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


@extend_schema_serializer(examples=examples.SYNC)
class SyncRequestSerializer(serializers.Serializer):
    platform_id = StrictChoiceField(choices=PLATFORM_IDS, required=False, help_text="Or connectionId.")
    connection_id = TenantRelatedField(queryset=MarketplaceConnection.objects.all(), required=False)
    start_date = serializers.DateTimeField(
        required=False, help_text="Orders updated from then; default: where the last sync ended (less an overlap)."
    )
    end_date = serializers.DateTimeField(required=False, help_text="Orders updated until then; default: now.")

    def validate(self, data):
        if ("platform_id" in data) == ("connection_id" in data):
            raise serializers.ValidationError({"platform_id": "Send platformId or connectionId (one of them)."})
        if "platform_id" in data:
            data["platform"] = BY_ID[data.pop("platform_id")].code
        if "connection_id" in data:
            data["connection"] = data.pop("connection_id")
        return data


class SyncErrorSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(examples=examples.SYNC_JOBS)
class SyncJobSerializer(CompiledRepresentation, serializers.ModelSerializer):
    platform = serializers.CharField(source="connection.platform", read_only=True)
    errors = SyncErrorSerializer(many=True, read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncJob
        fields = [
            "id",
            "connection_id",
            "platform",
            "status",
            "trigger",
            "start_date",
            "end_date",
            "fetched",
            "created",
            "updated",
            "unchanged",
            "failed",
            "errors",
            "error",
            "attempts",
            "started_at",
            "finished_at",
            "duration_seconds",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
