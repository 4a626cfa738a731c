from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from omnisales.api.money import to_minor_units
from omnisales.api.secrets import SecretField
from omnisales.api.serializers import CurrencyField, StrictCharField, StrictChoiceField

from . import examples
from .models import Payment, Plan, Refund, RefundReason, Subscription

MAX_AMOUNT_CENTS = 99_999_999


@extend_schema_field(OpenApiTypes.INT)
class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: strings, floats and booleans are rejected rather than coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class OptionalStringField(serializers.CharField):
    """Read-only text rendered as null when empty."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class MinorUnitsField(serializers.IntegerField):
    """A Decimal amount of the object shown in integer minor units of the object's `currency`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return to_minor_units(super().get_attribute(instance), instance.currency)

    def to_representation(self, value):
        return value


def _prefixed_id(prefix: str) -> RegexValidator:
    return RegexValidator(rf"^{prefix}_[0-9A-Za-z]+$", f"Expected an id like {prefix}_….")


@extend_schema_serializer(examples=examples.PROCESS)
class PaymentProcessSerializer(serializers.Serializer):
    amount = StrictIntegerField(
        min_value=1, max_value=MAX_AMOUNT_CENTS, help_text="Integer minor units (cents; yen for jpy)."
    )
    currency = CurrencyField(case="lower", help_text="ISO 4217 code, any case; stored lowercase.")
    payment_method_id = StrictCharField(max_length=255, help_text="Stripe PaymentMethod id (pm_…).")
    customer_id = StrictCharField(
        max_length=40, required=False, allow_blank=True, validators=[_prefixed_id("cus")], help_text="Our cus_… id."
    )
    order_id = StrictCharField(
        max_length=40, required=False, allow_blank=True, validators=[_prefixed_id("ord")], help_text="Our ord_… id."
    )
    description = StrictCharField(max_length=500, required=False, allow_blank=True)


@extend_schema_serializer(examples=examples.CARD_PAYMENTS)
class CardPaymentSerializer(serializers.ModelSerializer):
    """A card payment through Stripe (GET /api/payments). Named apart from the order payments of
    orders.serializers.PaymentSerializer: the schema names a component after its serializer class."""

    stripe_charge_id = OptionalStringField()
    stripe_payment_intent_id = OptionalStringField()
    amount_cents = MinorUnitsField(source="amount")
    amount_refunded_cents = MinorUnitsField(source="amount_refunded")
    receipt_url = OptionalStringField()
    customer_id = OptionalStringField(source="customer_reference")
    order_id = OptionalStringField(source="order_reference")
    description = OptionalStringField()
    failure_code = OptionalStringField()
    decline_code = OptionalStringField()
    failure_message = OptionalStringField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "stripe_charge_id",
            "stripe_payment_intent_id",
            "amount_cents",
            "currency",
            "status",
            "receipt_url",
            "created_at",
            "amount_refunded_cents",
            "customer_id",
            "order_id",
            "description",
            "failure_code",
            "decline_code",
            "failure_message",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.PROCESS_RESULT)
class PaymentProcessResponseSerializer(CardPaymentSerializer):
    client_secret = SecretField(
        allow_null=True,
        help_text="Set when status is requires_action: finish 3-D Secure with Stripe.js, then the webhook "
        "records the outcome.",
    )

    class Meta(CardPaymentSerializer.Meta):
        fields = [*CardPaymentSerializer.Meta.fields, "client_secret"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.REFUND_REQUEST)
class RefundRequestSerializer(serializers.Serializer):
    amount_cents = StrictIntegerField(
        min_value=1, max_value=MAX_AMOUNT_CENTS, required=False, help_text="Defaults to all that is left."
    )
    reason = StrictChoiceField(choices=RefundReason.choices, required=False)


@extend_schema_serializer(examples=examples.REFUND)
class RefundSerializer(serializers.ModelSerializer):
    payment_id = serializers.CharField(read_only=True)
    stripe_refund_id = OptionalStringField()
    amount_cents = MinorUnitsField(source="amount")
    reason = OptionalStringField()

    class Meta:
        model = Refund
        fields = ["id", "payment_id", "stripe_refund_id", "amount_cents", "currency", "status", "reason", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.PLANS)
class PlanSerializer(serializers.ModelSerializer):
    stripe_product_id = OptionalStringField()
    stripe_price_id = OptionalStringField()
    amount_cents = MinorUnitsField(source="amount")
    features = serializers.ListField(child=serializers.CharField(), read_only=True)
    product_limit = serializers.IntegerField(read_only=True, allow_null=True, help_text="null means unlimited.")

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "stripe_product_id",
            "stripe_price_id",
            "amount_cents",
            "currency",
            "billing_interval",
            "product_limit",
            "features",
            "is_active",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.SUBSCRIPTIONS)
class SubscriptionSerializer(serializers.ModelSerializer):
    plan = PlanSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "stripe_subscription_id",
            "status",
            "plan",
            "current_period_end",
            "cancel_at_period_end",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.CHECKOUT)
class CheckoutRequestSerializer(serializers.Serializer):
    plan_id = StrictCharField(max_length=40, help_text="e.g. plan_starter")


@extend_schema_serializer(examples=examples.CHECKOUT)
class CheckoutResponseSerializer(serializers.Serializer):
    session_id = serializers.CharField()
    url = serializers.URLField()


@extend_schema_serializer(examples=examples.ACKNOWLEDGEMENT)
class WebhookAcknowledgementSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="True when this event id was already received.")
