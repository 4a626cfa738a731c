"""The products report's answer."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from omnisales.api.serializers import MoneyField

from ..selectors.common import COMPARISONS
from ..selectors.products import SORTS


def _percent(help_text: str, **kwargs):
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=help_text, **kwargs
    )


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "required": ["id", "name"],
        "additionalProperties": False,
        "description": "The product's current category ({id, name}); null without one.",
    }
)
class CategoryField(serializers.Field):
    """A product's category as {id, name}, or null. Inline rather than a nested serializer: OpenAPI 3.0 has no
    nullable reference, and `allOf` with `nullable` beside it does not admit null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value


# The figures in the order they show (and head CSV columns): a serializer's bases lend their fields in order.
class _Sales(serializers.Serializer):
    revenue = MoneyField(max_digits=18, help_text="grossSales − discounts: net of discounts, before refunds.")
    units = serializers.IntegerField(help_text="Units on the lines of orders that are not cancelled.")


class _Orders(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Orders placed in the period and not cancelled.")


class _Lines(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Order lines that sold it: its orders (one line per variant).")


class _Money(serializers.Serializer):
    gross_sales = MoneyField(max_digits=18, help_text="Σ line totals before discounts.")
    discounts = MoneyField(max_digits=18, help_text="Σ the discounts on the lines (shipping discounts excluded).")
    cost_of_goods = MoneyField(max_digits=18, help_text="Σ unit cost × quantity; lines without a cost count as 0.")
    margin = MoneyField(max_digits=18, help_text="revenue − costOfGoods.")
    margin_percent = _percent("margin / revenue in percent, two decimals; null when revenue is 0.")


class _Share(serializers.Serializer):
    share = _percent("Percent of the total revenue, two decimals; null when the total revenue is 0.")


class _Uncosted(serializers.Serializer):
    lines_without_cost = serializers.IntegerField(help_text="Lines whose product had no cost (counted as 0).")


class ProductsReportTotalsSerializer(_Sales, _Orders, _Money, _Uncosted):
    pass


class ProductFiguresSerializer(_Sales, _Lines, _Money, _Share, _Uncosted):
    pass


class ProductLabelSerializer(serializers.Serializer):
    """The product's identity, declared in a base listed first so that it leads the row (and the CSV header)."""

    product_id = serializers.CharField()
    name = serializers.CharField(help_text="The product's current name.")
    category = CategoryField()


class TopProductSerializer(ProductLabelSerializer, ProductFiguresSerializer):
    comparison_revenue = MoneyField(
        max_digits=18, required=False, help_text="Only with compareTo: its revenue in the comparison period."
    )
    revenue_growth = _percent(
        "Only with compareTo: percent change of revenue against the comparison period, two decimals; null when "
        "that period had none.",
        required=False,
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "revenue_growth" not in instance:  # no comparison asked for: absent rather than null
            data.pop("comparison_revenue", None)  # skipped already: not required and not nullable
            del data["revenue_growth"]  # nullable: represented as null
        return data


class VariantLabelSerializer(serializers.Serializer):
    variant_id = serializers.CharField()
    product_id = serializers.CharField()
    product_name = serializers.CharField(help_text="The product's current name.")
    sku = serializers.CharField(help_text="The variant's current SKU.")
    title = serializers.CharField(
        allow_null=True,
        help_text='Its option values ("M / Black"); null for the single variant of a product without options.',
    )


class TopVariantSerializer(VariantLabelSerializer, ProductFiguresSerializer):
    pass


class SlowMoverSerializer(ProductLabelSerializer):
    units = serializers.IntegerField(help_text="Units sold in the period (0 when it sold none).")
    revenue = MoneyField(max_digits=18, help_text="grossSales − discounts in the period.")
    available_stock = serializers.IntegerField(
        allow_null=True,
        help_text="Available now (on hand − reserved over the active warehouses); null when the product does "
        "not track inventory.",
    )


class ProductsReportSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="First day (the account's time zone), inclusive.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    currency = serializers.CharField(help_text="The account's currency: every amount is in it.")
    sort_by = serializers.ChoiceField(choices=SORTS, help_text="What the top lists are ranked by.")
    compare_to = serializers.ChoiceField(
        choices=COMPARISONS, required=False, help_text="Only when asked: the period the top products compare with."
    )
    totals = ProductsReportTotalsSerializer()
    top_products = TopProductSerializer(many=True, help_text="Highest sortBy first, ties by id; at most limit.")
    top_variants = TopVariantSerializer(many=True, help_text="Highest sortBy first, ties by id; at most limit.")
    slow_movers = SlowMoverSerializer(
        many=True,
        help_text="Active products with the fewest units in the period (zero-sale ones included), fewest first, "
        "then by name; at most limit.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.compare_to is None:  # not asked for: absent rather than null
            del data["compare_to"]
        return data
