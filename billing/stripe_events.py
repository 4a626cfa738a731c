"""Stripe webhook events are applied in `billing.services.stripe_events`; the entry point stays importable here."""

from .services.stripe_events import stripe_event_process

__all__ = ["stripe_event_process"]
