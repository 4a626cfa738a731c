"""Demo data: the order event templates, a sender, a newsletter template, a sent and a draft campaign, a
welcome email and SMS, and one customer's opt-out through an unsubscribe link.

Idempotent: templates by kind and name, campaigns by name, the rest only when the campaign is new. The
sent campaign's recipients are frozen here; its messages go out through the tasks (in-process in
development, where the console email backend prints them).
"""

from customers.models import Customer

from .models import Campaign, Channel, ConsentSource, EmailTemplate, MessagingSettings
from .services import (
    campaign_create,
    campaign_recipients_freeze,
    campaign_send,
    email_send,
    sms_send,
    template_create,
    transactional_templates_seed,
    unsubscribe,
)
from .services._common import unsubscribe_token

NEWSLETTER = (
    "Monthly newsletter",
    "{{ customer.first_name }}, what's new at {{ account.name }}",
    "<p>Hi {{ customer.first_name }},</p><p>New arrivals are in, and our members save 10% this month.</p>"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
)


def seed(account, *, user, log) -> None:
    transactional_templates_seed(account=account)
    MessagingSettings.objects.get_or_create(
        account=account, defaults={"sender_name": account.name, "reply_to": "support@example.com"}
    )
    name, subject, html = NEWSLETTER
    template = EmailTemplate.objects.filter(account=account, name=name).first()
    if template is None:
        template = template_create(account=account, name=name, subject=subject, html_body=html)
    if Campaign.objects.filter(account=account, name="VIP newsletter").exists():
        log("Messaging: already there.")
        return
    campaign = campaign_send(
        campaign=campaign_create(account=account, name="VIP newsletter", template=template, tags=["vip"])
    )
    campaign_recipients_freeze(campaign_id=campaign.pk)
    campaign_create(account=account, name="Champions spring sale", template=template, segment_id="champions")

    customers = Customer.objects.filter(account=account, is_anonymized=False).order_by("pk")
    first = customers.exclude(email=None).first()
    if first is not None:
        email_send(account=account, to=first.email, subject="Welcome", content=f"Welcome to {account.name}!")
    texted = customers.exclude(phone=None).first()
    if texted is not None:
        sms_send(account=account, to=texted.phone, message=f"{account.name}: your order is on its way.")
    leaving = customers.filter(accepts_email_marketing=True, tags__json_array_contains="vip").last()
    if leaving is not None:
        token = unsubscribe_token(
            customer_id=leaving.pk, account_id=account.pk, channel=Channel.EMAIL, campaign_id=campaign.pk
        )
        unsubscribe(token=token, source=ConsentSource.UNSUBSCRIBE_PAGE)
    log("Messaging: order event templates, a newsletter, a sent and a draft campaign, a welcome email and SMS.")
