"""The back office for messaging (template preview, live counts, the send and cancel actions) and the demo."""

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from accounts.demo import demo_account
from customers import demo as customers_demo
from messaging import demo, services
from messaging.models import Campaign, CampaignRecipient, CampaignStatus, ConsentChange, EmailTemplate, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_store():
    account, user = demo_account()
    customers_demo.seed(account, user=user, log=lambda line: None)
    logged = []
    demo.seed(account, user=user, log=logged.append)
    demo.seed(account, user=user, log=logged.append)
    return account, logged


def test_the_demo_is_idempotent_and_real(demo_store):
    account, logged = demo_store
    assert logged[-1] == "Messaging: already there."
    assert EmailTemplate.objects.filter(account=account).count() == 4
    assert Campaign.objects.filter(account=account).count() == 2
    sent = Campaign.objects.get(account=account, name="VIP newsletter")
    assert sent.status == CampaignStatus.SENDING and sent.recipients_ready_at
    assert CampaignRecipient.objects.filter(campaign=sent).exists()
    assert Message.objects.filter(account=account).count() == 2
    change = ConsentChange.objects.get(account=account)
    assert not change.customer.accepts_email_marketing


def test_the_template_page_previews_it_and_the_campaign_page_counts(admin_client, demo_store):
    account, _ = demo_store
    template = EmailTemplate.objects.get(account=account, name="Monthly newsletter")
    page = admin_client.get(reverse("admin:messaging_emailtemplate_change", args=[quote(template.pk)]))
    assert page.status_code == 200 and b"Jane, what&#x27;s new at Acme Store" in page.content
    campaign = Campaign.objects.get(account=account, name="VIP newsletter")
    page = admin_client.get(reverse("admin:messaging_campaign_change", args=[quote(campaign.pk)]))
    pending = CampaignRecipient.objects.filter(campaign=campaign, status="pending").count()
    assert f"{pending} pending".encode() in page.content


def test_the_send_action_sends_drafts_and_says_why_not_otherwise(admin_client, demo_store, mailoutbox):
    account, _ = demo_store
    draft = Campaign.objects.get(account=account, name="Champions spring sale")
    sending = Campaign.objects.get(account=account, name="VIP newsletter")
    url = reverse("admin:messaging_campaign_changelist")
    response = admin_client.post(url, {"action": "send_now", "_selected_action": [draft.pk, sending.pk]}, follow=True)
    text = response.content.decode()
    assert "1 campaign(s) sent." in text and "A sending campaign cannot be sent again" in text
    assert Campaign.objects.get(pk=draft.pk).status == CampaignStatus.SENDING
    response = admin_client.post(url, {"action": "cancel", "_selected_action": [sending.pk]}, follow=True)
    assert "1 campaign(s) cancelled." in response.content.decode()
    assert not CampaignRecipient.objects.filter(campaign=sending, status="pending").exists()
    assert services.campaign_batch_send(campaign_id=sending.pk, batch=0) == 0
