"""Inventory endpoints: parse, call one service or selector, render."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.auth import get_auth_context
from omnisales.api.serializers import ErrorSerializer
from omnisales.api.views import TenantViewSet

from . import selectors, services
from .filters import AlertFilter, MovementFilter, StockLevelFilter, TransferFilter, WarehouseFilter
from .models import StockLevel, StockMovement, StockTransfer, Warehouse
from .serializers import (
    AlertSerializer,
    MovementSerializer,
    StockAdjustResultSerializer,
    StockAdjustSerializer,
    StockLevelSerializer,
    StockLevelSettingsSerializer,
    TransferCreateSerializer,
    TransferSerializer,
    WarehouseDeleteResultSerializer,
    WarehouseSerializer,
)

TAGS = ["inventory"]


def _error(codes: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=codes)


def actor_of(request) -> str:
    """Who made a change, for the ledger: the user's email, else the credential id (key_…)."""
    context = get_auth_context(request)
    principal = context.principal
    email = getattr(principal, "email", None) or getattr(getattr(principal, "user", None), "email", None)
    return email or context.credential_id


class _AccountQuerysetMixin:
    """Querysets come from a selector taking the request account (none while the schema is generated)."""

    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return type(self).selector(account=self.account)


CODE_TAKEN = {409: _error("DUPLICATE_WAREHOUSE_CODE, WAREHOUSE_ARCHIVED")}


@extend_schema_view(
    list=extend_schema(summary="List warehouses", description="Archived warehouses only with includeArchived=true."),
    retrieve=extend_schema(summary="Get a warehouse"),
)
class WarehouseViewSet(_AccountQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = Warehouse.objects.all()
    selector = selectors.warehouses
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    scope_area = "inventory"
    lookup_url_kwarg = "warehouseId"

    @extend_schema(summary="Create a warehouse", responses={201: WarehouseSerializer, **CODE_TAKEN})
    def create(self, request):
        payload = WarehouseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        warehouse = services.warehouse_create(account=self.account, **payload.validated_data)
        return Response(WarehouseSerializer(warehouse).data, status=status.HTTP_201_CREATED)

    def _update(self, request, *, partial: bool):
        warehouse = self.get_object()
        payload = WarehouseSerializer(warehouse, data=request.data, partial=partial)
        payload.is_valid(raise_exception=True)
        warehouse = services.warehouse_update(warehouse=warehouse, data=payload.validated_data)
        return Response(WarehouseSerializer(warehouse).data)

    @extend_schema(
        summary="Replace a warehouse",
        description="Omitted optional fields are reset to their defaults.",
        responses={200: WarehouseSerializer, **CODE_TAKEN},
    )
    def update(self, request, warehouseId=None):
        return self._update(request, partial=False)

    @extend_schema(summary="Update a warehouse", responses={200: WarehouseSerializer, **CODE_TAKEN})
    def partial_update(self, request, warehouseId=None):
        return self._update(request, partial=True)

    @extend_schema(
        summary="Delete a warehouse",
        description="A warehouse holding stock (on hand or reserved) is a 409 WAREHOUSE_NOT_EMPTY: deactivate "
        "it (isActive false) or move the stock out. An empty warehouse is deleted, or archived (hidden, kept "
        "for the ledger) when stock ever moved through it; `result` says which.",
        responses={200: WarehouseDeleteResultSerializer, 409: _error("WAREHOUSE_NOT_EMPTY")},
    )
    def destroy(self, request, warehouseId=None):
        warehouse = self.get_object()
        result = services.warehouse_delete(warehouse=warehouse)
        return Response(WarehouseDeleteResultSerializer({"id": warehouse.pk, "result": result}).data)


@extend_schema_view(
    list=extend_schema(
        summary="List stock levels",
        description="One row per product per warehouse, with the product's totals over its active warehouses "
        "(`productTotals`, the same on every row of a product, whatever the filters).",
    ),
    retrieve=extend_schema(summary="Get a stock level"),
)
class StockLevelViewSet(_AccountQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = StockLevel.objects.all()
    selector = selectors.stock_levels
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    scope_area = "inventory"
    lookup_url_kwarg = "stockLevelId"
    lookup_value_regex = r"stk_[^/.]+"

    def _render(self, level_id: str):
        return StockLevelSerializer(self.get_queryset().get(pk=level_id)).data

    @extend_schema(
        summary="Set a stock level's reorder point and quantity",
        request=StockLevelSettingsSerializer,
        responses={200: StockLevelSerializer},
    )
    def partial_update(self, request, stockLevelId=None):
        level = self.get_object()
        payload = StockLevelSettingsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.stock_level_update(stock_level=level, **payload.validated_data)
        return Response(self._render(level.pk))

    @extend_schema(
        summary="Adjust stock",
        description="Adds or removes units of a product in a warehouse and records the movement (receipt for "
        "`received`, return for `returned`, adjustment otherwise). On hand never goes below zero or below "
        "what is reserved: 409 INSUFFICIENT_STOCK.",
        request=StockAdjustSerializer,
        responses={
            201: StockAdjustResultSerializer,
            409: _error("INSUFFICIENT_STOCK, WAREHOUSE_ARCHIVED"),
            422: _error("VALIDATION_ERROR, PRODUCT_NOT_TRACKED"),
        },
    )
    @action(detail=False, methods=["post"], url_path="adjust", url_name="adjust")
    def adjust(self, request):
        payload = StockAdjustSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        movement = services.stock_adjust(account=self.account, actor=actor_of(request), **payload.validated_data)
        body = {"movement": movement, "stock_level": self.get_queryset().get(pk=movement.stock_level_id)}
        return Response(StockAdjustResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List stock movements",
        description="The append-only ledger, newest first. `quantity` is the signed change to reserved for "
        "reservation and release movements and to on hand for every other type; `onHandChange` and "
        "`reservedChange` give both.",
    ),
    retrieve=extend_schema(summary="Get a stock movement"),
)
class MovementViewSet(_AccountQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = StockMovement.objects.all()
    selector = selectors.movements
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    scope_area = "inventory"
    lookup_url_kwarg = "movementId"


@extend_schema_view(
    list=extend_schema(summary="List stock transfers"),
    retrieve=extend_schema(summary="Get a stock transfer"),
)
class TransferViewSet(_AccountQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = StockTransfer.objects.all()
    selector = selectors.transfers
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    scope_area = "inventory"
    lookup_url_kwarg = "transferId"

    @extend_schema(
        summary="Transfer stock between warehouses",
        description="Moves available (unreserved) units in one transaction: a transfer_out and a transfer_in "
        "movement. 409 INSUFFICIENT_STOCK when the source is short; 422 SAME_WAREHOUSE.",
        request=TransferCreateSerializer,
        responses={
            201: TransferSerializer,
            409: _error("INSUFFICIENT_STOCK, WAREHOUSE_INACTIVE, WAREHOUSE_ARCHIVED"),
            422: _error("VALIDATION_ERROR, SAME_WAREHOUSE, PRODUCT_NOT_TRACKED"),
        },
    )
    def create(self, request):
        payload = TransferCreateSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        transfer = services.stock_transfer_create(
            account=self.account, actor=actor_of(request), **payload.validated_data
        )
        return Response(
            TransferSerializer(self.get_queryset().get(pk=transfer.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="Low-stock alerts",
        description="Stock levels of active warehouses whose available stock is at or below their reorder point, "
        "most urgent first (fewest days of cover), with a suggested reorder quantity and days of cover from "
        "the last 30 days of sales.",
        responses={200: AlertSerializer(many=True)},
    )
)
class AlertViewSet(_AccountQuerysetMixin, mixins.ListModelMixin, TenantViewSet):
    queryset = StockLevel.objects.all()
    selector = selectors.stock_alerts
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    scope_area = "inventory"
