"""OpenAPI examples of the customers report (the docs and the Postman collection share them)."""

from drf_spectacular.utils import OpenApiExample

_SEGMENTS = (
    ("champions", 12, 9.45, 4180.0),
    ("loyal", 18, 14.17, 3920.5),
    ("potential_loyalist", 21, 16.54, 2310.0),
    ("new", 9, 7.09, 410.0),
    ("promising", 6, 4.72, 300.0),
    ("need_attention", 11, 8.66, 1210.0),
    ("about_to_sleep", 10, 7.87, 640.0),
    ("at_risk", 8, 6.3, 1480.0),
    ("cannot_lose_them", 3, 2.36, 1150.0),
    ("hibernating", 14, 11.02, 700.0),
    ("lost", 12, 9.45, 360.0),
    ("unscored", 3, 2.36, 95.0),
)


def _cohort(cohort: str, size: int, activity) -> dict:
    return {
        "cohort": cohort,
        "size": size,
        "months": [
            {
                "month": month,
                "monthsSince": since,
                "customers": customers,
                "orders": orders,
                "retention": round(customers * 100 / size, 2),
            }
            for since, (month, customers, orders) in enumerate(activity)
        ],
    }


CUSTOMERS_VALUE = {
    "startDate": "2024-01-01",
    "endDate": "2024-03-31",
    "compareTo": "previous_period",
    "currency": "USD",
    "newCustomers": 60,
    "newCustomersGrowth": 20.0,
    "ordersFromNew": 60,
    "ordersFromNewGrowth": 20.0,
    "ordersFromReturning": 94,
    "ordersFromReturningGrowth": -6.0,
    "acquiredCustomers": 58,
    "repeatCustomers": 17,
    "repeatPurchaseRate": 29.31,
    "customersWithOrders": 127,
    "averageLifetimeValue": 131.45,
    "cohortLifetimeValue": 88.1,
    "rfmComputedAt": "2024-03-31T23:00:00Z",
    "rfmDistribution": [
        {"segment": segment, "customers": customers, "share": share, "totalSpent": spent}
        for segment, customers, share, spent in _SEGMENTS
    ],
    "byMonth": [
        {"month": "2024-01-01", "newCustomers": 25, "returningCustomers": 30},
        {"month": "2024-02-01", "newCustomers": 20, "returningCustomers": 28},
        {"month": "2024-03-01", "newCustomers": 15, "returningCustomers": 33},
    ],
    "cohorts": [
        _cohort("2024-01-01", 25, [("2024-01-01", 25, 27), ("2024-02-01", 6, 6), ("2024-03-01", 5, 7)]),
        _cohort("2024-02-01", 20, [("2024-02-01", 20, 21), ("2024-03-01", 4, 4)]),
        _cohort("2024-03-01", 15, [("2024-03-01", 15, 16)]),
    ],
}
CUSTOMERS = [OpenApiExample("A quarter against the one before", value=CUSTOMERS_VALUE, response_only=True)]
CUSTOMERS_CSV = (
    "cohort,size,month,monthsSince,customers,orders,retention\r\n"
    "2024-01-01,25,2024-01-01,0,25,27,100.00\r\n"
    "2024-01-01,25,2024-02-01,1,6,6,24.00\r\n"
    "2024-01-01,25,2024-03-01,2,5,7,20.00\r\n"
    "2024-02-01,20,2024-02-01,0,20,21,100.00\r\n"
    "2024-02-01,20,2024-03-01,1,4,4,20.00\r\n"
    "2024-03-01,15,2024-03-01,0,15,16,100.00\r\n"
)
CUSTOMERS_AS_CSV = [
    OpenApiExample("The cohorts as CSV", value=CUSTOMERS_CSV, media_type="text/csv", response_only=True),
]
