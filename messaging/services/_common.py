"""What the messaging services share: the account's sender, template contexts, unsubscribe tokens."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.html import strip_tags

from customers.models import Customer

from .. import templating
from ..models import MessagingSettings
from ..providers import email as email_provider

UNSUBSCRIBE_SALT = "messaging.unsubscribe"


def account_settings(account_id: str) -> MessagingSettings:
    found = MessagingSettings.objects.filter(account_id=account_id).first()
    return found or MessagingSettings(account_id=account_id)


def sender_of(account_id: str) -> email_provider.Sender:
    own = account_settings(account_id)
    return email_provider.sender(sender_name=own.sender_name, reply_to=own.reply_to)


def customer_context(customer: Customer | None) -> dict:
    if customer is None:
        return {}
    name = customer.name or ""
    return {
        "name": name,
        "first_name": name.split(" ", 1)[0],
        "email": customer.email or "",
        "phone": customer.phone or "",
    }


def account_context(account) -> dict:
    return {"name": account.name}


def unsubscribe_token(*, customer_id: str, account_id: str, channel: str, campaign_id: str | None) -> str:
    return signing.dumps(
        {"a": account_id, "c": customer_id, "ch": channel, "cmp": campaign_id}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_token_read(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def unsubscribe_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("messaging-unsubscribe", kwargs={"token": token})


def sms_status_callback_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("messaging-sms-status")


def render_email(*, subject: str, html: str, text: str, context: dict) -> tuple[str, str, str]:
    """(subject, html, text) rendered in the sandbox; a text part is always there (from the HTML if none)."""
    context = templating.plain(context)
    rendered_subject = templating.render_subject(subject, context)
    rendered_html = templating.render(html, context) if html else ""
    rendered_text = templating.render(text, context, autoescape=False) if text else ""
    if not rendered_text and rendered_html:
        rendered_text = strip_tags(rendered_html)
    return rendered_subject, rendered_html, rendered_text
