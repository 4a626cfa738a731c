"""OpenAPI examples of the billing bodies (camelCase, as on the wire). The payment, the plan and the checkout are
the public API document's own examples, with the fields it leaves out filled in. `pm_card_visa` is one of
Stripe's test payment methods."""

from drf_spectacular.utils import OpenApiExample

PAYMENT_ID = "pay_123"
CARD_PAYMENT = {
    "id": PAYMENT_ID,
    "stripeChargeId": "ch_123456",
    "stripePaymentIntentId": "pi_123456",
    "amountCents": 10000,
    "currency": "usd",
    "status": "succeeded",
    "receiptUrl": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTjZHMWJKZ2xHc0hx",
    "createdAt": "2024-01-15T10:30:00Z",
    "amountRefundedCents": 0,
    "customerId": "cus_123456",
    "orderId": None,
    "description": "Order #12345",
    "failureCode": None,
    "declineCode": None,
    "failureMessage": None,
    "updatedAt": "2024-01-15T10:30:00Z",
}
CARD_PAYMENTS = [OpenApiExample("Succeeded", value=CARD_PAYMENT, response_only=True)]
PROCESS = [
    OpenApiExample(
        "Charge a card",
        value={
            "amount": 10000,
            "currency": "usd",
            "paymentMethodId": "pm_card_visa",
            "customerId": "cus_123456",
            "description": "Order #12345",
        },
        request_only=True,
    ),
]
PROCESS_RESULT = [
    OpenApiExample("Succeeded", value={**CARD_PAYMENT, "clientSecret": None}, response_only=True, status_codes=[200]),
    OpenApiExample(
        "Needs 3-D Secure",
        value={
            **CARD_PAYMENT,
            "stripeChargeId": None,
            "status": "requires_action",
            "receiptUrl": None,
            "clientSecret": "pi_123456_secret_Nq8ZtV1mJ4wK7nR2sD5fG9hL3",
        },
        response_only=True,
        status_codes=[202],
    ),
]
REFUND_REQUEST = [
    OpenApiExample("Refund $25", value={"amountCents": 2500, "reason": "requested_by_customer"}, request_only=True)
]
REFUND = [
    OpenApiExample(
        "Refunded",
        value={
            "id": "rfd_0355taH1TuB3vDt5Ch2xVf",
            "paymentId": PAYMENT_ID,
            "stripeRefundId": "re_3OcTfE2eZvKYlo2C1x5qR7mB",
            "amountCents": 2500,
            "currency": "usd",
            "status": "succeeded",
            "reason": "requested_by_customer",
            "createdAt": "2024-01-16T09:00:00Z",
        },
        response_only=True,
    )
]
STRIPE_EVENT = {
    "id": "evt_3OcTfE2eZvKYlo2C0a1b2c3d",
    "object": "event",
    "api_version": "2025-10-29.clover",
    "created": 1705314600,
    "livemode": False,
    "type": "payment_intent.succeeded",
    "data": {
        "object": {
            "id": "pi_123456",
            "object": "payment_intent",
            "amount": 10000,
            "currency": "usd",
            "status": "succeeded",
            "latest_charge": "ch_123456",
            "metadata": {},
        }
    },
}
STRIPE_WEBHOOK = [
    OpenApiExample("payment_intent.succeeded", value=STRIPE_EVENT, request_only=True),
]
ACKNOWLEDGEMENT = [OpenApiExample("Received", value={"received": True, "duplicate": False}, response_only=True)]
PLAN = {
    "id": "plan_starter",
    "name": "Starter Plan",
    "stripeProductId": "prod_123",
    "stripePriceId": "price_123",
    "amountCents": 2900,
    "currency": "usd",
    "billingInterval": "month",
    "productLimit": 100,
    "features": ["Up to 100 products", "Basic analytics", "Email support"],
    "isActive": True,
}
PLANS = [OpenApiExample("Starter Plan", value=PLAN, response_only=True)]
SUBSCRIPTIONS = [
    OpenApiExample(
        "Active",
        value={
            "id": "sub_0355tbJ4VwC6xEu8Dj5yWg",
            "stripeSubscriptionId": "sub_1OcTfE2eZvKYlo2CxQ4r9sTu",
            "status": "active",
            "plan": PLAN,
            "currentPeriodEnd": "2024-02-15T10:30:00Z",
            "cancelAtPeriodEnd": False,
            "createdAt": "2024-01-15T10:30:00Z",
        },
        response_only=True,
        status_codes=[200, 202],
    )
]
CHECKOUT = [
    OpenApiExample("Subscribe to Starter", value={"planId": "plan_starter"}, request_only=True),
    OpenApiExample(
        "Session",
        value={"sessionId": "cs_test_123", "url": "https://checkout.stripe.com/pay/cs_test_123"},
        response_only=True,
    ),
]
