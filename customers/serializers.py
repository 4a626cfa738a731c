import phonenumbers
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import MoneyField, StrictCharField

from . import examples
from .models import SHOWN_FIELDS, Customer
from .normalize import MAX_TAG_LENGTH, MAX_TAGS, InvalidValue, normalize_email, normalize_phone, normalize_tags
from .rfm import RfmSegment
from .rules import InvalidRules, parse_rules


class PhoneField(StrictCharField):
    """International phone number in, E.164 out (see `normalize.normalize_phone` for the rule)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", "International format, stored as E.164 (+14155552671).")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return normalize_phone(super().to_internal_value(data))
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ShippingAddressSerializer(serializers.Serializer):
    line_1 = StrictCharField(max_length=200)
    line_2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100)
    region = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = StrictCharField(max_length=20, required=False, allow_blank=True, default="")
    country = StrictCharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. US.")

    def validate_country(self, value):
        code = value.upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError("Unknown country code.")
        return code


@extend_schema_field(ShippingAddressSerializer)
class ShippingAddressField(serializers.Field):
    """The whole address, validated in full even in a PATCH: it is replaced, never merged."""

    default_error_messages = {"invalid": "Expected an object."}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        address = ShippingAddressSerializer(data=data)
        if not address.is_valid():
            raise serializers.ValidationError(address.errors)
        return dict(address.validated_data)

    def to_representation(self, value):
        return ShippingAddressSerializer(value).data


@extend_schema_serializer(examples=examples.CUSTOMERS)
class CustomerSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """A customer as the API shows it; the order statistics are read-only."""

    email = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164")
    shipping_address = ShippingAddressSerializer(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    total_spent = MoneyField()

    class Meta:
        model = Customer
        fields = list(SHOWN_FIELDS)
        read_only_fields = fields


@extend_schema_serializer(examples=examples.CUSTOMERS)
class CustomerWriteSerializer(serializers.Serializer):
    """POST and PUT take the whole profile (absent optional fields get their defaults); PATCH any part."""

    name = StrictCharField(max_length=200)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True, allow_blank=True, default=None)
    phone = PhoneField(required=False, allow_null=True, allow_blank=True, default=None)
    address = StrictCharField(max_length=500, required=False, allow_null=True, allow_blank=True, default="")
    shipping_address = ShippingAddressField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        child=StrictCharField(max_length=MAX_TAG_LENGTH),
        max_length=MAX_TAGS,
        required=False,
        default=list,
        help_text="Labels; trimmed, lower-cased and de-duplicated.",
    )
    accepts_email_marketing = serializers.BooleanField(required=False, default=False)
    accepts_sms_marketing = serializers.BooleanField(required=False, default=False)

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate_email(self, value):
        try:
            return normalize_email(value)
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_tags(self, value):
        try:
            return normalize_tags(value)
        except InvalidValue as exc:
            raise serializers.ValidationError(str(exc)) from exc


@extend_schema_serializer(examples=examples.RFM_ENTRY)
class RfmEntrySerializer(serializers.Serializer):
    customer_id = serializers.CharField(source="id")
    name = serializers.CharField()
    email = serializers.CharField(allow_null=True)
    recency_days = serializers.SerializerMethodField(help_text="Days from the last order to asOf.")
    frequency = serializers.IntegerField(source="total_orders", help_text="Orders placed.")
    monetary = MoneyField(source="total_spent", help_text="Total spent.")
    last_order_date = serializers.DateTimeField()
    recency_score = serializers.IntegerField(source="r_score", min_value=1, max_value=5)
    frequency_score = serializers.IntegerField(source="f_score", min_value=1, max_value=5)
    monetary_score = serializers.IntegerField(source="m_score", min_value=1, max_value=5)
    rfm_score = serializers.SerializerMethodField(help_text='The three scores as digits, e.g. "545".')
    segment = serializers.ChoiceField(source="rfm_segment", choices=RfmSegment.choices)
    segment_name = serializers.SerializerMethodField()
    rfm_computed_at = serializers.DateTimeField(help_text="When the scores were last recomputed (hourly).")

    def get_recency_days(self, customer) -> int:
        return customer.recency.days

    def get_rfm_score(self, customer) -> str:
        return f"{customer.r_score}{customer.f_score}{customer.m_score}"

    def get_segment_name(self, customer) -> str:
        return RfmSegment(customer.rfm_segment).label


@extend_schema_field(
    {
        "type": "object",
        "description": "Segment rules; see docs/customers.md. Keys: tags {any, all}, totalSpent {min, max}, "
        "totalOrders {min, max}, lastOrderDate {after, before}, rfmSegment [names].",
        "additionalProperties": False,
        "properties": {
            "tags": {
                "type": "object",
                "properties": {
                    "any": {"type": "array", "items": {"type": "string"}},
                    "all": {"type": "array", "items": {"type": "string"}},
                },
            },
            "totalSpent": {
                "type": "object",
                "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
            },
            "totalOrders": {
                "type": "object",
                "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
            },
            "lastOrderDate": {
                "type": "object",
                "properties": {
                    "after": {"type": "string", "format": "date"},
                    "before": {"type": "string", "format": "date"},
                },
            },
            "rfmSegment": {"type": "array", "items": {"type": "string", "enum": RfmSegment.values}},
        },
    }
)
class RulesField(serializers.Field):
    """Validated by `rules.parse_rules` into the stored form; errors come back per rule key."""

    def to_internal_value(self, data):
        try:
            return parse_rules(data)
        except InvalidRules as exc:
            raise serializers.ValidationError(exc.errors) from exc

    def to_representation(self, value):
        return value


@extend_schema_serializer(examples=examples.SEGMENTS)
class SegmentWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    rules = RulesField()

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()


@extend_schema_serializer(examples=examples.SEGMENTS)
class SegmentSerializer(serializers.Serializer):
    """One shape for both kinds: `rfm` segments (id = name, no rules) and `custom` ones (id `seg_…`)."""

    id = serializers.CharField(help_text="RFM segment name (champions) or seg_… id.")
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["rfm", "custom"])
    description = serializers.CharField()
    rules = RulesField(allow_null=True, help_text="Custom segments only; null for RFM segments.")
    customer_count = serializers.IntegerField(source="stats.customer_count")
    revenue = MoneyField(source="stats.revenue", help_text="Sum of totalSpent of the segment's customers.")
    order_count = serializers.IntegerField(source="stats.order_count")
    average_order_value = MoneyField(source="stats.average_order_value", help_text="revenue / orderCount.")
    created_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
