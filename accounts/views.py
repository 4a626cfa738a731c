from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from omnisales.api.views import BaseAPIView, TenantViewSet

from . import serializers, services
from .models import ApiKey, OAuthClient


class RegisterView(BaseAPIView):
    public = True

    @extend_schema(
        request=serializers.RegisterSerializer,
        responses={201: serializers.RegisterResponseSerializer},
        summary="Register a user and their store",
        tags=["auth"],
    )
    def post(self, request):
        payload = serializers.RegisterSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = services.account_register(**payload.validated_data)
        body = serializers.RegisterResponseSerializer(
            {
                "user": result["user"],
                "account": result["account"],
                "role": result["membership"].role,
                "tokens": result["tokens"],
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class TokenObtainView(BaseAPIView):
    public = True

    def handle_exception(self, exc):
        # A refused login keeps one write on purpose: its failure record, which the lockout counts.
        # The error handler's rollback is confined to a block of its own, so the request's
        # transaction still commits that record.
        with transaction.atomic():
            return super().handle_exception(exc)

    @extend_schema(
        request=serializers.TokenObtainSerializer,
        responses={200: serializers.TokenPairSerializer},
        summary="Log in: exchange email and password for JWTs",
        description=(
            "After repeated failed logins for an email or from an address, logins for it are refused "
            "with 429 `TOO_MANY_LOGIN_ATTEMPTS` and `Retry-After`, even with the right password."
        ),
        tags=["auth"],
    )
    def post(self, request):
        payload = serializers.TokenObtainSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tokens = services.token_obtain(request=request, **payload.validated_data)
        return Response(serializers.TokenPairSerializer(tokens).data)


class TokenRefreshView(BaseAPIView):
    public = True

    @extend_schema(
        request=serializers.TokenRefreshSerializer,
        responses={200: serializers.TokenPairSerializer},
        summary="Rotate a refresh token (the old one is blacklisted)",
        tags=["auth"],
    )
    def post(self, request):
        payload = serializers.TokenRefreshSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tokens = services.token_refresh(refresh=payload.validated_data["refresh"])
        return Response(serializers.TokenPairSerializer(tokens).data)


class MeView(BaseAPIView):
    any_scope = True

    @extend_schema(responses={200: serializers.MeSerializer}, summary="Who am I", tags=["auth"])
    def get(self, request):
        context = self.auth_context
        user = request.user if context.method != "api_key" else None
        body = {
            "user": user,
            "account": context.account,
            "role": context.role,
            "scopes": sorted(context.scopes),
            "auth_method": context.method,
        }
        return Response(serializers.MeSerializer(body).data)


class ApiKeyViewSet(mixins.ListModelMixin, TenantViewSet):
    """API keys of the account. The secret is shown once, at creation; only its hash is stored."""

    queryset = ApiKey.objects.order_by("-created")
    serializer_class = serializers.ApiKeySerializer
    required_scope = "admin"
    lookup_url_kwarg = "apiKeyId"
    lookup_field = "prefix"

    def lookup_value(self, raw: str):
        return raw.removeprefix("key_")

    @extend_schema(
        request=serializers.ApiKeySerializer, responses={201: serializers.ApiKeyCreatedSerializer}, tags=["auth"]
    )
    def create(self, request):
        payload = serializers.ApiKeySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        api_key, secret = services.api_key_create(
            account=self.account,
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data.get("expiry_date"),
            grantor_scopes=self.auth_context.scopes,
            created_by=request.user if self.auth_context.method == "jwt" else None,
            created_by_key=self.auth_context.principal if self.auth_context.method == "api_key" else None,
        )
        api_key.key = secret
        return Response(serializers.ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.ApiKeySerializer}, tags=["auth"])
    def retrieve(self, request, apiKeyId=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={204: None}, summary="Revoke an API key", tags=["auth"])
    def destroy(self, request, apiKeyId=None):
        services.api_key_revoke(api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OAuthApplicationViewSet(mixins.ListModelMixin, TenantViewSet):
    """Third-party applications this account registered for the OAuth 2.0 authorization-code flow."""

    queryset = OAuthClient.objects.select_related("application").order_by("-created_at")
    serializer_class = serializers.OAuthApplicationSerializer
    required_scope = "admin"
    lookup_url_kwarg = "applicationId"

    @extend_schema(
        request=serializers.OAuthApplicationSerializer,
        responses={201: serializers.OAuthApplicationCreatedSerializer},
        tags=["auth"],
    )
    def create(self, request):
        payload = serializers.OAuthApplicationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        client, secret = services.oauth_application_create(
            account=self.account,
            name=data["application"]["name"],
            client_type=data["application"]["client_type"],
            redirect_uris=data["redirect_uris"],
            scopes=data["allowed_scopes"],
            grantor_scopes=self.auth_context.scopes,
            user=request.user if self.auth_context.method == "jwt" else None,
        )
        client.client_secret = secret
        return Response(serializers.OAuthApplicationCreatedSerializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.OAuthApplicationSerializer}, tags=["auth"])
    def retrieve(self, request, applicationId=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={204: None}, tags=["auth"])
    def destroy(self, request, applicationId=None):
        services.oauth_application_delete(client=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
