"""Converting a lead: one transaction that creates or links the customer, optionally opens an opportunity,
and happens once — also when two requests race for it."""

from decimal import Decimal

import pytest

from crm.models import Lead, Opportunity
from customers.models import Customer
from omnisales.testing.assertions import assert_error
from omnisales.testing.concurrency import run_together
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def _convert(api, lead, body=None):
    return api.post(f"/api/crm/leads/{lead.pk}/convert", body or {}, format="json")


def test_convert_creates_a_customer_from_the_lead(api, account, make_lead, member):
    lead = make_lead(
        name="John Doe", email="john@example.com", phone="+14155552671", company="Acme", owner=member, tags=["b2b"]
    )

    response = _convert(api, lead)

    assert response.status_code == 200, response.content
    body = response.json()
    customer = Customer.objects.get(account=account)
    assert (customer.name, customer.email, customer.phone, customer.tags) == (
        "John Doe",
        "john@example.com",
        "+14155552671",
        ["b2b", "lead"],
    )
    assert body["customerId"] == customer.pk and body["customerCreated"] is True and body["opportunity"] is None
    assert (body["lead"]["status"], body["lead"]["customerId"], body["lead"]["opportunityId"]) == (
        "converted",
        customer.pk,
        None,
    )
    assert body["lead"]["convertedAt"]
    event = WebhookEvent.objects.get(account=account, event_type="lead.converted")
    data = dict(event.payload["data"])
    assert data.pop("convertedAt")[:19] == body["lead"]["convertedAt"][:19]
    assert (data.pop("lead")["status"], data) == (
        "converted",
        {"leadId": lead.pk, "customerId": customer.pk, "customerCreated": True, "opportunityId": None},
    )
    assert WebhookEvent.objects.filter(account=account, event_type="customer.created").count() == 1


def test_convert_links_the_customer_with_the_same_email(api, account, make_lead, make_customer):
    existing = make_customer(name="J. Doe", email="john@example.com")
    lead = make_lead(email="John@Example.com")

    body = _convert(api, lead).json()

    assert (body["customerId"], body["customerCreated"]) == (existing.pk, False)
    assert Customer.objects.filter(account=account).count() == 1
    existing.refresh_from_db()
    assert existing.name == "J. Doe"  # linked, not overwritten


def test_the_same_email_in_another_account_is_another_customer(api, account, make_lead, make_customer, other_account):
    theirs = make_customer(name="Theirs", email="john@example.com", account=other_account)
    lead = make_lead(email="john@example.com")

    body = _convert(api, lead).json()

    assert body["customerCreated"] is True and body["customerId"] != theirs.pk


def test_convert_into_a_named_customer_with_an_opportunity(api, account, make_lead, make_customer, member):
    customer = make_customer(name="Acme Buying Office")
    lead = make_lead(email="john@example.com", company="Acme Inc", owner=member)

    response = _convert(
        api, lead, {"customerId": customer.pk, "opportunity": {"amount": 5000, "stage": "qualification"}}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    opportunity = Opportunity.objects.get(account=account)
    assert (body["customerId"], body["customerCreated"]) == (customer.pk, False)
    assert body["opportunity"]["id"] == opportunity.pk == body["lead"]["opportunityId"]
    assert (opportunity.name, opportunity.stage, opportunity.probability, opportunity.amount) == (
        "Acme Inc",
        "qualification",
        25,
        Decimal("5000.00"),
    )
    assert (opportunity.customer_id, opportunity.lead_id, opportunity.owner_id, opportunity.currency) == (
        customer.pk,
        lead.pk,
        member.pk,
        "USD",
    )
    assert not Customer.objects.filter(account=account, email="john@example.com").exists()


def test_converting_twice_is_a_409_that_writes_nothing(api, account, make_lead):
    lead = make_lead(email="john@example.com")
    first = _convert(api, lead).json()
    events = WebhookEvent.objects.count()

    body = assert_error(_convert(api, lead, {"opportunity": {}}), 409, "LEAD_ALREADY_CONVERTED")

    assert body["details"] == {"id": lead.pk, "customerId": first["customerId"], "opportunityId": None}
    assert Customer.objects.filter(account=account).count() == 1
    assert not Opportunity.objects.exists()
    assert WebhookEvent.objects.count() == events


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"customerId": "cus_missing"}, 404, "CUSTOMER_NOT_FOUND"),
        ({"opportunity": {"stage": "won"}}, 422, "VALIDATION_ERROR"),
        ({"opportunity": {"amount": -1}}, 422, "VALIDATION_ERROR"),
        ({"opportunity": {"items": [{"productId": "prod_missing", "quantity": 1}]}}, 404, "PRODUCT_NOT_FOUND"),
        ({"opportunity": {"probability": 101}}, 422, "VALIDATION_ERROR"),
        ({"opportunity": {"currency": "AAA"}}, 422, "VALIDATION_ERROR"),
        ({"customer": "cus_x"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_a_refused_conversion_leaves_the_lead_as_it_was(api, account, make_lead, body, status, code):
    lead = make_lead(email="john@example.com")

    assert_error(_convert(api, lead, body), status, code)

    lead.refresh_from_db()
    assert (lead.status, lead.customer_id, lead.converted_at) == ("new", None, None)
    assert not Customer.objects.filter(account=account).exists()
    assert not WebhookEvent.objects.filter(account=account).exclude(event_type="lead.created").exists()


def test_another_accounts_customer_cannot_be_linked(api, account, make_lead, make_customer, other_account):
    theirs = make_customer(account=other_account, email="john@example.com")
    lead = make_lead(email="john@example.com")

    assert_error(_convert(api, lead, {"customerId": theirs.pk}), 404, "CUSTOMER_NOT_FOUND")
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_an_anonymized_customer_with_the_email_is_not_linked(api, account, make_lead, make_customer):
    from customers.services import customer_anonymize

    customer_anonymize(customer=make_customer(email="john@example.com"))
    lead = make_lead(email="john@example.com")

    body = _convert(api, lead).json()

    assert body["customerCreated"] is True
    assert Customer.objects.get(pk=body["customerId"]).email == "john@example.com"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_converts_at_once_make_exactly_one_customer(make_client, account, make_lead, attempt):
    lead = make_lead(email="john@example.com")
    clients = [make_client(account), make_client(account)]

    results = run_together(*[lambda c=c: _convert(c, lead, {"opportunity": {}}) for c in clients])

    assert sorted(r.status_code for r in results) == [200, 409], [r.content for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["code"] == "LEAD_ALREADY_CONVERTED"
    assert Customer.objects.filter(account=account).count() == 1
    assert Opportunity.objects.filter(account=account).count() == 1
    assert WebhookEvent.objects.filter(account=account, event_type="lead.converted").count() == 1
    lead.refresh_from_db()
    assert lead.customer_id == Customer.objects.get(account=account).pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_leads_with_one_email_converting_at_once_share_one_customer(make_client, account, make_lead):
    leads = [
        make_lead(name="Web form", email="john@example.com"),
        make_lead(name="Trade show", email="JOHN@example.com"),
    ]
    clients = [make_client(account), make_client(account)]

    results = run_together(*[lambda c=c, lead=lead: _convert(c, lead) for c, lead in zip(clients, leads, strict=True)])

    assert [r.status_code for r in results] == [200, 200], [r.content for r in results]
    customer = Customer.objects.get(account=account)
    assert {r.json()["customerId"] for r in results} == {customer.pk}
    assert sorted(r.json()["customerCreated"] for r in results) == [False, True]


def test_deleting_the_converted_opportunity_clears_the_leads_link(api, make_lead):
    lead = make_lead(email="john@example.com")
    converted = _convert(api, lead, {"opportunity": {}}).json()

    assert api.delete(f"/api/crm/opportunities/{converted['opportunity']['id']}").status_code == 204

    body = api.get(f"/api/crm/leads/{lead.pk}").json()
    assert (body["status"], body["customerId"], body["opportunityId"]) == ("converted", converted["customerId"], None)
