"""Request and response shapes of the loyalty endpoints (snake_case here; camelCase on the wire)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from customers.models import Customer
from omnisales.api.representation import CompiledRepresentation
from omnisales.api.serializers import MoneyField, StrictCharField, StrictChoiceField, TenantRelatedField
from orders.models import Order

from ..examples import programs as examples
from ..models import LoyaltyMember, LoyaltyProgram, LoyaltyTier, PointsTransaction, TierBasis
from ..selectors.programs import next_tier

MAX_TIERS = 20
MAX_POINTS = 1_000_000_000
NOTE_MAX_LENGTH = 500


def _number(**kwargs) -> serializers.DecimalField:
    """A decimal rendered and taken as a JSON number."""
    kwargs.setdefault("coerce_to_string", False)
    return serializers.DecimalField(**kwargs)


# --- programs -------------------------------------------------------------------------------------------


class TierSerializer(CompiledRepresentation, serializers.ModelSerializer):
    threshold = _number(
        max_digits=14, decimal_places=2, help_text="Lifetime points or spend (the program's tierBasis) to reach."
    )
    multiplier = _number(max_digits=5, decimal_places=2, help_text="Points earned in this tier are multiplied by it.")

    class Meta:
        model = LoyaltyTier
        fields = ["id", "name", "threshold", "multiplier"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.PROGRAMS)
class ProgramSerializer(CompiledRepresentation, serializers.ModelSerializer):
    points_per_currency_unit = _number(max_digits=10, decimal_places=4)
    point_value = _number(max_digits=10, decimal_places=4, help_text="Money one point is worth when redeemed.")
    tiers = TierSerializer(many=True, help_text="Lowest threshold first.")

    class Meta:
        model = LoyaltyProgram
        fields = [
            "id",
            "name",
            "description",
            "points_per_currency_unit",
            "point_value",
            "minimum_redemption",
            "expiry_months",
            "tier_basis",
            "tiers",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TierWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=60, help_text="Sent again, a tier keeps its id.")
    threshold = _number(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    multiplier = _number(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), required=False, default=Decimal("1")
    )


@extend_schema_serializer(examples=examples.PROGRAMS)
class ProgramWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=120)
    description = StrictCharField(max_length=500, required=False, allow_blank=True, default="")
    points_per_currency_unit = _number(
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0"),
        required=False,
        default=Decimal("1"),
        help_text="Points per unit of an order's total (before the tier's multiplier), rounded down.",
    )
    point_value = _number(
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        required=False,
        default=Decimal("0.01"),
        help_text="Money one point is worth when redeemed.",
    )
    minimum_redemption = serializers.IntegerField(
        min_value=0, max_value=MAX_POINTS, required=False, default=0, help_text="The fewest points a redemption takes."
    )
    expiry_months = serializers.IntegerField(
        min_value=1,
        max_value=120,
        required=False,
        allow_null=True,
        default=None,
        help_text="Points expire this many calendar months after they were earned; null: never.",
    )
    tier_basis = StrictChoiceField(
        choices=TierBasis.choices,
        required=False,
        default=TierBasis.POINTS,
        help_text="What tiers are reached on: lifetime points earned, or lifetime spend on orders that earned.",
    )
    tiers = TierWriteSerializer(
        many=True,
        required=False,
        max_length=MAX_TIERS,
        help_text="Replaces the program's tiers (left out: kept). Names and thresholds are unique.",
    )
    active = serializers.BooleanField(
        required=False, default=True, help_text="One program of the account is active at a time."
    )

    def validate_tiers(self, tiers):
        names = [tier["name"].casefold() for tier in tiers]
        thresholds = [tier["threshold"] for tier in tiers]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Tier names must be unique.")
        if len(set(thresholds)) != len(thresholds):
            raise serializers.ValidationError("Tier thresholds must be unique.")
        return sorted(tiers, key=lambda tier: tier["threshold"])


# --- members and the ledger -----------------------------------------------------------------------------


class MemberTierSerializer(serializers.ModelSerializer):
    multiplier = _number(max_digits=5, decimal_places=2)

    class Meta:
        model = LoyaltyTier
        fields = ["id", "name", "multiplier"]
        read_only_fields = fields


class ExpiringSerializer(serializers.Serializer):
    points = serializers.IntegerField(help_text="Points left in lots that expire before `before`.")
    before = serializers.DateTimeField(help_text="The end (UTC) of the day 30 days from now.")


class NextTierSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    threshold = _number(max_digits=14, decimal_places=2)
    to_go = _number(max_digits=14, decimal_places=2, help_text="Lifetime points or spend still needed.")


@extend_schema_serializer(examples=examples.MEMBERS)
class MemberSerializer(serializers.ModelSerializer):
    """Rendered through DRF: the context carries the read's `before` (now + 30 days) and the active
    program's tiers (`tier_basis`, `tiers`), read once per request."""

    customer_id = serializers.CharField()
    customer_name = serializers.CharField(source="customer.name")
    customer_email = serializers.CharField(source="customer.email", allow_null=True)
    tier = MemberTierSerializer(allow_null=True, help_text="null below the lowest tier, or without a program.")
    lifetime_spend = MoneyField(help_text="Totals (less refunds) of the orders that earned points.")
    points_expiring_soon = serializers.SerializerMethodField()
    next_tier = serializers.SerializerMethodField()
    joined_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = LoyaltyMember
        fields = [
            "id",
            "customer_id",
            "customer_name",
            "customer_email",
            "points_balance",
            "tier",
            "lifetime_points",
            "lifetime_spend",
            "points_expiring_soon",
            "next_tier",
            "joined_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ExpiringSerializer)
    def get_points_expiring_soon(self, member):
        return ExpiringSerializer({"points": member.expiring_points, "before": self.context["before"]}).data

    @extend_schema_field(NextTierSerializer(allow_null=True))
    def get_next_tier(self, member):
        reached = next_tier(member, basis=self.context["tier_basis"], tiers=self.context["tiers"])
        return None if reached is None else NextTierSerializer(reached).data


@extend_schema_serializer(examples=examples.TRANSACTIONS)
class TransactionSerializer(CompiledRepresentation, serializers.ModelSerializer):
    order_id = serializers.CharField(allow_null=True)
    remaining = serializers.IntegerField(help_text="Of a lot (earn, positive adjust): its points not yet spent.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Of a lot: when what remains expires.")

    class Meta:
        model = PointsTransaction
        fields = ["id", "kind", "points", "balance_after", "order_id", "note", "remaining", "expires_at", "created_at"]
        read_only_fields = fields


# --- redeem and adjust ----------------------------------------------------------------------------------


@extend_schema_serializer(examples=examples.REDEEM)
class RedeemSerializer(serializers.Serializer):
    customer_id = TenantRelatedField(source="customer", queryset=Customer.objects.all())
    points = serializers.IntegerField(min_value=1, max_value=MAX_POINTS)
    order_id = TenantRelatedField(
        source="order", queryset=Order.objects.all(), help_text="A pending or processing order of the customer."
    )


class RedeemedOrderSerializer(serializers.Serializer):
    id = serializers.CharField()
    discount = MoneyField(source="discount_amount", help_text="Every discount on the order, these points included.")
    total = MoneyField()
    currency = serializers.CharField()


@extend_schema_serializer(examples=examples.REDEEM)
class RedemptionSerializer(serializers.Serializer):
    transaction = TransactionSerializer()
    points_balance = serializers.IntegerField()
    amount = MoneyField(help_text="Taken off the order: points × pointValue, to the cent.")
    order = RedeemedOrderSerializer()


@extend_schema_serializer(examples=examples.ADJUST)
class AdjustSerializer(serializers.Serializer):
    customer_id = TenantRelatedField(source="customer", queryset=Customer.objects.all())
    points = serializers.IntegerField(
        min_value=-MAX_POINTS, max_value=MAX_POINTS, help_text="Signed: added when positive, taken when negative."
    )
    note = StrictCharField(max_length=NOTE_MAX_LENGTH, help_text="Why: kept on the ledger row.")

    def validate_points(self, points):
        if points == 0:
            raise serializers.ValidationError("Must not be 0.")
        return points


@extend_schema_serializer(examples=examples.ADJUST)
class AdjustmentSerializer(serializers.Serializer):
    transaction = TransactionSerializer()
    points_balance = serializers.IntegerField()
