"""What every authentication method ends at: the request's account, principal and scopes."""

from dataclasses import dataclass, field
from typing import Any

from . import scopes as scope_registry


@dataclass(frozen=True)
class AuthContext:
    account: Any  # accounts.Account; typed loosely so this package imports no app
    principal: Any  # a User, an API key or an OAuth token
    method: str  # "jwt" | "api_key" | "oauth2"
    credential_id: str  # stable id of the credential, for rate limits and idempotency keys
    scopes: frozenset = field(default_factory=frozenset)
    role: str | None = None

    @classmethod
    def build(cls, *, account, principal, method, credential_id, scopes, role=None):
        return cls(
            account=account,
            principal=principal,
            method=method,
            credential_id=credential_id,
            scopes=scope_registry.expand(scopes),
            role=role,
        )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def get_auth_context(request) -> AuthContext | None:
    context = getattr(request, "auth", None)
    return context if isinstance(context, AuthContext) else None
