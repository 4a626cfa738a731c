"""Query parameters of the inventory lists. An invalid value is a 400 INVALID_PARAMETER (shared FilterSet)."""

from django.db.models import Q
from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, OrderingFilter

from . import selectors
from .models import MovementType, ReferenceType, StockLevel, StockMovement, StockTransfer, Warehouse

_id = {"max_length": 40}
BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class BooleanChoiceFilter(filters.ChoiceFilter):
    """`true` or `false`, exactly; anything else is a 400 rather than a filter silently ignored. The filter
    method receives the string."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", BOOLEAN_CHOICES)
        super().__init__(*args, **kwargs)


class WarehouseFilter(FilterSet):
    search = filters.CharFilter(method="filter_search", max_length=120, help_text="Part of the name or code.")
    isActive = BooleanChoiceFilter(method="filter_is_active")
    includeArchived = BooleanChoiceFilter(
        method="filter_archived", help_text="Also list deleted warehouses kept for history (default false)."
    )

    class Meta:
        model = Warehouse
        fields = []

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("includeArchived") != "true":
            queryset = queryset.filter(archived_at__isnull=True)
        return super().filter_queryset(queryset)

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")

    def filter_archived(self, queryset, name, value):
        return queryset  # applied in filter_queryset: the default hides archived warehouses

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class StockLevelFilter(FilterSet):
    productId = filters.CharFilter(field_name="product_id", **_id)
    variantId = filters.CharFilter(field_name="variant_id", **_id)
    warehouseId = filters.CharFilter(field_name="warehouse_id", **_id)
    lowStock = BooleanChoiceFilter(
        method="filter_low_stock",
        help_text="true: available at or below the reorder point in an active warehouse; false: the others.",
    )
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Part of the product name, its SKU or its variant's SKU."
    )
    ordering = OrderingFilter(
        fields=(
            ("available_quantity", "available"),
            ("on_hand", "onHand"),
            ("reserved", "reserved"),
            ("product__sku", "sku"),
            ("updated_at", "updatedAt"),
        ),
        help_text="available, onHand, reserved, sku or updatedAt; - for descending. "
        "Default: product name, then warehouse priority.",
    )

    class Meta:
        model = StockLevel
        fields = []

    def filter_low_stock(self, queryset, name, value):
        condition = selectors.low_stock_condition()
        return queryset.filter(condition) if value == "true" else queryset.exclude(condition)

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(product__name__icontains=value) | Q(product__sku__icontains=value) | Q(variant__sku__icontains=value)
        )


class MovementFilter(FilterSet):
    productId = filters.CharFilter(field_name="product_id", **_id)
    variantId = filters.CharFilter(field_name="variant_id", **_id)
    warehouseId = filters.CharFilter(field_name="warehouse_id", **_id)
    stockLevelId = filters.CharFilter(field_name="stock_level_id", **_id)
    type = filters.ChoiceFilter(choices=MovementType.choices)
    referenceType = filters.ChoiceFilter(field_name="reference_type", choices=ReferenceType.choices)
    referenceId = filters.CharFilter(field_name="reference_id", max_length=64)
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockMovement
        fields = []


class TransferFilter(FilterSet):
    productId = filters.CharFilter(field_name="product_id", **_id)
    variantId = filters.CharFilter(field_name="variant_id", **_id)
    warehouseId = filters.CharFilter(method="filter_warehouse", help_text="Either side of the transfer.", **_id)
    fromWarehouseId = filters.CharFilter(field_name="from_warehouse_id", **_id)
    toWarehouseId = filters.CharFilter(field_name="to_warehouse_id", **_id)
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = StockTransfer
        fields = []

    def filter_warehouse(self, queryset, name, value):
        return queryset.filter(Q(from_warehouse_id=value) | Q(to_warehouse_id=value))


class AlertFilter(FilterSet):
    productId = filters.CharFilter(field_name="product_id", **_id)
    variantId = filters.CharFilter(field_name="variant_id", **_id)
    warehouseId = filters.CharFilter(field_name="warehouse_id", **_id)

    class Meta:
        model = StockLevel
        fields = []
