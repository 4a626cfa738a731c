"""The operator's view of the sales rollups: read-only (the order services keep them; `rebuild_rollups`
repairs them), listed by account and key."""

from django.contrib import admin

from omnisales.api.admin import ReadOnlyModelAdmin
from orders.models import CohortMonth, PaymentDay, ProductSalesDay, ProductSalesMonth, SalesDay, SalesHour

ACCOUNT_SEARCH = ["account__id", "account__name"]


@admin.register(SalesDay)
class SalesDayAdmin(ReadOnlyModelAdmin):
    list_display = ["day", "account", "channel", "orders", "units", "total", "refunds", "discounts", "new_customers"]
    list_filter = ["account", "channel", ("day", admin.DateFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ACCOUNT_SEARCH
    date_hierarchy = "day"
    ordering = ["-day", "account", "channel"]


@admin.register(SalesHour)
class SalesHourAdmin(ReadOnlyModelAdmin):
    list_display = ["day", "hour", "account", "channel", "orders", "units", "total", "refunds"]
    list_filter = ["account", "channel", "hour", ("day", admin.DateFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ACCOUNT_SEARCH
    date_hierarchy = "day"
    ordering = ["-day", "hour", "account", "channel"]


PRODUCT_SALES_COLUMNS = ["account", "channel", "product", "variant", "units", "gross_sales", "discounts"]


class ProductSalesAdmin(ReadOnlyModelAdmin):
    """A variant's sales by day or by month: the two tables differ only in their date column."""

    list_select_related = ["account", "product", "variant"]
    search_fields = [*ACCOUNT_SEARCH, "product__id", "product__name", "variant__sku"]


@admin.register(ProductSalesDay)
class ProductSalesDayAdmin(ProductSalesAdmin):
    list_display = ["day", *PRODUCT_SALES_COLUMNS]
    list_filter = ["account", "channel", ("day", admin.DateFieldListFilter)]
    date_hierarchy = "day"
    ordering = ["-day", "account", "channel", "variant"]


@admin.register(ProductSalesMonth)
class ProductSalesMonthAdmin(ProductSalesAdmin):
    list_display = ["month", *PRODUCT_SALES_COLUMNS]
    list_filter = ["account", "channel", ("month", admin.DateFieldListFilter)]
    date_hierarchy = "month"
    ordering = ["-month", "account", "channel", "variant"]


@admin.register(PaymentDay)
class PaymentDayAdmin(ReadOnlyModelAdmin):
    list_display = ["day", "account", "channel", "method", "payments", "collected", "refunds", "refunded"]
    list_filter = ["account", "channel", "method", ("day", admin.DateFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ACCOUNT_SEARCH
    date_hierarchy = "day"
    ordering = ["-day", "account", "channel", "method"]


@admin.register(CohortMonth)
class CohortMonthAdmin(ReadOnlyModelAdmin):
    list_display = ["cohort", "month", "account", "customers", "orders"]
    list_filter = ["account", ("cohort", admin.DateFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ACCOUNT_SEARCH
    date_hierarchy = "cohort"
    ordering = ["-cohort", "month", "account"]
