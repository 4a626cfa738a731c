"""Leads over the API: the seed's body, normalization, duplicate warnings, filters, updates, scopes, events."""

import pytest

from crm.models import Activity, Lead
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import MembershipFactory, UserFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SEED_BODY = {
    "name": "John Doe",
    "email": "john@example.com",
    "phone": "+1234567890",
    "company": "Acme Inc",
    "status": "new",
    "source": "website",
}


def test_the_seeds_body_creates_a_lead_and_emits_lead_created(api, account):
    response = api.post("/api/crm/leads", SEED_BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("lead_")
    assert {key: body[key] for key in SEED_BODY} == SEED_BODY
    assert body["ownerId"] is None and body["customerId"] is None and body["opportunityId"] is None
    assert body["tags"] == [] and body["duplicates"] == []
    event = WebhookEvent.objects.get(account=account, event_type="lead.created")
    assert event.payload["data"]["id"] == body["id"]
    assert event.payload["data"]["email"] == "john@example.com"
    assert api.get(f"/api/crm/leads/{body['id']}").json() == {k: v for k, v in body.items() if k != "duplicates"}


def test_contact_details_are_normalized_and_duplicates_are_a_warning(api, account, make_lead, make_customer):
    earlier = make_lead(name="Johnny", email="john@example.com")
    phone_twin = make_lead(name="Other John", phone="+14155552671")
    customer = make_customer(name="John D.", email="john@example.com")

    response = api.post(
        "/api/crm/leads",
        {**SEED_BODY, "email": "  John@Example.COM ", "phone": "+1 415 555 2671", "tags": ["VIP", " vip", "b2b"]},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["phone"], body["tags"]) == ("john@example.com", "+14155552671", ["vip", "b2b"])
    duplicates = {(d["type"], d["id"]): d["matchedOn"] for d in body["duplicates"]}
    assert duplicates == {
        ("lead", earlier.pk): ["email"],
        ("lead", phone_twin.pk): ["phone"],
        ("customer", customer.pk): ["email"],
    }
    assert Lead.objects.filter(account=account).count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone": "0412 345 678"}, "phone"),
        ({"status": "converted"}, "status"),
        ({"status": "won"}, "status"),
        ({"source": "carrier-pigeon"}, "source"),
        ({"name": "   "}, "name"),
        ({"name": 42}, "name"),
        ({"tags": "vip"}, "tags"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(api, account, change, field):
    response = api.post("/api/crm/leads", {**SEED_BODY, **change}, format="json")

    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert field in body["details"]
    assert not Lead.objects.filter(account=account).exists()
    assert not WebhookEvent.objects.filter(account=account).exists()


def test_the_owner_is_a_member_of_the_account(api, account, member, other_account):
    outsider = MembershipFactory(account=other_account).user
    stranger = UserFactory()

    created = api.post("/api/crm/leads", {**SEED_BODY, "ownerId": member.pk}, format="json")
    assert created.status_code == 201 and created.json()["ownerId"] == member.pk
    for user in (outsider, stranger):
        response = api.post("/api/crm/leads", {**SEED_BODY, "ownerId": user.pk}, format="json")
        assert_error(response, 404, "USER_NOT_FOUND")
    assert Lead.objects.filter(account=account).count() == 1


def test_filters_by_status_source_owner_tag_created_range_and_search(api, make_lead, member):
    acme = make_lead(name="Ada", company="Acme Inc", status="qualified", source="referral", owner=member, tags=["b2b"])
    globex = make_lead(name="Bob", email="bob@globex.example", source="website", phone="+14155550123")
    make_lead(name="Cy", status="unqualified", source="event")

    def ids(**params):
        response = api.get("/api/crm/leads", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids(status="qualified") == [acme.pk]
    assert ids(source="website") == [globex.pk]
    assert ids(ownerId=member.pk) == [acme.pk]
    assert ids(tag="B2B") == [acme.pk]
    assert ids(search="acme") == [acme.pk]
    assert ids(search="globex") == [globex.pk]
    assert ids(search="555-0123") == [globex.pk]
    assert len(ids(createdAfter="2000-01-01T00:00:00Z")) == 3
    assert ids(createdBefore="2000-01-01T00:00:00Z") == []
    assert ids(ordering="name") == [acme.pk, globex.pk, ids(status="unqualified")[0]]
    assert_error(api.get("/api/crm/leads", {"status": "hot"}), 400, "INVALID_PARAMETER")
    assert_error(api.get("/api/crm/leads", {"createdAfter": "soon"}), 400, "INVALID_PARAMETER")


def test_put_replaces_and_patch_changes_part(api, make_lead, member):
    lead = make_lead(name="John Doe", email="john@example.com", company="Acme", tags=["vip"])

    patched = api.patch(f"/api/crm/leads/{lead.pk}", {"status": "contacted", "ownerId": member.pk}, format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["status"], patched.json()["company"], patched.json()["ownerId"]) == (
        "contacted",
        "Acme",
        member.pk,
    )

    replaced = api.put(f"/api/crm/leads/{lead.pk}", {"name": "John Q. Doe"}, format="json")
    assert replaced.status_code == 200, replaced.content
    body = replaced.json()
    assert (body["name"], body["email"], body["company"], body["status"], body["tags"], body["ownerId"]) == (
        "John Q. Doe",
        None,
        "",
        "new",
        [],
        None,
    )
    assert_error(api.patch(f"/api/crm/leads/{lead.pk}", {"id": "lead_x"}, format="json"), 422, "VALIDATION_ERROR")


def test_a_converted_lead_keeps_its_status(api, make_lead):
    lead = make_lead(email="john@example.com")
    assert api.post(f"/api/crm/leads/{lead.pk}/convert", {}, format="json").status_code == 200

    body = assert_error(
        api.patch(f"/api/crm/leads/{lead.pk}", {"status": "qualified"}, format="json"), 409, "LEAD_ALREADY_CONVERTED"
    )
    assert body["details"]["status"] == "converted"
    renamed = api.patch(f"/api/crm/leads/{lead.pk}", {"company": "Acme Holdings"}, format="json")
    assert (renamed.status_code, renamed.json()["status"]) == (200, "converted")


def test_delete_removes_the_lead_and_its_activities(api, account, make_lead):
    lead = make_lead()
    api.post(f"/api/crm/leads/{lead.pk}/activities", {"type": "note", "subject": "Hello"}, format="json")

    assert api.delete(f"/api/crm/leads/{lead.pk}").status_code == 204

    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(account=account).exists()
    assert_error(api.get(f"/api/crm/leads/{lead.pk}"), 404, "LEAD_NOT_FOUND")


def test_scopes_read_and_write_crm(make_client, account, make_lead):
    lead = make_lead()
    reader, writer, other = (
        make_client(account, scopes=["read:crm"]),
        make_client(account, scopes=["write:crm"]),
        make_client(account, scopes=["write:customers", "write:orders"]),
    )

    assert reader.get("/api/crm/leads").status_code == 200
    assert reader.get("/api/crm/pipeline").status_code == 200
    body = assert_error(reader.post("/api/crm/leads", SEED_BODY, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert body["details"]["requiredScope"] == "write:crm"
    assert_error(reader.post(f"/api/crm/leads/{lead.pk}/convert", {}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert writer.post("/api/crm/leads", SEED_BODY, format="json").status_code == 201
    assert_error(other.get("/api/crm/leads"), 403, "INSUFFICIENT_SCOPE")
    assert_error(other.get("/api/crm/opportunities"), 403, "INSUFFICIENT_SCOPE")


def test_another_accounts_lead_is_not_found_and_unchanged(other_api, make_lead):
    lead = make_lead(name="Mine")
    assert_error(other_api.get(f"/api/crm/leads/{lead.pk}"), 404, "LEAD_NOT_FOUND")
    assert_error(other_api.patch(f"/api/crm/leads/{lead.pk}", {"name": "Theirs"}, format="json"), 404, "LEAD_NOT_FOUND")
    assert_error(other_api.post(f"/api/crm/leads/{lead.pk}/convert", {}, format="json"), 404, "LEAD_NOT_FOUND")
    lead.refresh_from_db()
    assert (lead.name, lead.status) == ("Mine", "new")
