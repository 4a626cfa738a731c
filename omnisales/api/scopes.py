"""OAuth-style scopes: `read:<area>` / `write:<area>` for every area, plus `admin` (everything)."""

AREAS = (
    "products",
    "orders",
    "customers",
    "inventory",
    "analytics",
    "billing",
    "marketplace",
    "crm",
    "messaging",
    "returns",
    "reviews",
    "discounts",
    "loyalty",
    "webhooks",
)

ADMIN = "admin"
READ_SCOPES = tuple(f"read:{area}" for area in AREAS)
WRITE_SCOPES = tuple(f"write:{area}" for area in AREAS)
ALL_SCOPES = (*READ_SCOPES, *WRITE_SCOPES, ADMIN)

DESCRIPTIONS = {
    ADMIN: "Full administrative access",
    **{f"read:{area}": f"Read {area}" for area in AREAS},
    **{f"write:{area}": f"Create and update {area}" for area in AREAS},
}


def expand(scopes) -> frozenset[str]:
    """`admin` grants every scope, and a write scope implies reading the same area."""
    granted = set(scopes)
    if ADMIN in granted:
        return frozenset(ALL_SCOPES)
    for scope in list(granted):
        if scope.startswith("write:"):
            granted.add("read:" + scope.removeprefix("write:"))
    return frozenset(granted & set(ALL_SCOPES))


def validate(scopes) -> list[str]:
    """Returns the unknown scopes in `scopes` (empty when all are known)."""
    return [scope for scope in scopes if scope not in ALL_SCOPES]
