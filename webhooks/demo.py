"""Demo data for webhooks: one endpoint, switched off, ready to point at a real receiver."""

from .exceptions import WebhookUrlNotAllowed
from .models import WebhookEndpoint
from .services import endpoint_create

DEMO_URL = "https://example.com/omnisales/webhooks"


def seed(account, *, user, log) -> None:
    if WebhookEndpoint.objects.filter(account=account, url=DEMO_URL).exists():
        return
    try:
        endpoint, _ = endpoint_create(
            account=account,
            url=DEMO_URL,
            events=["order.created", "order.updated", "payment.succeeded"],
            description="Demo webhook (off): set your receiver's URL and turn it on",
            is_active=False,
        )
    except WebhookUrlNotAllowed as exc:  # e.g. no DNS on this machine
        log(f"  Webhook:  demo endpoint skipped ({exc.reason})")
        return
    log(f"  Webhook:  {endpoint.id} -> {endpoint.url} (inactive)")
