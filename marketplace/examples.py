"""OpenAPI examples of the marketplace bodies (the docs and the Postman collection share them)."""

from drf_spectacular.utils import OpenApiExample

CONNECTION_ID = "conn_0Q3b9LmX2kTzRf8yV1aN4c"
SYNC_JOB_ID = "sync_0Q3b9Pq7WzE1xT4nKd2Yb8"

PLATFORM = {
    "id": "platform_shopee",
    "name": "Shopee",
    "code": "shopee",
    "iconUrl": "https://cdn.omnisales.com/shopee.png",
    "apiBaseUrl": "https://partner.shopeemobile.com",
    "isActive": True,
    "credentials": {"apiKey": "Partner ID", "apiSecret": "Partner key", "shopId": "Shop ID"},
    "authorization": "oauth",
    "supportsStockPush": True,
}
PLATFORMS = [OpenApiExample("Shopee", value=PLATFORM, response_only=True)]

CONNECTION = {
    "id": CONNECTION_ID,
    "platformId": "platform_shopee",
    "platform": "shopee",
    "name": "Acme Official Store",
    "shopId": "779210334",
    "status": "active",
    "isActive": True,
    "authorized": True,
    "authorizedUntil": "2024-01-15T14:30:00Z",
    "credentialHints": {"apiKey": "…7821", "apiSecret": "…c0de"},
    "pushStock": True,
    "stockBuffer": 2,
    "autoSync": True,
    "syncedUntil": "2024-01-15T10:25:00Z",
    "lastSyncAt": "2024-01-15T10:25:04Z",
    "lastError": "",
    "lastErrorAt": None,
    "details": {"shopId": "779210334"},
    "createdAt": "2024-01-01T09:00:00Z",
    "updatedAt": "2024-01-15T10:25:04Z",
}
CONNECTIONS = [OpenApiExample("Shopee shop", value=CONNECTION, response_only=True)]
CREATE = [
    OpenApiExample(
        "Shopee (then authorize)",
        value={
            "platformId": "platform_shopee",
            "apiKey": "2001887",
            "apiSecret": "your-partner-key",
            "shopId": "779210334",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Lazada, with tokens already issued",
        value={
            "platformId": "platform_lazada",
            "apiKey": "123456",
            "apiSecret": "your-app-secret",
            "accessToken": "50000601c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBg",
            "refreshToken": "50001600c30atpedfgu3LVvik87Ixlsvle3mSoB7701ceb156fPunYZ43GBh",
            "tokenExpiresAt": "2024-02-14T10:00:00Z",
            "stockBuffer": 1,
        },
        request_only=True,
    ),
]
UPDATE = [OpenApiExample("Pause and hold back stock", value={"isActive": False, "stockBuffer": 3}, request_only=True)]
AUTHORIZE = [
    OpenApiExample(
        "Shopee authorization link",
        value={
            "authorizationUrl": "https://partner.shopeemobile.com/api/v2/shop/auth_partner?partner_id=2001887"
            "&timestamp=1705314600&sign=4e49d4…&redirect=https%3A%2F%2Fapi.omnisales.com%2Fapi%2Fmarketplace"
            "%2Fcallback%2Fshopee%3Fstate%3D…",
            "redirectUri": "https://api.omnisales.com/api/marketplace/callback/shopee?state=…",
            "expiresAt": "2024-01-15T10:45:00Z",
        },
        response_only=True,
    )
]
TEST = [
    OpenApiExample(
        "Shop reached",
        value={
            "ok": True,
            "latencyMs": 184,
            "shop": {"name": "Acme Official Store", "region": "SG", "status": "NORMAL"},
            "connection": CONNECTION,
        },
        response_only=True,
    )
]
STOCK_PUSH = [OpenApiExample("Pushed", value={"pushed": 12, "failed": 0, "unchanged": 230}, response_only=True)]
SYNC = [
    OpenApiExample(
        "A month of Shopee orders",
        value={"platformId": "platform_shopee", "startDate": "2024-01-01T00:00:00Z", "endDate": "2024-01-31T23:59:59Z"},
        request_only=True,
    ),
    OpenApiExample("One connection, since the last sync", value={"connectionId": CONNECTION_ID}, request_only=True),
]
SYNC_JOB = {
    "id": SYNC_JOB_ID,
    "connectionId": CONNECTION_ID,
    "platform": "shopee",
    "status": "partial",
    "trigger": "api",
    "startDate": "2024-01-01T00:00:00Z",
    "endDate": "2024-01-31T23:59:59Z",
    "fetched": 1250,
    "created": 1180,
    "updated": 52,
    "unchanged": 17,
    "failed": 1,
    "errors": [
        {"externalId": "2401155XKQ9PT2", "code": "INVALID_ORDER", "message": "Line 88410: quantity 0 out of range"}
    ],
    "error": "",
    "attempts": 1,
    "startedAt": "2024-02-01T08:00:01Z",
    "finishedAt": "2024-02-01T08:00:42Z",
    "durationSeconds": 41.2,
    "createdAt": "2024-02-01T08:00:00Z",
    "updatedAt": "2024-02-01T08:00:42Z",
}
SYNC_JOBS = [
    OpenApiExample("Finished with one failed order", value=SYNC_JOB, response_only=True, status_codes=["200"]),
    OpenApiExample(
        "Queued",
        value={
            **SYNC_JOB,
            "status": "queued",
            "fetched": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "failed": 0,
            "errors": [],
            "attempts": 0,
            "startedAt": None,
            "finishedAt": None,
            "durationSeconds": None,
            "updatedAt": "2024-02-01T08:00:00Z",
        },
        response_only=True,
        status_codes=["202"],
    ),
]
