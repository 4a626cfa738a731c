"""What each membership role may do, as scopes (the same currency API keys and OAuth tokens use)."""

from omnisales.api import scopes

from .models import Role

_STAFF_WRITE_AREAS = tuple(area for area in scopes.AREAS if area not in ("billing", "webhooks", "analytics"))

ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({scopes.ADMIN}),
    Role.ADMIN: frozenset({scopes.ADMIN}),
    Role.STAFF: frozenset(scopes.READ_SCOPES) | frozenset(f"write:{area}" for area in _STAFF_WRITE_AREAS),
    Role.VIEWER: frozenset(scopes.READ_SCOPES),
}


def scopes_for_role(role: str) -> frozenset[str]:
    return scopes.expand(ROLE_SCOPES.get(role, frozenset()))
