"""OpenAPI examples of the analytics answers (the docs and the Postman collection share them)."""

from drf_spectacular.utils import OpenApiExample

DASHBOARD_VALUE = {
    "startDate": "2024-01-01",
    "endDate": "2024-01-31",
    "compareTo": "previous_period",
    "currency": "USD",
    "totalRevenue": 48210.5,
    "totalOrders": 412,
    "totalCustomers": 97,
    "averageOrderValue": 117.02,
    "revenueGrowth": 12.4,
    "ordersGrowth": 8.99,
    "customersGrowth": None,
}
DASHBOARD = [OpenApiExample("January against December", value=DASHBOARD_VALUE, response_only=True)]
DASHBOARD_CSV = (
    "startDate,endDate,compareTo,currency,totalRevenue,totalOrders,totalCustomers,averageOrderValue,revenueGrowth,"
    "ordersGrowth,customersGrowth\r\n"
    "2024-01-01,2024-01-31,previous_period,USD,48210.50,412,97,117.02,12.40,8.99,\r\n"
)
DASHBOARD_AS_CSV = [
    OpenApiExample("January as CSV", value=DASHBOARD_CSV, media_type="text/csv", response_only=True),
]
