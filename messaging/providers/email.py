"""Email through Django's email framework: SMTP, console, locmem, or an ESP's backend (django-anymail)."""

from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


@dataclass(frozen=True)
class Sender:
    from_email: str
    reply_to: list[str] = field(default_factory=list)


def sender(*, sender_name: str, reply_to: str) -> Sender:
    """DEFAULT_FROM_EMAIL's address, under the account's sender name when it has one."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Sender(
        from_email=formataddr((sender_name or default_name, address)), reply_to=[reply_to] if reply_to else []
    )


def build(
    *,
    sender: Sender,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    headers: dict | None = None,
    message_id: str | None = None,
) -> EmailMultiAlternatives:
    all_headers = dict(headers or {})
    if message_id:
        all_headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=sender.from_email,
        to=[to],
        reply_to=sender.reply_to,
        headers=all_headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def connection():
    """A connection of the configured backend; opened by the caller for a batch, so SMTP logs in once."""
    return get_connection(fail_silently=False)


def message_id(anchor: str) -> str:
    """A stable Message-ID per message row, so a receiving MTA can tell a repeat from a new message."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "omnisales.local"
    return f"<{anchor}@{domain}>"
