"""Routes of this app that take an id, and how to make such an object for an account."""

import itertools

from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create, event_emit

_numbers = itertools.count()


def _public_url() -> str:
    """A literal public address, so the SSRF check passes without DNS; nothing is ever sent to it."""
    return f"https://93.184.215.14/omnisales-hook/{next(_numbers)}"


def _webhook(account):
    endpoint, _ = endpoint_create(account=account, url=_public_url(), events=["order.created"])
    return {"webhookId": endpoint.id}


def _delivery(account):
    endpoint, _ = endpoint_create(account=account, url=_public_url(), events=["*"])
    event = event_emit(account=account, event="order.created", data={"order_id": "ord_swept"})
    return {"deliveryId": WebhookDelivery.objects.get(event=event, endpoint=endpoint).id}


SWEEP = {
    "webhook-detail": _webhook,
    "webhook-rotate-secret": _webhook,
    "webhook-replay": _webhook,
    "webhook-test": _webhook,
    "webhook-delivery-list": _webhook,
    "webhook-delivery-detail": _delivery,
    "webhook-delivery-redeliver": _delivery,
}
