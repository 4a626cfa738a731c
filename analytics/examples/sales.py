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

SALES_VALUE = {
    "startDate": "2024-01-01",
    "endDate": "2024-01-10",
    "granularity": "week",
    "currency": "USD",
    "totals": {"revenue": 1520.0, "orders": 14, "units": 31, "averageOrderValue": 108.57},
    "series": [
        {"period": "2024-01-01", "revenue": 1180.0, "orders": 11, "units": 24, "averageOrderValue": 107.27},
        {"period": "2024-01-08", "revenue": 340.0, "orders": 3, "units": 7, "averageOrderValue": 113.33},
    ],
    "byChannel": [
        {"channel": "online", "revenue": 1100.0, "orders": 10, "units": 22, "share": 72.37},
        {"channel": "shopee", "revenue": 420.0, "orders": 4, "units": 9, "share": 27.63},
    ],
}
SALES = [
    OpenApiExample("Ten days by week", value=SALES_VALUE, response_only=True),
    OpenApiExample(
        "By weekday (groupBy=weekday)",
        value={
            **SALES_VALUE,
            "byWeekday": [
                {"weekday": day, "revenue": revenue, "orders": orders, "units": units}
                for day, revenue, orders, units in (
                    ("monday", 400.0, 4, 9),
                    ("tuesday", 300.0, 3, 6),
                    ("wednesday", 220.0, 2, 4),
                    ("thursday", 150.0, 1, 3),
                    ("friday", 250.0, 2, 5),
                    ("saturday", 200.0, 2, 4),
                    ("sunday", 0.0, 0, 0),
                )
            ],
        },
        response_only=True,
    ),
    OpenApiExample(
        "By hour of day (groupBy=hourOfDay)",
        value={
            **SALES_VALUE,
            "byHour": [
                {"hour": hour, "revenue": revenue, "orders": orders, "units": units}
                for hour, (revenue, orders, units) in enumerate(
                    [(0.0, 0, 0)] * 9
                    + [(110.0, 1, 2), (240.0, 2, 5), (180.0, 2, 4), (300.0, 3, 6), (210.0, 2, 4)]
                    + [(0.0, 0, 0)] * 5
                    + [(320.0, 3, 7), (160.0, 1, 3)]
                    + [(0.0, 0, 0)] * 3
                )
            ],
        },
        response_only=True,
    ),
]
SALES.append(
    OpenApiExample(
        "Against the previous period (compareTo=previous_period)",
        value={
            **SALES_VALUE,
            "compareTo": "previous_period",
            "comparison": {
                "startDate": "2023-12-22",
                "endDate": "2023-12-31",
                "totals": {"revenue": 1900.0, "orders": 16, "units": 35, "averageOrderValue": 118.75},
            },
            "growth": {"revenue": -20.0, "orders": -12.5, "units": -11.43, "averageOrderValue": -8.56},
        },
        response_only=True,
    )
)
SALES_CSV = (
    "period,revenue,orders,units,averageOrderValue\r\n"
    "2024-01-01,1180.00,11,24,107.27\r\n"
    "2024-01-08,340.00,3,7,113.33\r\n"
)
SALES_AS_CSV = [OpenApiExample("The series as CSV", value=SALES_CSV, media_type="text/csv", response_only=True)]

FINANCIAL_VALUE = {
    "startDate": "2024-01-01",
    "endDate": "2024-02-29",
    "granularity": "month",
    "currency": "USD",
    "totals": {
        "grossSales": 9800.0,
        "discounts": 300.0,
        "refunds": 500.0,
        "netSales": 9000.0,
        "tax": 720.0,
        "shipping": 150.0,
        "costOfGoods": 5400.0,
        "grossProfit": 3600.0,
        "grossMargin": 40.0,
        "linesWithoutCost": 2,
    },
    "series": [
        {
            "period": "2024-01-01",
            "grossSales": 5000.0,
            "discounts": 200.0,
            "refunds": 300.0,
            "netSales": 4500.0,
            "tax": 360.0,
            "shipping": 80.0,
            "costOfGoods": 2800.0,
            "grossProfit": 1700.0,
            "grossMargin": 37.78,
            "linesWithoutCost": 2,
        },
        {
            "period": "2024-02-01",
            "grossSales": 4800.0,
            "discounts": 100.0,
            "refunds": 200.0,
            "netSales": 4500.0,
            "tax": 360.0,
            "shipping": 70.0,
            "costOfGoods": 2600.0,
            "grossProfit": 1900.0,
            "grossMargin": 42.22,
            "linesWithoutCost": 0,
        },
    ],
    "byPaymentMethod": [
        {"method": "credit_card", "payments": 61, "collected": 7400.0, "refunds": 3, "refunded": 400.0, "net": 7000.0},
        {"method": "cash", "payments": 22, "collected": 2100.0, "refunds": 1, "refunded": 100.0, "net": 2000.0},
        {"method": "marketplace", "payments": 9, "collected": 1020.0, "refunds": 0, "refunded": 0.0, "net": 1020.0},
    ],
}
FINANCIAL = [OpenApiExample("Two months", value=FINANCIAL_VALUE, response_only=True)]
FINANCIAL_CSV = (
    "period,grossSales,discounts,refunds,netSales,tax,shipping,costOfGoods,grossProfit,grossMargin,linesWithoutCost\r\n"
    "2024-01-01,5000.00,200.00,300.00,4500.00,360.00,80.00,2800.00,1700.00,37.78,2\r\n"
    "2024-02-01,4800.00,100.00,200.00,4500.00,360.00,70.00,2600.00,1900.00,42.22,0\r\n"
)
FINANCIAL_AS_CSV = [
    OpenApiExample("The series as CSV", value=FINANCIAL_CSV, media_type="text/csv", response_only=True),
]
