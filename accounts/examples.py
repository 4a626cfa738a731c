"""OpenAPI examples of the accounts bodies (camelCase, as on the wire). Validated by
omnisales/tests/test_schema_examples.py; the Postman collection sends the request examples."""

from drf_spectacular.utils import OpenApiExample

ACCESS_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzA1MzIwMTAwLCJ1c2VyX2lkIjoi"
    "dXNyXzAzNTVjZ0ZpWk5ZM2hOYWtSbTFzNVEiLCJhY2NvdW50X2lkIjoiYWNjXzAzNTV1UUVBbENrTW9IaVdDSTBGQ2IifQ.Q2lQmD1aU"
    "o0C7mF4t9CVe2m8Y1r1x6yZ1uYl7p2R9nA"
)
REFRESH_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTcwNTkyNDAwMCwianRpIjoiOGYy"
    "YzRmMWY5YTJkNDdkOWI4ZTFhZjU4YjM1YzFlNzEifQ.k7Rb3XW0cQ8N1mS2yVh5dJf9tLp4aE6uGz0oI3wKxYc"
)
USER = {
    "id": "usr_0355cgFiZNY3hNakRm1s5Q",
    "email": "jane@example.com",
    "name": "Jane Smith",
    "createdAt": "2024-01-15T10:30:00Z",
}
ACCOUNT = {
    "id": "acc_0355uQEAlCkMoHiWCI0FCb",
    "name": "Jane's Boutique",
    "currency": "USD",
    "timezone": "UTC",
    "taxRate": 8.0,
    "pricesIncludeTax": False,
    "taxShipping": False,
    "productLimit": 100,
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-15T10:30:00Z",
}
TOKENS = {"access": ACCESS_TOKEN, "refresh": REFRESH_TOKEN}
PASSWORD = "correct-horse-battery-staple"

REGISTER = [
    OpenApiExample(
        "Register",
        value={
            "email": "jane@example.com",
            "password": PASSWORD,
            "name": "Jane Smith",
            "storeName": "Jane's Boutique",
            "currency": "USD",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Registered", value={"user": USER, "account": ACCOUNT, "role": "owner", "tokens": TOKENS}, response_only=True
    ),
]
LOGIN = [OpenApiExample("Log in", value={"email": "jane@example.com", "password": PASSWORD}, request_only=True)]
TOKEN_PAIR = [OpenApiExample("Tokens", value=TOKENS, response_only=True)]
REFRESH = [OpenApiExample("Refresh", value={"refresh": REFRESH_TOKEN}, request_only=True)]
ME = [
    OpenApiExample(
        "Owner with a JWT",
        value={"user": USER, "account": ACCOUNT, "role": "owner", "scopes": ["admin"], "authMethod": "jwt"},
        response_only=True,
    ),
]

API_KEY = {
    "id": "key_Xq3bT9aP",
    "name": "Warehouse scanner",
    "prefix": "Xq3bT9aP",
    "scopes": ["read:inventory", "write:inventory"],
    "revoked": False,
    "expiresAt": None,
    "lastUsedAt": "2024-01-15T11:00:00Z",
    "createdAt": "2024-01-15T10:30:00Z",
}
API_KEYS = [
    OpenApiExample("Create a key", value={"name": "Warehouse scanner", "scopes": API_KEY["scopes"]}, request_only=True),
    OpenApiExample("API key", value=API_KEY, response_only=True),
]
API_KEY_CREATED = [
    OpenApiExample(
        "Created (the secret is shown only here)",
        value={**API_KEY, "lastUsedAt": None, "key": "Xq3bT9aP.q8ZtV1mJ4wK7nR2sD5fG9hL3cX6bN0aE"},
        response_only=True,
    ),
]

OAUTH_APPLICATION = {
    "id": "app_0355vBqjXWcVd9Lr2S4kT1",
    "name": "Inventory Sync",
    "clientId": "nV5m1ZqA7dF3kP9sW2xC8bH4jL6tR0yE",
    "clientType": "confidential",
    "redirectUris": ["https://sync.example.com/oauth/callback"],
    "scopes": ["read:products", "read:inventory"],
    "createdAt": "2024-01-15T10:30:00Z",
}
OAUTH_APPLICATIONS = [
    OpenApiExample(
        "Register an application",
        value={
            "name": "Inventory Sync",
            "clientType": "confidential",
            "redirectUris": ["https://sync.example.com/oauth/callback"],
            "scopes": OAUTH_APPLICATION["scopes"],
        },
        request_only=True,
    ),
    OpenApiExample("Application", value=OAUTH_APPLICATION, response_only=True),
]
OAUTH_APPLICATION_CREATED = [
    OpenApiExample(
        "Registered (the secret is shown only here)",
        value={**OAUTH_APPLICATION, "clientSecret": "7Hq2Lx9Vb4Nz1Kc8Wm3Rt6Yp0Sd5FgJ2eU8iO4aQ1wX9cZ3vB6n"},
        response_only=True,
    ),
]
