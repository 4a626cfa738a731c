"""Order confirmation, shipped and refund emails: sent after the order's transaction commits, once per event."""

from decimal import Decimal

import pytest
from django.db import transaction

from messaging.models import EmailTemplate, Message, MessageSource, TemplateKind
from messaging.services import order_event_notify
from omnisales.testing.factories import CustomerFactory, place_order
from orders.services import order_payment_record, order_payment_refund, order_shipping_update, order_transition
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(account):
    return CustomerFactory(account=account, name="Jane Smith", email="jane@example.com")


def test_placing_an_order_sends_the_confirmation_after_the_commit(account, customer, on_commit, mailoutbox):
    with on_commit():
        order = place_order(account, customer=customer)
        assert mailoutbox == [] and not Message.objects.exists()

    [email] = mailoutbox
    assert email.to == ["jane@example.com"] and email.subject == f"Your {account.name} order {order.pk} is confirmed"
    html = email.alternatives[0][0]
    assert "Hi Jane," in html and "1 × " in html and f"Total: {order.total} {order.currency}" in html
    message = Message.objects.get()
    assert message.source == MessageSource.ORDER_EVENT and message.status == "sent" and message.customer == customer


def test_shipping_and_refunding_send_their_emails(account, customer, on_commit, mailoutbox):
    with on_commit():
        order = place_order(account, customer=customer)
        order_payment_record(order=order, amount=order.total, method="cash")
        order_transition(order=order, to_status="processing")
        order_shipping_update(order=order, changes={"carrier": "UPS", "tracking_number": "1Z999"}, mark_shipped=True)
        order_payment_refund(order=order, amount=Decimal("5.00"))
    subjects = [email.subject for email in mailoutbox]
    assert subjects[1:] == [f"Your order {order.pk} has shipped", f"A refund for your order {order.pk}"]
    assert "with UPS" in mailoutbox[1].alternatives[0][0] and "1Z999" in mailoutbox[1].alternatives[0][0]
    assert "We have refunded 5.00" in mailoutbox[2].alternatives[0][0]


def test_a_switched_off_template_sends_nothing(api, account, customer, on_commit, mailoutbox):
    templates = api.get("/api/email/templates?kind=order_confirmation").json()
    api.patch(f"/api/email/templates/{templates[0]['id']}", {"active": False}, format="json")
    with on_commit():
        place_order(account, customer=customer)
    assert mailoutbox == [] and not Message.objects.exists()


def test_a_rolled_back_order_sends_nothing(account, customer, on_commit, mailoutbox):
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        place_order(account, customer=customer)
        raise RuntimeError("rolled back")
    assert mailoutbox == [] and not Message.objects.exists()


def test_a_repeated_event_sends_once_and_customers_without_email_get_none(account, customer, on_commit, mailoutbox):
    with on_commit():
        order = place_order(account, customer=customer)
        place_order(account, customer=CustomerFactory(account=account, email=None))
    event = WebhookEvent.objects.filter(event_type="order.created", payload__data__orderId=order.pk).get()
    assert (
        order_event_notify(account_id=account.pk, event="order.created", event_id=event.pk, data=event.payload["data"])
        is None
    )
    assert len(mailoutbox) == 1 and Message.objects.count() == 1


def test_the_templates_are_seeded_once_per_account(account, customer, on_commit):
    with on_commit():
        place_order(account, customer=customer)
        place_order(account, customer=customer)
    kinds = sorted(EmailTemplate.objects.filter(account=account).values_list("kind", flat=True))
    assert kinds == sorted([TemplateKind.ORDER_CONFIRMATION, TemplateKind.ORDER_SHIPPED, TemplateKind.REFUND_ISSUED])
