"""Reads for webhooks that join or prefetch."""

from django.db.models import QuerySet

from omnisales.api.errors import not_found

from .models import WebhookDelivery, WebhookEndpoint


def deliveries_with_attempts() -> QuerySet[WebhookDelivery]:
    """Deliveries with their event, endpoint and every attempt: a fixed number of queries per page."""
    return (
        WebhookDelivery.objects.select_related("event", "endpoint")
        .prefetch_related("attempts")
        .order_by("-created_at", "-id")
    )


def delivery_with_attempts(*, delivery_id: str) -> WebhookDelivery:
    return deliveries_with_attempts().get(pk=delivery_id)


def endpoint_of_account(*, account, endpoint_id: str) -> WebhookEndpoint:
    """The account's endpoint; an unknown id or another account's is a 404 WEBHOOK_NOT_FOUND."""
    endpoint = WebhookEndpoint.objects.filter(account=account, pk=endpoint_id).first()
    if endpoint is None:
        raise not_found(WebhookEndpoint, endpoint_id)
    return endpoint
