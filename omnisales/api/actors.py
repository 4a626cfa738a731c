"""Who made a change: the actor an order's timeline and the stock ledger record."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    type: str = "system"  # "user" | "api_key" | "oauth_app" | "system"
    id: str = ""
    label: str = ""

    @property
    def name(self) -> str:
        """One string for records that keep a single column: a user's email, a credential's id (key_…, an
        OAuth client), or "system"."""
        if self.type == "user":
            return self.label or self.id
        return self.id or SYSTEM.type


SYSTEM = Actor()


def actor_for_user(user) -> Actor:
    return Actor(type="user", id=str(user.pk), label=user.email)


def actor_from_auth(context) -> Actor:
    """The request's credential (an `omnisales.api.auth.AuthContext`) as an actor."""
    if context is None:
        return SYSTEM
    principal = context.principal
    if context.method == "jwt":
        return actor_for_user(principal)
    if context.method == "api_key":
        return Actor(type="api_key", id=principal.public_id, label=principal.name)
    if context.method == "oauth2":
        application = principal.application
        client_id = context.credential_id.partition(":")[0]
        return Actor(type="oauth_app", id=client_id, label=f"{application.name} ({principal.user.email})")
    return Actor(type=context.method, id=context.credential_id)
