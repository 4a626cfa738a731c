"""Inventory endpoints: parse, call one service or selector, render."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from omnisales.api.schema import ErrorCatalog, error_example
from omnisales.api.views import ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, TenantViewSet

from . import examples, selectors, services
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


ERRORS = ErrorCatalog(
    error_example(*examples.INSUFFICIENT_STOCK),
    error_example(*examples.VARIANT_REQUIRED),
    error_example(
        "DUPLICATE_WAREHOUSE_CODE", "A warehouse with this code already exists", {"code": ["'MAIN' is already used."]}
    ),
    error_example("WAREHOUSE_ARCHIVED", "An archived warehouse cannot be changed"),
    error_example(
        "WAREHOUSE_NOT_EMPTY",
        "This warehouse still holds stock; deactivate it or move the stock out first",
        {"onHand": 40, "reserved": 3},
    ),
    error_example(
        "WAREHOUSE_INACTIVE",
        "Stock cannot be moved into an inactive warehouse",
        {"toWarehouseId": [f"{examples.OTHER_WAREHOUSE_ID} is inactive."]},
    ),
    error_example(
        "VALIDATION_ERROR", "Validation failed", {"quantity": ["Ensure this value is less than or equal to 1000000."]}
    ),
    error_example(
        "PRODUCT_NOT_TRACKED",
        "This product does not track inventory",
        {"productId": [f"{examples.PRODUCT_ID} has trackInventory off."]},
    ),
    error_example(
        "SAME_WAREHOUSE",
        "Source and destination are the same warehouse",
        {"toWarehouseId": ["Must differ from fromWarehouseId."]},
    ),
)


class SelectorViewSet(TenantViewSet):
    """The account's rows of `queryset`, shaped by the inventory selector `selector` (joins, annotations,
    ordering)."""

    selector = None
    scope_area = "inventory"

    def get_queryset(self):
        return type(self).selector(super().get_queryset())

    def shaped(self, pk):
        """The row `pk` as this view set shows it, read anew after a write (totals and availability)."""
        return self.get_queryset().get(pk=pk)

    @property
    def actor(self) -> str:
        """Who made a change, for the ledger: the user's email, else the credential id (key_…)."""
        principal = self.auth_context.principal
        email = getattr(principal, "email", None) or getattr(getattr(principal, "user", None), "email", None)
        return email or self.auth_context.credential_id


CODE_TAKEN = {409: ERRORS.response("DUPLICATE_WAREHOUSE_CODE", "WAREHOUSE_ARCHIVED")}


@extend_schema_view(
    list=extend_schema(summary="List warehouses", description="Archived warehouses only with includeArchived=true."),
    retrieve=extend_schema(summary="Get a warehouse"),
)
class WarehouseViewSet(ServiceCreateMixin, ServiceUpdateMixin, ListMixin, RetrieveMixin, SelectorViewSet):
    queryset = Warehouse.objects.all()
    selector = selectors.warehouses
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilter
    lookup_url_kwarg = "warehouseId"

    @extend_schema(summary="Create a warehouse", responses={201: WarehouseSerializer, **CODE_TAKEN})
    def create(self, request):
        return super().create(request)

    def perform_create_with(self, data):
        return services.warehouse_create(account=self.account, **data)

    def perform_update_with(self, warehouse, data):
        return services.warehouse_update(warehouse=warehouse, data=data)

    @extend_schema(
        summary="Replace a warehouse",
        description="Omitted optional fields are reset to their defaults.",
        responses={200: WarehouseSerializer, **CODE_TAKEN},
    )
    def update(self, request, warehouseId=None):
        return super().update(request, partial=False)

    @extend_schema(
        summary="Update a warehouse",
        responses={200: WarehouseSerializer, **CODE_TAKEN},
        examples=examples.WAREHOUSE_PATCH,
    )
    def partial_update(self, request, warehouseId=None):
        return super().update(request, partial=True)

    @extend_schema(
        summary="Delete a warehouse",
        description="A warehouse holding stock (on hand or reserved) is a 409 WAREHOUSE_NOT_EMPTY: deactivate "
        "it (isActive false) or move the stock out. An empty warehouse is deleted, or archived (hidden, kept "
        "for the ledger) when stock ever moved through it; `result` says which.",
        responses={200: WarehouseDeleteResultSerializer, 409: ERRORS.response("WAREHOUSE_NOT_EMPTY")},
    )
    def destroy(self, request, warehouseId=None):
        warehouse = self.get_object()
        result = services.warehouse_delete(warehouse=warehouse)
        return self.respond(WarehouseDeleteResultSerializer, {"id": warehouse.pk, "result": result})


@extend_schema_view(
    list=extend_schema(
        summary="List stock levels",
        description="One row per variant per warehouse (a product without options has one variant, shown as "
        "`variantId: null`), with the product's totals over all its variants and active warehouses "
        "(`productTotals`, the same on every row of a product, whatever the filters).",
    ),
    retrieve=extend_schema(summary="Get a stock level"),
)
class StockLevelViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    queryset = StockLevel.objects.all()
    selector = selectors.stock_levels
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    lookup_url_kwarg = "stockLevelId"
    lookup_value_regex = r"stk_[^/.]+"

    @extend_schema(
        summary="Set a stock level's reorder point and quantity",
        request=StockLevelSettingsSerializer,
        responses={200: StockLevelSerializer},
    )
    def partial_update(self, request, stockLevelId=None):
        level = self.get_object()
        services.stock_level_update(stock_level=level, **self.payload(StockLevelSettingsSerializer))
        return Response(self.represent(self.shaped(level.pk)))

    @extend_schema(
        summary="Adjust stock",
        description="Adds or removes units of a variant in a warehouse and records the movement (receipt for "
        "`received`, return for `returned`, adjustment otherwise). On hand never goes below zero or below "
        "what is reserved: 409 INSUFFICIENT_STOCK. Send `variantId`; `productId` alone names a product without "
        "options (a product with several variants is a 422 VARIANT_REQUIRED listing them).",
        request=StockAdjustSerializer,
        responses={
            201: StockAdjustResultSerializer,
            409: ERRORS.response("INSUFFICIENT_STOCK", "WAREHOUSE_ARCHIVED"),
            422: ERRORS.response("VALIDATION_ERROR", "PRODUCT_NOT_TRACKED", "VARIANT_REQUIRED"),
        },
    )
    @action(detail=False, methods=["post"], url_path="adjust", url_name="adjust")
    def adjust(self, request):
        data = self.payload(StockAdjustSerializer)
        movement = services.stock_adjust(account=self.account, actor=self.actor, **data)
        body = {"movement": movement, "stock_level": self.shaped(movement.stock_level_id)}
        return self.respond(StockAdjustResultSerializer, body, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List stock movements",
        description="The append-only ledger, newest first. `quantity` is the signed change to reserved for "
        "reservation and release movements and to on hand for every other type; `onHandChange` and "
        "`reservedChange` give both.",
    ),
    retrieve=extend_schema(summary="Get a stock movement"),
)
class MovementViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    queryset = StockMovement.objects.all()
    selector = selectors.movements
    serializer_class = MovementSerializer
    filterset_class = MovementFilter
    lookup_url_kwarg = "movementId"


@extend_schema_view(
    list=extend_schema(summary="List stock transfers"),
    retrieve=extend_schema(summary="Get a stock transfer"),
)
class TransferViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    queryset = StockTransfer.objects.all()
    selector = selectors.transfers
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    lookup_url_kwarg = "transferId"

    @extend_schema(
        summary="Transfer stock between warehouses",
        description="Moves available (unreserved) units of a variant in one transaction: a transfer_out and a "
        "transfer_in movement. 409 INSUFFICIENT_STOCK when the source is short; 422 SAME_WAREHOUSE; 422 "
        "VARIANT_REQUIRED for `productId` alone of a product with several variants.",
        request=TransferCreateSerializer,
        responses={
            201: TransferSerializer,
            409: ERRORS.response("INSUFFICIENT_STOCK", "WAREHOUSE_INACTIVE", "WAREHOUSE_ARCHIVED"),
            422: ERRORS.response("VALIDATION_ERROR", "SAME_WAREHOUSE", "PRODUCT_NOT_TRACKED", "VARIANT_REQUIRED"),
        },
    )
    def create(self, request):
        data = self.payload(TransferCreateSerializer)
        transfer = services.stock_transfer_create(account=self.account, actor=self.actor, **data)
        return Response(self.represent(self.shaped(transfer.pk)), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Low-stock alerts",
        description="Stock levels of active warehouses whose available stock is at or below their reorder point, "
        "most urgent first (fewest days of cover), with a suggested reorder quantity and days of cover from "
        "the last 30 days of sales.",
        responses={200: AlertSerializer(many=True)},
    )
)
class AlertViewSet(ListMixin, SelectorViewSet):
    queryset = StockLevel.objects.all()
    selector = selectors.stock_alerts
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
