"""The CRM's events leave through the webhook outbox: a subscribed endpoint receives each one, signed, once the
change commits; a refused change sends nothing."""

import json

import pytest

from omnisales.testing.factories import product_in_stock

pytestmark = pytest.mark.django_db

CRM_EVENTS = ["lead.created", "lead.converted", "opportunity.won", "opportunity.lost"]


def test_a_subscriber_receives_the_crm_events(api, account, make_webhook, receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url, events=CRM_EVENTS)
    laptop = product_in_stock(account, price="10.00")

    def call(method, url, body):
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(api, method)(url, body, format="json")
        assert response.status_code in (200, 201), response.content
        return response.json()

    lead = call("post", "/api/crm/leads", {"name": "John Doe", "email": "john@example.com", "source": "website"})
    converted = call(
        "post",
        f"/api/crm/leads/{lead['id']}/convert",
        {"opportunity": {"items": [{"productId": laptop.pk, "quantity": 2}]}},
    )
    opportunity = converted["opportunity"]
    won = call("put", f"/api/crm/opportunities/{opportunity['id']}/stage", {"stage": "won", "createOrder": True})
    other = call("post", "/api/crm/opportunities", {"name": "Second deal", "amount": 99.5})
    call("put", f"/api/crm/opportunities/{other['id']}/stage", {"stage": "lost", "lostReason": "Too expensive"})
    with django_capture_on_commit_callbacks(execute=True):
        refused = api.put(f"/api/crm/opportunities/{other['id']}/stage", {"stage": "lost", "lostReason": "Again"})
    assert refused.status_code == 409

    requests = receiver.wait_for(4)
    bodies = {request.headers["Omni-Event-Type"]: json.loads(request.body) for request in requests}
    assert sorted(bodies) == sorted(CRM_EVENTS) and len(requests) == 4
    assert bodies["lead.created"]["data"]["email"] == "john@example.com"
    assert {key: bodies["lead.converted"]["data"][key] for key in ("leadId", "customerId", "opportunityId")} == {
        "leadId": lead["id"],
        "customerId": converted["customerId"],
        "opportunityId": opportunity["id"],
    }
    assert bodies["opportunity.won"]["data"]["orderId"] == won["orderId"] is not None
    assert bodies["opportunity.lost"]["data"]["lostReason"] == "Too expensive"
    assert bodies["opportunity.lost"]["data"]["amount"] == 99.5
