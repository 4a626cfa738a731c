"""The analytics answers."""

from rest_framework import serializers

from omnisales.api.serializers import MoneyField

from .selectors import COMPARISONS

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
