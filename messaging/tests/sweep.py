"""Routes of this app that take an id, and how to make such an object for an account."""

import itertools

from customers.services import customer_create
from messaging import services

_numbers = itertools.count(1)


def _template(account):
    template = services.template_create(
        account=account, name=f"Swept {next(_numbers)}", subject="Hi {{ customer.name }}", html_body="<p>Hi</p>"
    )
    return {"templateId": template.pk}


def _campaign(account):
    number = next(_numbers)
    customer_create(account=account, name="Swept", email=f"swept-campaign{number}@example.com", tags=["swept"])
    campaign = services.campaign_create(
        account=account, name=f"Swept {number}", subject="Hello", text_body="Hello", tags=["swept"]
    )
    return {"campaignId": campaign.pk}


def _email(account):
    message = services.email_send(account=account, to=f"swept{next(_numbers)}@example.com", subject="Hi", content="Hi")
    return {"messageId": message.pk}


def _sms(account):
    message = services.sms_send(account=account, to="+14155550123", message="Hi")
    return {"messageId": message.pk}


SWEEP = {
    "email-message-detail": _email,
    "email-template-detail": _template,
    "email-template-preview": _template,
    "email-campaign-detail": _campaign,
    "email-campaign-send": _campaign,
    "email-campaign-cancel": _campaign,
    "sms-message-detail": _sms,
}
