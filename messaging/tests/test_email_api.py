"""POST /api/email/send and the message log: checked and rendered in the request, delivered by a task."""

import pytest
from django.core import mail

from messaging.models import Message, MessageStatus
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

SEED_BODY = {
    "to": "customer@example.com",
    "subject": "Order Confirmation",
    "content": "Your order has been confirmed.",
}


def _template(api, **fields):
    body = {"name": "Receipt", "subject": "Order {{ order.id }}", "htmlBody": "<p>Hi {{ customer.first_name }}</p>"}
    response = api.post("/api/email/templates", {**body, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_seed_body_is_queued_then_sent_by_the_task(api, on_commit):
    with on_commit():
        response = api.post("/api/email/send", SEED_BODY, format="json")
        assert response.status_code == 202, response.content
        queued = response.json()
        assert queued["status"] == "queued" and queued["id"].startswith("msg_")
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.to, sent.subject, sent.body) == (["customer@example.com"], "Order Confirmation", SEED_BODY["content"])
    detail = api.get(f"/api/email/messages/{queued['id']}").json()
    assert detail["status"] == "sent" and detail["sentAt"] and detail["providerMessageId"].startswith("<msg_")
    assert [row["id"] for row in api.get("/api/email/messages").json()] == [queued["id"]]


def test_a_template_renders_with_the_variables_and_the_customer_of_that_address(api, account, make_customer, on_commit):
    make_customer(email="jane@example.com", name="Jane Smith")
    template = _template(api)
    with on_commit():
        response = api.post(
            "/api/email/send",
            {"to": "Jane@Example.com", "templateId": template["id"], "variables": {"order": {"id": "ord_1"}}},
            format="json",
        )
    assert response.status_code == 202, response.content
    assert response.json()["subject"] == "Order ord_1" and response.json()["customerId"]
    assert mail.outbox[0].alternatives[0][0] == "<p>Hi Jane</p>"
    assert mail.outbox[0].to == ["jane@example.com"]


def test_the_sender_name_and_reply_to_are_the_accounts(api, settings, on_commit):
    settings.DEFAULT_FROM_EMAIL = "Omni Sales <no-reply@shop.example>"
    response = api.patch(
        "/api/email/settings", {"senderName": "Acme Store", "replyTo": "help@acme.example"}, format="json"
    )
    assert response.json() == {"senderName": "Acme Store", "replyTo": "help@acme.example"}
    with on_commit():
        api.post("/api/email/send", SEED_BODY, format="json")
    assert mail.outbox[0].from_email == "Acme Store <no-reply@shop.example>"
    assert mail.outbox[0].reply_to == ["help@acme.example"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SEED_BODY, "to": "not-an-address"}, "to"),
        ({**SEED_BODY, "to": ""}, "to"),
        ({"to": "a@example.com", "content": "No subject"}, "subject"),
        ({"to": "a@example.com", "subject": "No content"}, "content"),
        ({**SEED_BODY, "templateId": "tpl_doesNotExist"}, "templateId"),
        ({**SEED_BODY, "variables": {"order": {"id": "x"}}}, "variables"),
        ({**SEED_BODY, "to": 42}, "to"),
        ({**SEED_BODY, "cc": "x@example.com"}, "cc"),
    ],
)
def test_bad_input_is_a_422_on_its_field_and_nothing_is_sent(api, body, field, on_commit):
    with on_commit():
        response = api.post("/api/email/send", body, format="json")
    assert field in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert Message.objects.count() == 0 and mail.outbox == []


def test_missing_template_variables_are_a_422_naming_them(api, on_commit):
    template = _template(api, subject="Order {{ order.id }} of {{ order.total }}")
    with on_commit():
        response = api.post(
            "/api/email/send",
            {"to": "nobody@example.com", "templateId": template["id"], "variables": {"order": {"id": "ord_1"}}},
            format="json",
        )
    details = assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert details == {"variables": ["Missing template variables: customer.first_name, order.total"]}
    assert Message.objects.count() == 0 and mail.outbox == []


def test_another_accounts_template_is_unknown(api, other_api):
    template = _template(other_api)
    response = api.post("/api/email/send", {"to": "a@example.com", "templateId": template["id"]}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {
        "templateId": [f"No template {template['id']}."]
    }


def test_a_refused_recipient_is_recorded_as_bounced(api, smtp_server, on_commit):
    smtp_server.sink.fail_recipients.add("gone@example.com")
    with on_commit():
        message_id = api.post("/api/email/send", {**SEED_BODY, "to": "gone@example.com"}, format="json").json()["id"]
    detail = api.get(f"/api/email/messages/{message_id}").json()
    assert detail["status"] == "bounced" and "550" in detail["error"]


def test_an_unreachable_server_fails_the_message_with_the_error(api, settings, on_commit):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with on_commit():
        message_id = api.post("/api/email/send", SEED_BODY, format="json").json()["id"]
    message = Message.objects.get(pk=message_id)
    assert message.status == MessageStatus.FAILED and "ConnectionRefusedError" in message.error


def test_a_repeated_delivery_task_sends_nothing_twice(api, on_commit):
    from messaging.services import message_deliver

    with on_commit():
        message_id = api.post("/api/email/send", SEED_BODY, format="json").json()["id"]
    assert message_deliver(message_id=message_id) is None
    assert len(mail.outbox) == 1


def test_scopes(account, make_client):
    reader = make_client(account, scopes=["read:messaging"])
    assert_error(reader.post("/api/email/send", SEED_BODY, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert reader.get("/api/email/messages").status_code == 200
    outsider = make_client(account, scopes=["read:orders"])
    assert_error(outsider.get("/api/email/messages"), 403, "INSUFFICIENT_SCOPE")
    assert Message.objects.count() == 0


def test_the_reply_to_must_be_an_address(api):
    response = api.patch("/api/email/settings", {"replyTo": "not an address"}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {"replyTo": ["Enter a valid email address."]}
    assert api.get("/api/email/settings").json() == {"senderName": "", "replyTo": ""}
