"""Discount code bodies and representations (snake_case here; camelCase on the wire). Field rules are here;
the rules between fields (a percentage's range, dates in order, targets matching appliesTo) are the
services', so the admin and bulk generation keep the same ones.

Defaults declared here are what PUT resets an omitted field to (DRF skips defaults on PATCH).
"""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.models import Category, Product
from customers.models import Customer
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import (
    MoneyField,
    StrictCharField,
    StrictChoiceField,
    StrictRegexField,
    TenantRelatedField,
)
from orders.models import MAX_ITEMS, MAX_QUANTITY

from ..examples import discounts as examples
from ..models import CODE_MAX_LENGTH, AppliesTo, DiscountCode, DiscountRedemption, DiscountType
from ..selectors.discounts import CodeStatus, code_status
from ..services.discounts import CODE_PATTERN, MAX_GENERATED

MAX_TARGETS = 100
MAX_LIMIT = 2_147_483_647
TARGET_IDS_HELP = "With appliesTo {kind}: the {kind} it takes off (ids of the account; at most 100)."


class TenantIdsField(serializers.ListField):
    """Ids in a body, each resolved inside the account (TenantRelatedField: another account's is a 404); in
    an answer, the ids of the related rows (prefetched by the selector)."""

    def __init__(self, *, queryset, **kwargs):
        super().__init__(child=TenantRelatedField(queryset=queryset), **kwargs)

    def to_representation(self, value):
        return [row.pk for row in value.all()]


def _ids(model, kind: str) -> TenantIdsField:
    return TenantIdsField(
        queryset=model.objects.all(),
        source=kind,
        max_length=MAX_TARGETS,
        default=list,
        help_text=TARGET_IDS_HELP.format(kind=kind),
    )


def _limit(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, allow_null=True, default=None, help_text=help_text
    )


class CodeSettingsSerializer(serializers.Serializer):
    """What a code is, but its text: shared by one code and a generated batch."""

    description = StrictCharField(max_length=255, allow_blank=True, default="")
    type = StrictChoiceField(choices=DiscountType.choices)
    value = MoneyField(
        min_value=0,
        required=False,
        help_text="percentage: percent off, more than 0 and at most 100; fixed_amount: the amount off, more than "
        "0, in the store's currency; free_shipping: 0 or left out.",
    )
    minimum_order_total = MoneyField(
        min_value=0, allow_null=True, default=None, help_text="The order's subtotal (before discounts) must reach it."
    )
    starts_at = serializers.DateTimeField(allow_null=True, default=None, help_text="null: usable at once.")
    ends_at = serializers.DateTimeField(allow_null=True, default=None, help_text="After startsAt; null: never ends.")
    per_customer_limit = _limit("Uses per customer (cancelled orders' do not count); null: no limit.")
    applies_to = StrictChoiceField(
        choices=AppliesTo.choices,
        default=AppliesTo.ALL,
        help_text="all lines, the lines of productIds, or those of products in categoryIds or their subcategories.",
    )
    product_ids = _ids(Product, "products")
    category_ids = _ids(Category, "categories")
    combinable = serializers.BooleanField(default=False, help_text="Loyalty points can be redeemed on the same order.")
    active = serializers.BooleanField(default=True, help_text="false: refused everywhere, kept with its history.")


@extend_schema_field({"type": "string", "enum": [value for value, _ in CodeStatus.CHOICES]})
class StatusField(serializers.Field):
    """What the code is now: current (usable), scheduled, expired, exhausted (usageLimit reached) or inactive."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, discount):
        return code_status(discount, timezone.now())


@extend_schema_serializer(examples=examples.CODES)
class DiscountCodeSerializer(CodeSettingsSerializer, serializers.ModelSerializer):
    """A code, in and out: the body of POST, PUT and PATCH and every answer."""

    code = StrictRegexField(
        CODE_PATTERN,
        max_length=CODE_MAX_LENGTH,
        help_text="Letters, digits, - and _; kept as spelled, matched in any case, unique in the store in any case.",
    )
    usage_limit = _limit("Uses in all (cancelled orders' do not count); null: no limit.")
    currency = serializers.CharField(read_only=True, help_text="The store's currency when the code was made.")
    times_used = serializers.IntegerField(read_only=True, help_text="Uses that hold: orders not cancelled.")
    status = StatusField()
    batch = serializers.CharField(read_only=True, help_text="The batch of a generated code; empty otherwise.")

    class Meta:
        model = DiscountCode
        fields = [
            "id",
            "code",
            "description",
            "type",
            "value",
            "currency",
            "minimum_order_total",
            "starts_at",
            "ends_at",
            "usage_limit",
            "per_customer_limit",
            "times_used",
            "applies_to",
            "product_ids",
            "category_ids",
            "combinable",
            "active",
            "status",
            "batch",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_serializer(examples=examples.GENERATION)
class GenerateSerializer(CodeSettingsSerializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_GENERATED, help_text="How many codes, 1 to 1000.")
    prefix = StrictRegexField(
        CODE_PATTERN, max_length=32, required=False, help_text="Put before each random part; none if left out."
    )
    length = serializers.IntegerField(
        min_value=6, max_value=32, default=10, help_text="Random characters after the prefix (no 0, O, 1, I or L)."
    )


class GeneratedCodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    code = serializers.CharField()


@extend_schema_serializer(examples=examples.GENERATION)
class GeneratedSerializer(serializers.Serializer):
    batch = serializers.CharField(help_text="Lists the codes with GET /api/discounts/codes?batch=….")
    count = serializers.IntegerField()
    codes = GeneratedCodeSerializer(many=True)


class CartItemSerializer(serializers.Serializer):
    product_id = StrictCharField(max_length=40)
    variant_id = StrictCharField(
        max_length=40, required=False, allow_null=True, default=None, help_text="For a product with options."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    price = MoneyField(min_value=0, help_text="Unit price.")


@extend_schema_serializer(examples=examples.VALIDATION)
class ValidateSerializer(serializers.Serializer):
    code = StrictCharField(max_length=CODE_MAX_LENGTH, help_text="Any case.")
    order_total = MoneyField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The order's subtotal before discounts, shipping and tax; with items, their total.",
    )
    customer_id = TenantRelatedField(
        source="customer",
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Who orders: needed for codes with a perCustomerLimit.",
    )
    items = CartItemSerializer(
        many=True, required=False, default=list, max_length=MAX_ITEMS, help_text="The cart's lines."
    )
    shipping = MoneyField(min_value=0, required=False, default=Decimal("0.00"), help_text="Shipping charged.")


@extend_schema_serializer(examples=examples.VALIDATION)
class ValidationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    code = serializers.CharField(help_text="As the store spells it.")
    discount_id = serializers.CharField()
    type = serializers.ChoiceField(choices=DiscountType.choices)
    currency = serializers.CharField()
    order_total = MoneyField(help_text="The subtotal the code was checked against.")
    discount_amount = MoneyField(help_text="Off the lines and off shipping; 0 when not valid.")
    shipping_discount = MoneyField()
    total_after_discount = MoneyField(help_text="orderTotal + shipping - discountAmount, before tax.")
    line_discounts = serializers.ListField(
        child=MoneyField(), help_text="Off each item, in the items' order (empty without items)."
    )
    reason = serializers.CharField(
        allow_null=True,
        help_text="Why not valid: inactive, not_started, expired, currency_mismatch, exhausted, "
        "customer_limit_reached, below_minimum, not_applicable_items.",
    )
    message = serializers.CharField(allow_null=True)


@extend_schema_serializer(examples=examples.REDEMPTIONS)
class DiscountRedemptionSerializer(CompiledRepresentation, serializers.ModelSerializer):
    discount_id = serializers.CharField()
    order_id = serializers.CharField()
    customer_id = serializers.CharField()
    amount = MoneyField(help_text="The order's discount.")
    released_at = serializers.DateTimeField(
        allow_null=True, help_text="When the order was cancelled: the use no longer counts."
    )

    class Meta:
        model = DiscountRedemption
        fields = ["id", "discount_id", "code", "order_id", "customer_id", "amount", "released_at", "created_at"]
        read_only_fields = fields
