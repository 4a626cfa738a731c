"""The requests the collection runs in order, and what each does differently from its operation's defaults:
"Getting started" walks a product from creation to a delivered order, then one folder per area. Operations
left out here are added by the builder (collection.py) in a folder named after their tag."""

import re
from dataclasses import dataclass, field

STRIPE_SIGNATURE_SCRIPT = (
    "// Signs the body as Stripe does: t=<unix time>,v1=HMAC-SHA256(secret, '<t>.<body>').",
    'const secret = pm.variables.get("stripeWebhookSecret");',
    'const cryptoJs = require("crypto-js");',
    "const timestamp = Math.floor(Date.now() / 1000);",
    "const payload = pm.variables.replaceIn(pm.request.body.raw);",
    'const digest = secret ? cryptoJs.HmacSHA256(timestamp + "." + payload, secret).toString(cryptoJs.enc.Hex) : "";',
    'pm.variables.set("stripeSignature", "t=" + timestamp + ",v1=" + digest);',
)
BEARER = {"type": "bearer", "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]}


@dataclass(frozen=True)
class Step:
    """One request: an operation of the document, and what this request does differently from its defaults."""

    method: str
    path: str
    name: str = ""  # default: the operation's summary
    body: dict | None = None  # replaces the example body
    changes: dict = field(default_factory=dict)  # merged into the example body
    path_variables: dict = field(default_factory=dict)  # path parameter -> collection variable (default: same)
    captures: dict | None = None  # collection variable -> JavaScript expression on `body` (default: a create's id)
    checks: tuple[str, ...] = ()  # more test lines, with `body` the parsed answer
    auth: dict | None = None
    needs_stripe: bool = False
    # (collection variable, placeholder id, status, code): when no earlier request found what this one acts on
    # (an account has no subscription until Stripe Checkout made one), it asks for the placeholder instead and
    # expects that documented answer.
    placeholder: tuple[str, str, int, str] | None = None
    # (status, code): the documented error this request answers in a run, always (a marketplace connection
    # the collection creates is never authorized: no platform is reachable from every server it runs against).
    expect: tuple[int, str] | None = None
    prerequest: tuple[str, ...] = ()


def _status(to: str) -> dict:
    return {"status": to}


def _create_then_delete(noun: str, item_path: str, *, changes: dict | None = None, checks=()) -> tuple[Step, Step]:
    """The creation of a throwaway object, then its DELETE: a run never deletes the account's own data."""
    parameter = re.search(r"{(\w+)}$", item_path).group(1)
    variable = f"disposable{parameter[0].upper()}{parameter[1:]}"
    create = Step(
        "POST",
        item_path.rsplit("/", 1)[0],
        name=f"Create a {noun} to delete",
        changes=changes or {},
        captures={variable: "body.id"},
    )
    return create, Step("DELETE", item_path, path_variables={parameter: variable}, checks=checks)


GETTING_STARTED = (
    Step(
        "GET",
        "/api/auth/me",
        name="Check the API key: who am I",
        checks=('pm.expect(body.authMethod).to.eql("api_key");',),
    ),
    Step(
        "POST",
        "/api/products",
        name="1. Create an active product",
        changes={"categoryId": None},
        checks=('pm.expect(body.status).to.eql("active");',),
    ),
    Step("POST", "/api/inventory/warehouses", name="2. Create a warehouse"),
    Step(
        "POST",
        "/api/inventory/stock/adjust",
        name="3. Receive stock of the product into the warehouse",
        captures={"stockLevelId": "body.stockLevel.id", "movementId": "body.movement.id"},
        checks=("pm.expect(body.stockLevel.available).to.be.above(0);",),
    ),
    Step("POST", "/api/customers", name="4. Create a customer"),
    Step(
        "POST",
        "/api/orders",
        name="5. Place an order",
        checks=('pm.expect(body.status).to.eql("pending");',),
    ),
    Step("PUT", "/api/orders/{orderId}/status", name="6. Start processing the order", body=_status("processing")),
    Step("PUT", "/api/orders/{orderId}/status", name="7. Ship the order", body=_status("shipped")),
    Step(
        "PUT",
        "/api/orders/{orderId}/status",
        name="8. Mark the order delivered",
        body=_status("delivered"),
        checks=('pm.expect(body.status).to.eql("delivered");',),
    ),
    Step(
        "GET",
        "/api/orders/{orderId}/events",
        name="9. Read the order's timeline",
        checks=(
            "const moves = body.filter((event) => event.type === 'status_changed').map((event) => event.toStatus);",
            'pm.expect(body[0].type).to.eql("created");',
            'pm.expect(moves).to.eql(["processing", "shipped", "delivered"]);',
        ),
    ),
)

LOGIN_CAPTURES = {"accessToken": "body.access", "refreshToken": "body.refresh"}
DELETED = ('pm.expect(body.result).to.eql("deleted");',)  # not archived: nothing ever referred to it


def _first_id(variable: str) -> dict:
    return {variable: "body[0]?.id"}


def _return_request(name: str, reason: str, **options) -> Step:
    """A return of one unit of the order placed to return."""
    body = {
        "orderId": "{{returnOrderId}}",
        "items": [{"orderItemId": "{{orderItemId}}", "quantity": 1, "reason": reason}],
    }
    return Step("POST", "/api/returns", name=name, body=body, **options)


FOLDERS = (
    (
        "Auth",
        "Register, log in (JWT), rotate refresh tokens; API keys and OAuth applications.",
        (
            Step("POST", "/api/auth/register"),
            Step(
                "POST",
                "/api/auth/token",
                name="Log in (stores accessToken and refreshToken)",
                body={"email": "{{email}}", "password": "{{password}}"},
                captures=LOGIN_CAPTURES,
            ),
            Step("POST", "/api/auth/token/refresh", captures=LOGIN_CAPTURES),
            Step("GET", "/api/auth/me"),
            Step(
                "GET",
                "/api/auth/me",
                name="Who am I, with the access token (Bearer)",
                auth=BEARER,
                checks=('pm.expect(body.authMethod).to.eql("jwt");',),
            ),
            Step("GET", "/api/auth/api-keys"),
            Step("POST", "/api/auth/api-keys"),
            Step("GET", "/api/auth/api-keys/{apiKeyId}"),
            Step("GET", "/api/oauth/applications"),
            Step("POST", "/api/oauth/applications"),
            Step("GET", "/api/oauth/applications/{applicationId}"),
            Step("DELETE", "/api/auth/api-keys/{apiKeyId}"),
            Step("DELETE", "/api/oauth/applications/{applicationId}"),
        ),
    ),
    (
        "Products",
        "Categories and products, CSV import and export.",
        (
            Step("GET", "/api/categories"),
            Step("POST", "/api/categories"),
            Step("GET", "/api/categories/{categoryId}"),
            Step("PUT", "/api/categories/{categoryId}"),
            Step("PATCH", "/api/categories/{categoryId}"),
            Step("GET", "/api/categories/{categoryId}/products"),
            Step("GET", "/api/products"),
            Step("POST", "/api/products"),
            Step("GET", "/api/products/{productId}"),
            Step("PUT", "/api/products/{productId}"),
            Step("PATCH", "/api/products/{productId}"),
            Step("GET", "/api/products/export"),
            Step("POST", "/api/products/import"),
            Step("GET", "/api/products/imports", captures=_first_id("importId")),
            Step(
                "GET",
                "/api/products/imports/{importId}",
                placeholder=("importId", "pimp_none", 404, "PRODUCT_IMPORT_JOB_NOT_FOUND"),
            ),
            Step(
                "POST",
                "/api/products",
                name="Create a product with options",
                body={
                    "sku": "TEE-ORG",
                    "name": "Organic T-shirt",
                    "price": 25.0,
                    "status": "active",
                    "options": [
                        {"name": "Size", "values": ["S", "M", "L"]},
                        {"name": "Colour", "values": ["Black", "White"]},
                    ],
                },
                captures={"optionProductId": "body.id", "firstVariantId": "body.variants[0].id"},
                checks=('pm.expect(body.variants[0].title).to.eql("S / Black");',),
            ),
            *(
                Step(method, path, path_variables={"productId": "optionProductId"})
                for method, path in (
                    ("GET", "/api/products/{productId}/variants"),
                    ("POST", "/api/products/{productId}/variants"),
                    ("GET", "/api/products/{productId}/variants/{variantId}"),
                    ("PUT", "/api/products/{productId}/variants/{variantId}"),
                    ("PATCH", "/api/products/{productId}/variants/{variantId}"),
                )
            ),
            Step(
                "DELETE",
                "/api/products/{productId}/variants/{variantId}",
                path_variables={"productId": "optionProductId"},
                checks=DELETED,
            ),
            *_create_then_delete("product", "/api/products/{productId}", changes={"categoryId": None}, checks=DELETED),
            *_create_then_delete("category", "/api/categories/{categoryId}"),
        ),
    ),
    (
        "Customers",
        "Customers, RFM analysis and segments.",
        (
            Step("GET", "/api/customers"),
            Step("POST", "/api/customers"),
            Step("GET", "/api/customers/{customerId}"),
            Step("PUT", "/api/customers/{customerId}"),
            Step("PATCH", "/api/customers/{customerId}"),
            Step("GET", "/api/customers/rfm"),
            Step("GET", "/api/customers/segments"),
            Step("POST", "/api/customers/segments", changes={"name": "Big spenders {{unique}}"}),
            Step("GET", "/api/customers/segments/{segmentId}"),
            Step("PATCH", "/api/customers/segments/{segmentId}"),
            Step("GET", "/api/customers/segments/{segmentId}/customers"),
            Step("DELETE", "/api/customers/segments/{segmentId}"),
            *_create_then_delete("customer", "/api/customers/{customerId}"),
        ),
    ),
    (
        "Inventory",
        "Warehouses, stock levels, the movement ledger, transfers and low-stock alerts.",
        (
            Step("GET", "/api/inventory/warehouses"),
            Step("POST", "/api/inventory/warehouses"),
            Step("GET", "/api/inventory/warehouses/{warehouseId}"),
            Step("PUT", "/api/inventory/warehouses/{warehouseId}"),
            Step("PATCH", "/api/inventory/warehouses/{warehouseId}"),
            Step("GET", "/api/inventory/stock"),
            Step(
                "POST",
                "/api/inventory/stock/adjust",
                captures={"stockLevelId": "body.stockLevel.id", "movementId": "body.movement.id"},
            ),
            Step("GET", "/api/inventory/stock/{stockLevelId}"),
            Step("PATCH", "/api/inventory/stock/{stockLevelId}"),
            Step("GET", "/api/inventory/movements"),
            Step("GET", "/api/inventory/movements/{movementId}"),
            Step("GET", "/api/inventory/alerts"),
            Step("GET", "/api/inventory/transfers"),
            Step(
                "POST",
                "/api/inventory/warehouses",
                name="Create a second warehouse to transfer to",
                changes={"name": "East Coast Fulfilment", "code": "EAST"},
                captures={"toWarehouseId": "body.id"},
            ),
            Step("POST", "/api/inventory/transfers"),
            Step("GET", "/api/inventory/transfers/{transferId}"),
            *_create_then_delete(
                "warehouse",
                "/api/inventory/warehouses/{warehouseId}",
                changes={"name": "Pop-up Store", "code": "POPUP"},
                checks=DELETED,
            ),
        ),
    ),
    (
        "Orders",
        "Orders, their items, shipping, payments taken outside the platform, notes and timeline.",
        (
            Step("GET", "/api/orders"),
            Step("POST", "/api/orders"),
            Step("GET", "/api/orders/{orderId}"),
            Step("GET", "/api/orders/{orderId}/items"),
            Step("GET", "/api/orders/{orderId}/shipping"),
            Step("PUT", "/api/orders/{orderId}/shipping"),
            Step("PATCH", "/api/orders/{orderId}/shipping"),
            Step("GET", "/api/orders/{orderId}/payments"),
            Step("POST", "/api/orders/{orderId}/payments"),
            Step("POST", "/api/orders/{orderId}/notes"),
            Step("GET", "/api/orders/{orderId}/events"),
            Step("PUT", "/api/orders/{orderId}/status", name="Start processing the order", body=_status("processing")),
            Step("PUT", "/api/orders/{orderId}/status"),
            Step(
                "POST",
                "/api/inventory/stock/adjust",
                name="Receive stock of one variant (S / Black)",
                body={
                    "variantId": "{{firstVariantId}}",
                    "warehouseId": "{{warehouseId}}",
                    "quantity": 5,
                    "reason": "received",
                },
                captures={},
                checks=('pm.expect(body.stockLevel.variantId).to.eql(pm.collectionVariables.get("firstVariantId"));',),
            ),
            Step(
                "POST",
                "/api/orders",
                name="Place an order of a variant by variantId",
                body={"customerId": "{{customerId}}", "items": [{"variantId": "{{firstVariantId}}", "quantity": 1}]},
                captures={},
                checks=(
                    'pm.expect(body.items[0].variantId).to.eql(pm.collectionVariables.get("firstVariantId"));',
                    'pm.expect(body.items[0].variantTitle).to.eql("S / Black");',
                ),
            ),
        ),
    ),
    (
        "Payments",
        "Card payments and refunds through Stripe, and Stripe's webhook.",
        (
            Step("GET", "/api/payments", captures=_first_id("paymentId")),
            Step("POST", "/api/payments/process", needs_stripe=True, captures={"paymentId": "body.id"}),
            Step("GET", "/api/payments/{paymentId}"),
            Step("POST", "/api/payments/{paymentId}/refund", needs_stripe=True),
            Step(
                "POST",
                "/api/payments/webhook",
                name="Stripe webhook (signed with stripeWebhookSecret)",
                changes={"id": "evt_{{unique}}"},
                needs_stripe=True,
                prerequest=STRIPE_SIGNATURE_SCRIPT,
                checks=("pm.expect(body).to.eql({received: true, duplicate: false});",),
            ),
        ),
    ),
    (
        "Billing",
        "Subscription plans, Stripe Checkout and subscriptions.",
        (
            Step("GET", "/api/billing/plans"),
            Step("GET", "/api/billing/user-subscriptions", captures=_first_id("subscriptionId")),
            Step("POST", "/api/billing/checkout", needs_stripe=True),
            Step(
                "POST",
                "/api/billing/subscriptions/{subscriptionId}/cancel",
                needs_stripe=True,
                placeholder=("subscriptionId", "sub_none", 404, "SUBSCRIPTION_NOT_FOUND"),
            ),
        ),
    ),
    (
        "Webhooks",
        "Outgoing webhooks: endpoints, signing secrets, deliveries, redelivery and replay.",
        (
            Step("GET", "/api/webhooks"),
            Step("POST", "/api/webhooks", changes={"url": "{{webhookUrl}}?run={{unique}}"}),
            Step("GET", "/api/webhooks/{webhookId}"),
            Step("PUT", "/api/webhooks/{webhookId}", changes={"url": "{{webhookUrl}}?run={{unique}}"}),
            Step("PATCH", "/api/webhooks/{webhookId}"),
            Step("POST", "/api/webhooks/{webhookId}/rotate-secret"),
            Step(
                "POST",
                "/api/webhooks/{webhookId}/test",
                captures={"deliveryId": "body.id"},
                checks=(
                    'pm.expect(body.eventType).to.eql("webhook.ping");',
                    "pm.expect(body.attempts).to.have.lengthOf(1);",
                ),
            ),
            Step("GET", "/api/webhooks/{webhookId}/deliveries"),
            Step("GET", "/api/webhooks/deliveries/{deliveryId}"),
            Step("POST", "/api/webhooks/deliveries/{deliveryId}/redeliver"),
            Step("POST", "/api/webhooks/{webhookId}/replay"),
            Step("DELETE", "/api/webhooks/{webhookId}"),
        ),
    ),
    (
        "CRM",
        "Leads, their activities and conversion into a customer, opportunities through their stages, the pipeline.",
        (
            Step("GET", "/api/crm/leads"),
            Step("POST", "/api/crm/leads"),
            Step("GET", "/api/crm/leads/{leadId}"),
            Step("PUT", "/api/crm/leads/{leadId}"),
            Step("PATCH", "/api/crm/leads/{leadId}"),
            Step("POST", "/api/crm/leads/{leadId}/activities", captures={"activityId": "body.id"}),
            Step("GET", "/api/crm/leads/{leadId}/activities"),
            Step("GET", "/api/crm/activities/{activityId}"),
            Step("PUT", "/api/crm/activities/{activityId}"),
            Step("PATCH", "/api/crm/activities/{activityId}"),
            Step("GET", "/api/crm/tasks"),
            Step(
                "POST",
                "/api/crm/leads/{leadId}/convert",
                captures={"opportunityId": "body.opportunity?.id"},
                checks=('pm.expect(body.lead.status).to.eql("converted");',),
            ),
            Step("GET", "/api/crm/opportunities"),
            Step("POST", "/api/crm/opportunities"),
            Step("GET", "/api/crm/opportunities/{opportunityId}"),
            Step("PUT", "/api/crm/opportunities/{opportunityId}"),
            Step("PATCH", "/api/crm/opportunities/{opportunityId}"),
            Step("POST", "/api/crm/opportunities/{opportunityId}/activities"),
            Step("GET", "/api/crm/opportunities/{opportunityId}/activities"),
            Step("PUT", "/api/crm/opportunities/{opportunityId}/stage"),
            Step("GET", "/api/crm/pipeline"),
            Step(
                "POST",
                "/api/crm/leads/{leadId}/activities",
                name="Log an activity to delete",
                captures={"disposableActivityId": "body.id"},
            ),
            Step("DELETE", "/api/crm/activities/{activityId}", path_variables={"activityId": "disposableActivityId"}),
            *_create_then_delete("second opportunity", "/api/crm/opportunities/{opportunityId}"),
            *_create_then_delete("lead", "/api/crm/leads/{leadId}"),
        ),
    ),
    (
        "Messaging",
        "Email and SMS: transactional sends, templates with a preview, campaigns to segments and tags.",
        (
            Step("GET", "/api/email/settings"),
            Step("PATCH", "/api/email/settings"),
            Step("POST", "/api/email/send", captures={"messageId": "body.id"}),
            Step("GET", "/api/email/messages"),
            Step("GET", "/api/email/messages/{messageId}"),
            Step("GET", "/api/email/templates"),
            Step("POST", "/api/email/templates"),
            Step("GET", "/api/email/templates/{templateId}"),
            Step("PUT", "/api/email/templates/{templateId}"),
            Step("PATCH", "/api/email/templates/{templateId}"),
            Step("POST", "/api/email/templates/{templateId}/preview"),
            *_create_then_delete("template", "/api/email/templates/{templateId}"),
            Step("GET", "/api/email/campaigns"),
            Step("POST", "/api/email/campaigns"),
            Step("GET", "/api/email/campaigns/{campaignId}"),
            Step("PATCH", "/api/email/campaigns/{campaignId}"),
            Step("POST", "/api/email/campaigns/{campaignId}/send"),
            Step(
                "POST",
                "/api/email/campaigns",
                name="Create a campaign to cancel and delete",
                captures={"disposableCampaignId": "body.id"},
            ),
            Step(
                "POST",
                "/api/email/campaigns/{campaignId}/cancel",
                path_variables={"campaignId": "disposableCampaignId"},
            ),
            Step("DELETE", "/api/email/campaigns/{campaignId}", path_variables={"campaignId": "disposableCampaignId"}),
            Step("POST", "/api/sms/send", captures={"smsMessageId": "body.id"}),
            Step("GET", "/api/sms/messages"),
            Step("GET", "/api/sms/messages/{messageId}", path_variables={"messageId": "smsMessageId"}),
        ),
    ),
    (
        "Returns and reviews",
        "A return from request to refund (and one closed as an exchange); a review from writing to the product page.",
        (
            Step(
                "POST",
                "/api/orders",
                name="Place an order to return",
                captures={"returnOrderId": "body.id", "orderItemId": "body.items[0].id"},
            ),
            Step(
                "POST",
                "/api/orders/{orderId}/payments",
                name="Take a cash payment for it",
                path_variables={"orderId": "returnOrderId"},
                body={"amount": 10.0, "method": "cash"},
            ),
            *(
                Step(
                    "PUT",
                    "/api/orders/{orderId}/status",
                    name=f"Mark the order to return {status}",
                    path_variables={"orderId": "returnOrderId"},
                    body=_status(status),
                )
                for status in ("processing", "shipped")
            ),
            _return_request(
                "1. Request a return of one unit",
                "defective",
                checks=('pm.expect(body.status).to.eql("requested");',),
            ),
            Step("GET", "/api/returns"),
            Step("GET", "/api/returns/{returnId}"),
            Step(
                "POST",
                "/api/returns/authorize",
                name="2. Authorize the return",
                body={"returnId": "{{returnId}}", "note": "Within 30 days"},
                checks=('pm.expect(body.status).to.eql("authorized");',),
            ),
            Step(
                "POST",
                "/api/returns/{returnId}/receive",
                name="3. Receive it back into stock",
                body={
                    "warehouseId": "{{warehouseId}}",
                    "items": [{"orderItemId": "{{orderItemId}}", "quantity": 1, "condition": "sellable"}],
                },
                checks=('pm.expect(body.status).to.eql("received");',),
            ),
            Step(
                "POST",
                "/api/returns/refund",
                name="4. Refund part of it (paid in cash: refunded on the order)",
                body={"returnId": "{{returnId}}", "amount": 5.0, "reason": "Defective screen"},
                checks=('pm.expect(body.method).to.eql("manual");', 'pm.expect(body.status).to.eql("succeeded");'),
            ),
            _return_request(
                "Request a return of the other unit, to exchange",
                "size_fit",
                captures={"exchangeReturnId": "body.id"},
            ),
            Step(
                "POST",
                "/api/returns/authorize",
                name="Authorize the exchange",
                body={"returnId": "{{exchangeReturnId}}"},
            ),
            Step(
                "POST",
                "/api/returns/{returnId}/receive",
                name="Receive the exchanged unit",
                path_variables={"returnId": "exchangeReturnId"},
                body={
                    "warehouseId": "{{warehouseId}}",
                    "items": [{"orderItemId": "{{orderItemId}}", "quantity": 1, "condition": "damaged"}],
                },
            ),
            Step(
                "POST",
                "/api/returns/{returnId}/close",
                path_variables={"returnId": "exchangeReturnId"},
                checks=('pm.expect(body.status).to.eql("closed");',),
            ),
            Step(
                "POST",
                "/api/reviews/create",
                name="5. Write a review of the product",
                body={
                    "productId": "{{productId}}",
                    "rating": 5,
                    "title": "Works great",
                    "customerId": "{{customerId}}",
                },
                captures={"reviewId": "body.id"},
            ),
            Step(
                "POST",
                "/api/reviews/{reviewId}/moderate",
                name="6. Publish it with a reply",
                checks=('pm.expect(body.status).to.eql("approved");',),
            ),
            Step("GET", "/api/reviews/product", name="7. The product's reviews and rating summary"),
            Step("GET", "/api/reviews"),
            Step("GET", "/api/reviews/{reviewId}"),
            Step("GET", "/api/reviews/settings"),
            Step("PATCH", "/api/reviews/settings"),
        ),
    ),
    (
        "Marketplace",
        "Shopee, Lazada and Facebook shops: a connection (credentials stored encrypted), the platform's authorization "
        "link, order sync jobs and stock pushes. The connection made here is never authorized (that needs the "
        "merchant on the platform's page), so the calls that reach the platform answer 409 CONNECTION_NOT_AUTHORIZED.",
        (
            Step("GET", "/api/marketplace/platforms"),
            Step(
                "POST",
                "/api/marketplace/connections",
                name="Connect a Shopee shop (waits for its authorization)",
                changes={"shopId": "shop-{{unique}}"},
                checks=('pm.expect(body.status).to.eql("pending_authorization");',),
            ),
            Step("GET", "/api/marketplace/connections"),
            Step("GET", "/api/marketplace/connections/{connectionId}"),
            Step(
                "POST",
                "/api/marketplace/connections/{connectionId}/authorize",
                checks=("pm.expect(body.authorizationUrl).to.include('/api/v2/shop/auth_partner');",),
            ),
            Step(
                "GET",
                "/api/marketplace/callback/{platform}",
                name="The platform's redirect, without its state and code: refused",
                path_variables={"platform": "marketplacePlatform"},
                expect=(400, "INVALID_AUTHORIZATION_STATE"),
            ),
            Step("POST", "/api/marketplace/connections/{connectionId}/test", expect=(409, "CONNECTION_NOT_AUTHORIZED")),
            Step(
                "POST",
                "/api/marketplace/connections/{connectionId}/push-stock",
                expect=(409, "CONNECTION_NOT_AUTHORIZED"),
            ),
            Step(
                "POST",
                "/api/marketplace/sync-orders",
                body={"connectionId": "{{connectionId}}"},
                expect=(409, "CONNECTION_NOT_AUTHORIZED"),
            ),
            Step("GET", "/api/marketplace/sync-jobs", captures=_first_id("syncJobId")),
            Step(
                "GET",
                "/api/marketplace/sync-jobs/{syncJobId}",
                placeholder=("syncJobId", "sync_00000000000000000000000000", 404, "SYNC_JOB_NOT_FOUND"),
            ),
            Step("PATCH", "/api/marketplace/connections/{connectionId}", name="Pause the connection"),
            *_create_then_delete(
                "connection", "/api/marketplace/connections/{connectionId}", changes={"shopId": "gone-{{unique}}"}
            ),
        ),
    ),
    (
        "Loyalty",
        "A points program from creation to deletion: the program the store runs (the demo store's) is switched off, "
        "as an account runs one at a time; a new one is created; points are given by hand to the Getting started "
        "customer and redeemed as money off a new order of theirs; the member and its ledger; then the new program "
        "is switched off (the active one cannot be deleted) and deleted, and the earlier one switched back on. "
        "Earning happens by itself when an order is delivered.",
        (
            Step(
                "GET",
                "/api/loyalty/programs",
                captures={
                    "runningProgramId": "(body.filter(function (program) { return program.active; })[0] || {}).id"
                },
            ),
            Step(
                "PATCH",
                "/api/loyalty/programs/{programId}",
                name="Switch the running program off (none: 404)",
                body={"active": False},
                path_variables={"programId": "runningProgramId"},
                placeholder=("runningProgramId", "loy_none", 404, "LOYALTY_PROGRAM_NOT_FOUND"),
            ),
            Step("POST", "/api/loyalty/programs", checks=("pm.expect(body.active).to.eql(true);",)),
            Step("GET", "/api/loyalty/programs/{programId}"),
            Step("PUT", "/api/loyalty/programs/{programId}"),
            Step("PATCH", "/api/loyalty/programs/{programId}"),
            Step("POST", "/api/loyalty/adjust", name="Give the customer 200 points"),
            Step(
                "POST", "/api/orders", name="Place an order to redeem points on", captures={"loyaltyOrderId": "body.id"}
            ),
            Step(
                "POST",
                "/api/loyalty/redeem",
                changes={"points": 100, "orderId": "{{loyaltyOrderId}}"},
                checks=("pm.expect(body.amount).to.eql(1);",),
            ),
            Step("GET", "/api/loyalty/members"),
            Step("GET", "/api/loyalty/members/{customerId}"),
            Step("GET", "/api/loyalty/members/{customerId}/transactions"),
            Step(
                "PATCH",
                "/api/loyalty/programs/{programId}",
                name="Switch the program off (the active program cannot be deleted)",
                body={"active": False},
            ),
            Step("DELETE", "/api/loyalty/programs/{programId}"),
            Step(
                "PATCH",
                "/api/loyalty/programs/{programId}",
                name="Switch the earlier program back on (none: 404)",
                body={"active": True},
                path_variables={"programId": "runningProgramId"},
                placeholder=("runningProgramId", "loy_none", 404, "LOYALTY_PROGRAM_NOT_FOUND"),
            ),
        ),
    ),
    (
        "Discounts",
        "Discount codes: a code, a check of it against an order total, single-use codes generated in bulk, the "
        "orders that used a code.",
        (
            Step(
                "POST",
                "/api/discounts/codes",
                captures={"discountId": "body.id", "discountCode": "body.code"},
                checks=("pm.expect(body.timesUsed).to.eql(0);",),
            ),
            Step("GET", "/api/discounts/codes"),
            Step("GET", "/api/discounts/codes/{discountId}"),
            Step("PUT", "/api/discounts/codes/{discountId}", captures={"discountCode": "body.code"}),
            Step("PATCH", "/api/discounts/codes/{discountId}", body={"description": "Summer sale, extended"}),
            Step(
                "POST",
                "/api/discounts/validate",
                body={"code": "{{discountCode}}", "orderTotal": 100.0},
                checks=("pm.expect(body.discountId).to.eql(pm.collectionVariables.get('discountId'));",),
            ),
            Step(
                "POST",
                "/api/discounts/codes/generate",
                changes={"productIds": ["{{productId}}"]},
                checks=("pm.expect(body.codes.length).to.eql(body.count);",),
            ),
            Step("GET", "/api/discounts/codes/{discountId}/redemptions"),
            *_create_then_delete("discount code", "/api/discounts/codes/{discountId}"),
        ),
    ),
    (
        "Analytics",
        "Reports over the last 30 days (the default range; set startDate, endDate, channel, granularity or groupBy "
        "in each request's query): the dashboard's figures and growth, sales over time by channel, and the "
        "financial summary. Send Accept: text/csv for the same report as CSV.",
        (
            Step("GET", "/api/analytics/dashboard", checks=('pm.expect(body.compareTo).to.eql("previous_period");',)),
            Step("GET", "/api/analytics/sales", checks=("pm.expect(body.series.length).to.eql(30);",)),
            Step("GET", "/api/analytics/financial", checks=("pm.expect(body.series.length).to.eql(30);",)),
        ),
    ),
)
