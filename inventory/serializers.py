"""Request and response shapes of /api/inventory (camelCase on the wire, snake_case here)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from catalog.models import Product, ProductVariant
from omnisales.api.serializers import StrictCharField, StrictChoiceField, StrictRegexField, TenantRelatedField

from . import examples
from .models import (
    MAX_QUANTITY,
    NOTE_MAX_LENGTH,
    WAREHOUSE_FIELDS,
    AdjustmentReason,
    StockLevel,
    StockMovement,
    StockTransfer,
    Warehouse,
)

_quantity = {"min_value": -MAX_QUANTITY, "max_value": MAX_QUANTITY}


@extend_schema_serializer(examples=examples.WAREHOUSES)
class WarehouseSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=120)
    code = StrictRegexField(
        r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        max_length=32,
        help_text="Letters, digits, '-' and '_'; upper-cased; unique in the account (409 DUPLICATE_WAREHOUSE_CODE).",
    )
    address_line_1 = StrictCharField(max_length=200, allow_blank=True, default="")
    address_line_2 = StrictCharField(max_length=200, allow_blank=True, default="")
    city = StrictCharField(max_length=100, allow_blank=True, default="")
    region = StrictCharField(max_length=100, allow_blank=True, default="", help_text="State or province.")
    postal_code = StrictCharField(max_length=20, allow_blank=True, default="")
    country = StrictRegexField(
        r"^([A-Za-z]{2})?$", max_length=2, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2; upper-cased."
    )
    is_active = serializers.BooleanField(default=True, help_text="Inactive warehouses are never allocated from.")
    priority = serializers.IntegerField(
        min_value=0, max_value=1_000_000, default=100, help_text="Lower is allocated first."
    )
    is_archived = serializers.BooleanField(
        read_only=True, help_text="Deleted, but kept because stock moved through it; see archivedAt."
    )

    class Meta:
        model = Warehouse
        fields = [
            "id",
            *WAREHOUSE_FIELDS,
            "is_archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "archived_at", "created_at", "updated_at"]


@extend_schema_serializer(examples=examples.WAREHOUSE_DELETED)
class WarehouseDeleteResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["deleted", "archived"], help_text="archived when stock ever moved through it (history is kept)."
    )


class VariantFieldsSerializer(serializers.Serializer):
    """variantId, variantSku and variantTitle of a stock row: null for the implicit variant of a product
    without options, which therefore looks as it did before products had variants."""

    variant_id = serializers.CharField(
        source="variant.shown_id", read_only=True, allow_null=True, help_text="Null for a product without options."
    )
    variant_sku = serializers.CharField(source="variant.shown_sku", read_only=True, allow_null=True)
    variant_title = serializers.CharField(
        source="variant.shown_title", read_only=True, allow_null=True, help_text='e.g. "M / Black".'
    )


VARIANT_FIELDS = ["variant_id", "variant_sku", "variant_title"]
_variant_input = {
    "queryset": ProductVariant.objects.select_related("product"),
    "required": False,
    "help_text": "The variant; required for a product with options (422 VARIANT_REQUIRED lists them).",
}
_product_input = {
    "queryset": Product.objects.all(),
    "required": False,
    "help_text": "Enough alone for a product without options; else send variantId.",
}


class VariantInputSerializer(serializers.Serializer):
    """productId and/or variantId: at least one."""

    product_id = TenantRelatedField(source="product", **_product_input)
    variant_id = TenantRelatedField(source="variant", **_variant_input)

    def validate(self, attrs):
        if attrs.get("product") is None and attrs.get("variant") is None:
            raise serializers.ValidationError({"product_id": ["Give productId or variantId."]})
        return super().validate(attrs)


class ProductTotalsSerializer(serializers.Serializer):
    on_hand = serializers.IntegerField(source="total_on_hand")
    reserved = serializers.IntegerField(source="total_reserved")
    available = serializers.SerializerMethodField()

    def get_available(self, level) -> int:
        return level.total_on_hand - level.total_reserved


@extend_schema_serializer(examples=examples.STOCK_LEVELS)
class StockLevelSerializer(VariantFieldsSerializer, serializers.ModelSerializer):
    product_id = serializers.CharField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    warehouse_id = serializers.CharField(read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_is_active = serializers.BooleanField(source="warehouse.is_active", read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="onHand - reserved.")
    is_low_stock = serializers.SerializerMethodField(
        help_text="available <= reorderPoint, in an active warehouse (what lowStock=true lists)."
    )
    product_totals = ProductTotalsSerializer(
        source="*",
        read_only=True,
        help_text="The product's onHand, reserved and available summed over all its active warehouses.",
    )

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "product_id",
            "product_name",
            "sku",
            *VARIANT_FIELDS,
            "warehouse_id",
            "warehouse_code",
            "warehouse_is_active",
            "on_hand",
            "reserved",
            "available",
            "reorder_point",
            "reorder_quantity",
            "is_low_stock",
            "product_totals",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_low_stock(self, level) -> bool:
        return level.available <= level.reorder_point and level.warehouse.is_active


@extend_schema_serializer(examples=examples.STOCK_LEVEL_SETTINGS)
class StockLevelSettingsSerializer(serializers.Serializer):
    reorder_point = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False)
    reorder_quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give reorderPoint and/or reorderQuantity.")
        return attrs


@extend_schema_serializer(examples=examples.MOVEMENTS)
class MovementSerializer(VariantFieldsSerializer, serializers.ModelSerializer):
    stock_level_id = serializers.CharField(read_only=True)
    product_id = serializers.CharField(read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    warehouse_id = serializers.CharField(read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    quantity = serializers.IntegerField(
        read_only=True,
        help_text="Signed. For reservation and release: the change to reserved; otherwise the change to on hand.",
    )
    reference_type = serializers.SerializerMethodField(help_text="order, return, transfer or adjustment.")
    reference_id = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField(help_text="The adjustment reason, if any.")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "stock_level_id",
            "product_id",
            "sku",
            *VARIANT_FIELDS,
            "warehouse_id",
            "warehouse_code",
            "type",
            "quantity",
            "on_hand_change",
            "reserved_change",
            "on_hand_after",
            "reserved_after",
            "reference_type",
            "reference_id",
            "reason",
            "note",
            "actor",
            "created_at",
        ]
        read_only_fields = fields

    def get_reference_type(self, movement) -> str | None:
        return movement.reference_type or None

    def get_reference_id(self, movement) -> str | None:
        return movement.reference_id or None

    def get_reason(self, movement) -> str | None:
        return movement.reason or None


@extend_schema_serializer(examples=examples.ADJUST)
class StockAdjustSerializer(VariantInputSerializer):
    warehouse_id = TenantRelatedField(source="warehouse", queryset=Warehouse.objects.all())
    quantity = serializers.IntegerField(
        **_quantity, help_text="Signed, not zero: positive adds units, negative removes them."
    )
    reason = StrictChoiceField(
        choices=AdjustmentReason.choices,
        help_text="received and returned must add; damaged and lost must remove; count_correction and other either.",
    )
    note = StrictCharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, default="")

    def validate_quantity(self, value):
        if value == 0:
            raise serializers.ValidationError("Must not be zero.")
        return value


@extend_schema_serializer(examples=examples.ADJUST_RESULT)
class StockAdjustResultSerializer(serializers.Serializer):
    movement = MovementSerializer()
    stock_level = StockLevelSerializer()


@extend_schema_serializer(examples=examples.TRANSFERS)
class TransferCreateSerializer(VariantInputSerializer):
    from_warehouse_id = TenantRelatedField(source="from_warehouse", queryset=Warehouse.objects.all())
    to_warehouse_id = TenantRelatedField(source="to_warehouse", queryset=Warehouse.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    note = StrictCharField(max_length=NOTE_MAX_LENGTH, allow_blank=True, default="")


@extend_schema_serializer(examples=examples.TRANSFERS)
class TransferSerializer(VariantFieldsSerializer, serializers.ModelSerializer):
    product_id = serializers.CharField(read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    from_warehouse_id = serializers.CharField(read_only=True)
    from_warehouse_code = serializers.CharField(source="from_warehouse.code", read_only=True)
    to_warehouse_id = serializers.CharField(read_only=True)
    to_warehouse_code = serializers.CharField(source="to_warehouse.code", read_only=True)

    class Meta:
        model = StockTransfer
        fields = [
            "id",
            "product_id",
            "sku",
            *VARIANT_FIELDS,
            "from_warehouse_id",
            "from_warehouse_code",
            "to_warehouse_id",
            "to_warehouse_code",
            "quantity",
            "note",
            "actor",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.ALERTS)
class AlertSerializer(VariantFieldsSerializer):
    stock_level_id = serializers.CharField(source="pk")
    product_id = serializers.CharField()
    product_name = serializers.CharField(source="product.name")
    sku = serializers.CharField(source="product.sku")
    warehouse_id = serializers.CharField()
    warehouse_code = serializers.CharField(source="warehouse.code")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()
    reorder_point = serializers.IntegerField()
    reorder_quantity = serializers.IntegerField()
    suggested_reorder_quantity = serializers.IntegerField(
        help_text="reorderQuantity, or enough to get back above the reorder point if that is more."
    )
    sold_last_30_days = serializers.IntegerField(help_text="Units sold from this warehouse in the last 30 days.")
    average_daily_sales = serializers.FloatField(help_text="soldLast30Days / 30.")
    days_of_cover = serializers.FloatField(
        allow_null=True, help_text="available / averageDailySales, one decimal; null when nothing sold in 30 days."
    )
    product_totals = ProductTotalsSerializer(source="*", read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("average_daily_sales", "days_of_cover"):
            if data[name] is not None:
                data[name] = round(data[name], 1 if name == "days_of_cover" else 2)
        return data
