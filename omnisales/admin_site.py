"""The admin: Omni Sales' own staff's back office across every merchant account (merchants never get in).
Its index opens on the sales dashboard."""

from django.contrib import admin

from orders.dashboard import sales_overview

from .charts import daily_chart


class OmniSalesAdminSite(admin.AdminSite):
    site_header = "Omni Sales"
    site_title = "Omni Sales"
    index_title = "Omni Sales back office"
    index_template = "admin/omnisales/index.html"
    # The index lists every model already; without the sidebar, changelists have the page's width for their columns.
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm("orders.view_order"):  # figures of every account: only for who may see orders
            sales = sales_overview()
            context["sales"] = sales
            context["charts"] = [(item, daily_chart(item.days, currency=item.currency)) for item in sales.currencies]
        return super().index(request, context)
