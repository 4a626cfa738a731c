"""Email templates: checked in the sandbox when saved, so a template that is stored always renders."""

from django.db import IntegrityError, transaction

from omnisales.api.errors import ValidationFailed
from omnisales.api.transactions import atomic_service

from .. import templating
from ..exceptions import DuplicateTemplateKind, TemplateInUse
from ..models import Campaign, CampaignStatus, EmailTemplate, TemplateKind
from ._common import render_email

TEMPLATE_FIELDS = ("subject", "html_body", "text_body")
# What each kind of template may read: campaigns have no order; order events have everything.
CAMPAIGN_ROOTS = frozenset({"customer", "account", "unsubscribe_url"})
ORDER_EVENT_ROOTS = frozenset({"customer", "order", "account"})

TRANSACTIONAL = {
    TemplateKind.ORDER_CONFIRMATION: (
        "Order confirmation",
        "Your {{ account.name }} order {{ order.id }} is confirmed",
        "<p>Hi {{ customer.first_name }},</p>\n<p>Thank you for your order {{ order.id }}.</p>\n<ul>\n"
        "{% for item in order.items %}<li>{{ item.quantity }} × {{ item.product_name }}: "
        "{{ item.line_total }} {{ order.currency }}</li>\n{% endfor %}</ul>\n"
        "<p>Total: {{ order.total }} {{ order.currency }}</p>\n<p>{{ account.name }}</p>",
    ),
    TemplateKind.ORDER_SHIPPED: (
        "Order shipped",
        "Your order {{ order.id }} has shipped",
        "<p>Hi {{ customer.first_name }},</p>\n<p>Your order {{ order.id }} is on its way"
        "{% if order.carrier %} with {{ order.carrier }}{% endif %}.</p>\n"
        "{% if order.tracking_number %}<p>Tracking number: {{ order.tracking_number }}</p>\n{% endif %}"
        "<p>{{ account.name }}</p>",
    ),
    TemplateKind.REFUND_ISSUED: (
        "Refund issued",
        "A refund for your order {{ order.id }}",
        "<p>Hi {{ customer.first_name }},</p>\n<p>We have refunded {{ order.amount_refunded }} "
        "{{ order.currency }} for your order {{ order.id }}.</p>\n<p>{{ account.name }}</p>",
    ),
}


def template_paths(*, subject: str, html_body: str, text_body: str) -> frozenset[str]:
    """Every variable path the three parts read; ValidationFailed naming the part that is broken."""
    errors, paths = {}, set()
    for name, source in (("subject", subject), ("html_body", html_body), ("text_body", text_body)):
        try:
            paths |= templating.compile_template(source or "").paths
        except templating.TemplateInvalid as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationFailed("Validation failed", details=errors)
    return frozenset(paths)


def check_roots(paths, *, allowed: frozenset[str], field: str, where: str) -> None:
    """ValidationFailed on `field` if the template reads variables that `where` does not provide."""
    refused = sorted(path for path in paths if path.split(".")[0] not in allowed)
    if refused:
        raise ValidationFailed("Validation failed", details={field: [f"Not available {where}: {', '.join(refused)}"]})


def _kind_paths_check(kind: str, paths) -> None:
    if kind != TemplateKind.CUSTOM:
        # Order events give the customer, the order and the account; there is no unsubscribe link.
        check_roots(paths, allowed=ORDER_EVENT_ROOTS, field="kind", where="in order event emails")


def _save(template: EmailTemplate, **kwargs) -> None:
    try:
        with transaction.atomic():
            template.save(**kwargs)
    except IntegrityError:
        raise DuplicateTemplateKind(
            "This account already has a template of this kind", details={"kind": template.kind}
        ) from None


@atomic_service
def template_create(*, account, name: str, subject: str, html_body: str = "", text_body: str = "", **options):
    kind = options.get("kind", TemplateKind.CUSTOM)
    paths = template_paths(subject=subject, html_body=html_body, text_body=text_body)
    _kind_paths_check(kind, paths)
    template = EmailTemplate(
        account=account,
        name=name,
        subject=subject,
        html_body=html_body,
        text_body=text_body,
        kind=kind,
        is_active=options.get("is_active", True),
    )
    _save(template, force_insert=True)
    return template


@atomic_service
def template_update(*, template: EmailTemplate, changes: dict) -> EmailTemplate:
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    paths = template_paths(**{name: getattr(locked, name) for name in TEMPLATE_FIELDS})
    _kind_paths_check(locked.kind, paths)
    busy = Campaign.objects.filter(template=locked, status__in=[CampaignStatus.SCHEDULED, CampaignStatus.SENDING])
    if set(changes) & set(TEMPLATE_FIELDS) and busy.exists():
        # A template sending right now must not change under the batches still to go.
        raise TemplateInUse("A campaign is sending with this template", details={"id": locked.pk})
    _save(locked)
    return locked


@atomic_service
def template_delete(*, template: EmailTemplate) -> None:
    if Campaign.objects.filter(template=template).exists():
        raise TemplateInUse("Campaigns use this template", details={"id": template.pk})
    template.delete()


def template_preview(*, template: EmailTemplate) -> dict:
    """The template rendered with the sample customer, order and account."""
    subject, html, text = render_email(
        subject=template.subject, html=template.html_body, text=template.text_body, context=templating.SAMPLE
    )
    return {"subject": subject, "html": html, "text": text}


@atomic_service
def transactional_templates_seed(*, account) -> list[EmailTemplate]:
    """The order confirmation, shipped and refund templates of an account, created once (active)."""
    existing = set(EmailTemplate.objects.filter(account=account).values_list("kind", flat=True))
    created = []
    for kind, (name, subject, html) in TRANSACTIONAL.items():
        if kind not in existing:
            created.append(template_create(account=account, name=name, subject=subject, html_body=html, kind=kind))
    return created
