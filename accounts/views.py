from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from omnisales.api.views import BaseAPIView, ListMixin, TenantViewSet

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
        result = services.account_register(**self.payload(serializers.RegisterSerializer))
        body = {
            "user": result["user"],
            "account": result["account"],
            "role": result["membership"].role,
            "tokens": result["tokens"],
        }
        return self.respond(serializers.RegisterResponseSerializer, body, status.HTTP_201_CREATED)


class TokenObtainView(BaseAPIView):
    public = True
    # A refused login keeps one write on purpose: its failure record, which the lockout counts. So no
    # request transaction (it would roll back with the 401); the service commits its own.
    atomic_writes = False

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
        tokens = services.token_obtain(request=request, **self.payload(serializers.TokenObtainSerializer))
        return self.respond(serializers.TokenPairSerializer, tokens)


class TokenRefreshView(BaseAPIView):
    public = True

    @extend_schema(
        request=serializers.TokenRefreshSerializer,
        responses={200: serializers.TokenPairSerializer},
        summary="Rotate a refresh token (the old one is blacklisted)",
        tags=["auth"],
    )
    def post(self, request):
        tokens = services.token_refresh(refresh=self.payload(serializers.TokenRefreshSerializer)["refresh"])
        return self.respond(serializers.TokenPairSerializer, tokens)


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
        return self.respond(serializers.MeSerializer, body)


@extend_schema_view(list=extend_schema(summary="List API keys", tags=["auth"]))
class ApiKeyViewSet(ListMixin, TenantViewSet):
    """API keys of the account. The secret is shown once, at creation; only its hash is stored."""

    queryset = ApiKey.objects.order_by("-created")
    serializer_class = serializers.ApiKeySerializer
    required_scope = "admin"
    lookup_url_kwarg = "apiKeyId"
    lookup_field = "prefix"

    def lookup_value(self, raw: str):
        return raw.removeprefix("key_")

    @extend_schema(
        request=serializers.ApiKeySerializer,
        responses={201: serializers.ApiKeyCreatedSerializer},
        summary="Create an API key (the secret is shown only in this response)",
        tags=["auth"],
    )
    def create(self, request):
        data = self.payload(serializers.ApiKeySerializer)
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
        return self.respond(serializers.ApiKeyCreatedSerializer, api_key, status.HTTP_201_CREATED)

    @extend_schema(responses={200: serializers.ApiKeySerializer}, summary="Get an API key", tags=["auth"])
    def retrieve(self, request, apiKeyId=None):
        return Response(self.represent(self.get_object()))

    @extend_schema(responses={204: None}, summary="Revoke an API key", tags=["auth"])
    def destroy(self, request, apiKeyId=None):
        services.api_key_revoke(api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(summary="List OAuth applications", tags=["auth"]))
class OAuthApplicationViewSet(ListMixin, TenantViewSet):
    """Third-party applications this account registered for the OAuth 2.0 authorization-code flow."""

    queryset = OAuthClient.objects.select_related("application").order_by("-created_at")
    serializer_class = serializers.OAuthApplicationSerializer
    required_scope = "admin"
    lookup_url_kwarg = "applicationId"

    @extend_schema(
        request=serializers.OAuthApplicationSerializer,
        responses={201: serializers.OAuthApplicationCreatedSerializer},
        summary="Register an OAuth application (the client secret is shown only in this response)",
        tags=["auth"],
    )
    def create(self, request):
        data = self.payload(serializers.OAuthApplicationSerializer)
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
        return self.respond(serializers.OAuthApplicationCreatedSerializer, client, status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: serializers.OAuthApplicationSerializer}, summary="Get an OAuth application", tags=["auth"]
    )
    def retrieve(self, request, applicationId=None):
        return Response(self.represent(self.get_object()))

    @extend_schema(responses={204: None}, summary="Delete an OAuth application and revoke its tokens", tags=["auth"])
    def destroy(self, request, applicationId=None):
        services.oauth_application_delete(client=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
