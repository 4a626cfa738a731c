"""The operator's view of the daily sales rollups: read-only (the order services keep them; `rebuild_rollups`
repairs them), listed by account, day and channel."""

from django.contrib import admin

from omnisales.api.admin import ReadOnlyModelAdmin
from orders.models import SalesDay


@admin.register(SalesDay)
class SalesDayAdmin(ReadOnlyModelAdmin):
    list_display = ["day", "account", "channel", "orders", "units", "total", "refunds", "discounts", "new_customers"]
    list_filter = ["account", "channel", ("day", admin.DateFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ["account__id", "account__name"]
    date_hierarchy = "day"
    ordering = ["-day", "account", "channel"]
