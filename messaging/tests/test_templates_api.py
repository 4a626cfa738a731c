"""Email templates: checked in the sandbox when saved (422 with the field), previewed with sample data."""

import pytest

from messaging.models import EmailTemplate, TemplateKind
from messaging.services import campaign_create, campaign_send
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Welcome",
    "subject": "Welcome to {{ account.name }}, {{ customer.first_name }}",
    "htmlBody": "<p>Hi {{ customer.name }}</p>",
    "textBody": "Hi {{ customer.name }}",
}


def test_create_read_replace_change_and_delete(api):
    created = api.post("/api/email/templates", BODY, format="json")
    assert created.status_code == 201, created.content
    template = created.json()
    assert template["id"].startswith("tpl_") and template["kind"] == "custom" and template["active"] is True
    assert api.get(f"/api/email/templates/{template['id']}").json() == template

    replaced = api.put(f"/api/email/templates/{template['id']}", {**BODY, "subject": "Hello"}, format="json").json()
    assert replaced["subject"] == "Hello"
    changed = api.patch(f"/api/email/templates/{template['id']}", {"active": False}, format="json").json()
    assert changed["active"] is False and changed["subject"] == "Hello"

    assert api.delete(f"/api/email/templates/{template['id']}").status_code == 204
    assert_error(api.get(f"/api/email/templates/{template['id']}"), 404, "EMAIL_TEMPLATE_NOT_FOUND")


def test_the_list_starts_with_the_order_event_templates(api, account):
    kinds = [row["kind"] for row in api.get("/api/email/templates").json()]
    assert kinds == ["order_confirmation", "order_shipped", "refund_issued"]
    api.get("/api/email/templates")
    assert EmailTemplate.objects.filter(account=account).count() == 3  # seeded once


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subject": "{{ customer.password }}"}, "subject", "Unknown variable: customer.password"),
        ({"htmlBody": "{% debug %}"}, "htmlBody", "Invalid block tag"),
        ({"htmlBody": "{% load log %}{% get_admin_log 10 as log %}"}, "htmlBody", "Invalid block tag"),
        ({"textBody": "{{ order.items.0.product.account }}"}, "textBody", "Unknown variable: order.items.0.product"),
        ({"textBody": "{% if customer.name %}unclosed"}, "textBody", "Template syntax error"),
        ({"htmlBody": "{{ customer.email.__class__.__mro__ }}"}, "htmlBody", "underscores"),
    ],
)
def test_a_broken_or_escaping_template_is_a_422_on_its_field_and_nothing_is_saved(api, changes, field, message):
    response = api.post("/api/email/templates", {**BODY, **changes}, format="json")
    details = assert_error(response, 422, "VALIDATION_ERROR")["details"]
    assert list(details) == [field] and message in details[field][0]
    assert not EmailTemplate.objects.filter(kind=TemplateKind.CUSTOM).exists()


def test_a_change_is_checked_too_and_leaves_the_template_as_it_was(api):
    template = api.post("/api/email/templates", BODY, format="json").json()
    response = api.patch(f"/api/email/templates/{template['id']}", {"subject": "{{ order.secret }}"}, format="json")
    assert_error(response, 422, "VALIDATION_ERROR")
    assert api.get(f"/api/email/templates/{template['id']}").json()["subject"] == BODY["subject"]


def test_order_event_templates_cannot_use_the_unsubscribe_link_and_are_one_per_kind(api):
    api.get("/api/email/templates")  # seeds the three
    body = {**BODY, "kind": "order_shipped"}
    assert_error(api.post("/api/email/templates", body, format="json"), 409, "DUPLICATE_TEMPLATE_KIND")
    shipped = next(row for row in api.get("/api/email/templates?kind=order_shipped").json())
    response = api.patch(f"/api/email/templates/{shipped['id']}", {"textBody": "{{ unsubscribe_url }}"}, format="json")
    assert assert_error(response, 422, "VALIDATION_ERROR")["details"] == {
        "kind": ["Not available in order event emails: unsubscribe_url"]
    }


def test_preview_renders_the_sample_data(api):
    template = api.post("/api/email/templates", BODY, format="json").json()
    response = api.post(f"/api/email/templates/{template['id']}/preview", format="json")
    assert response.json() == {
        "subject": "Welcome to Acme Store, Jane",
        "html": "<p>Hi Jane Smith</p>",
        "text": "Hi Jane Smith",
    }


def test_a_template_used_by_a_campaign_cannot_be_deleted_nor_changed_while_it_sends(api, account, make_customer):
    make_customer(tags=["vip"], accepts_email_marketing=True)
    template = api.post("/api/email/templates", BODY, format="json").json()
    campaign = campaign_create(
        account=account, name="C", template=EmailTemplate.objects.get(pk=template["id"]), tags=["vip"]
    )
    assert_error(api.delete(f"/api/email/templates/{template['id']}"), 409, "TEMPLATE_IN_USE")
    campaign_send(campaign=campaign)  # sending: the batch tasks are not run in this test
    response = api.patch(f"/api/email/templates/{template['id']}", {"subject": "Changed"}, format="json")
    assert_error(response, 409, "TEMPLATE_IN_USE")
    assert api.patch(f"/api/email/templates/{template['id']}", {"name": "Renamed"}, format="json").status_code == 200
