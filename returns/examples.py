"""OpenAPI examples of the returns and reviews bodies (camelCase, as on the wire)."""

from drf_spectacular.utils import OpenApiExample

from catalog.examples import PRODUCT_ID
from inventory.examples import WAREHOUSE_ID

ORDER_ID = "ord_123456"
ORDER_ITEM_ID = "item_1"
CUSTOMER_ID = "cus_789"
RETURN_ID = "ret_0Q3iA1bC2dE3fG4hI5jK6l"
REFUND_ID = "retr_0Q3iB7mN8oP9qR0sT1uV2w"
REVIEW_ID = "rev_0Q3iC3xY4zA5bC6dE7fG8h"

RETURN_CREATE = {
    "orderId": ORDER_ID,
    "items": [{"orderItemId": ORDER_ITEM_ID, "quantity": 1, "reason": "defective"}],
    "note": "Customer called on Monday",
    "customerNote": "The screen flickers",
}
RETURN_ITEM = {
    "id": "reti_0Q3iA1bC2dE3fG4hI5jK6m",
    "orderItemId": ORDER_ITEM_ID,
    "productId": PRODUCT_ID,
    "variantId": None,
    "productName": "Laptop",
    "sku": "LAPTOP-14-SLV",
    "price": 999.99,
    "quantity": 1,
    "reason": "defective",
    "quantityReceived": 1,
    "quantityRestocked": 1,
    "quantityDamaged": 0,
}
REFUND = {
    "id": REFUND_ID,
    "returnId": RETURN_ID,
    "orderId": ORDER_ID,
    "amount": 1079.98,
    "currency": "USD",
    "includeShipping": False,
    "reason": "Defective screen",
    "status": "succeeded",
    "method": "card",
    "paymentId": "pay_0Q3h9aB8cD7eF6gH5iJ4kL",
    "providerRefundId": "rfd_0Q3iB7mN8oP9qR0sT1uV2x",
    "refundedAt": "2024-01-22T09:05:00Z",
    "createdAt": "2024-01-22T09:05:00Z",
}
RETURN = {
    "id": RETURN_ID,
    "orderId": ORDER_ID,
    "customerId": CUSTOMER_ID,
    "status": "refunded",
    "items": [RETURN_ITEM],
    "note": "Customer called on Monday",
    "customerNote": "The screen flickers",
    "decisionNote": "Approved: within 30 days",
    "warehouseId": WAREHOUSE_ID,
    "amountRefunded": 1079.98,
    "currency": "USD",
    "refunds": [REFUND],
    "authorizedAt": "2024-01-18T10:00:00Z",
    "rejectedAt": None,
    "receivedAt": "2024-01-21T15:30:00Z",
    "refundedAt": "2024-01-22T09:05:00Z",
    "closedAt": None,
    "createdAt": "2024-01-17T08:00:00Z",
    "updatedAt": "2024-01-22T09:05:00Z",
}
RETURNS = [
    OpenApiExample("A defective laptop", value=RETURN_CREATE, request_only=True),
    OpenApiExample("Refunded", value=RETURN, response_only=True),
]
AUTHORIZE = [
    OpenApiExample(
        "Approve", value={"returnId": RETURN_ID, "approve": True, "note": "Approved: within 30 days"}, request_only=True
    ),
    OpenApiExample(
        "Reject", value={"returnId": RETURN_ID, "approve": False, "note": "Past 30 days"}, request_only=True
    ),
]
RECEIVE = [
    OpenApiExample(
        "One back on the shelf",
        value={
            "warehouseId": WAREHOUSE_ID,
            "items": [{"orderItemId": ORDER_ITEM_ID, "quantity": 1, "condition": "sellable"}],
        },
        request_only=True,
    )
]
CLOSE = [OpenApiExample("Exchanged", value={"note": "Exchanged for a new unit"}, request_only=True)]
REFUNDS = [
    OpenApiExample("Refund the return", value={"returnId": RETURN_ID, "reason": "Defective screen"}, request_only=True),
    OpenApiExample(
        "Part of it, with shipping",
        value={"returnId": RETURN_ID, "amount": 25.0, "includeShipping": True, "reason": "Partial refund"},
        request_only=True,
    ),
    OpenApiExample(
        "Goodwill, without a return",
        value={"orderId": ORDER_ID, "amount": 10.0, "reason": "Late delivery"},
        request_only=True,
    ),
    OpenApiExample("Refund", value=REFUND, response_only=True),
]

REVIEW_CREATE = {
    "productId": PRODUCT_ID,
    "rating": 5,
    "title": "Fast and quiet",
    "body": "Boots in seconds and the battery lasts all day.",
    "customerId": CUSTOMER_ID,
    "orderId": ORDER_ID,
}
REVIEW = {
    "id": REVIEW_ID,
    "productId": PRODUCT_ID,
    "customerId": CUSTOMER_ID,
    "orderId": ORDER_ID,
    "rating": 5,
    "title": "Fast and quiet",
    "body": "Boots in seconds and the battery lasts all day.",
    "verified": True,
    "status": "approved",
    "reply": "Thank you, John!",
    "moderatedAt": "2024-01-20T12:00:00Z",
    "createdAt": "2024-01-19T18:00:00Z",
    "updatedAt": "2024-01-20T12:00:00Z",
}
REVIEWS = [
    OpenApiExample("Five stars", value=REVIEW_CREATE, request_only=True),
    OpenApiExample("Five stars", value=REVIEW, response_only=True),
]
MODERATE = [
    OpenApiExample(
        "Publish with a reply", value={"status": "approved", "reply": "Thank you, John!"}, request_only=True
    ),
    OpenApiExample("Hide", value={"status": "rejected"}, request_only=True),
]
PRODUCT_REVIEWS = [
    OpenApiExample(
        "A laptop's reviews",
        value={
            "productId": PRODUCT_ID,
            "summary": {"average": 4.5, "count": 2, "histogram": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}},
            "reviews": [REVIEW],
        },
        response_only=True,
    )
]
SETTINGS = [
    OpenApiExample("Publish verified reviews at once", value={"autoApproveVerified": True}, request_only=True),
    OpenApiExample("Settings", value={"autoApproveVerified": True}, response_only=True),
]
