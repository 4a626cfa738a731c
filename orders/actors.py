"""Who did something to an order, as the timeline records it (the shared `omnisales.api.actors`)."""

from omnisales.api.actors import SYSTEM, Actor, actor_for_user, actor_from_auth

__all__ = ["SYSTEM", "Actor", "actor_for_user", "actor_from_auth"]
