"""Transactional email and SMS: recorded as `queued` in the request, delivered by a task after the commit."""

import logging
import smtplib

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.normalize import InvalidValue, normalize_email, normalize_phone
from omnisales.api.errors import ValidationFailed
from omnisales.api.transactions import atomic_service

from .. import dispatch, templating
from ..models import Channel, EmailTemplate, Message, MessageSource, MessageStatus
from ..providers import email as email_provider
from ..providers import sms as sms_provider
from ._common import account_context, customer_context, render_email, sender_of, sms_status_callback_url
from .templates import template_paths

logger = logging.getLogger(__name__)

# Twilio's MessageStatus values, as this app records them.
SMS_STATUSES = {
    "accepted": MessageStatus.QUEUED,
    "scheduled": MessageStatus.QUEUED,
    "queued": MessageStatus.QUEUED,
    "sending": MessageStatus.QUEUED,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}
# A later status never goes back to an earlier one (callbacks may arrive out of order).
SMS_STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.UNDELIVERED: 2,
    MessageStatus.FAILED: 2,
}


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Validation failed", details={field: [message]})


def _normalized(raw: str, normalize, field: str = "to") -> str:
    """An address in its stored form (customers.normalize), or a 422 on `field`."""
    try:
        value = normalize(raw)
    except InvalidValue as exc:
        raise _invalid(field, str(exc)) from None
    if value is None:
        raise _invalid(field, "This field may not be blank.")
    return value


def _template_context(*, account, customer, variables: dict, paths) -> dict:
    context = {"account": account_context(account), **templating.plain(variables)}
    if customer is not None:
        context.setdefault("customer", customer_context(customer))
    missing = templating.missing_paths(paths, context)
    if missing:
        raise ValidationFailed(
            "Validation failed", details={"variables": [f"Missing template variables: {', '.join(missing)}"]}
        )
    return context


@atomic_service
def email_send(
    *,
    account,
    to: str,
    subject: str | None = None,
    content: str | None = None,
    html: str | None = None,
    template: EmailTemplate | None = None,
    variables: dict | None = None,
) -> Message:
    """Checks and renders the email now (so every error is a 422 before anything is queued), records it
    as `queued`, and delivers it from a task once the request commits."""
    address = _normalized(to, normalize_email)
    customer = Customer.objects.filter(account=account, email=address, is_anonymized=False).first()
    variables = variables or {}
    if template is None:
        if variables:
            raise _invalid("variables", "Variables are used only with a templateId.")
        given = {"subject": subject, "content": content}
        missing = {name: ["This field is required without a templateId."] for name, value in given.items() if not value}
        if missing:
            raise ValidationFailed("Validation failed", details=missing)
        rendered = (subject, html or "", content)
    else:
        source_subject = subject or template.subject
        paths = template_paths(subject=source_subject, html_body=template.html_body, text_body=template.text_body)
        context = _template_context(account=account, customer=customer, variables=variables, paths=paths)
        rendered = render_email(
            subject=source_subject, html=template.html_body, text=content or template.text_body, context=context
        )
    message = Message.objects.create(
        account=account,
        channel=Channel.EMAIL,
        to=address,
        subject=rendered[0][:500],
        html_body=rendered[1],
        text_body=rendered[2],
        template=template,
        customer=customer,
    )
    dispatch.enqueue_on_commit(dispatch.MESSAGE_DELIVER, args=[message.pk])
    return message


@atomic_service
def sms_send(*, account, to: str, message: str) -> Message:
    number = _normalized(to, normalize_phone)
    if not message.strip():
        raise _invalid("message", "This field may not be blank.")
    customer = Customer.objects.filter(account=account, phone=number, is_anonymized=False).first()
    record = Message.objects.create(
        account=account,
        channel=Channel.SMS,
        to=number,
        text_body=message,
        segments=sms_provider.segments(message),
        customer=customer,
    )
    dispatch.enqueue_on_commit(dispatch.MESSAGE_DELIVER, args=[record.pk])
    return record


def message_record_created(*, account, to: str, template: EmailTemplate, context: dict, customer, dedupe_key: str):
    """An order-event email, recorded once per (event, kind): None if it was recorded already."""
    subject, html, text = render_email(
        subject=template.subject, html=template.html_body, text=template.text_body, context=context
    )
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={
                "account": account,
                "channel": Channel.EMAIL,
                "source": MessageSource.ORDER_EVENT,
                "to": to,
                "subject": subject[:500],
                "html_body": html,
                "text_body": text,
                "template": template,
                "customer": customer,
            },
        )
    return message if created else None


def _claim(message_id: str) -> Message | None:
    """The queued message, locked, or None when it was handled already (a repeated task sends nothing)."""
    return (
        Message.objects.select_for_update()
        .filter(pk=message_id, status=MessageStatus.QUEUED, provider_message_id="", sent_at__isnull=True)
        .first()
    )


def message_deliver(*, message_id: str) -> str | None:
    """Sends one queued message and records the outcome. The row stays locked during the provider call
    so two tasks for one message cannot both send it; nothing else waits on that row."""
    with transaction.atomic():
        message = _claim(message_id)
        if message is None:
            return None
        now = timezone.now()
        try:
            if message.channel == Channel.EMAIL:
                _deliver_email(message)
            else:
                _deliver_sms(message)
        except (smtplib.SMTPException, OSError, sms_provider.SmsError) as exc:
            refused = isinstance(exc, smtplib.SMTPRecipientsRefused)
            message.status = MessageStatus.BOUNCED if refused else MessageStatus.FAILED
            message.error = f"{exc.__class__.__name__}: {exc}"[:500]
            logger.warning("Message %s failed: %s", message.pk, message.error)
        else:
            message.sent_at = now
        message.save(update_fields=["status", "error", "provider_message_id", "segments", "sent_at", "updated_at"])
        return message.status


def _deliver_email(message: Message) -> None:
    email = email_provider.build(
        sender=sender_of(message.account_id),
        to=message.to,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        message_id=email_provider.message_id(message.pk),
    )
    email.connection = email_provider.connection()
    email.send()
    message.status = MessageStatus.SENT
    message.provider_message_id = email.extra_headers["Message-ID"]
    status = getattr(email, "anymail_status", None)  # an ESP's own id, through django-anymail
    if status is not None and getattr(status, "message_id", None):
        message.provider_message_id = str(status.message_id)[:100]


def _deliver_sms(message: Message) -> None:
    result = sms_provider.backend().send(
        to=message.to, body=message.text_body, status_callback=sms_status_callback_url()
    )
    message.provider_message_id = result.provider_message_id
    message.segments = result.segments
    message.status = SMS_STATUSES.get(result.status, MessageStatus.QUEUED)
    if message.status == MessageStatus.QUEUED:
        message.status = MessageStatus.SENT  # handed to the provider; its callbacks tell the rest


@atomic_service
def sms_status_record(*, provider_message_id: str, status: str, error_code: str = "") -> bool:
    """A provider's status callback (verified by the caller). Unknown messages and stale statuses change nothing."""
    new_status = SMS_STATUSES.get(status)
    message = (
        Message.objects.select_for_update().filter(channel=Channel.SMS, provider_message_id=provider_message_id).first()
    )
    if message is None or new_status is None:
        return False
    if SMS_STATUS_RANK.get(new_status, 0) < SMS_STATUS_RANK.get(message.status, 0):
        return False
    message.status = new_status
    if error_code:
        message.error = f"Provider error {error_code}"[:500]
    message.save(update_fields=["status", "error", "updated_at"])
    return True
