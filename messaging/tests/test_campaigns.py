"""Campaigns in-process: audience, consent, one recipient row per customer, batches, retries, scheduling."""

from collections import deque
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.services import segment_create
from messaging import ratelimit, services
from messaging.models import Campaign, CampaignRecipient, CampaignStatus, ConsentChange, RecipientStatus
from omnisales.celery import app as celery_app
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Spring sale",
    "subject": "Hi {{ customer.first_name }}",
    "htmlBody": '<p>20% off at {{ account.name }}</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
    "tags": ["vip"],
}


@pytest.fixture
def audience(make_customer):
    """Three VIPs who accept marketing email, one who does not, one without an address, one not a VIP."""
    consenting = [
        make_customer(name=f"Vip {n}", email=f"vip{n}@example.com", tags=["vip"], accepts_email_marketing=True)
        for n in range(3)
    ]
    make_customer(name="No consent", email="no@example.com", tags=["vip"], accepts_email_marketing=False)
    make_customer(name="No address", email=None, tags=["vip"], accepts_email_marketing=True)
    make_customer(name="Other", email="other@example.com", tags=["regular"], accepts_email_marketing=True)
    return consenting


def _create(api, **changes):
    response = api.post("/api/email/campaigns", {**BODY, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _send(api, campaign_id, on_commit, body=None):
    with on_commit():
        response = api.post(f"/api/email/campaigns/{campaign_id}/send", body or {}, format="json")
    return response


def test_every_consenting_customer_gets_one_email_with_one_click_unsubscribe(api, audience, smtp_server, on_commit):
    campaign = _create(api)
    assert campaign["status"] == "draft" and campaign["stats"]["recipients"] == 0
    response = _send(api, campaign["id"], on_commit)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "sending"

    assert sorted(smtp_server.sink.per_recipient.items()) == [(c.email, 1) for c in audience]
    message = smtp_server.sink.messages[0].message
    link = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert urlparse(link).path.startswith("/messaging/unsubscribe/")
    assert link in message.get_body(("html",)).get_content()
    assert parseaddr(message["From"]) == ("Omni Sales", "no-reply@omnisales.local")

    detail = api.get(f"/api/email/campaigns/{campaign['id']}").json()
    assert detail["status"] == "sent" and detail["completedAt"]
    assert detail["stats"] == {
        "recipients": 5,
        "pending": 0,
        "sent": 3,
        "failed": 0,
        "skipped": 2,
        "skippedNoConsent": 1,
        "skippedNoAddress": 1,
        "cancelled": 0,
    }


def test_sending_twice_is_a_409_and_repeated_tasks_send_nothing_again(api, audience, smtp_server, on_commit):
    campaign = _create(api)
    _send(api, campaign["id"], on_commit)
    assert_error(_send(api, campaign["id"], on_commit), 409, "CAMPAIGN_NOT_SENDABLE")
    Campaign.objects.filter(pk=campaign["id"]).update(status=CampaignStatus.SENDING)  # as if still sending
    assert services.campaign_batch_send(campaign_id=campaign["id"], batch=0) == 0  # a redelivered batch task
    assert services.campaign_start(campaign_id=campaign["id"]) == 0  # a redelivered start task
    assert Campaign.objects.get(pk=campaign["id"]).status == CampaignStatus.SENT
    assert CampaignRecipient.objects.filter(campaign_id=campaign["id"]).count() == 5
    assert sorted(smtp_server.sink.per_recipient.values()) == [1, 1, 1]


@pytest.fixture
def eager_retries(monkeypatch):
    """In-process tasks retry in-process (Celery re-raises a retry instead when eager errors propagate)."""
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)


def test_a_transient_failure_mid_batch_retries_the_batch_without_sending_twice(
    api, audience, smtp_server, settings, on_commit, eager_retries
):
    settings.MESSAGING_BATCH_SIZE = 2
    # The second message of the first batch meets a full mailbox server, then the first of the second.
    smtp_server.sink.failures = deque([None, "451 4.3.0 Try again later", None, "452 4.3.1 Out of storage"])
    campaign = _create(api)
    with on_commit():
        api.post(f"/api/email/campaigns/{campaign['id']}/send", {}, format="json")
    assert sorted(smtp_server.sink.per_recipient.values()) == [1, 1, 1]
    assert api.get(f"/api/email/campaigns/{campaign['id']}").json()["stats"]["sent"] == 3


def test_a_refused_address_fails_its_row_and_the_rest_go_out(api, audience, smtp_server, on_commit):
    smtp_server.sink.fail_recipients.add("vip1@example.com")
    campaign = _create(api)
    _send(api, campaign["id"], on_commit)
    detail = api.get(f"/api/email/campaigns/{campaign['id']}").json()
    assert detail["status"] == "sent" and detail["stats"]["sent"] == 2 and detail["stats"]["failed"] == 1
    failed = CampaignRecipient.objects.get(campaign_id=campaign["id"], status=RecipientStatus.FAILED)
    assert failed.address == "vip1@example.com" and "550" in failed.error


def test_a_scheduled_campaign_starts_when_due(api, audience, on_commit, mailoutbox):
    later = timezone.now() + timedelta(hours=1)
    campaign = _create(api)
    response = _send(api, campaign["id"], on_commit, {"scheduledAt": later.isoformat()})
    assert response.json()["status"] == "scheduled"
    with on_commit():
        assert services.campaigns_start_due() == 0
    assert mailoutbox == []
    with on_commit():
        assert services.campaigns_start_due(now=later + timedelta(seconds=1)) == 1
    assert len(mailoutbox) == 3
    assert Campaign.objects.get(pk=campaign["id"]).status == CampaignStatus.SENT


def test_drafts_and_scheduled_campaigns_cancel_and_sent_ones_do_not(api, audience, on_commit, mailoutbox):
    sent = _create(api)
    _send(api, sent["id"], on_commit)
    assert_error(api.post(f"/api/email/campaigns/{sent['id']}/cancel"), 409, "CAMPAIGN_NOT_CANCELLABLE")

    later = timezone.now() + timedelta(hours=1)
    scheduled = _create(api, name="Scheduled")
    _send(api, scheduled["id"], on_commit, {"scheduledAt": later.isoformat()})
    response = api.post(f"/api/email/campaigns/{scheduled['id']}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled" and response.json()["cancelledAt"]
    mailoutbox.clear()
    with on_commit():
        assert services.campaigns_start_due(now=later + timedelta(minutes=1)) == 0
    assert mailoutbox == []
    assert_error(_send(api, scheduled["id"], on_commit), 409, "CAMPAIGN_NOT_SENDABLE")

    draft = _create(api, name="Draft")
    assert api.post(f"/api/email/campaigns/{draft['id']}/cancel").json()["status"] == "cancelled"
    assert api.delete(f"/api/email/campaigns/{draft['id']}").status_code == 204


def test_cancelling_a_sending_campaign_cancels_its_pending_rows(api, audience, mailoutbox):
    campaign = Campaign.objects.get(pk=_create(api)["id"])
    services.campaign_send(campaign=campaign)
    services.campaign_recipients_freeze(campaign_id=campaign.pk)  # frozen, none sent yet
    response = api.post(f"/api/email/campaigns/{campaign.pk}/cancel")
    assert response.json()["stats"]["cancelled"] == 3 and response.json()["stats"]["pending"] == 0
    assert services.campaign_batch_send(campaign_id=campaign.pk, batch=0) == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tags": []}, "segmentId"),
        ({"segmentId": "seg_missing"}, "segmentId"),
        ({"segmentId": "not-a-segment"}, "segmentId"),
        ({"subject": ""}, "subject"),
        ({"htmlBody": "", "textBody": ""}, "htmlBody"),
        ({"htmlBody": "{{ order.total }}"}, "htmlBody"),
        ({"htmlBody": "{% debug %}"}, "htmlBody"),
        ({"templateId": "tpl_missing"}, "templateId"),
        ({"channel": "sms", "textBody": ""}, "textBody"),
        ({"channel": "fax"}, "channel"),
        ({"scheduledAt": "tomorrow"}, "scheduledAt"),
    ],
)
def test_bad_campaigns_are_a_422_on_their_field(api, changes, field):
    response = api.post("/api/email/campaigns", {**BODY, **changes}, format="json")
    assert field in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert not Campaign.objects.exists()


def test_a_template_that_reads_the_order_cannot_be_a_campaigns(api):
    template = api.post(
        "/api/email/templates", {"name": "T", "subject": "Order {{ order.id }}", "textBody": "x"}, format="json"
    ).json()
    response = api.post("/api/email/campaigns", {**BODY, "subject": "", "htmlBody": "", "templateId": template["id"]})
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {
        "templateId": ["Not available in a campaign: order.id"]
    }


def test_only_drafts_change_and_only_unstarted_ones_are_deleted(api, audience, on_commit):
    campaign = _create(api)
    changed = api.patch(f"/api/email/campaigns/{campaign['id']}", {"name": "Renamed"}, format="json").json()
    assert changed["name"] == "Renamed"
    _send(api, campaign["id"], on_commit)
    assert_error(
        api.patch(f"/api/email/campaigns/{campaign['id']}", {"name": "x"}, format="json"), 409, "CAMPAIGN_NOT_EDITABLE"
    )
    assert_error(api.delete(f"/api/email/campaigns/{campaign['id']}"), 409, "CAMPAIGN_NOT_EDITABLE")
    draft = _create(api, name="Draft")
    assert api.delete(f"/api/email/campaigns/{draft['id']}").status_code == 204
    assert list(api.get("/api/email/campaigns").json()[0]) == list(campaign)


def test_segments_choose_the_audience(api, account, audience, make_customer, on_commit, mailoutbox):
    segment = segment_create(account=account, name="Big", rules={"tags": {"any": ["regular"]}})
    campaign = _create(api, tags=[], segmentId=segment.pk)
    _send(api, campaign["id"], on_commit)
    assert [message.to for message in mailoutbox] == [["other@example.com"]]
    Customer.objects.filter(email="vip0@example.com").update(rfm_segment="champions", total_orders=3)
    Customer.objects.filter(email="vip0@example.com").update(last_order_date=timezone.now())
    mailoutbox.clear()
    champions = _create(api, name="Champions", tags=["vip"], segmentId="champions")
    _send(api, champions["id"], on_commit)
    assert [message.to for message in mailoutbox] == [["vip0@example.com"]]


def test_an_sms_campaign_reaches_customers_who_accept_sms(api, make_customer, sms_outbox, on_commit):
    make_customer(phone="+14155550101", tags=["vip"], accepts_sms_marketing=True, name="Ann Lee")
    make_customer(phone="+14155550102", tags=["vip"], accepts_sms_marketing=False)
    make_customer(phone=None, tags=["vip"], accepts_sms_marketing=True)
    body = {
        "name": "Flash",
        "channel": "sms",
        "textBody": "Hi {{ customer.first_name }}, 20% off today",
        "tags": ["vip"],
    }
    campaign = api.post("/api/email/campaigns", body, format="json").json()
    _send(api, campaign["id"], on_commit)
    assert [(sms["to"], sms["body"]) for sms in sms_outbox] == [("+14155550101", "Hi Ann, 20% off today")]
    stats = api.get(f"/api/email/campaigns/{campaign['id']}").json()["stats"]
    assert (stats["sent"], stats["skippedNoConsent"], stats["skippedNoAddress"]) == (1, 1, 1)


def test_one_click_unsubscribe_records_the_opt_out_and_the_next_campaign_skips_it(
    api, audience, client, on_commit, mailoutbox
):
    campaign = _create(api)
    _send(api, campaign["id"], on_commit)
    message = next(m for m in mailoutbox if m.to == ["vip0@example.com"])
    path = urlparse(message.extra_headers["List-Unsubscribe"].strip("<>")).path

    page = client.get(path)
    assert page.status_code == 200 and b"<form" in page.content
    assert Customer.objects.get(email="vip0@example.com").accepts_email_marketing  # a GET changes nothing
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.json() == {"unsubscribed": True, "channel": "email"}
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200  # repeated: no second record

    assert not Customer.objects.get(email="vip0@example.com").accepts_email_marketing
    change = ConsentChange.objects.get()
    assert (change.channel, change.source, change.campaign_id, change.subscribed) == (
        "email",
        "one_click",
        campaign["id"],
        False,
    )
    assert change.created_at

    mailoutbox.clear()
    second = _create(api, name="Second")
    _send(api, second["id"], on_commit)
    assert sorted(m.to[0] for m in mailoutbox) == ["vip1@example.com", "vip2@example.com"]
    assert api.get(f"/api/email/campaigns/{second['id']}").json()["stats"]["skippedNoConsent"] == 2


def test_a_forged_unsubscribe_link_is_refused(client, audience):
    assert client.post("/messaging/unsubscribe/forged", {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.get("/messaging/unsubscribe/forged").status_code == 400
    assert not ConsentChange.objects.exists()


def test_the_sweep_fails_rows_a_dead_worker_left_and_resends_the_rest_once(api, audience, settings, mailoutbox):
    settings.MESSAGING_BATCH_SIZE = 10
    campaign = Campaign.objects.get(pk=_create(api)["id"])
    services.campaign_send(campaign=campaign)
    services.campaign_recipients_freeze(campaign_id=campaign.pk)
    long_ago = timezone.now() - timedelta(hours=1)
    Campaign.objects.filter(pk=campaign.pk).update(started_at=long_ago)
    rows = list(CampaignRecipient.objects.filter(campaign=campaign, status=RecipientStatus.PENDING).order_by("pk"))
    CampaignRecipient.objects.filter(pk=rows[0].pk).update(status=RecipientStatus.SENDING, claimed_at=long_ago)
    CampaignRecipient.objects.filter(pk=rows[1].pk).update(status=RecipientStatus.SENT, sent_at=long_ago)

    assert services.campaigns_resume_stalled() == 1
    assert [message.to for message in mailoutbox] == [[rows[2].address]]
    interrupted = CampaignRecipient.objects.get(pk=rows[0].pk)
    assert interrupted.status == RecipientStatus.FAILED and interrupted.error.startswith("Interrupted")
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_the_rate_limit_holds_sends_to_the_next_second():
    now, slept = [1000.2], []

    def sleep(seconds):
        slept.append(round(seconds, 2))
        now[0] += seconds

    for _ in range(5):
        ratelimit.wait_for_slot("test-provider", 2, sleep=sleep, clock=lambda: now[0])
    assert slept == [0.8, 1.0]  # two in second 1000, two in 1001, one in 1002
    ratelimit.wait_for_slot("test-provider", 0, sleep=sleep, clock=lambda: now[0])
    assert len(slept) == 2


def test_a_campaign_is_not_complete_before_its_audience_is_frozen(api, audience, mailoutbox):
    campaign = Campaign.objects.get(pk=_create(api)["id"])
    services.campaign_send(campaign=campaign)  # the start task is enqueued on commit: not run here
    assert services.campaign_batch_send(campaign_id=campaign.pk, batch=0) == 0  # a batch task ahead of it
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING
    assert services.campaign_start(campaign_id=campaign.pk) == 1
    assert len(mailoutbox) == 3 and Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT
