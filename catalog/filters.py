"""Query parameters of the product and category lists (and of the CSV export, which shares them)."""

from django.db.models import Q
from django_filters import rest_framework as filters

from omnisales.api.filters import DateTimeFilter, FilterSet, JSONArrayContainsFilter, OrderingFilter

from . import selectors
from .models import Category, Product, ProductStatus

_money = {"max_digits": 14, "decimal_places": 2}


class ProductFilter(FilterSet):
    categoryId = filters.CharFilter(
        method="filter_category", max_length=40, help_text="A category id; products in its subcategories count too."
    )
    category = filters.CharFilter(method="filter_category", max_length=40, help_text="Alias of categoryId.")
    status = filters.ChoiceFilter(choices=ProductStatus.choices)
    search = filters.CharFilter(method="filter_search", max_length=200, help_text="Part of the name, SKU or barcode.")
    sku = filters.CharFilter(field_name="sku", max_length=64, help_text="Exact SKU.")
    minPrice = filters.NumberFilter(field_name="price", lookup_expr="gte", **_money)
    maxPrice = filters.NumberFilter(field_name="price", lookup_expr="lte", **_money)
    tag = JSONArrayContainsFilter(field_name="tags", max_length=64, help_text="Products carrying this exact tag.")
    createdAfter = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdBefore = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    updatedAfter = DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="For syncing: products changed since."
    )
    ordering = OrderingFilter(
        fields=(("price", "price"), ("name", "name"), ("created_at", "createdAt"), ("sku", "sku")),
        help_text="price, name, createdAt or sku; prefix with - for descending. Default: -createdAt.",
    )

    class Meta:
        model = Product
        fields = []

    def filter_category(self, queryset, name, value):
        account = self.request.auth.account
        return queryset.filter(category_id__in=selectors.category_subtree_ids(account=account, category_id=value))

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(sku__icontains=value) | Q(barcode__icontains=value))


class CategoryFilter(FilterSet):
    parentId = filters.CharFilter(
        method="filter_parent", max_length=40, help_text="Direct children of this category; `root` for top level."
    )
    search = filters.CharFilter(method="filter_search", max_length=200, help_text="Part of the name or slug.")
    ordering = OrderingFilter(
        fields=(("position", "position"), ("name", "name"), ("created_at", "createdAt")),
        help_text="position, name or createdAt; prefix with - for descending. Default: position, name.",
    )

    class Meta:
        model = Category
        fields = []

    def filter_parent(self, queryset, name, value):
        if value == "root":
            return queryset.filter(parent__isnull=True)
        return queryset.filter(parent_id=value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))
