"""OpenAPI examples of the loyalty bodies (camelCase, as on the wire)."""

from drf_spectacular.utils import OpenApiExample

PROGRAM_ID = "loy_0Q3iD1aB2cD3eF4gH5iJ6k"
SILVER_ID = "tier_0Q3iD2aB2cD3eF4gH5iJ6k"
GOLD_ID = "tier_0Q3iD3aB2cD3eF4gH5iJ6k"
MEMBER_ID = "lmem_0Q3iE1aB2cD3eF4gH5iJ6k"
TRANSACTION_ID = "ptx_0Q3iF1aB2cD3eF4gH5iJ6k"
CUSTOMER_ID = "cus_789"
ORDER_ID = "ord_123456"

TIERS = [
    {"name": "Silver", "threshold": 500.0, "multiplier": 1.25},
    {"name": "Gold", "threshold": 2000.0, "multiplier": 1.5},
]
PROGRAM_CREATE = {
    "name": "Rewards",
    "description": "1 point per dollar, 100 points = $1",
    "pointsPerCurrencyUnit": 1.0,
    "pointValue": 0.01,
    "minimumRedemption": 100,
    "expiryMonths": 12,
    "tierBasis": "points",
    "tiers": TIERS,
    "active": True,
}
PROGRAM = {
    "id": PROGRAM_ID,
    **PROGRAM_CREATE,
    "tiers": [{"id": SILVER_ID, **TIERS[0]}, {"id": GOLD_ID, **TIERS[1]}],
    "createdAt": "2024-01-10T09:00:00Z",
    "updatedAt": "2024-01-10T09:00:00Z",
}
PROGRAMS = [
    OpenApiExample("Points per dollar with two tiers", value=PROGRAM_CREATE, request_only=True),
    OpenApiExample("A program", value=PROGRAM, response_only=True),
]
PROGRAM_PATCH = [
    OpenApiExample("Points now last two years", value={"expiryMonths": 24}, request_only=True),
    OpenApiExample("Switch the program off", value={"active": False}, request_only=True),
]

MEMBER = {
    "id": MEMBER_ID,
    "customerId": CUSTOMER_ID,
    "customerName": "John Doe",
    "customerEmail": "john@example.com",
    "pointsBalance": 640,
    "tier": {"id": SILVER_ID, "name": "Silver", "multiplier": 1.25},
    "lifetimePoints": 740,
    "lifetimeSpend": 712.5,
    "pointsExpiringSoon": {"points": 120, "before": "2024-03-01T00:00:00Z"},
    "nextTier": {"id": GOLD_ID, "name": "Gold", "threshold": 2000.0, "toGo": 1260.0},
    "joinedAt": "2024-01-12T16:20:00Z",
}
MEMBERS = [OpenApiExample("A Silver member", value=MEMBER, response_only=True)]

TRANSACTION = {
    "id": TRANSACTION_ID,
    "kind": "redeem",
    "points": -500,
    "balanceAfter": 640,
    "orderId": ORDER_ID,
    "note": "500 points redeemed for 5.00 USD off order " + ORDER_ID,
    "remaining": 0,
    "expiresAt": None,
    "createdAt": "2024-01-30T11:00:00Z",
}
EARNED = {
    **TRANSACTION,
    "id": "ptx_0Q3iF0aB2cD3eF4gH5iJ6k",
    "kind": "earn",
    "points": 140,
    "balanceAfter": 1140,
    "note": "Order " + ORDER_ID + " delivered: 140.00 USD × 1.0000 × 1",
    "remaining": 140,
    "expiresAt": "2025-01-20T10:00:00Z",
    "createdAt": "2024-01-20T10:00:00Z",
}
TRANSACTIONS = [
    OpenApiExample("Redeemed on an order", value=TRANSACTION, response_only=True),
    OpenApiExample("Earned on a delivered order", value=EARNED, response_only=True),
]

REDEEM = [
    OpenApiExample(
        "Redeem 500 points on an order",
        value={"customerId": CUSTOMER_ID, "points": 500, "orderId": ORDER_ID},
        request_only=True,
    ),
    OpenApiExample(
        "Redeemed",
        value={
            "transaction": TRANSACTION,
            "pointsBalance": 640,
            "amount": 5.0,
            "order": {"id": ORDER_ID, "discount": 5.0, "total": 103.0, "currency": "USD"},
        },
        response_only=True,
    ),
]
ADJUST = [
    OpenApiExample(
        "Goodwill points",
        value={"customerId": CUSTOMER_ID, "points": 200, "note": "Sorry for the late delivery"},
        request_only=True,
    ),
    OpenApiExample(
        "Correction",
        value={"customerId": CUSTOMER_ID, "points": -50, "note": "Points given twice by mistake"},
        request_only=True,
    ),
    OpenApiExample(
        "Adjusted",
        value={
            "transaction": {
                **TRANSACTION,
                "kind": "adjust",
                "points": 200,
                "balanceAfter": 840,
                "orderId": None,
                "note": "Sorry for the late delivery",
                "remaining": 200,
                "expiresAt": "2025-01-30T11:00:00Z",
            },
            "pointsBalance": 840,
        },
        response_only=True,
    ),
]
