"""OpenAPI examples of the messaging bodies (camelCase, as on the wire); the send bodies are the public
API document's. No template variables here: the Postman collection reads {{…}} as its own variables."""

from drf_spectacular.utils import OpenApiExample

TEMPLATE_ID = "tpl_0355tcK7XxD9yFv1Ek8zXh"
MESSAGE_ID = "msg_0355tdL0ZyE2zGw4Fl1aYi"
CAMPAIGN_ID = "cmp_0355teM3AzF5aHx7Gm4bZj"
AT = "2024-01-15T10:30:00Z"

EMAIL_SEND = [
    OpenApiExample(
        "Order confirmation",
        value={
            "to": "customer@example.com",
            "subject": "Order Confirmation",
            "content": "Your order has been confirmed.",
        },
        request_only=True,
    ),
]
MESSAGE = {
    "id": MESSAGE_ID,
    "channel": "email",
    "source": "api",
    "to": "customer@example.com",
    "subject": "Order Confirmation",
    "content": "Your order has been confirmed.",
    "html": "",
    "templateId": None,
    "customerId": None,
    "status": "queued",
    "error": "",
    "segments": None,
    "providerMessageId": "",
    "sentAt": None,
    "createdAt": AT,
    "updatedAt": AT,
}
MESSAGES = [OpenApiExample("Queued email", value=MESSAGE, response_only=True, status_codes=[200, 202])]
SMS_SEND = [
    OpenApiExample(
        "Shipping notice",
        value={"to": "+1234567890", "message": "Your order #12345 has been shipped!"},
        request_only=True,
    )
]
SMS_MESSAGE = {
    **MESSAGE,
    "channel": "sms",
    "to": "+1234567890",
    "subject": "",
    "content": "Your order #12345 has been shipped!",
    "segments": 1,
}
SMS_MESSAGES = [OpenApiExample("Queued SMS", value=SMS_MESSAGE, response_only=True, status_codes=[200, 202])]

TEMPLATE_WRITE = {
    "name": "Spring sale",
    "kind": "custom",
    "subject": "Spring is here",
    "htmlBody": "<p>Hello,</p><p>20% off everything this week.</p>",
    "textBody": "Hello, 20% off everything this week.",
    "active": True,
}
TEMPLATE = {"id": TEMPLATE_ID, **TEMPLATE_WRITE, "createdAt": AT, "updatedAt": AT}
TEMPLATES = [
    OpenApiExample("Spring sale", value=TEMPLATE_WRITE, request_only=True),
    OpenApiExample("Spring sale", value=TEMPLATE, response_only=True),
]
TEMPLATE_PATCH = [
    OpenApiExample("Switch a template off", value={"active": False}, request_only=True),
    OpenApiExample("Switched off", value={**TEMPLATE, "active": False}, response_only=True),
]
PREVIEW = [
    OpenApiExample(
        "Rendered with sample data",
        value={
            "subject": "Spring is here",
            "html": "<p>Hello,</p><p>20% off everything this week.</p>",
            "text": "Hello, 20% off everything this week.",
        },
        response_only=True,
    )
]

CAMPAIGN_WRITE = {
    "name": "Spring sale to champions",
    "channel": "email",
    "subject": "20% off this week",
    "htmlBody": "<p>Hello,</p><p>20% off everything this week.</p>",
    "segmentId": "champions",
    "tags": [],
    "scheduledAt": None,
}
STATS = {
    "recipients": 1200,
    "pending": 0,
    "sent": 1130,
    "failed": 2,
    "skipped": 68,
    "skippedNoConsent": 61,
    "skippedNoAddress": 7,
    "cancelled": 0,
}
CAMPAIGN = {
    "id": CAMPAIGN_ID,
    **CAMPAIGN_WRITE,
    "templateId": None,
    "textBody": "",
    "status": "sent",
    "startedAt": AT,
    "completedAt": "2024-01-15T10:42:00Z",
    "cancelledAt": None,
    "stats": STATS,
    "createdAt": AT,
    "updatedAt": "2024-01-15T10:42:00Z",
}
CAMPAIGNS = [
    OpenApiExample("Spring sale", value=CAMPAIGN_WRITE, request_only=True),
    OpenApiExample("Spring sale", value=CAMPAIGN, response_only=True, status_codes=[200, 201, 202]),
]
CAMPAIGN_PATCH = [
    OpenApiExample("Also customers tagged vip", value={"tags": ["vip"]}, request_only=True),
    OpenApiExample(
        "Draft",
        value={**CAMPAIGN, "tags": ["vip"], "status": "draft", "startedAt": None, "completedAt": None},
        response_only=True,
    ),
]
CAMPAIGN_SEND = [
    OpenApiExample("Send now", value={}, request_only=True),
    OpenApiExample("Send tomorrow morning", value={"scheduledAt": "2024-01-16T09:00:00Z"}, request_only=True),
]
SETTINGS = [
    OpenApiExample("Sender", value={"senderName": "Acme Store", "replyTo": "support@acme.example"}, request_only=True),
    OpenApiExample("Sender", value={"senderName": "Acme Store", "replyTo": "support@acme.example"}, response_only=True),
]
