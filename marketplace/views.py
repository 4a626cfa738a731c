"""Marketplace endpoints: parse, call one service or selector, render. The connection in a path is looked up
(404 for another account's) before the body is read. Views that call a platform commit their own short
transactions (`atomic_writes = False`): no row is locked while a platform is called, except the one token
refresh that must be (services.connections)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.errors import NotFoundError
from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import BaseAPIView, ListMixin, RetrieveMixin, ServiceCreateMixin, TenantViewSet

from . import examples, selectors, services, tasks
from .filters import ConnectionFilterSet, SyncJobFilterSet
from .models import MarketplaceConnection, Platform, SyncJob
from .platforms import PLATFORMS
from .serializers import (
    AuthorizationSerializer,
    ConnectionCreateSerializer,
    ConnectionSerializer,
    ConnectionTestSerializer,
    ConnectionUpdateSerializer,
    PlatformSerializer,
    StockPushSerializer,
    SyncJobSerializer,
    SyncRequestSerializer,
    platform_data,
)

TAGS = ["marketplace"]

ERRORS = ErrorCatalog(
    error_example("CONNECTION_EXISTS", "This shop is already connected", {"connectionId": examples.CONNECTION_ID}),
    error_example(
        "CONNECTION_NOT_AUTHORIZED",
        "The shop is not authorized yet: POST /api/marketplace/connections/{id}/authorize",
        {"id": examples.CONNECTION_ID},
    ),
    error_example("CONNECTION_DISABLED", "The connection is disabled: enable it first", {"id": examples.CONNECTION_ID}),
    error_example(
        "NO_ACTIVE_CONNECTION",
        "No Shopee connection: create one with POST /api/marketplace/connections",
        {"platformId": "platform_shopee"},
    ),
    error_example(
        "MARKETPLACE_AUTH_FAILED",
        "Shopee refused the connection's credentials: Wrong sign.",
        {"platform": "shopee", "platformCode": "error_sign", "platformMessage": "Wrong sign."},
    ),
    error_example(
        "MARKETPLACE_ERROR",
        "Shopee answered: error_param: Invalid shop_id",
        {"platform": "shopee", "platformCode": "error_param", "platformMessage": "Invalid shop_id"},
    ),
    error_example(
        "MARKETPLACE_UNAVAILABLE",
        "Lazada is unavailable or throttling; try again shortly",
        {"platform": "lazada", "platformCode": "ApiCallLimit", "platformMessage": "Too many requests"},
    ),
    error_example(
        "INVALID_AUTHORIZATION_STATE",
        "Unknown or expired authorization: start again with POST /api/marketplace/connections/{id}/authorize",
        {"platform": "shopee"},
    ),
    error_example("STOCK_PUSH_NOT_SUPPORTED", "Facebook has no stock updates", {"platform": "facebook"}),
    error_example("PLATFORM_NOT_FOUND", "Platform not found", "No platform exists with ID: tiktok"),
    error_example(
        "SHOP_MISMATCH",
        "The seller authorized another shop than this connection's: authorize it from that shop, or create a "
        "connection for the other one",
        {"shopId": "779210334", "authorizedShopId": "779210999"},
    ),
)


class PlatformListView(BaseAPIView):
    scope_area = "marketplace"

    @extend_schema(
        summary="List the marketplaces a shop can connect",
        description="Shopee, Lazada and Facebook, with what apiKey, apiSecret and shopId mean on each. The API "
        "hosts are settings (SHOPEE_API_BASE, LAZADA_API_BASE, FACEBOOK_GRAPH_API_BASE).",
        responses={200: PlatformSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        return self.respond(PlatformSerializer, [platform_data(info) for info in PLATFORMS.values()], many=True)


@extend_schema_view(
    list=extend_schema(summary="List marketplace connections", tags=TAGS),
    retrieve=extend_schema(summary="Get a marketplace connection", tags=TAGS),
)
class ConnectionViewSet(ServiceCreateMixin, RetrieveMixin, ListMixin, TenantViewSet):
    """A merchant's shops on the marketplaces. Credentials and tokens are write-only and stored encrypted."""

    queryset = MarketplaceConnection.objects.all()
    serializer_class = ConnectionSerializer
    filterset_class = ConnectionFilterSet
    scope_area = "marketplace"
    lookup_url_kwarg = "connectionId"
    atomic_writes = False

    @extend_schema(
        summary="Connect a marketplace shop",
        description="Saves the app's credentials (encrypted; only hints are shown). Without tokens the connection "
        "is pending_authorization: POST .../{connectionId}/authorize gives the platform's link. With "
        "accessToken (and refreshToken, tokenExpiresAt) it is active at once. One connection per shop "
        "(409 CONNECTION_EXISTS).",
        request=ConnectionCreateSerializer,
        responses={201: ConnectionSerializer, 409: ERRORS.response("CONNECTION_EXISTS")},
        tags=TAGS,
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def get_write_serializer_class(self):
        return ConnectionCreateSerializer

    def perform_create_with(self, data):
        return services.connection_create(account=self.account, **data)

    @extend_schema(
        summary="Change a connection's settings or credentials",
        description="isActive false pauses its syncs and stock pushes. New credentials replace the old ones "
        "(encrypted).",
        request=ConnectionUpdateSerializer,
        examples=[*examples.UPDATE, *examples.CONNECTIONS],
        responses={200: ConnectionSerializer, 409: ERRORS.response("CONNECTION_EXISTS")},
        tags=TAGS,
    )
    def partial_update(self, request, connectionId=None):
        connection = self.get_object()
        data = self.payload(ConnectionUpdateSerializer, partial=True)
        return Response(self.represent(services.connection_update(connection=connection, changes=data)))

    @extend_schema(
        summary="Disconnect a shop",
        description="Forgets its credentials, tokens, sync jobs and listings. Its orders stay.",
        responses={204: None},
        tags=TAGS,
    )
    def destroy(self, request, connectionId=None):
        services.connection_delete(connection=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Start the platform's authorization",
        description="Returns the platform's authorization URL (valid 15 minutes). The merchant approves the app "
        "there; the platform then sends them to GET /api/marketplace/callback/{platform}, which stores the "
        "tokens.",
        request=None,
        responses={200: AuthorizationSerializer, 409: ERRORS.response("CONNECTION_DISABLED")},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def authorize(self, request, connectionId=None):
        return self.respond(AuthorizationSerializer, services.connection_authorize_start(connection=self.get_object()))

    @extend_schema(
        summary="Test a connection",
        description="One cheap signed call to the platform (the shop's details), refreshing the token if due. "
        "A refusal marks the connection `error` and is a 422 MARKETPLACE_AUTH_FAILED.",
        request=None,
        responses={
            200: ConnectionTestSerializer,
            409: ERRORS.response("CONNECTION_NOT_AUTHORIZED", "CONNECTION_DISABLED"),
            422: ERRORS.response("MARKETPLACE_AUTH_FAILED"),
            502: ERRORS.response("MARKETPLACE_ERROR"),
            503: ERRORS.response("MARKETPLACE_UNAVAILABLE"),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    def test(self, request, connectionId=None):
        return self.respond(ConnectionTestSerializer, services.connection_test(connection=self.get_object()))

    @extend_schema(
        summary="Push stock to the shop now",
        description="Sends each matched SKU's available stock (less the connection's stockBuffer) where it "
        "changed since the last push; the periodic push does the same every minute. Shopee and Lazada only.",
        request=None,
        responses={
            200: StockPushSerializer,
            409: ERRORS.response("CONNECTION_NOT_AUTHORIZED", "CONNECTION_DISABLED"),
            422: ERRORS.response("STOCK_PUSH_NOT_SUPPORTED"),
        },
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="push-stock", url_name="push-stock")
    def push_stock(self, request, connectionId=None):
        return self.respond(StockPushSerializer, services.stock_push(connection=self.get_object()))


class CallbackView(BaseAPIView):
    """Where a platform sends the merchant back after they approve the app: the state names the connection."""

    public = True
    authentication_classes = []

    @extend_schema(
        summary="Finish a platform's authorization (the platform's redirect)",
        description="Called by the merchant's browser, redirected by the platform: `state` is the single-use value "
        "from POST .../authorize, `code` the platform's authorization code (Shopee adds shop_id). The code is "
        "exchanged for tokens, stored encrypted; the connection becomes active.",
        parameters=[
            OpenApiParameter("platform", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(Platform.values)),
            OpenApiParameter("state", OpenApiTypes.STR, required=True),
            OpenApiParameter("code", OpenApiTypes.STR, required=True),
            OpenApiParameter("shop_id", OpenApiTypes.STR, description="Shopee: the shop that authorized."),
        ],
        responses={
            200: ConnectionSerializer,
            400: ERRORS.response("INVALID_AUTHORIZATION_STATE"),
            404: ERRORS.response("PLATFORM_NOT_FOUND"),
            409: ERRORS.response("SHOP_MISMATCH", "CONNECTION_EXISTS"),
            422: ERRORS.response("MARKETPLACE_AUTH_FAILED"),
            502: ERRORS.response("MARKETPLACE_ERROR"),
        },
        tags=TAGS,
    )
    def get(self, request, platform):
        if platform not in PLATFORMS:
            raise NotFoundError(
                "Platform not found", code="PLATFORM_NOT_FOUND", details=f"No platform exists with ID: {platform}"
            )
        params = {key: value for key, value in request.query_params.items() if key not in ("state", "code")}
        connection = services.connection_authorize_finish(
            platform=platform,
            state=request.query_params.get("state", ""),
            code=request.query_params.get("code", ""),
            params=params,
        )
        return self.respond(ConnectionSerializer, connection)


class SyncOrdersView(BaseAPIView):
    scope_area = "marketplace"

    @extend_schema(
        summary="Sync a marketplace's orders",
        description="Queues a sync job of the orders updated between startDate and endDate (defaults: where the "
        "last sync ended, and now) for the connection, or for the account's one connection of platformId. "
        "Answers 202 with the job (Location: its URL); a worker on the marketplace queue runs it. Orders "
        "already synced are updated, never duplicated.",
        request=SyncRequestSerializer,
        responses={
            202: SyncJobSerializer,
            409: ERRORS.response("CONNECTION_NOT_AUTHORIZED", "CONNECTION_DISABLED"),
            422: ERRORS.response("NO_ACTIVE_CONNECTION"),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = self.payload(SyncRequestSerializer)
        job = services.sync_job_create(account=self.account, enqueue=tasks.enqueue_sync, **data)
        job = selectors.sync_jobs(SyncJob.objects.all()).get(pk=job.pk)
        response = self.respond(SyncJobSerializer, job, status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("marketplace-sync-job-detail", kwargs={"syncJobId": job.pk})
        return response


@extend_schema_view(
    list=extend_schema(summary="List order sync jobs, newest first", tags=TAGS),
    retrieve=extend_schema(summary="Get an order sync job (status, counts, per-order errors)", tags=TAGS),
)
class SyncJobViewSet(RetrieveMixin, ListMixin, TenantViewSet):
    queryset = SyncJob.objects.all()
    serializer_class = SyncJobSerializer
    filterset_class = SyncJobFilterSet
    scope_area = "marketplace"
    lookup_url_kwarg = "syncJobId"

    def get_queryset(self):
        return selectors.sync_jobs(super().get_queryset())
