"""OpenAPI examples of the discount code bodies (camelCase, as on the wire)."""

from drf_spectacular.utils import OpenApiExample

from catalog.examples import CATEGORY_ID, PRODUCT_ID, TEE_ID, VARIANT_ID

DISCOUNT_ID = "disc_0Q3jA1bC2dE3fG4hI5jK6l"
REDEMPTION_ID = "drd_0Q3jB7mN8oP9qR0sT1uV2w"
BATCH_ID = "batch_0Q3jC3xY4zA5bC6dE7fG8h"
ORDER_ID = "ord_0Q3jD1aB2cD3eF4gH5iJ6k"
CUSTOMER_ID = "cus_123"

CODE_WRITE = {
    "code": "SUMMER2024",
    "description": "Summer sale: 15% off everything",
    "type": "percentage",
    "value": 15.0,
    "minimumOrderTotal": 50.0,
    "startsAt": "2024-06-01T00:00:00Z",
    "endsAt": "2024-09-01T00:00:00Z",
    "usageLimit": 500,
    "perCustomerLimit": 1,
    "appliesTo": "all",
    "productIds": [],
    "categoryIds": [],
    "combinable": False,
    "active": True,
}
CATEGORY_CODE_WRITE = {
    "code": "LAPTOP50",
    "description": "50 off any laptop",
    "type": "fixed_amount",
    "value": 50.0,
    "appliesTo": "categories",
    "categoryIds": [CATEGORY_ID],
}
CODE = {
    "id": DISCOUNT_ID,
    **CODE_WRITE,
    "currency": "USD",
    "timesUsed": 42,
    "status": "current",
    "batch": "",
    "createdAt": "2024-05-20T09:00:00Z",
    "updatedAt": "2024-05-20T09:00:00Z",
}
CODES = [
    OpenApiExample("15% off orders of 50 or more", value=CODE_WRITE, request_only=True),
    OpenApiExample("A fixed amount off a category", value=CATEGORY_CODE_WRITE, request_only=True),
    OpenApiExample("Discount code", value=CODE, response_only=True),
]
CODE_PATCH = [OpenApiExample("Deactivate", value={"active": False}, request_only=True)]

GENERATE = {
    "quantity": 100,
    "prefix": "VIP-",
    "length": 8,
    "description": "VIP newsletter, one use each",
    "type": "fixed_amount",
    "value": 10.0,
    "endsAt": "2024-12-31T23:59:59Z",
    "appliesTo": "products",
    "productIds": [PRODUCT_ID],
}
GENERATED = {
    "batch": BATCH_ID,
    "count": 2,
    "codes": [
        {"id": "disc_0Q3jE1aB2cD3eF4gH5iJ6k", "code": "VIP-7KQ4M9XT"},
        {"id": "disc_0Q3jE1aB2cD3eF4gH5iJ6m", "code": "VIP-R2HW8NPC"},
    ],
}
GENERATION = [
    OpenApiExample("100 single-use codes", value=GENERATE, request_only=True),
    OpenApiExample("Generated (two shown)", value=GENERATED, response_only=True),
]

VALIDATE = {"code": "SUMMER2024", "orderTotal": 100.00}
VALIDATE_CART = {
    "code": "summer2024",
    "customerId": CUSTOMER_ID,
    "items": [
        {"productId": PRODUCT_ID, "quantity": 2, "price": 30.0},
        {"productId": TEE_ID, "variantId": VARIANT_ID, "quantity": 1, "price": 40.0},
    ],
    "shipping": 5.0,
}
VALID = {
    "valid": True,
    "code": "SUMMER2024",
    "discountId": DISCOUNT_ID,
    "type": "percentage",
    "currency": "USD",
    "orderTotal": 100.0,
    "discountAmount": 15.0,
    "shippingDiscount": 0.0,
    "totalAfterDiscount": 85.0,
    "lineDiscounts": [],
    "reason": None,
    "message": None,
}
NOT_VALID = {
    **VALID,
    "valid": False,
    "orderTotal": 40.0,
    "discountAmount": 0.0,
    "totalAfterDiscount": 40.0,
    "reason": "below_minimum",
    "message": "The order is below this discount code's minimum order total",
}
VALIDATION = [
    OpenApiExample("An order total", value=VALIDATE, request_only=True),
    OpenApiExample("A cart of a customer", value=VALIDATE_CART, request_only=True),
    OpenApiExample("Valid", value=VALID, response_only=True),
    OpenApiExample("Not valid", value=NOT_VALID, response_only=True),
]

REDEMPTION = {
    "id": REDEMPTION_ID,
    "discountId": DISCOUNT_ID,
    "code": "SUMMER2024",
    "orderId": ORDER_ID,
    "customerId": CUSTOMER_ID,
    "amount": 15.0,
    "releasedAt": None,
    "createdAt": "2024-06-12T14:03:00Z",
}
REDEMPTIONS = [OpenApiExample("Redemption", value=REDEMPTION, response_only=True)]
