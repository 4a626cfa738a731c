"""The analytics answers."""

from rest_framework import serializers

from omnisales.api.serializers import MoneyField
from orders.models import Channel, PaymentMethod

from ..selectors.common import COMPARISONS, GRANULARITIES, WEEKDAYS

GROWTH_HELP = "Percent change against the comparison period, two decimals; null when that period had none."


class DashboardSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="First day (the account's time zone), inclusive.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    compare_to = serializers.ChoiceField(choices=COMPARISONS)
    currency = serializers.CharField(help_text="The account's currency: every amount is in it.")
    total_revenue = MoneyField(max_digits=18, help_text="Σ order totals less the period's refunds; cancelled excluded.")
    total_orders = serializers.IntegerField(help_text="Orders placed in the period and not cancelled.")
    total_customers = serializers.IntegerField(help_text="New customers: those whose first order is in the period.")
    average_order_value = MoneyField(max_digits=18, help_text="totalRevenue / totalOrders; 0 without orders.")
    revenue_growth = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=GROWTH_HELP
    )
    orders_growth = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=GROWTH_HELP
    )
    customers_growth = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=GROWTH_HELP
    )


def _percent(help_text: str):
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=help_text
    )


class SalesFiguresSerializer(serializers.Serializer):
    revenue = MoneyField(max_digits=18, help_text="Σ order totals less refunds made in the bucket; cancelled excluded.")
    orders = serializers.IntegerField(help_text="Orders placed and not cancelled.")
    units = serializers.IntegerField(help_text="Units on those orders' lines.")


class SalesTotalsSerializer(SalesFiguresSerializer):
    average_order_value = MoneyField(max_digits=18, help_text="revenue / orders; 0 without orders.")


class PeriodField(serializers.Serializer):
    """A bucket's label, declared in a base listed first so that it leads the row (and the CSV header)."""

    period = serializers.DateField(help_text="The bucket's first day (clipped to the range).")


class ChannelField(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)


class WeekdayField(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=WEEKDAYS)


class SalesPeriodSerializer(PeriodField, SalesTotalsSerializer):
    pass


class ChannelSalesSerializer(ChannelField, SalesFiguresSerializer):
    share = _percent("Percent of the total revenue, two decimals; null when the total revenue is 0.")


class WeekdaySalesSerializer(WeekdayField, SalesFiguresSerializer):
    pass


class HourSalesSerializer(SalesFiguresSerializer):
    hour = serializers.IntegerField(help_text="0–23, in the account's time zone.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return {"hour": data.pop("hour"), **data}


def _optional(data: dict, *names: str) -> dict:
    """Leaves out the parts that were not asked for (None) rather than answering null."""
    for name in names:
        if data[name] is None:
            del data[name]
    return data


class ComparisonPeriodSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="The comparison period's first day.")
    end_date = serializers.DateField(help_text="Its last day.")


class SalesComparisonSerializer(ComparisonPeriodSerializer):
    totals = SalesTotalsSerializer()


class SalesGrowthSerializer(serializers.Serializer):
    revenue = _percent(GROWTH_HELP)
    orders = _percent(GROWTH_HELP)
    units = _percent(GROWTH_HELP)
    average_order_value = _percent(GROWTH_HELP)


class SalesReportSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="First day (the account's time zone), inclusive.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    granularity = serializers.ChoiceField(choices=GRANULARITIES)
    currency = serializers.CharField(help_text="The account's currency: every amount is in it.")
    totals = SalesTotalsSerializer()
    series = SalesPeriodSerializer(many=True, help_text="Every bucket of the range, in order (zeros when empty).")
    by_channel = ChannelSalesSerializer(many=True, help_text="Channels with sales, by revenue, highest first.")
    by_weekday = WeekdaySalesSerializer(
        many=True, required=False, help_text="Only with groupBy=weekday: Monday to Sunday, all seven."
    )
    by_hour = HourSalesSerializer(
        many=True, required=False, help_text="Only with groupBy=hourOfDay: hours 0 to 23 of the account's time zone."
    )
    compare_to = serializers.ChoiceField(choices=COMPARISONS, required=False, help_text="Only with compareTo.")
    comparison = SalesComparisonSerializer(required=False, help_text="Only with compareTo: its period and totals.")
    growth = SalesGrowthSerializer(required=False, help_text="Only with compareTo: each total against the comparison.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return _optional(data, "by_weekday", "by_hour", "compare_to", "comparison", "growth")


class FinancialFiguresSerializer(serializers.Serializer):
    gross_sales = MoneyField(max_digits=18, help_text="Σ subtotals: the lines before discounts.")
    discounts = MoneyField(max_digits=18)
    refunds = MoneyField(max_digits=18, help_text="Money refunded in the bucket on orders not cancelled.")
    net_sales = MoneyField(max_digits=18, help_text="grossSales − discounts − refunds.")
    tax = MoneyField(max_digits=18)
    shipping = MoneyField(max_digits=18)
    cost_of_goods = MoneyField(max_digits=18, help_text="Σ unit cost × quantity; lines without a cost count as 0.")
    gross_profit = MoneyField(max_digits=18, help_text="netSales − costOfGoods.")
    gross_margin = _percent("grossProfit / netSales in percent, two decimals; null when netSales is 0.")
    lines_without_cost = serializers.IntegerField(help_text="Lines whose product had no cost (counted as 0).")


class FinancialPeriodSerializer(PeriodField, FinancialFiguresSerializer):
    pass


class PaymentMethodSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payments = serializers.IntegerField(help_text="Succeeded payments recorded in the range.")
    collected = MoneyField(max_digits=18, help_text="Σ those payments.")
    refunds = serializers.IntegerField(help_text="Succeeded refunds recorded in the range.")
    refunded = MoneyField(max_digits=18, help_text="Σ those refunds.")
    net = MoneyField(max_digits=18, help_text="collected − refunded.")


class FinancialComparisonSerializer(ComparisonPeriodSerializer):
    totals = FinancialFiguresSerializer()


class FinancialGrowthSerializer(serializers.Serializer):
    gross_sales = _percent(GROWTH_HELP)
    discounts = _percent(GROWTH_HELP)
    refunds = _percent(GROWTH_HELP)
    net_sales = _percent(GROWTH_HELP)
    tax = _percent(GROWTH_HELP)
    shipping = _percent(GROWTH_HELP)
    cost_of_goods = _percent(GROWTH_HELP)
    gross_profit = _percent(GROWTH_HELP)


class FinancialReportSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="First day (the account's time zone), inclusive.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    granularity = serializers.ChoiceField(choices=GRANULARITIES)
    currency = serializers.CharField(help_text="The account's currency: every amount is in it.")
    totals = FinancialFiguresSerializer()
    series = FinancialPeriodSerializer(many=True, help_text="Every bucket of the range, in order (zeros when empty).")
    by_payment_method = PaymentMethodSerializer(
        many=True,
        help_text="Money moved in the range by payment method, most collected first: succeeded payments and "
        "refunds by the day they were recorded, whatever became of their orders (not the sales figures above).",
    )
    compare_to = serializers.ChoiceField(choices=COMPARISONS, required=False, help_text="Only with compareTo.")
    comparison = FinancialComparisonSerializer(required=False, help_text="Only with compareTo: its period and totals.")
    growth = FinancialGrowthSerializer(
        required=False, help_text="Only with compareTo: each total against the comparison."
    )

    def to_representation(self, instance):
        return _optional(super().to_representation(instance), "compare_to", "comparison", "growth")
