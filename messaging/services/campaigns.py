"""Campaigns: an audience frozen into one recipient row per customer, sent in batches by tasks.

Exactly once: a recipient row is claimed (pending -> sending, a conditional UPDATE that commits) before
its message goes out and marked sent right after, so a retried, duplicated or redelivered batch task
sends only rows still pending. A transient provider error puts the one row it hit back to pending and
the batch is retried. If a worker dies between claiming and recording, that one row stays `sending`;
the sweep marks it failed ("interrupted") rather than risk a second copy, and re-enqueues the batches
that still have pending rows.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from customers import selectors as customer_selectors
from omnisales.api.errors import NotFoundError, ValidationFailed
from omnisales.api.transactions import atomic_service

from .. import dispatch, ratelimit, templating
from ..exceptions import CampaignNotCancellable, CampaignNotEditable, CampaignNotSendable
from ..models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    Channel,
    RecipientStatus,
    SkipReason,
)
from ..providers import email as email_provider
from ..providers import sms as sms_provider
from ._common import account_context, customer_context, render_email, sender_of, unsubscribe_token, unsubscribe_url
from .templates import CAMPAIGN_ROOTS, check_roots, template_paths

logger = logging.getLogger(__name__)

CONTENT_FIELDS = ("template", "subject", "html_body", "text_body")
AUDIENCE_FIELDS = ("segment_id", "tags")
EDITABLE = (CampaignStatus.DRAFT,)
CANCELLABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
INSERT_BATCH = 1000
CANCEL_CHECK_EVERY = 50  # messages between two looks at the campaign's status
INTERRUPTED = "Interrupted: the worker stopped during this send; not sent again so it cannot arrive twice."


class BatchInterrupted(Exception):
    """A transient provider error: the batch should be retried later (the row it hit is pending again)."""


def _invalid(details: dict) -> ValidationFailed:
    return ValidationFailed("Validation failed", details=details)


def _check(campaign: Campaign) -> None:
    """The campaign can be sent as it stands: an audience, and content that renders with what campaigns give."""
    if not campaign.segment_id and not campaign.tags:
        raise _invalid({"segment_id": ["Give a segmentId or tags (or both) to choose the audience."]})
    if campaign.segment_id:
        try:
            customer_selectors.segment_get(account=campaign.account, segment_id=campaign.segment_id)
        except NotFoundError:
            raise _invalid({"segment_id": [f"No segment {campaign.segment_id}."]}) from None
    if campaign.channel == Channel.SMS:
        if not campaign.text_body.strip():
            raise _invalid({"text_body": ["An SMS campaign needs its text."]})
        paths = template_paths(subject="", html_body="", text_body=campaign.text_body)
        check_roots(paths, allowed=CAMPAIGN_ROOTS, field="text_body", where="in a campaign")
        return
    template = campaign.template
    subject = campaign.subject or (template.subject if template else "")
    html = campaign.html_body or (template.html_body if template else "")
    text = campaign.text_body or (template.text_body if template else "")
    if not subject:
        raise _invalid({"subject": ["An email campaign needs a subject (or a templateId)."]})
    if not html and not text:
        raise _invalid({"html_body": ["An email campaign needs htmlBody or textBody (or a templateId)."]})
    paths = template_paths(subject=subject, html_body=html, text_body=text)
    check_roots(paths, allowed=CAMPAIGN_ROOTS, field="template_id" if template else "html_body", where="in a campaign")


@atomic_service
def campaign_create(*, account, name: str, **fields) -> Campaign:
    campaign = Campaign(account=account, name=name, **fields)
    _check(campaign)
    campaign.save(force_insert=True)
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update(of=("self",)).select_related("account", "template").get(pk=campaign.pk)


@atomic_service
def campaign_update(*, campaign: Campaign, changes: dict) -> Campaign:
    locked = _locked(campaign)
    if locked.status not in EDITABLE:
        raise CampaignNotEditable(f"A {locked.status} campaign cannot be changed", details={"status": locked.status})
    for name, value in changes.items():
        setattr(locked, name, value)
    _check(locked)
    locked.save()
    return locked


@atomic_service
def campaign_delete(*, campaign: Campaign) -> None:
    locked = _locked(campaign)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.CANCELLED) or locked.started_at:
        raise CampaignNotEditable(
            "Only drafts and campaigns cancelled before sending can be deleted", details={"status": locked.status}
        )
    locked.delete()


@atomic_service
def campaign_send(*, campaign: Campaign, scheduled_at=None) -> Campaign:
    """Sends a draft now, or at `scheduled_at` (or the campaign's own scheduledAt) when that is later.
    A second call finds it scheduled or sending: 409, and nothing is enqueued twice."""
    locked = _locked(campaign)
    if locked.status != CampaignStatus.DRAFT:
        raise CampaignNotSendable(f"A {locked.status} campaign cannot be sent again", details={"status": locked.status})
    _check(locked)
    now = timezone.now()
    when = scheduled_at or locked.scheduled_at
    if when is not None and when > now:
        locked.status, locked.scheduled_at = CampaignStatus.SCHEDULED, when
    else:
        locked.status, locked.started_at = CampaignStatus.SENDING, now
        dispatch.enqueue_on_commit(dispatch.CAMPAIGN_START, args=[locked.pk])
    locked.save(update_fields=["status", "scheduled_at", "started_at", "updated_at"])
    return locked


@atomic_service
def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Stops a campaign: recipients not yet sent are cancelled; what went out stays recorded."""
    locked = _locked(campaign)
    if locked.status not in CANCELLABLE:
        raise CampaignNotCancellable(
            f"A {locked.status} campaign cannot be cancelled", details={"status": locked.status}
        )
    locked.status, locked.cancelled_at = CampaignStatus.CANCELLED, timezone.now()
    locked.save(update_fields=["status", "cancelled_at", "updated_at"])
    CampaignRecipient.objects.filter(campaign=locked, status=RecipientStatus.PENDING).update(
        status=RecipientStatus.CANCELLED
    )
    return locked


def audience(campaign: Campaign):
    """The campaign's customers now: the segment's, those with any of the tags, or both (the intersection)."""
    customers = customer_selectors.active_customers(account=campaign.account)
    if campaign.segment_id:
        ref = customer_selectors.segment_get(account=campaign.account, segment_id=campaign.segment_id)
        customers = customers.filter(customer_selectors.segment_members_q(account=campaign.account, ref=ref))
    if campaign.tags:
        customers = customers.filter(
            customer_selectors.segment_q(account=campaign.account, rules={"tags": {"any": campaign.tags}})
        )
    return customers


def _recipient(campaign: Campaign, row: tuple, batch: int) -> CampaignRecipient:
    customer_id, email, phone, email_ok, sms_ok = row
    if campaign.channel == Channel.SMS:
        address, consent = phone or "", sms_ok
    else:
        address, consent = email or "", email_ok
    recipient = CampaignRecipient(campaign=campaign, customer_id=customer_id, batch=batch, address=address)
    if not address:
        recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, SkipReason.NO_ADDRESS
    elif not consent:
        recipient.status, recipient.skip_reason = RecipientStatus.SKIPPED, SkipReason.NO_CONSENT
    return recipient


def _recipients_build(campaign: Campaign) -> None:
    """One row per customer of the audience, in one transaction, numbered into batches of sendable rows."""
    fields = ("id", "email", "phone", "accepts_email_marketing", "accepts_sms_marketing")
    size = settings.MESSAGING_BATCH_SIZE
    sendable, rows = 0, []
    with transaction.atomic():
        for row in audience(campaign).order_by("pk").values_list(*fields).iterator(chunk_size=INSERT_BATCH):
            recipient = _recipient(campaign, row, batch=sendable // size)
            if recipient.status == RecipientStatus.PENDING:
                sendable += 1
            rows.append(recipient)
            if len(rows) >= INSERT_BATCH:
                CampaignRecipient.objects.bulk_create(rows, ignore_conflicts=True)
                rows = []
        CampaignRecipient.objects.bulk_create(rows, ignore_conflicts=True)


def _pending_batches(campaign_id: str) -> list[int]:
    return sorted(
        set(
            CampaignRecipient.objects.filter(campaign_id=campaign_id, status=RecipientStatus.PENDING).values_list(
                "batch", flat=True
            )
        )
    )


def campaign_recipients_freeze(*, campaign_id: str) -> Campaign | None:
    """Freezes a sending campaign's audience into recipient rows, once (under the campaign's row lock).
    None when the campaign is not sending."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).select_related("account").filter(pk=campaign_id)
        campaign = campaign.first()
        if campaign is None or campaign.status != CampaignStatus.SENDING:
            return None
        if campaign.recipients_ready_at is None:
            _recipients_build(campaign)
            campaign.recipients_ready_at = timezone.now()
            campaign.save(update_fields=["recipients_ready_at", "updated_at"])
    return campaign


def campaign_start(*, campaign_id: str) -> int:
    """Freezes the audience (once) and enqueues a task per batch with pending rows; returns how many."""
    if campaign_recipients_freeze(campaign_id=campaign_id) is None:
        return 0
    batches = _pending_batches(campaign_id)
    for batch in batches:
        dispatch.enqueue(dispatch.CAMPAIGN_BATCH_SEND, args=[campaign_id, batch])
    if not batches:
        campaign_complete_if_done(campaign_id=campaign_id)
    return len(batches)


@dataclass
class _Content:
    subject: str
    html: str
    text: str


def _content(campaign: Campaign) -> _Content:
    template = campaign.template
    if campaign.channel == Channel.SMS:
        return _Content(subject="", html="", text=campaign.text_body)
    return _Content(
        subject=campaign.subject or (template.subject if template else ""),
        html=campaign.html_body or (template.html_body if template else ""),
        text=campaign.text_body or (template.text_body if template else ""),
    )


def _advance(*, done: tuple[int, str] | None, claim: int | None) -> bool:
    """One statement, one commit per message: records the row just sent (`done`: id and provider message
    id) and claims the next (pending -> sending). True when `claim` was claimed."""
    now = timezone.now()
    if done is None:
        return bool(
            CampaignRecipient.objects.filter(pk=claim, status=RecipientStatus.PENDING).update(
                status=RecipientStatus.SENDING, claimed_at=now
            )
        )
    done_id, provider_id = done
    if claim is None:
        _record(done_id, status=RecipientStatus.SENT, sent_at=now, provider_message_id=provider_id)
        return False
    updated = CampaignRecipient.objects.filter(
        Q(pk=done_id, status=RecipientStatus.SENDING) | Q(pk=claim, status=RecipientStatus.PENDING)
    ).update(
        status=Case(When(pk=done_id, then=Value(RecipientStatus.SENT)), default=Value(RecipientStatus.SENDING)),
        sent_at=Case(When(pk=done_id, then=Value(now)), default=F("sent_at")),
        provider_message_id=Case(When(pk=done_id, then=Value(provider_id)), default=F("provider_message_id")),
        claimed_at=Case(When(pk=claim, then=Value(now)), default=F("claimed_at")),
    )
    if updated == 2:
        return True
    # The row just sent was no longer ours (the sweep gave it up): was the claim made? (rare)
    return CampaignRecipient.objects.filter(pk=claim, status=RecipientStatus.SENDING, claimed_at=now).exists()


def _record(recipient_id: int, **fields) -> None:
    CampaignRecipient.objects.filter(pk=recipient_id, status=RecipientStatus.SENDING).update(**fields)


def _transient(exc: Exception) -> bool:
    if isinstance(exc, sms_provider.SmsError):
        return not exc.permanent
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPServerDisconnected | OSError)


class _Sender:
    """Sends one campaign's messages over one provider connection, within the provider's rate."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.content = _content(campaign)
        self.account = account_context(campaign.account)
        if campaign.channel == Channel.SMS:
            self.provider, self.rate = sms_provider.backend(), settings.MESSAGING_SMS_RATE_PER_SECOND
            self.provider_name = f"sms:{self.provider.name}"
        else:
            self.sender = sender_of(campaign.account_id)
            self.connection = email_provider.connection()
            self.connection.open()  # one SMTP session for the batch (send_messages would open one per call)
            self.rate, self.provider_name = settings.MESSAGING_EMAIL_RATE_PER_SECOND, "email"

    def _context(self, recipient: CampaignRecipient) -> tuple[dict, str]:
        token = unsubscribe_token(
            customer_id=recipient.customer_id,
            account_id=self.campaign.account_id,
            channel=self.campaign.channel,
            campaign_id=self.campaign.pk,
        )
        link = unsubscribe_url(token)
        return {
            "customer": customer_context(recipient.customer),
            "account": self.account,
            "unsubscribe_url": link,
        }, link

    def send(self, recipient: CampaignRecipient) -> str:
        context, link = self._context(recipient)
        ratelimit.wait_for_slot(self.provider_name, self.rate)
        if self.campaign.channel == Channel.SMS:
            text = templating.render(self.content.text, templating.plain(context), autoescape=False)
            return self.provider.send(to=recipient.address, body=text).provider_message_id
        subject, html, text = render_email(
            subject=self.content.subject, html=self.content.html, text=self.content.text, context=context
        )
        message_id = email_provider.message_id(f"{self.campaign.pk}.{recipient.pk}")
        email = email_provider.build(
            sender=self.sender,
            to=recipient.address,
            subject=subject,
            text=text,
            html=html,
            message_id=message_id,
            headers={
                # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        email.connection = self.connection
        email.send()
        return message_id

    def close(self) -> None:
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()


def campaign_batch_send(*, campaign_id: str, batch: int) -> int:
    """Sends the batch's pending recipients; returns how many were sent. Raises BatchInterrupted on a
    transient provider error, after putting the row it hit back to pending."""
    campaign = Campaign.objects.select_related("account", "template").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return 0
    recipients = list(
        CampaignRecipient.objects.filter(campaign=campaign, batch=batch, status=RecipientStatus.PENDING)
        .select_related("customer")
        .only("id", "campaign_id", "customer_id", "address", "customer__name", "customer__email", "customer__phone")
        .order_by("pk")
    )
    sender, sent = _Sender(campaign), 0
    done = None  # the row sent last, recorded with the next claim
    try:
        for index, recipient in enumerate(recipients):
            if index and index % CANCEL_CHECK_EVERY == 0 and not _still_sending(campaign_id):
                break
            claimed = _advance(done=done, claim=recipient.pk)
            sent, done = sent + (done is not None), None
            if not claimed:
                continue  # another task has it, or had it
            try:
                provider_id = sender.send(recipient)
            except (smtplib.SMTPException, OSError, sms_provider.SmsError) as exc:
                if _transient(exc):
                    _record(recipient.pk, status=RecipientStatus.PENDING, claimed_at=None)
                    raise BatchInterrupted(f"{exc.__class__.__name__}: {exc}") from exc
                _record(recipient.pk, status=RecipientStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:500])
                continue
            done = (recipient.pk, provider_id)
    finally:
        if done is not None:
            _advance(done=done, claim=None)
            sent += 1
        sender.close()
    campaign_complete_if_done(campaign_id=campaign_id)
    return sent


def _still_sending(campaign_id: str) -> bool:
    return Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).exists()


def campaign_complete_if_done(*, campaign_id: str) -> bool:
    """Marks a sending campaign sent once its recipients are frozen and none is pending or being sent."""
    unfinished = CampaignRecipient.objects.filter(
        campaign_id=campaign_id, status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING]
    )
    if unfinished.exists():
        return False
    return bool(
        Campaign.objects.filter(
            pk=campaign_id, status=CampaignStatus.SENDING, recipients_ready_at__isnull=False
        ).update(status=CampaignStatus.SENT, completed_at=timezone.now(), updated_at=timezone.now())
    )


def campaigns_start_due(*, now=None) -> int:
    """Scheduled campaigns whose time has come start sending (run every minute by beat)."""
    now = now or timezone.now()
    started = 0
    for campaign_id in Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            updated = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SCHEDULED).update(
                status=CampaignStatus.SENDING, started_at=now, updated_at=now
            )
            if updated:
                dispatch.enqueue_on_commit(dispatch.CAMPAIGN_START, args=[campaign_id])
                started += 1
    return started


def campaigns_resume_stalled(*, stalled_for: timedelta | None = None) -> int:
    """For sending campaigns: rows a dead worker left `sending` are failed (never sent twice), and
    batches with pending rows are enqueued again (a duplicate batch task sends nothing twice)."""
    if stalled_for is None:
        stalled_for = timedelta(seconds=settings.MESSAGING_STALLED_SECONDS)
    cutoff = timezone.now() - stalled_for
    resumed = 0
    for campaign_id in Campaign.objects.filter(status=CampaignStatus.SENDING, started_at__lte=cutoff).values_list(
        "pk", flat=True
    ):
        CampaignRecipient.objects.filter(
            campaign_id=campaign_id, status=RecipientStatus.SENDING, claimed_at__lte=cutoff
        ).update(status=RecipientStatus.FAILED, error=INTERRUPTED)
        resumed += campaign_start(campaign_id=campaign_id)
    return resumed
