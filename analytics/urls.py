from django.urls import path

from .views.customers import CustomersReportView
from .views.products import ProductsReportView
from .views.sales import DashboardView, FinancialView, SalesView

urlpatterns = [
    path("analytics/dashboard", DashboardView.as_view(), name="analytics-dashboard"),
    path("analytics/sales", SalesView.as_view(), name="analytics-sales"),
    path("analytics/financial", FinancialView.as_view(), name="analytics-financial"),
    path("analytics/customers", CustomersReportView.as_view(), name="analytics-customers"),
    path("analytics/products", ProductsReportView.as_view(), name="analytics-products"),
]
