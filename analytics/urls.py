from django.urls import path

from .views.sales import DashboardView, FinancialView, SalesView

urlpatterns = [
    path("analytics/dashboard", DashboardView.as_view(), name="analytics-dashboard"),
    path("analytics/sales", SalesView.as_view(), name="analytics-sales"),
    path("analytics/financial", FinancialView.as_view(), name="analytics-financial"),
]
