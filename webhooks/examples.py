"""OpenAPI examples of the webhook bodies (camelCase, as on the wire); the payload is the public API document's
`order.created` example."""

from drf_spectacular.utils import OpenApiExample

WEBHOOK_ID = "whk_0355tcK7XxD9yFv1Ek8zXh"
DELIVERY_ID = "dlv_0355tdL0ZyE2zGw4Fl1aYi"
WEBHOOK_WRITE = {
    "url": "https://hooks.example.com/omnisales",
    "events": ["order.created", "order.updated"],
    "description": "Order sync to the fulfilment service",
    "active": True,
}
WEBHOOK = {
    "id": WEBHOOK_ID,
    **WEBHOOK_WRITE,
    "disabledAt": None,
    "disabledReason": "",
    "failingSince": None,
    "previousSecretExpiresAt": None,
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-15T10:30:00Z",
}
SECRET = "whsec_5WbX2mQ9rT7yK4pL8nV1cZ6dH3jF0gSa"
WEBHOOKS = [
    OpenApiExample("Order sync", value=WEBHOOK_WRITE, request_only=True),
    OpenApiExample("Order sync", value=WEBHOOK, response_only=True),
]
ORDER_EVENTS = ["order.created", "order.updated", "order.cancelled"]
WEBHOOK_PATCH = [
    OpenApiExample("Hear about cancellations too", value={"events": ORDER_EVENTS}, request_only=True),
    OpenApiExample("Order sync", value={**WEBHOOK, "events": ORDER_EVENTS}, response_only=True),
]
WEBHOOK_WITH_SECRET = [
    OpenApiExample("With its signing secret (shown only here)", value={**WEBHOOK, "secret": SECRET}, response_only=True)
]
ROTATE = [OpenApiExample("Keep the old secret for a day", value={"overlapHours": 24}, request_only=True)]
REPLAY = [
    OpenApiExample(
        "Replay a day of failures",
        value={"since": "2024-01-14T00:00:00Z", "until": "2024-01-15T00:00:00Z"},
        request_only=True,
    )
]
REPLAY_RESULT = [OpenApiExample("Three replayed", value={"replayed": 3}, response_only=True, status_codes=[202])]
DELIVERY = {
    "id": DELIVERY_ID,
    "webhookId": WEBHOOK_ID,
    "eventId": "wevt_0355teM3AzF5aHx7Gm4bZj",
    "eventType": "order.created",
    "status": "succeeded",
    "attemptCount": 1,
    "nextAttemptAt": None,
    "lastAttemptAt": "2024-01-15T10:30:01Z",
    "lastStatusCode": 200,
    "lastError": "",
    "deliveredAt": "2024-01-15T10:30:01Z",
    "createdAt": "2024-01-15T10:30:00Z",
    "payload": {
        "event": "order.created",
        "timestamp": "2024-01-15T10:30:00Z",
        "data": {"orderId": "ord_123", "customerId": "cus_456", "total": 199.99},
    },
    "attempts": [
        {
            "attemptNumber": 1,
            "attemptedAt": "2024-01-15T10:30:00Z",
            "finishedAt": "2024-01-15T10:30:01Z",
            "statusCode": 200,
            "latencyMs": 184,
            "responseExcerpt": '{"ok": true}',
            "error": "",
            "nextRetryAt": None,
        }
    ],
}
DELIVERIES = [OpenApiExample("Delivered", value=DELIVERY, response_only=True, status_codes=[200, 202])]
