"""The customers report's answer."""

from rest_framework import serializers

from omnisales.api.serializers import MoneyField

from ..selectors.common import COMPARISONS
from ..selectors.customers import RFM_ROWS

GROWTH_HELP = "Percent change against the comparison period, two decimals; null when that period had none."


def _percent(help_text: str):
    return serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=help_text
    )


class RfmSegmentFiguresSerializer(serializers.Serializer):
    segment = serializers.ChoiceField(
        choices=RFM_ROWS, help_text="An RFM segment, or unscored: customers with orders the last refresh left out."
    )
    customers = serializers.IntegerField(help_text="Active customers with orders in the segment.")
    share = _percent("Percent of all the rows' customers, two decimals; null when there are none.")
    total_spent = MoneyField(max_digits=18, help_text="Σ their totalSpent as of now.")


class MonthCustomersSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day (the account's time zone).")
    new_customers = serializers.IntegerField(help_text="Customers whose first order was placed that month.")
    returning_customers = serializers.IntegerField(
        help_text="Customers acquired in an earlier month with an order that month."
    )


class CohortActivitySerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    months_since = serializers.IntegerField(help_text="Months after the cohort's month (0: the cohort's month).")
    customers = serializers.IntegerField(help_text="Customers of the cohort with an order that month.")
    orders = serializers.IntegerField(help_text="Their orders that month (not cancelled).")
    retention = _percent("customers / size in percent, two decimals; null when the cohort is empty.")


class CohortSerializer(serializers.Serializer):
    cohort = serializers.DateField(help_text="First day of the month of the customers' first order.")
    size = serializers.IntegerField(help_text="Customers whose first order (not cancelled) is in that month.")
    months = CohortActivitySerializer(many=True, help_text="Every month from the cohort's to the range's last.")


class CustomersReportSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="First day (the account's time zone), inclusive.")
    end_date = serializers.DateField(help_text="Last day, inclusive.")
    compare_to = serializers.ChoiceField(choices=COMPARISONS)
    currency = serializers.CharField(help_text="The account's currency: every amount is in it.")
    new_customers = serializers.IntegerField(
        help_text="Orders placed in the period (on channel) that are their customer's first order not cancelled."
    )
    new_customers_growth = _percent(GROWTH_HELP)
    orders_from_new = serializers.IntegerField(
        help_text="Orders of new customers: their first orders (= newCustomers)."
    )
    orders_from_new_growth = _percent(GROWTH_HELP)
    orders_from_returning = serializers.IntegerField(
        help_text="The period's other orders (not cancelled): orders − newCustomers."
    )
    orders_from_returning_growth = _percent(GROWTH_HELP)
    acquired_customers = serializers.IntegerField(
        help_text="Customers whose firstOrderDate (their stats: cancelled and fully refunded orders left out) is in "
        "the period; all channels."
    )
    repeat_customers = serializers.IntegerField(help_text="Of acquiredCustomers, those with totalOrders ≥ 2 now.")
    repeat_purchase_rate = _percent("repeatCustomers / acquiredCustomers in percent; null without acquired customers.")
    customers_with_orders = serializers.IntegerField(help_text="The account's customers with totalOrders > 0.")
    average_lifetime_value = MoneyField(
        max_digits=18, help_text="Average totalSpent of customersWithOrders; 0 without them."
    )
    cohort_lifetime_value = MoneyField(
        max_digits=18, help_text="Average totalSpent of acquiredCustomers; 0 without them."
    )
    rfm_computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the RFM segments were last refreshed; null before the first refresh."
    )
    rfm_distribution = RfmSegmentFiguresSerializer(
        many=True, help_text="Every RFM segment (zeros included), then unscored: the whole store, all channels."
    )
    by_month = MonthCustomersSerializer(
        many=True, help_text="Every calendar month the range touches, whole months, all channels."
    )
    cohorts = CohortSerializer(many=True, help_text="Every cohort month the range touches, oldest first; all channels.")
