"""OpenAPI examples of the CRM bodies (camelCase, as on the wire). John Doe's lead is the public API
document's own example."""

from drf_spectacular.utils import OpenApiExample

from catalog.examples import PRODUCT_ID

CUSTOMER_ID = "cus_123"
LEAD_ID = "lead_0Q3hZ5aFz8Kc2mVb7Xw1dZ"
OPPORTUNITY_ID = "opp_0Q3hZ8Lm2Pq4Rs6Tu8Vw0X"
OWNER_ID = "usr_0Q2uV3wX4yZ5aB6cD7eF8g"

LEAD_CREATE = {
    "name": "John Doe",
    "email": "john@example.com",
    "phone": "+1234567890",
    "company": "Acme Inc",
    "status": "new",
    "source": "website",
}
LEAD = {
    "id": LEAD_ID,
    **LEAD_CREATE,
    "ownerId": OWNER_ID,
    "tags": ["wholesale"],
    "customerId": None,
    "opportunityId": None,
    "convertedAt": None,
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-15T10:30:00Z",
}
LEADS = [
    OpenApiExample("John Doe", value=LEAD_CREATE, request_only=True),
    OpenApiExample("John Doe", value=LEAD, response_only=True),
]
LEAD_CREATED = [
    OpenApiExample(
        "John Doe, who is already a customer",
        value={
            **LEAD,
            "duplicates": [{"type": "customer", "id": CUSTOMER_ID, "name": "John Doe", "matchedOn": ["email"]}],
        },
        response_only=True,
    )
]
LEAD_PUT = [
    OpenApiExample(
        "Qualify John and take him on",
        value={**LEAD_CREATE, "status": "qualified", "tags": ["wholesale"]},
        request_only=True,
    )
]
LEAD_PATCH = [OpenApiExample("Mark contacted", value={"status": "contacted"}, request_only=True)]

ITEMS = [{"productId": PRODUCT_ID, "quantity": 10, "price": 899.0}]
OPPORTUNITY_CREATE = {
    "name": "Acme Inc: 10 laptops",
    "amount": 8990.0,
    "currency": "USD",
    "stage": "proposal",
    "expectedCloseDate": "2024-02-29",
    "customerId": CUSTOMER_ID,
    "items": ITEMS,
}
OPPORTUNITY = {
    "id": OPPORTUNITY_ID,
    "name": "Acme Inc: 10 laptops",
    "stage": "proposal",
    "amount": 8990.0,
    "currency": "USD",
    "probability": 50,
    "expectedCloseDate": "2024-02-29",
    "customerId": CUSTOMER_ID,
    "leadId": LEAD_ID,
    "ownerId": OWNER_ID,
    "items": ITEMS,
    "orderId": None,
    "lostReason": "",
    "closedAt": None,
    "createdAt": "2024-01-16T09:00:00Z",
    "updatedAt": "2024-01-16T09:00:00Z",
}
OPPORTUNITIES = [
    OpenApiExample("Ten laptops for Acme", value=OPPORTUNITY_CREATE, request_only=True),
    OpenApiExample("Ten laptops for Acme", value=OPPORTUNITY, response_only=True),
]
OPPORTUNITY_PUT = [
    OpenApiExample(
        "Twelve laptops, closing later",
        value={
            "name": "Acme Inc: 12 laptops",
            "amount": 10788.0,
            "currency": "USD",
            "expectedCloseDate": "2024-03-15",
            "customerId": CUSTOMER_ID,
            "items": [{"productId": PRODUCT_ID, "quantity": 12, "price": 899.0}],
        },
        request_only=True,
    )
]
OPPORTUNITY_PATCH = [
    OpenApiExample("More likely now", value={"probability": 60, "expectedCloseDate": "2024-02-20"}, request_only=True)
]
STAGE = [
    OpenApiExample("Move to negotiation", value={"stage": "negotiation"}, request_only=True),
    OpenApiExample("Win it and place the order", value={"stage": "won", "createOrder": True}, request_only=True),
    OpenApiExample("Lose it", value={"stage": "lost", "lostReason": "Chose a cheaper supplier"}, request_only=True),
]
WON = [
    OpenApiExample(
        "Won, with its order",
        value={
            **OPPORTUNITY,
            "stage": "won",
            "probability": 100,
            "orderId": "ord_0Q3jA1bC2dE3fG4hI5jK6l",
            "closedAt": "2024-02-20T15:00:00Z",
            "updatedAt": "2024-02-20T15:00:00Z",
        },
        response_only=True,
    )
]

CONVERT = [
    OpenApiExample(
        "Convert and open an opportunity",
        value={"opportunity": {"name": "Acme Inc: first order", "amount": 5000.0, "stage": "qualification"}},
        request_only=True,
    ),
    OpenApiExample("Convert into an existing customer", value={"customerId": CUSTOMER_ID}, request_only=True),
]
CONVERTED = [
    OpenApiExample(
        "Converted",
        value={
            "lead": {
                **LEAD,
                "status": "converted",
                "customerId": CUSTOMER_ID,
                "opportunityId": OPPORTUNITY_ID,
                "convertedAt": "2024-01-16T09:00:00Z",
                "updatedAt": "2024-01-16T09:00:00Z",
            },
            "customerId": CUSTOMER_ID,
            "customerCreated": True,
            "opportunity": {
                **OPPORTUNITY,
                "name": "Acme Inc: first order",
                "amount": 5000.0,
                "stage": "qualification",
                "probability": 25,
                "expectedCloseDate": None,
                "items": [],
            },
        },
        response_only=True,
    )
]

ACTIVITY_CREATE = {
    "type": "task",
    "subject": "Send the volume price list",
    "body": "He asked for prices at 10, 50 and 100 units.",
    "dueDate": "2024-01-18",
}
ACTIVITY = {
    "id": "act_0Q3hZ6bGa9Ld3nWc8Yx2eA",
    **ACTIVITY_CREATE,
    "done": False,
    "doneAt": None,
    "ownerId": OWNER_ID,
    "leadId": LEAD_ID,
    "opportunityId": None,
    "createdAt": "2024-01-15T11:00:00Z",
    "updatedAt": "2024-01-15T11:00:00Z",
}
ACTIVITIES = [
    OpenApiExample("A task with a due date", value=ACTIVITY_CREATE, request_only=True),
    OpenApiExample(
        "A call", value={"type": "call", "subject": "Intro call", "body": "Interested in laptops."}, request_only=True
    ),
    OpenApiExample("A task with a due date", value=ACTIVITY, response_only=True),
]
ACTIVITY_PATCH = [OpenApiExample("Mark the task done", value={"done": True}, request_only=True)]

_FIGURES = {
    "prospecting": (4, 12000.0, 1200.0),
    "qualification": (3, 9000.0, 2250.0),
    "proposal": (2, 8990.0, 4495.0),
    "negotiation": (1, 4000.0, 3000.0),
    "won": (5, 21000.0, 21000.0),
    "lost": (2, 3000.0, 0.0),
}
PIPELINE = [
    OpenApiExample(
        "This quarter's pipeline",
        value={
            "currency": "USD",
            "stages": [
                {"stage": stage, "count": count, "amount": amount, "weightedAmount": weighted}
                for stage, (count, amount, weighted) in _FIGURES.items()
            ],
            "open": {"count": 10, "amount": 33990.0, "weightedAmount": 10945.0},
        },
        response_only=True,
    )
]
