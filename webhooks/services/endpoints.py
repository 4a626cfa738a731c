"""Endpoints: create, change, rotate secrets, ping, disable (with the owners told)."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Membership, Role
from omnisales.api.transactions import atomic_service

from .. import events, signing, transport
from ..exceptions import DuplicateWebhookUrl, WebhookLimitReached
from ..models import WebhookEndpoint
from .emitting import event_emit


def _events_normalize(event_types: list[str]) -> list[str]:
    unique = list(dict.fromkeys(event_types))
    return [events.ALL_EVENTS] if events.ALL_EVENTS in unique else unique


def _endpoint_save(endpoint: WebhookEndpoint, **kwargs) -> None:
    duplicate = WebhookEndpoint.objects.filter(account_id=endpoint.account_id, url=endpoint.url).exclude(pk=endpoint.pk)
    if duplicate.exists():
        raise DuplicateWebhookUrl("A webhook with this URL already exists", details={"url": endpoint.url})
    try:
        with transaction.atomic():
            endpoint.save(**kwargs)
    except IntegrityError as exc:
        raise DuplicateWebhookUrl("A webhook with this URL already exists", details={"url": endpoint.url}) from exc


@atomic_service
def endpoint_create(
    *, account: Account, url: str, events: list[str], description: str = "", is_active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which the API shows only this once."""
    transport.url_check(url)
    Account.objects.select_for_update().filter(pk=account.pk).first()  # serializes the limit check
    limit = settings.WEBHOOKS_MAX_ENDPOINTS_PER_ACCOUNT
    if WebhookEndpoint.objects.filter(account=account).count() >= limit:
        raise WebhookLimitReached(f"An account can have at most {limit} webhooks", details={"limit": limit})
    secret = signing.secret_generate()
    endpoint = WebhookEndpoint(
        account=account,
        url=url,
        events=_events_normalize(events),
        description=description,
        is_active=is_active,
        secret=secret,
    )
    _endpoint_save(endpoint, force_insert=True)
    return endpoint, secret


@atomic_service
def endpoint_update(*, endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    """Changes any of url, events, description, is_active. Re-activating clears the failure record."""
    if "url" in data and data["url"] != endpoint.url:
        transport.url_check(data["url"])
    if "events" in data:
        data = {**data, "events": _events_normalize(data["events"])}
    reactivated = data.get("is_active") is True and not endpoint.is_active
    for field in ("url", "events", "description", "is_active"):
        if field in data:
            setattr(endpoint, field, data[field])
    if reactivated:
        endpoint.failing_since = None
        endpoint.consecutive_failed_deliveries = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
    _endpoint_save(endpoint)
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Deletes the endpoint with its deliveries; queued tasks for them find nothing and stop."""
    endpoint.delete()


@atomic_service
def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, overlap: timedelta) -> tuple[WebhookEndpoint, str]:
    """Issues a new secret. For `overlap` the old one keeps signing too (a second v1 in the header);
    a zero overlap retires it at once. Any secret from an earlier rotation stops signing now."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = signing.secret_generate()
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret if overlap else ""
    endpoint.previous_secret_expires_at = now + overlap if overlap else None
    endpoint.secret = secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint, secret


@atomic_service
def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Turns off an endpoint that kept failing, records `webhook.disabled` and emails the account's
    owners. Returns False (and does nothing) if the endpoint was already inactive."""
    now = timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:255], updated_at=now
    )
    if not changed:
        return False
    event_emit(
        account=endpoint.account,
        event="webhook.disabled",
        data={"webhook_id": endpoint.id, "url": endpoint.url, "reason": reason, "disabled_at": now},
    )
    transaction.on_commit(lambda: _disabled_notice_send(endpoint.pk), robust=True)
    return True


def _disabled_notice_send(endpoint_id: str) -> None:
    endpoint = WebhookEndpoint.objects.select_related("account").filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    owners = list(
        Membership.objects.filter(account_id=endpoint.account_id, role=Role.OWNER, user__is_active=True)
        .order_by("created_at")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return
    api_path = f"/api/webhooks/{endpoint.id}"
    send_mail(
        subject=f"Webhook disabled: {endpoint.url}",
        message=(
            f"We stopped sending events to {endpoint.url} ({endpoint.id}) for {endpoint.account.name}.\n\n"
            f"Reason: {endpoint.disabled_reason}\n\n"
            f'Once the endpoint works again, turn it back on with PATCH {api_path} {{"active": true}}\n'
            f"and resend what it missed with POST {api_path}/replay.\n"
        ),
        from_email=None,
        recipient_list=owners,
    )
