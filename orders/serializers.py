"""Request and response shapes of the order endpoints (snake_case here; camelCase on the wire)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from customers.models import Customer
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import MoneyField, StrictCharField, StrictChoiceField, TenantRelatedField

from . import examples
from .models import (
    MAX_ITEMS,
    MAX_QUANTITY,
    NOTE_MAX_LENGTH,
    Channel,
    EventKind,
    Order,
    OrderEvent,
    OrderItem,
    OrderPayment,
    OrderStatus,
    PaymentKind,
    PaymentMethod,
    PaymentRecordStatus,
    PaymentStatus,
)

# Methods a merchant records by hand; card payments arrive through the payment provider.
MANUAL_PAYMENT_METHODS = [
    PaymentMethod.CASH,
    PaymentMethod.CARD_TERMINAL,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.COD,
    PaymentMethod.OTHER,
]


def _optional_text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, default="", **kwargs)


# --- addresses ------------------------------------------------------------------------------------------


class OrderAddressSerializer(serializers.Serializer):
    """Every part optional; what is sent is kept as sent (trimmed)."""

    name = _optional_text(200)
    line_1 = _optional_text(200)
    line_2 = _optional_text(200)
    city = _optional_text(100)
    region = _optional_text(100)
    postal_code = _optional_text(20)
    country = _optional_text(100, help_text="Country name or ISO 3166-1 code, as the merchant uses it.")
    phone = _optional_text(32)

    def to_internal_value(self, data):
        return {key: value for key, value in super().to_internal_value(data).items() if value}


# --- orders ---------------------------------------------------------------------------------------------


MARKETPLACE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "Where a marketplace order came from; null for orders placed here.",
    "properties": {
        "connectionId": {"type": "string"},
        "platform": {"type": "string", "enum": [Channel.SHOPEE, Channel.LAZADA, Channel.FACEBOOK]},
        "platformStatus": {"type": "string", "description": "The platform's own status."},
        "discount": {"type": "string", "description": "Vouchers the platform took off the total (decimal)."},
        "unmatchedItems": {
            "type": "array",
            "description": "Lines whose SKU matched no product variant: kept here (and in the totals), not as items.",
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "name": {"type": "string"},
                    "quantity": {"type": "integer"},
                    "price": {"type": "string", "description": "Unit price, a decimal exactly as sold."},
                },
                "required": ["sku", "name", "quantity", "price"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["connectionId", "platform", "platformStatus", "discount", "unmatchedItems"],
    "additionalProperties": False,
}
_MARKETPLACE_KEYS = {
    "connection_id": "connectionId",
    "platform": "platform",
    "platform_status": "platformStatus",
    "discount": "discount",
    "unmatched_items": "unmatchedItems",
}


@extend_schema_field(MARKETPLACE_SCHEMA)
class OrderMarketplaceField(serializers.Field):
    """The marketplace details the sync wrote (snake_case keys), shown in the API's camelCase."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if not value:
            return None
        return {shown: value.get(stored) for stored, shown in _MARKETPLACE_KEYS.items()}

    def compiled_converter(self):
        return self.to_representation


@extend_schema_field({"type": "string", "nullable": True})
class OptionalTextField(serializers.Field):
    """Text stored as "" when there is none, shown as null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None

    def compiled_converter(self):
        return self.to_representation


@extend_schema_serializer(examples=examples.ITEMS)
class OrderItemSerializer(CompiledRepresentation, serializers.ModelSerializer):
    product_id = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True, help_text="The variant's SKU (a product without options: its own).")
    variant_id = serializers.CharField(
        source="shown_variant_id", read_only=True, allow_null=True, help_text="Null for a product without options."
    )
    variant_sku = serializers.CharField(source="shown_variant_sku", read_only=True, allow_null=True)
    variant_title = serializers.CharField(
        source="shown_variant_title", read_only=True, allow_null=True, help_text='e.g. "M / Black".'
    )
    price = MoneyField(source="unit_price", read_only=True, help_text="Unit price charged.")
    line_total = MoneyField(read_only=True, help_text="quantity × price.")
    discount = MoneyField(source="discount_amount", read_only=True, help_text="The discounts on this line.")

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "product_id",
            "product_name",
            "sku",
            "variant_id",
            "variant_sku",
            "variant_title",
            "quantity",
            "price",
            "line_total",
            "discount",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.ORDERS)
class OrderSerializer(CompiledRepresentation, serializers.ModelSerializer):
    customer_id = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    items = OrderItemSerializer(many=True, read_only=True)
    subtotal = MoneyField(read_only=True)
    tax = MoneyField(read_only=True)
    shipping = MoneyField(source="shipping_amount", read_only=True)
    discount = MoneyField(
        source="discount_amount", read_only=True, help_text="Every discount: the lines' and shipping's."
    )
    discount_code = OptionalTextField(help_text="The discount code applied; null when none was.")
    total = MoneyField(read_only=True)
    amount_paid = MoneyField(read_only=True, help_text="Succeeded payments less refunds.")
    amount_refunded = MoneyField(read_only=True)
    tax_rate = serializers.DecimalField(max_digits=6, decimal_places=3, coerce_to_string=False, read_only=True)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices, allow_null=True, read_only=True)
    shipping_address = OrderAddressSerializer(allow_null=True, read_only=True)
    external_id = serializers.CharField(read_only=True, help_text="The marketplace's order number; empty otherwise.")
    marketplace = OrderMarketplaceField()

    class Meta:
        model = Order
        fields = [
            "id",
            "customer_id",
            "customer_name",
            "items",
            "subtotal",
            "tax",
            "shipping",
            "discount",
            "discount_code",
            "total",
            "currency",
            "tax_rate",
            "prices_include_tax",
            "status",
            "channel",
            "payment_method",
            "payment_status",
            "amount_paid",
            "amount_refunded",
            "notes",
            "shipping_address",
            "external_id",
            "marketplace",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderLineSerializer(serializers.Serializer):
    """productId and/or variantId: a product without options is named by its productId alone."""

    product_id = StrictCharField(
        max_length=40, required=False, help_text="Enough alone for a product without options; else send variantId."
    )
    variant_id = StrictCharField(
        max_length=40,
        required=False,
        help_text="The variant ordered; required for a product with several variants (422 VARIANT_REQUIRED).",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    price = MoneyField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Unit price; the variant's catalog price if left out.",
    )

    def validate(self, attrs):
        if not attrs.get("product_id") and not attrs.get("variant_id"):
            raise serializers.ValidationError({"product_id": ["Give productId or variantId."]})
        return attrs


@extend_schema_serializer(examples=examples.CREATE)
class OrderCreateSerializer(serializers.Serializer):
    """One line per variant (a variant on two lines is a 422: send the total quantity on one)."""

    customer_id = TenantRelatedField(source="customer", queryset=Customer.objects.all())
    items = OrderLineSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS)
    channel = StrictChoiceField(choices=Channel.choices, default=Channel.ONLINE)
    payment_method = StrictChoiceField(choices=PaymentMethod.choices, required=False, allow_null=True, default=None)
    shipping = MoneyField(
        min_value=0, required=False, default=Decimal("0.00"), help_text="Shipping charged; default 0."
    )
    shipping_address = OrderAddressSerializer(required=False, allow_null=True, default=None)
    notes = _optional_text(NOTE_MAX_LENGTH)
    discount_code = StrictCharField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        help_text="A discount code of the account (case-insensitive), applied line by line and redeemed.",
    )


@extend_schema_serializer(examples=examples.STATUS_UPDATE)
class StatusUpdateSerializer(serializers.Serializer):
    status = StrictChoiceField(choices=OrderStatus.choices)
    note = _optional_text(NOTE_MAX_LENGTH, help_text="Kept on the order's timeline with the change.")


# --- shipping -------------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.SHIPPING_EXAMPLES)
class ShippingSerializer(serializers.ModelSerializer):
    address = OrderAddressSerializer(source="shipping_address", allow_null=True, read_only=True)
    method = serializers.CharField(source="shipping_method", read_only=True)
    shipping = MoneyField(source="shipping_amount", read_only=True, help_text="Shipping charged.")
    # Empty until the order has one, so not documented as a URI (an empty string is not one).
    tracking_url = serializers.CharField(read_only=True, help_text="An http(s) URL, or empty.")

    class Meta:
        model = Order
        fields = [
            "address",
            "method",
            "carrier",
            "tracking_number",
            "tracking_url",
            "shipping",
            "status",
            "shipped_at",
            "delivered_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.SHIPPING_EXAMPLES)
class ShippingUpdateSerializer(serializers.Serializer):
    """PUT replaces every field (left out = cleared); PATCH changes the fields sent."""

    address = OrderAddressSerializer(source="shipping_address", required=False, allow_null=True, default=None)
    method = _optional_text(100, source="shipping_method", help_text="e.g. standard, express, pickup.")
    carrier = _optional_text(100)
    tracking_number = _optional_text(100)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    mark_shipped = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also move a processing order to shipped (an order already shipped stays as it is).",
    )

    def validate_tracking_url(self, value):
        if value and not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Must be an http(s) URL.")
        return value


# --- payments -------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="OrderPayment", examples=examples.PAYMENTS)  # beside billing's CardPayment
class PaymentSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)
    amount = MoneyField(read_only=True)
    refunded_payment_id = serializers.CharField(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=PaymentKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=PaymentRecordStatus.choices, read_only=True)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)

    class Meta:
        model = OrderPayment
        fields = [
            "id",
            "order_id",
            "kind",
            "status",
            "amount",
            "currency",
            "method",
            "provider",
            "provider_reference",
            "reference",
            "note",
            "refunded_payment_id",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.PAYMENT_CREATE)
class PaymentCreateSerializer(serializers.Serializer):
    amount = MoneyField(min_value=Decimal("0.01"), help_text="Major units; at most the outstanding balance.")
    method = StrictChoiceField(choices=MANUAL_PAYMENT_METHODS)
    reference = _optional_text(255, help_text="Your reference: receipt, transfer or terminal slip number.")
    note = _optional_text(NOTE_MAX_LENGTH)


# --- timeline -------------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Details of the event: amount and method of payments, changed shipping fields, total.",
    }
)
class EventDataField(serializers.JSONField):
    pass


class ActorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["user", "api_key", "oauth_app", "system"])
    id = serializers.CharField(help_text="User id, API key id (key_…) or OAuth application id; empty for system.")
    label = serializers.CharField(help_text="Email, key name or application name.")


@extend_schema_serializer(examples=examples.EVENTS)
class OrderEventSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(read_only=True)
    type = serializers.ChoiceField(source="kind", choices=EventKind.choices, read_only=True)
    from_status = serializers.ChoiceField(choices=OrderStatus.choices, allow_null=True, read_only=True)
    to_status = serializers.ChoiceField(choices=OrderStatus.choices, allow_null=True, read_only=True)
    data = EventDataField(read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["id", "order_id", "type", "from_status", "to_status", "note", "data", "actor", "created_at"]
        read_only_fields = fields

    @extend_schema_field(ActorSerializer)
    def get_actor(self, event) -> dict:
        return {"type": event.actor_type, "id": event.actor_id, "label": event.actor_label}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from_status"] = data["from_status"] or None
        data["to_status"] = data["to_status"] or None
        return data


@extend_schema_serializer(examples=examples.NOTE)
class NoteCreateSerializer(serializers.Serializer):
    note = StrictCharField(max_length=NOTE_MAX_LENGTH)

    def validate_note(self, value):
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()


__all__ = [
    "NoteCreateSerializer",
    "OrderCreateSerializer",
    "OrderEventSerializer",
    "OrderItemSerializer",
    "OrderSerializer",
    "PaymentCreateSerializer",
    "PaymentSerializer",
    "PaymentStatus",
    "ShippingSerializer",
    "ShippingUpdateSerializer",
    "StatusUpdateSerializer",
]
