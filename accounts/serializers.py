from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from oauth2_provider.models import Application
from rest_framework import serializers

from omnisales.api import scopes
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.secrets import SecretField
from omnisales.api.serializers import CurrencyField, StrictCharField, StrictChoiceField

from . import examples
from .models import Account, ApiKey, OAuthClient, User

SCOPE_CHOICES = [(scope, scope) for scope in scopes.ALL_SCOPES]


@extend_schema_serializer(examples=examples.REGISTER)
class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = StrictCharField(max_length=150)
    store_name = StrictCharField(max_length=200)
    currency = CurrencyField(required=False, default="USD")


@extend_schema_serializer(examples=examples.LOGIN)
class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=128, write_only=True)
    account_id = StrictCharField(max_length=40, required=False)


@extend_schema_serializer(examples=examples.REFRESH)
class TokenRefreshSerializer(serializers.Serializer):
    refresh = SecretField(write_only=True)


@extend_schema_serializer(examples=examples.TOKEN_PAIR)
class TokenPairSerializer(serializers.Serializer):
    access = SecretField()
    refresh = SecretField()


class UserSerializer(CompiledRepresentation, serializers.ModelSerializer):
    created_at = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "created_at"]


class AccountSerializer(CompiledRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "currency",
            "timezone",
            "tax_rate",
            "prices_include_tax",
            "tax_shipping",
            "product_limit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.REGISTER)
class RegisterResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    account = AccountSerializer()
    role = serializers.CharField()
    tokens = TokenPairSerializer()


@extend_schema_serializer(examples=examples.ME)
class MeSerializer(CompiledRepresentation, serializers.Serializer):
    user = UserSerializer(allow_null=True)
    account = AccountSerializer()
    role = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
    auth_method = serializers.ChoiceField(choices=["jwt", "api_key", "oauth2"])


@extend_schema_serializer(examples=examples.API_KEYS)
class ApiKeySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    scopes = serializers.ListField(child=StrictChoiceField(choices=SCOPE_CHOICES), allow_empty=False)
    expires_at = serializers.DateTimeField(source="expiry_date", required=False, allow_null=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "revoked", "expires_at", "last_used_at", "created_at"]
        read_only_fields = ["prefix", "revoked", "last_used_at"]
        extra_kwargs = {"name": {"max_length": 50, "required": True, "allow_blank": False}}

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


@extend_schema_serializer(examples=examples.API_KEY_CREATED)
class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = SecretField(help_text="The secret. Shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


@extend_schema_serializer(examples=examples.OAUTH_APPLICATIONS)
class OAuthApplicationSerializer(serializers.ModelSerializer):
    name = StrictCharField(source="application.name", max_length=255)
    client_id = serializers.CharField(source="application.client_id", read_only=True)
    client_type = StrictChoiceField(
        source="application.client_type",
        choices=[Application.CLIENT_CONFIDENTIAL, Application.CLIENT_PUBLIC],
        default=Application.CLIENT_CONFIDENTIAL,
    )
    redirect_uris = serializers.ListField(child=serializers.URLField(max_length=500), allow_empty=False)
    scopes = serializers.ListField(
        source="allowed_scopes", child=StrictChoiceField(choices=SCOPE_CHOICES), allow_empty=False
    )

    class Meta:
        model = OAuthClient
        fields = ["id", "name", "client_id", "client_type", "redirect_uris", "scopes", "created_at"]
        read_only_fields = ["id", "created_at"]


@extend_schema_serializer(examples=examples.OAUTH_APPLICATION_CREATED)
class OAuthApplicationCreatedSerializer(OAuthApplicationSerializer):
    client_secret = SecretField(help_text="Shown only in this response.")

    class Meta(OAuthApplicationSerializer.Meta):
        fields = [*OAuthApplicationSerializer.Meta.fields, "client_secret"]
