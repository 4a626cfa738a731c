"""Request and response shapes of the returns and reviews endpoints (snake_case here; camelCase on the wire)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from catalog.models import Product
from customers.models import Customer
from inventory.models import Warehouse
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import MoneyField, StrictCharField, StrictChoiceField, TenantRelatedField
from orders.models import MAX_QUANTITY, Order

from . import examples
from .models import (
    MAX_RETURN_ITEMS,
    NOTE_MAX_LENGTH,
    ItemCondition,
    ReturnItem,
    ReturnReason,
    ReturnRefund,
    ReturnRequest,
    Review,
    ReviewSettings,
    ReviewStatus,
)


def _note(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="", **kwargs)


# --- returns ---------------------------------------------------------------------------------------


class ReturnItemSerializer(CompiledRepresentation, serializers.ModelSerializer):
    order_item_id = serializers.CharField(help_text="The order line returned.")
    product_id = serializers.CharField()
    variant_id = serializers.CharField(
        source="shown_variant_id", allow_null=True, help_text="Null for a product without options."
    )
    price = MoneyField(source="unit_price", help_text="Unit price paid.")
    quantity_received = serializers.IntegerField(help_text="quantityRestocked + quantityDamaged.")
    quantity_restocked = serializers.IntegerField(help_text="Received sellable, back in stock.")
    quantity_damaged = serializers.IntegerField(help_text="Received damaged, not restocked.")

    class Meta:
        model = ReturnItem
        fields = [
            "id",
            "order_item_id",
            "product_id",
            "variant_id",
            "product_name",
            "sku",
            "price",
            "quantity",
            "reason",
            "quantity_received",
            "quantity_restocked",
            "quantity_damaged",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.REFUNDS)
class ReturnRefundSerializer(CompiledRepresentation, serializers.ModelSerializer):
    return_id = serializers.CharField(source="return_request_id", allow_null=True, help_text="null: goodwill.")
    order_id = serializers.CharField()
    amount = MoneyField()
    payment_id = serializers.CharField(help_text="The card payment refunded (pay_…); empty for manual refunds.")
    provider_refund_id = serializers.CharField(
        help_text="The payment refund (rfd_…) for cards, the order refund (opay_…) otherwise."
    )

    class Meta:
        model = ReturnRefund
        fields = [
            "id",
            "return_id",
            "order_id",
            "amount",
            "currency",
            "include_shipping",
            "reason",
            "status",
            "method",
            "payment_id",
            "provider_refund_id",
            "refunded_at",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.RETURNS)
class ReturnSerializer(CompiledRepresentation, serializers.ModelSerializer):
    order_id = serializers.CharField()
    customer_id = serializers.CharField()
    items = ReturnItemSerializer(many=True)
    warehouse_id = serializers.CharField(allow_null=True, help_text="Where the goods were received.")
    amount_refunded = MoneyField()
    refunds = ReturnRefundSerializer(many=True, help_text="Oldest first; pending ones are waiting for Stripe.")

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "order_id",
            "customer_id",
            "status",
            "items",
            "note",
            "customer_note",
            "decision_note",
            "warehouse_id",
            "amount_refunded",
            "currency",
            "refunds",
            "authorized_at",
            "rejected_at",
            "received_at",
            "refunded_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReturnItemWriteSerializer(serializers.Serializer):
    order_item_id = StrictCharField(max_length=40, help_text="A line of the order (item_… id).")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    reason = StrictChoiceField(choices=ReturnReason.choices)


@extend_schema_serializer(examples=examples.RETURNS)
class ReturnCreateSerializer(serializers.Serializer):
    order_id = TenantRelatedField(
        source="order", queryset=Order.objects.all(), help_text="A shipped or delivered order."
    )
    items = ReturnItemWriteSerializer(many=True, allow_empty=False, max_length=MAX_RETURN_ITEMS)
    note = _note(help_text="The merchant's note.")
    customer_note = _note(help_text="What the customer said.")


@extend_schema_serializer(examples=examples.AUTHORIZE)
class AuthorizeSerializer(serializers.Serializer):
    return_id = TenantRelatedField(source="return_request", queryset=ReturnRequest.objects.all())
    approve = serializers.BooleanField(required=False, default=True, help_text="false rejects the return.")
    note = _note(help_text="Why; kept as the return's decisionNote.")


class ReceiveItemSerializer(serializers.Serializer):
    order_item_id = StrictCharField(max_length=40, help_text="A line of the return (its orderItemId).")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    condition = StrictChoiceField(choices=ItemCondition.choices, help_text="sellable goes back into stock.")


@extend_schema_serializer(examples=examples.RECEIVE)
class ReceiveSerializer(serializers.Serializer):
    warehouse_id = TenantRelatedField(source="warehouse", queryset=Warehouse.objects.all())
    items = ReceiveItemSerializer(many=True, allow_empty=False, max_length=2 * MAX_RETURN_ITEMS)


@extend_schema_serializer(examples=examples.CLOSE)
class CloseSerializer(serializers.Serializer):
    note = _note(help_text="Why it closes without a refund; kept as the return's decisionNote.")


@extend_schema_serializer(examples=examples.REFUNDS)
class ReturnRefundRequestSerializer(serializers.Serializer):
    return_id = TenantRelatedField(
        source="return_request",
        queryset=ReturnRequest.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The received return to refund.",
    )
    order_id = TenantRelatedField(
        source="order",
        queryset=Order.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A goodwill refund of this order, without a return (needs amount).",
    )
    amount = MoneyField(
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Default (a return): the value of what came back, less what was refunded for it.",
    )
    include_shipping = serializers.BooleanField(
        required=False, default=False, help_text="Add the order's shipping (and its tax) to the default amount."
    )
    reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["return_request"] is not None and attrs["order"] is not None:
            raise serializers.ValidationError({"order_id": ["Send returnId or orderId, not both."]})
        if attrs["return_request"] is None and attrs["order"] is None:
            raise serializers.ValidationError(
                {"return_id": ["Send returnId (a return's refund) or orderId with an amount (a goodwill refund)."]}
            )
        if attrs["order"] is not None:
            if attrs["amount"] is None:
                raise serializers.ValidationError({"amount": ["A refund without a return needs an amount."]})
            if attrs["include_shipping"]:
                raise serializers.ValidationError({"include_shipping": ["Only with returnId."]})
        return attrs


# --- reviews ---------------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.REVIEWS)
class ReviewSerializer(CompiledRepresentation, serializers.ModelSerializer):
    product_id = serializers.CharField()
    customer_id = serializers.CharField(allow_null=True)
    order_id = serializers.CharField(allow_null=True)
    verified = serializers.BooleanField(help_text="The customer bought the product in a delivered order.")

    class Meta:
        model = Review
        fields = [
            "id",
            "product_id",
            "customer_id",
            "order_id",
            "rating",
            "title",
            "body",
            "verified",
            "status",
            "reply",
            "moderated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.REVIEWS)
class ReviewCreateSerializer(serializers.Serializer):
    product_id = TenantRelatedField(source="product", queryset=Product.objects.all())
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = StrictCharField(max_length=200)
    body = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    customer_id = TenantRelatedField(
        source="customer", queryset=Customer.objects.all(), required=False, allow_null=True, default=None
    )
    order_id = TenantRelatedField(
        source="order",
        queryset=Order.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The order it was bought in; without customerId, its customer wrote the review.",
    )


@extend_schema_serializer(examples=examples.MODERATE)
class ModerateSerializer(serializers.Serializer):
    status = StrictChoiceField(choices=[ReviewStatus.APPROVED, ReviewStatus.REJECTED])
    reply = StrictCharField(
        max_length=2000, required=False, allow_blank=True, help_text="The public answer; empty removes it."
    )


class ReviewSummarySerializer(serializers.Serializer):
    average = serializers.FloatField(allow_null=True, help_text="Mean rating, two decimals; null without reviews.")
    count = serializers.IntegerField()
    histogram = serializers.DictField(child=serializers.IntegerField(), help_text='Reviews per rating, "1" to "5".')


@extend_schema_serializer(examples=examples.PRODUCT_REVIEWS)
class ProductReviewsSerializer(serializers.Serializer):
    product_id = serializers.CharField(allow_null=True, help_text="null: every product of the store.")
    summary = ReviewSummarySerializer(help_text="Of all the approved reviews, not just this page.")
    reviews = ReviewSerializer(many=True, help_text="This page (limit, offset), newest first.")


@extend_schema_serializer(examples=examples.SETTINGS)
class ReviewSettingsSerializer(serializers.ModelSerializer):
    auto_approve_verified = serializers.BooleanField(
        required=False, help_text="Publish reviews of verified purchases at once (others wait for moderation)."
    )

    class Meta:
        model = ReviewSettings
        fields = ["auto_approve_verified"]
