"""SMS: validated in the request, sent through the official Twilio SDK (against a local Twilio) by a task,
status from Twilio's signed callbacks."""

import pytest

from messaging.models import Message, MessageStatus
from messaging.providers.sms import segments
from omnisales.testing.assertions import assert_error
from omnisales.testing.twilio_server import signature

pytestmark = pytest.mark.django_db

SEED_BODY = {"to": "+1234567890", "message": "Your order #12345 has been shipped!"}


# Twilio calls back a live server: the test's rows are committed so its thread sees them (and the
# database is restored afterwards, content types included, for the tests that follow).
CALLBACKS = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def public_url(settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


@CALLBACKS
def test_the_seed_body_goes_through_the_sdk_with_basic_auth_and_form_fields(api, twilio_fake, on_commit, public_url):
    with on_commit():
        response = api.post("/api/sms/send", SEED_BODY, format="json")
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["segments"] == 1 and queued["to"] == "+1234567890"

    [sent] = twilio_fake.messages
    assert sent.to == "+1234567890" and sent.body == SEED_BODY["message"] and sent.from_ == "+15005550006"
    assert sent.status_callback == f"{public_url}/messaging/sms/status"
    message = Message.objects.get(pk=queued["id"])
    assert message.status == MessageStatus.SENT and message.provider_message_id == sent.sid
    assert api.get(f"/api/sms/messages/{queued['id']}").json()["providerMessageId"] == sent.sid
    assert [row["id"] for row in api.get("/api/sms/messages").json()] == [queued["id"]]
    assert api.get("/api/email/messages").json() == []


@CALLBACKS
def test_signed_status_callbacks_move_the_status_forward_only(api, twilio_fake, on_commit, public_url):
    with on_commit():
        message_id = api.post("/api/sms/send", SEED_BODY, format="json").json()["id"]
    sid = twilio_fake.messages[0].sid
    assert twilio_fake.status_callback(sid, "delivered") == 204
    assert Message.objects.get(pk=message_id).status == MessageStatus.DELIVERED
    assert twilio_fake.status_callback(sid, "sent") == 204  # late, out of order: ignored
    assert Message.objects.get(pk=message_id).status == MessageStatus.DELIVERED


@CALLBACKS
def test_a_failed_status_records_the_providers_error_code(api, twilio_fake, on_commit, public_url):
    with on_commit():
        message_id = api.post("/api/sms/send", SEED_BODY, format="json").json()["id"]
    twilio_fake.status_callback(twilio_fake.messages[0].sid, "undelivered", error_code="30003")
    detail = api.get(f"/api/sms/messages/{message_id}").json()
    assert detail["status"] == "undelivered" and detail["error"] == "Provider error 30003"


@CALLBACKS
def test_a_callback_with_a_wrong_signature_changes_nothing(api, twilio_fake, on_commit, public_url, client):
    with on_commit():
        message_id = api.post("/api/sms/send", SEED_BODY, format="json").json()["id"]
    sid = twilio_fake.messages[0].sid
    assert twilio_fake.status_callback(sid, "delivered", sign_with="not-the-token") == 403
    params = {"MessageSid": sid, "MessageStatus": "failed"}
    url = f"{public_url}/messaging/sms/status"
    forged = signature(twilio_fake.auth_token, url + "?x=1", params)  # signed for another URL
    assert client.post("/messaging/sms/status", params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    assert client.post("/messaging/sms/status", params).status_code == 403
    assert Message.objects.get(pk=message_id).status == MessageStatus.SENT


def test_the_sdk_signature_check_accepts_what_twilio_signs(settings):
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+14155550123"}
    url = "https://shop.example.com/messaging/sms/status"
    assert RequestValidator("token").validate(url, params, signature("token", url, params))


@CALLBACKS
def test_wrong_credentials_fail_the_message_with_twilios_error(api, twilio_fake, settings, on_commit, public_url):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with on_commit():
        message_id = api.post("/api/sms/send", SEED_BODY, format="json").json()["id"]
    message = Message.objects.get(pk=message_id)
    assert message.status == MessageStatus.FAILED and "20003" in message.error
    assert twilio_fake.messages == [] and len(twilio_fake.requests) == 1  # the fake refused its Basic auth


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "1234567890", "message": "Hi"}, "to"),
        ({"to": "+999123", "message": "Hi"}, "to"),
        ({"to": "+14155550123", "message": ""}, "message"),
        ({"to": "+14155550123", "message": "x" * 1601}, "message"),
        ({"to": "+14155550123"}, "message"),
        ({"to": 14155550123, "message": "Hi"}, "to"),
    ],
)
def test_bad_input_is_a_422_and_nothing_is_sent(api, body, field, sms_outbox, on_commit):
    with on_commit():
        response = api.post("/api/sms/send", body, format="json")
    assert field in assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert Message.objects.count() == 0 and sms_outbox == []


def test_segments_are_counted_as_carriers_bill_them():
    assert segments("x" * 160) == 1
    assert segments("x" * 161) == 2
    assert segments("€" * 80) == 1  # GSM-7 extension characters count twice
    assert segments("€" * 81) == 2
    assert segments("é" * 160) == 1  # in GSM-7
    assert segments("ł" * 70) == 1  # UCS-2
    assert segments("ł" * 71) == 2
    assert segments("😀" * 35) == 1  # two UTF-16 units each


def test_the_locmem_backend_keeps_what_was_sent(api, sms_outbox, on_commit):
    with on_commit():
        api.post("/api/sms/send", SEED_BODY, format="json")
    assert [(sms["to"], sms["body"]) for sms in sms_outbox] == [("+1234567890", SEED_BODY["message"])]
