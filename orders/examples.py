"""OpenAPI examples of the order bodies (camelCase, as on the wire). The order, its item, the status update and
the create body are the public API document's own examples, with the fields it leaves out filled in."""

from drf_spectacular.utils import OpenApiExample

from catalog.examples import PRODUCT_ID, TEE_ID, VARIANT, VARIANT_CHOICES, VARIANT_ID

ORDER_ID = "ord_123456"
ACTOR = {"type": "user", "id": "usr_0355cgFiZNY3hNakRm1s5Q", "label": "jane@example.com"}

ITEM = {
    "id": "item_1",
    "productId": PRODUCT_ID,
    "productName": "Laptop",
    "sku": "LAPTOP-14-SLV",
    "variantId": None,
    "variantSku": None,
    "variantTitle": None,
    "quantity": 1,
    "price": 999.99,
    "lineTotal": 999.99,
    "discount": 0.0,
}
VARIANT_ITEM = {
    "id": "item_2",
    "productId": TEE_ID,
    "productName": "Organic T-shirt",
    "sku": VARIANT["sku"],
    "variantId": VARIANT_ID,
    "variantSku": VARIANT["sku"],
    "variantTitle": VARIANT["title"],
    "quantity": 2,
    "price": 25.0,
    "lineTotal": 50.0,
    "discount": 0.0,
}
ADDRESS = {
    "name": "John Doe",
    "line1": "742 Evergreen Terrace",
    "line2": "",
    "city": "Springfield",
    "region": "IL",
    "postalCode": "62704",
    "country": "US",
    "phone": "+12175550143",
}
ORDER = {
    "id": ORDER_ID,
    "customerId": "cus_789",
    "customerName": "John Doe",
    "items": [ITEM],
    "subtotal": 999.99,
    "tax": 79.99,
    "shipping": 20.00,
    "discount": 0.0,
    "discountCode": None,
    "total": 1099.98,
    "currency": "USD",
    "taxRate": 8.0,
    "pricesIncludeTax": False,
    "status": "processing",
    "channel": "online",
    "paymentMethod": "credit_card",
    "paymentStatus": "paid",
    "amountPaid": 1099.98,
    "amountRefunded": 0.0,
    "notes": "",
    "shippingAddress": ADDRESS,
    "externalId": "",
    "marketplace": None,
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-15T11:00:00Z",
}
MARKETPLACE_ORDER = {
    **ORDER,
    "items": [{**ITEM, "price": 59.9, "lineTotal": 59.9, "quantity": 1}],
    "subtotal": 69.8,
    "tax": 0.0,
    "shipping": 2.5,
    "total": 72.3,
    "currency": "SGD",
    "taxRate": 0.0,
    "pricesIncludeTax": True,
    "channel": "shopee",
    "paymentMethod": "marketplace",
    "amountPaid": 72.3,
    "externalId": "2204215JYEEFW0",
    "marketplace": {
        "connectionId": "conn_0Q3b9LmX2kTzRf8yV1aN4c",
        "platform": "shopee",
        "platformStatus": "READY_TO_SHIP",
        "discount": "0",
        "unmatchedItems": [{"sku": "GIFT-WRAP", "name": "Gift wrapping", "quantity": 1, "price": "9.9"}],
    },
}
DISCOUNTED_ORDER = {
    **ORDER,
    "items": [{**ITEM, "discount": 100.0}],
    "tax": 72.0,
    "discount": 100.0,
    "discountCode": "SUMMER10",
    "total": 991.99,
    "amountPaid": 991.99,
}
ORDERS = [
    OpenApiExample("Order", value=ORDER, response_only=True),
    OpenApiExample("Order with a 10% discount code", value=DISCOUNTED_ORDER, response_only=True),
    OpenApiExample("Order synced from Shopee, one line unmatched", value=MARKETPLACE_ORDER, response_only=True),
]
ITEMS = [
    OpenApiExample("Laptop", value=ITEM, response_only=True),
    OpenApiExample("A variant of a T-shirt", value=VARIANT_ITEM, response_only=True),
]
CREATE = [
    OpenApiExample(
        "Two units at a quoted price",
        value={"customerId": "cus_123", "items": [{"productId": PRODUCT_ID, "quantity": 2, "price": 99.99}]},
        request_only=True,
    ),
    OpenApiExample(
        "Phone order with shipping",
        value={
            "customerId": "cus_789",
            "items": [{"productId": PRODUCT_ID, "quantity": 1}],
            "channel": "phone",
            "paymentMethod": "cod",
            "shipping": 20.00,
            "shippingAddress": ADDRESS,
            "notes": "Leave at the back door.",
        },
        request_only=True,
    ),
    OpenApiExample(
        "With a discount code",
        value={
            "customerId": "cus_123",
            "items": [{"productId": PRODUCT_ID, "quantity": 1}],
            "discountCode": "SUMMER10",
        },
        request_only=True,
    ),
]
CREATE.append(
    OpenApiExample(
        "A variant of a product with options",
        value={"customerId": "cus_789", "items": [{"variantId": VARIANT_ID, "quantity": 2}]},
        request_only=True,
    )
)
VARIANT_REQUIRED = (
    "VARIANT_REQUIRED",
    f"{TEE_ID} has several variants: name one with variantId",
    {
        "items": [f"Line 0: {TEE_ID} has several variants: send variantId instead."],
        "variants": VARIANT_CHOICES,
    },
)
STATUS_UPDATE = [
    OpenApiExample("Ship it", value={"status": "shipped"}, request_only=True),
    OpenApiExample(
        "Cancel with a reason", value={"status": "cancelled", "note": "Customer changed their mind"}, request_only=True
    ),
]

SHIPPING_WRITE = {
    "address": ADDRESS,
    "method": "express",
    "carrier": "UPS",
    "trackingNumber": "1Z999AA10123456784",
    "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    "markShipped": False,
}
SHIPPING = {
    "address": ADDRESS,
    "method": "express",
    "carrier": "UPS",
    "trackingNumber": "1Z999AA10123456784",
    "trackingUrl": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    "shipping": 20.00,
    "status": "processing",
    "shippedAt": None,
    "deliveredAt": None,
}
SHIPPING_EXAMPLES = [
    OpenApiExample("Express with UPS", value=SHIPPING_WRITE, request_only=True),
    OpenApiExample("Express with UPS", value=SHIPPING, response_only=True),
]
SHIPPING_PATCH = [
    OpenApiExample("Add the tracking number", value={"trackingNumber": "1Z999AA10123456784"}, request_only=True),
    OpenApiExample("Express with UPS", value=SHIPPING, response_only=True),
]

PAYMENT = {
    "id": "opay_0355sYf2NpX6rAq8Ze4uSc",
    "orderId": ORDER_ID,
    "kind": "payment",
    "status": "succeeded",
    "amount": 50.00,
    "currency": "USD",
    "method": "bank_transfer",
    "provider": "manual",
    "providerReference": "",
    "reference": "TRX-20240115-0042",
    "note": "Deposit",
    "refundedPaymentId": None,
    "createdAt": "2024-01-15T12:00:00Z",
}
PAYMENTS = [OpenApiExample("Bank transfer", value=PAYMENT, response_only=True)]
PAYMENT_CREATE = [
    OpenApiExample(
        "Deposit by bank transfer",
        value={"amount": 50.00, "method": "bank_transfer", "reference": "TRX-20240115-0042", "note": "Deposit"},
        request_only=True,
    )
]

STATUS_EVENT = {
    "id": "evt_0355sZg5QrY9tBr1Af7vTd",
    "orderId": ORDER_ID,
    "type": "status_changed",
    "fromStatus": "pending",
    "toStatus": "processing",
    "note": "",
    "data": {},
    "actor": ACTOR,
    "createdAt": "2024-01-15T11:00:00Z",
}
NOTE_EVENT = {
    "id": "evt_0355sZh8SsZ2uCs4Bg0wUe",
    "orderId": ORDER_ID,
    "type": "note",
    "fromStatus": None,
    "toStatus": None,
    "note": "Customer asked for gift wrapping",
    "data": {},
    "actor": ACTOR,
    "createdAt": "2024-01-15T11:05:00Z",
}
EVENTS = [
    OpenApiExample("Status change", value=STATUS_EVENT, response_only=True),
    OpenApiExample("Note", value=NOTE_EVENT, response_only=True),
]
NOTE = [
    OpenApiExample("Gift wrapping", value={"note": "Customer asked for gift wrapping"}, request_only=True),
    OpenApiExample("Note", value=NOTE_EVENT, response_only=True),
]
TRANSITION_CONFLICT = (
    "INVALID_STATUS_TRANSITION",
    "An order cannot go from pending to shipped",
    {"from": "pending", "to": "shipped", "allowed": ["processing", "cancelled"]},
)
