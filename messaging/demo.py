"""Demo data: the order event templates, a sender, a custom template, a sent and a draft campaign.

Idempotent: templates by kind and name, campaigns by name. The sent campaign goes through the real
services (in-process tasks in development), so its recipients and counts are real.
"""

from .models import Campaign, EmailTemplate, MessagingSettings
from .services import (
    campaign_create,
    campaign_send,
    template_create,
    transactional_templates_seed,
)

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
    if not Campaign.objects.filter(account=account, name="VIP newsletter").exists():
        sent = campaign_create(account=account, name="VIP newsletter", template=template, tags=["vip"])
        campaign_send(campaign=sent)
    if not Campaign.objects.filter(account=account, name="Champions spring sale").exists():
        campaign_create(account=account, name="Champions spring sale", template=template, segment_id="champions")
    log("Messaging: order event templates, a newsletter template, a sent and a draft campaign.")
