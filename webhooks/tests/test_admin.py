"""The admin: lists with filters and search, a read-only outbox, and the redeliver action."""

from collections import deque

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(account, make_webhook, receiver, emit):
    endpoint, _ = make_webhook(receiver.url)
    receiver.statuses = deque([500])
    event = emit(account)
    return endpoint, event, WebhookDelivery.objects.get(event=event)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("webhookendpoint", ""),
        ("webhookendpoint", "?is_active__exact=1&q=127.0.0.1"),
        ("webhookdelivery", ""),
        ("webhookdelivery", "?status__exact=pending&event__event_type=order.created"),
        ("webhookdelivery", "?q=order"),
        ("webhookevent", "?event_type=order.created"),
    ],
)
def test_changelists_render(admin_client, logged, model, query):
    response = admin_client.get(reverse(f"admin:webhooks_{model}_changelist") + query)
    assert response.status_code == 200


def test_delivery_search_finds_by_event_id_and_url(admin_client, logged):
    _, event, delivery = logged
    url = reverse("admin:webhooks_webhookdelivery_changelist")
    assert delivery.pk in admin_client.get(url + f"?q={event.pk}").content.decode()
    assert delivery.pk not in admin_client.get(url + "?q=no-such-thing").content.decode()


def test_detail_pages_render_without_the_secret(admin_client, logged):
    endpoint, event, delivery = logged
    page = admin_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.url in page
    assert endpoint.secret not in page
    assert admin_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])).status_code == 200
    assert admin_client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk])).status_code == 200


def test_events_are_read_only(admin_client, logged):
    _, event, _ = logged
    assert admin_client.get(reverse("admin:webhooks_webhookevent_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:webhooks_webhookevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert WebhookEvent.objects.filter(pk=event.pk).exists()


def test_redeliver_action(admin_client, logged, receiver, django_capture_on_commit_callbacks):
    _, _, delivery = logged
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webhooks_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 2


def test_turn_off_and_on_actions_go_through_the_service(admin_client, logged):
    endpoint, _, _ = logged
    services.endpoint_disable(endpoint=endpoint, reason="Every attempt failed.")
    url = reverse("admin:webhooks_webhookendpoint_changelist")
    admin_client.post(url, {"action": "activate", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (True, "")
    admin_client.post(url, {"action": "deactivate", "_selected_action": [endpoint.pk]})
    assert not WebhookEndpoint.objects.get(pk=endpoint.pk).is_active
