"""Query-parameter filters of the returns and reviews lists. An invalid value is a 400 INVALID_PARAMETER."""

from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, OrderingFilter

from .models import ReturnRequest, ReturnStatus, Review, ReviewStatus


class ReturnFilterSet(FilterSet):
    status = filters.ChoiceFilter(choices=ReturnStatus.choices)
    orderId = filters.CharFilter(field_name="order_id", max_length=40, help_text="Returns of this order.")
    customerId = filters.CharFilter(field_name="customer_id", max_length=40, help_text="Returns of this customer.")
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(("created_at", "createdAt"), ("status", "status")),
        help_text="createdAt or status; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = ReturnRequest
        fields = []


class ReviewFilterSet(FilterSet):
    status = filters.ChoiceFilter(choices=ReviewStatus.choices, help_text="Moderation status.")
    productId = filters.CharFilter(field_name="product_id", max_length=40, help_text="Reviews of this product.")
    customerId = filters.CharFilter(field_name="customer_id", max_length=40, help_text="Reviews by this customer.")
    rating = filters.TypedChoiceFilter(
        field_name="rating", choices=[(str(n), str(n)) for n in range(1, 6)], coerce=int, help_text="1 to 5 stars."
    )
    # A typed choice rather than BooleanFilter, which quietly ignores values it cannot read ("maybe").
    verified = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: verified purchases only; false: the others.",
    )
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = OrderingFilter(
        fields=(("created_at", "createdAt"), ("rating", "rating")),
        help_text="createdAt or rating; prefix - for descending. Default -createdAt.",
    )

    class Meta:
        model = Review
        fields = []


class ProductReviewFilterSet(FilterSet):
    productId = filters.CharFilter(
        field_name="product_id", max_length=40, help_text="The product (prod_… id); left out: every product."
    )

    class Meta:
        model = Review
        fields = []
