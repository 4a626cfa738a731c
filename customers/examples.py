"""OpenAPI examples of the customer bodies (camelCase, as on the wire). Jane Smith (`cus_123`) and her update
are the public API document's own examples."""

from drf_spectacular.utils import OpenApiExample

CUSTOMER_ID = "cus_123"
SHIPPING_ADDRESS = {
    "line1": "123 Main St",
    "line2": "Apt 4B",
    "city": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "country": "US",
}
CUSTOMER = {
    "id": CUSTOMER_ID,
    "name": "Jane Smith",
    "email": "jane@example.com",
    "phone": "+1234567890",
    "address": "123 Main St, City, State 12345",
    "shippingAddress": SHIPPING_ADDRESS,
    "tags": ["vip", "regular"],
    "acceptsEmailMarketing": True,
    "acceptsSmsMarketing": False,
    "totalOrders": 15,
    "totalSpent": 5432.10,
    "firstOrderDate": "2023-06-03T11:20:00Z",
    "lastOrderDate": "2024-01-10T14:30:00Z",
    "isAnonymized": False,
    "anonymizedAt": None,
    "createdAt": "2023-06-01T09:00:00Z",
    "updatedAt": "2024-01-10T14:30:00Z",
}
CUSTOMER_CREATE = {
    "name": "Jane Smith",
    "email": "jane@example.com",
    "phone": "+14155552671",
    "address": "123 Main St, City, State 12345",
    "shippingAddress": SHIPPING_ADDRESS,
    "tags": ["vip", "regular"],
    "acceptsEmailMarketing": True,
    "acceptsSmsMarketing": False,
}
CUSTOMERS = [
    OpenApiExample("Jane Smith", value=CUSTOMER_CREATE, request_only=True),
    OpenApiExample("Jane Smith", value=CUSTOMER, response_only=True),
]
CUSTOMER_RESPONSE = [CUSTOMERS[1]]
CUSTOMER_PUT = [
    OpenApiExample(
        "Update Jane's profile",
        value={
            "name": "Jane Smith",
            "email": "jane.new@example.com",
            "phone": "+1234567890",
            "address": "456 Oak Ave",
            "tags": ["vip"],
        },
        request_only=True,
    ),
]
CUSTOMER_PATCH = [
    OpenApiExample("Opt in to SMS", value={"acceptsSmsMarketing": True, "tags": ["vip", "sms"]}, request_only=True)
]

RFM_ENTRY = [
    OpenApiExample(
        "A champion",
        value={
            "customerId": CUSTOMER_ID,
            "name": "Jane Smith",
            "email": "jane@example.com",
            "recencyDays": 5,
            "frequency": 15,
            "monetary": 5432.10,
            "lastOrderDate": "2024-01-10T14:30:00Z",
            "recencyScore": 5,
            "frequencyScore": 5,
            "monetaryScore": 5,
            "rfmScore": "555",
            "segment": "champions",
            "segmentName": "Champions",
            "rfmComputedAt": "2024-01-15T10:00:00Z",
        },
        response_only=True,
    )
]

SEGMENT_RULES = {"totalSpent": {"min": 1000}, "tags": {"any": ["vip", "wholesale"]}}
SEGMENT_WRITE = {"name": "Big spenders", "description": "VIP or wholesale, over $1,000 spent.", "rules": SEGMENT_RULES}
CUSTOM_SEGMENT = {
    "id": "seg_0355tHq2Vn8LbK4xRz1mWc",
    "name": "Big spenders",
    "type": "custom",
    "description": "VIP or wholesale, over $1,000 spent.",
    "rules": SEGMENT_RULES,
    "customerCount": 37,
    "revenue": 86420.55,
    "orderCount": 412,
    "averageOrderValue": 209.76,
    "createdAt": "2024-01-12T08:00:00Z",
    "updatedAt": "2024-01-12T08:00:00Z",
}
RFM_SEGMENT = {
    "id": "champions",
    "name": "Champions",
    "type": "rfm",
    "description": "Bought recently, buy often and spend the most.",
    "rules": None,
    "customerCount": 58,
    "revenue": 214310.4,
    "orderCount": 903,
    "averageOrderValue": 237.33,
    "createdAt": None,
    "updatedAt": None,
}
SEGMENTS = [
    OpenApiExample("Big spenders", value=SEGMENT_WRITE, request_only=True),
    OpenApiExample("Custom segment", value=CUSTOM_SEGMENT, response_only=True),
    OpenApiExample("RFM segment", value=RFM_SEGMENT, response_only=True),
]
SEGMENT_PATCH = [
    OpenApiExample("Raise the bar", value={"rules": {"totalSpent": {"min": 2500}}}, request_only=True),
    OpenApiExample("Custom segment", value=CUSTOM_SEGMENT, response_only=True),
]
