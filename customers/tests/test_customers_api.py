"""The customer resource: /api/customers and /api/customers/{customerId}."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import resolve
from django.utils import timezone

from customers import services
from customers.models import Customer
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

SEED_KEYS = {
    "id",
    "name",
    "email",
    "phone",
    "address",
    "totalOrders",
    "totalSpent",
    "tags",
    "lastOrderDate",
    "createdAt",
    "updatedAt",
}
SEED_PUT_BODY = {
    "name": "Jane Smith",
    "email": "jane.new@example.com",
    "phone": "+1234567890",
    "address": "456 Oak Ave",
    "tags": ["vip"],
}


def events(account, event_type):
    return list(WebhookEvent.objects.filter(account=account, event_type=event_type).order_by("created_at"))


def create(account, **fields):
    fields.setdefault("name", "Jane Smith")
    return services.customer_create(account=account, **fields)


# --- create ------------------------------------------------------------------------------------------


def test_create_normalizes_contact_data_and_emits_customer_created(api, account):
    body = {
        "name": "  Jane Smith ",
        "email": "Jane@Example.COM",
        "phone": "+1 (415) 555-2671",
        "address": "123 Main St, City, State 12345",
        "tags": ["VIP", " regular ", "vip"],
        "acceptsEmailMarketing": True,
        "shippingAddress": {"line1": "123 Main St", "city": "San Francisco", "postalCode": "94105", "country": "us"},
    }

    response = api.post("/api/customers", body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["id"].startswith("cus_")
    assert data["name"] == "Jane Smith"
    assert data["email"] == "jane@example.com"
    assert data["phone"] == "+14155552671"
    assert data["tags"] == ["vip", "regular"]
    assert data["acceptsEmailMarketing"] is True
    assert data["acceptsSmsMarketing"] is False
    assert data["shippingAddress"] == {
        "line1": "123 Main St",
        "line2": "",
        "city": "San Francisco",
        "region": "",
        "postalCode": "94105",
        "country": "US",
    }
    assert (data["totalOrders"], data["totalSpent"], data["lastOrderDate"]) == (0, 0, None)
    assert data["isAnonymized"] is False
    stored = Customer.objects.get(pk=data["id"])
    assert stored.account == account and stored.phone == "+14155552671"
    (event,) = events(account, "customer.created")
    assert event.payload["data"]["id"] == data["id"]
    assert event.payload["data"]["email"] == "jane@example.com"
    assert event.payload["data"]["acceptsEmailMarketing"] is True


def test_create_with_only_a_name(api):
    response = api.post("/api/customers", {"name": "Walk-in"}, format="json")

    assert response.status_code == 201
    data = response.json()
    assert (data["email"], data["phone"], data["address"], data["tags"]) == (None, None, "", [])


def test_derived_fields_in_the_body_are_refused(api):
    body = {"name": "Jane", "totalOrders": 99, "totalSpent": 1000, "lastOrderDate": "2024-01-10T14:30:00Z"}

    response = api.post("/api/customers", body, format="json")

    assert response.status_code == 422
    assert set(response.json()["details"]) == {"totalOrders", "totalSpent", "lastOrderDate"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 123}, "name"),
        ({"name": None}, "name"),
        ({"name": "Jane", "email": "not-an-email"}, "email"),
        ({"name": "Jane", "email": "a@" + "b" * 250 + ".com"}, "email"),
        ({"name": "Jane", "email": ["jane@example.com"]}, "email"),
        ({"name": "Jane", "phone": "4155552671"}, "phone"),
        ({"name": "Jane", "phone": "+1 234"}, "phone"),
        ({"name": "Jane", "phone": "call me"}, "phone"),
        ({"name": "Jane", "phone": "+999 123 456 789"}, "phone"),
        ({"name": "Jane", "phone": "+1 415 555 2671 ext. 7"}, "phone"),
        ({"name": "Jane", "phone": 14155552671}, "phone"),
        ({"name": "Jane", "phone": "+1" + "4" * 40}, "phone"),
        ({"name": "Jane", "address": "x" * 501}, "address"),
        ({"name": "Jane", "tags": "vip"}, "tags"),
        ({"name": "Jane", "tags": [1]}, "tags"),
        ({"name": "Jane", "tags": [" "]}, "tags"),
        ({"name": "Jane", "tags": ["x" * 51]}, "tags"),
        ({"name": "Jane", "tags": [f"t{i}" for i in range(51)]}, "tags"),
        ({"name": "Jane", "acceptsEmailMarketing": "maybe"}, "acceptsEmailMarketing"),
        ({"name": "Jane", "acceptsSmsMarketing": [True]}, "acceptsSmsMarketing"),
        ({"name": "Jane", "shippingAddress": "123 Main St"}, "shippingAddress"),
        ({"name": "Jane", "shippingAddress": {"line1": "1 Main St", "country": "US"}}, "shippingAddress"),
        ({"name": "Jane", "shippingAddress": {"line1": "1 Main St", "city": "X", "country": "XX"}}, "shippingAddress"),
    ],
)
def test_create_rejects_bad_input_with_422_and_writes_nothing(api, account, body, field):
    response = api.post("/api/customers", body, format="json")

    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["details"]
    assert not Customer.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_malformed_json_is_400(api):
    response = api.generic("POST", "/api/customers", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "MALFORMED_REQUEST"
    assert not Customer.objects.exists()


def test_duplicate_email_is_409_case_insensitively_and_writes_nothing(api, account):
    create(account, email="jane@example.com")

    response = api.post("/api/customers", {"name": "Other Jane", "email": " JANE@example.com"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_EMAIL"
    assert Customer.objects.count() == 1
    assert len(events(account, "customer.created")) == 1


def test_the_same_email_is_fine_in_another_account(api, account, other_account):
    create(other_account, email="jane@example.com")

    response = api.post("/api/customers", {"name": "Jane", "email": "jane@example.com"}, format="json")

    assert response.status_code == 201


def test_email_uniqueness_is_enforced_by_the_database(account):
    create(account, email="jane@example.com")

    with pytest.raises(services.DuplicateEmail):
        services._save(Customer(account=account, name="Race", email="Jane@example.com"), force_insert=True)


# --- read --------------------------------------------------------------------------------------------


def test_get_has_the_seed_fields(api, account):
    customer = create(account, email="jane@example.com", phone="+1234567890", tags=["vip", "regular"])
    services.customer_record_order(
        customer=customer, amount=Decimal("5432.10"), ordered_at=timezone.now() - timedelta(days=3)
    )

    response = api.get(f"/api/customers/{customer.pk}")

    assert response.status_code == 200
    data = response.json()
    assert set(data) >= SEED_KEYS
    assert data["totalOrders"] == 1
    assert data["totalSpent"] == 5432.10
    assert data["tags"] == ["vip", "regular"]
    assert data["lastOrderDate"].endswith("Z")
    assert data["createdAt"].endswith("Z")


def test_unknown_customer_is_404_with_the_seed_error_body(api):
    response = api.get("/api/customers/cus_123")

    assert response.status_code == 404
    assert response.json() == {
        "error": "Customer not found",
        "details": "No customer exists with ID: cus_123",
        "code": "CUSTOMER_NOT_FOUND",
    }


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_accounts_customer_is_404_and_untouched(api, other_account, method):
    theirs = create(other_account, name="Theirs", email="theirs@example.com")

    response = getattr(api, method)(f"/api/customers/{theirs.pk}", SEED_PUT_BODY, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "CUSTOMER_NOT_FOUND"
    theirs.refresh_from_db()
    assert (theirs.name, theirs.email, theirs.is_anonymized) == ("Theirs", "theirs@example.com", False)


def test_fixed_paths_are_not_taken_for_customer_ids():
    assert resolve("/api/customers/rfm").url_name == "customer-rfm"
    assert resolve("/api/customers/segments").url_name == "customer-segment-list"
    assert resolve("/api/customers/segments/champions").url_name == "customer-segment-detail"
    assert resolve("/api/customers/segments/champions/customers").url_name == "customer-segment-customers"
    assert resolve("/api/customers/cus_123").url_name == "customer-detail"


def test_fixed_paths_answer_as_themselves(api):
    assert api.get("/api/customers/rfm").status_code == 200
    assert api.get("/api/customers/segments").status_code == 200
    response = api.put("/api/customers/rfm", SEED_PUT_BODY, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert api.delete("/api/customers/segments").status_code == 405
    assert not Customer.objects.exists()


def test_trailing_slash_is_404(api, account):
    customer = create(account)

    assert api.get("/api/customers/").status_code == 404
    assert api.get(f"/api/customers/{customer.pk}/").status_code == 404


# --- update ------------------------------------------------------------------------------------------


def test_seed_put_body_works_verbatim(api, account):
    customer = create(account, email="jane@example.com", phone="+14155552671", address="123 Main St")

    response = api.put(f"/api/customers/{customer.pk}", SEED_PUT_BODY, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert {key: data[key] for key in SEED_PUT_BODY} == SEED_PUT_BODY
    (event,) = events(account, "customer.updated")
    assert event.payload["data"]["email"] == "jane.new@example.com"


def test_put_replaces_the_profile_and_resets_absent_optional_fields(api, account):
    customer = create(
        account,
        email="jane@example.com",
        phone="+14155552671",
        tags=["vip"],
        accepts_email_marketing=True,
        shipping_address={
            "line_1": "1 Main St",
            "line_2": "",
            "city": "X",
            "region": "",
            "postal_code": "",
            "country": "US",
        },
    )

    response = api.put(f"/api/customers/{customer.pk}", {"name": "Jane Doe"}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.name == "Jane Doe"
    assert (customer.email, customer.phone, customer.tags, customer.shipping_address) == (None, None, [], None)
    assert customer.accepts_email_marketing is False


def test_put_needs_the_name(api, account):
    customer = create(account, name="Jane")

    response = api.put(f"/api/customers/{customer.pk}", {"email": "jane@example.com"}, format="json")

    assert response.status_code == 422
    assert "name" in response.json()["details"]
    customer.refresh_from_db()
    assert customer.email is None


def test_patch_changes_only_the_given_fields(api, account):
    customer = create(account, email="jane@example.com", tags=["vip"], phone="+14155552671")

    response = api.patch(
        f"/api/customers/{customer.pk}", {"acceptsSmsMarketing": True, "tags": ["vip", "Wholesale"]}, format="json"
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.accepts_sms_marketing is True
    assert customer.tags == ["vip", "wholesale"]
    assert (customer.name, customer.email, customer.phone) == ("Jane Smith", "jane@example.com", "+14155552671")


def test_patch_replaces_the_whole_shipping_address(api, account):
    customer = create(account)
    address = {"line1": "1 Main St", "city": "Springfield", "region": "IL", "postalCode": "62701", "country": "US"}

    response = api.patch(f"/api/customers/{customer.pk}", {"shippingAddress": address}, format="json")

    assert response.status_code == 200
    assert response.json()["shippingAddress"] == {**address, "line2": ""}
    missing_city = api.patch(
        f"/api/customers/{customer.pk}", {"shippingAddress": {"line1": "2 Elm St", "country": "US"}}, format="json"
    )
    assert missing_city.status_code == 422
    assert "city" in missing_city.json()["details"]["shippingAddress"]
    customer.refresh_from_db()
    assert customer.shipping_address["line_1"] == "1 Main St"


def test_patch_without_a_change_emits_nothing(api, account):
    customer = create(account, email="jane@example.com")

    response = api.patch(f"/api/customers/{customer.pk}", {"email": "JANE@example.com"}, format="json")

    assert response.status_code == 200
    assert events(account, "customer.updated") == []


@pytest.mark.parametrize("method", ["put", "patch"])
def test_changing_to_another_customers_email_is_409_and_changes_nothing(api, account, method):
    create(account, name="Taken", email="taken@example.com")
    customer = create(account, name="Jane", email="jane@example.com")

    response = getattr(api, method)(
        f"/api/customers/{customer.pk}", {"name": "Jane", "email": "Taken@Example.com"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_EMAIL"
    customer.refresh_from_db()
    assert customer.email == "jane@example.com"
    assert events(account, "customer.updated") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"email": "nope"}, "email"),
        ({"phone": "555-1234"}, "phone"),
        ({"tags": {"vip": True}}, "tags"),
        ({"acceptsEmailMarketing": "sometimes"}, "acceptsEmailMarketing"),
        ({"shippingAddress": {"city": "Springfield"}}, "shippingAddress"),
        ({"shippingAddress": ["1 Main St"]}, "shippingAddress"),
    ],
)
def test_patch_rejects_bad_input_and_changes_nothing(api, account, body, field):
    customer = create(account, email="jane@example.com", phone="+14155552671", tags=["vip"])
    before = Customer.objects.filter(pk=customer.pk).values().get()

    response = api.patch(f"/api/customers/{customer.pk}", body, format="json")

    assert response.status_code == 422
    assert field in response.json()["details"]
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert events(account, "customer.updated") == []


def test_update_keeps_order_stats_written_meanwhile(api, account):
    customer = create(account)
    services.customer_record_order(
        customer=Customer.objects.get(pk=customer.pk), amount=Decimal("10.00"), ordered_at=timezone.now()
    )

    response = api.patch(f"/api/customers/{customer.pk}", {"name": "Jane Doe"}, format="json")

    assert response.json()["totalOrders"] == 1
    assert response.json()["totalSpent"] == 10.0
    customer.refresh_from_db()
    assert (customer.total_orders, customer.total_spent) == (1, Decimal("10.00"))


# --- delete (anonymize) ------------------------------------------------------------------------------


def test_delete_anonymizes_keeps_the_row_and_stats_and_emits_customer_deleted(api, account):
    customer = create(
        account,
        email="jane@example.com",
        phone="+14155552671",
        address="123 Main St",
        tags=["vip"],
        accepts_email_marketing=True,
        accepts_sms_marketing=True,
    )
    services.customer_record_order(customer=customer, amount=Decimal("99.99"), ordered_at=timezone.now())

    response = api.delete(f"/api/customers/{customer.pk}")

    assert response.status_code == 204
    assert response.content == b""
    shown = api.get(f"/api/customers/{customer.pk}").json()
    assert shown["name"] == "Deleted customer"
    assert (shown["email"], shown["phone"], shown["address"], shown["shippingAddress"]) == (None, None, "", None)
    assert shown["tags"] == []
    assert (shown["acceptsEmailMarketing"], shown["acceptsSmsMarketing"]) == (False, False)
    assert shown["isAnonymized"] is True and shown["anonymizedAt"].endswith("Z")
    assert (shown["totalOrders"], shown["totalSpent"]) == (1, 99.99)
    (event,) = events(account, "customer.deleted")
    assert event.payload["data"] == {"id": customer.pk, "anonymizedAt": event.payload["data"]["anonymizedAt"]}
    assert "jane" not in str(event.payload).lower()


def test_delete_twice_is_204_without_a_second_event(api, account):
    customer = create(account)

    assert api.delete(f"/api/customers/{customer.pk}").status_code == 204
    assert api.delete(f"/api/customers/{customer.pk}").status_code == 204
    assert len(events(account, "customer.deleted")) == 1


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_deleted_customer_cannot_be_changed(api, account, method):
    customer = create(account)
    services.customer_anonymize(customer=customer)

    response = getattr(api, method)(f"/api/customers/{customer.pk}", SEED_PUT_BODY, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "CUSTOMER_ANONYMIZED"
    customer.refresh_from_db()
    assert customer.name == "Deleted customer"


def test_a_deleted_customers_email_can_be_used_again(api, account):
    customer = create(account, email="jane@example.com")
    services.customer_anonymize(customer=customer)

    response = api.post("/api/customers", {"name": "Jane again", "email": "jane@example.com"}, format="json")

    assert response.status_code == 201


# --- scopes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path_kind"),
    [("post", "list"), ("put", "detail"), ("patch", "detail"), ("delete", "detail")],
)
def test_writes_need_write_customers(make_client, account, method, path_kind):
    customer = create(account, email="jane@example.com")
    reader = make_client(account, scopes=["read:customers"])
    url = "/api/customers" if path_kind == "list" else f"/api/customers/{customer.pk}"

    response = getattr(reader, method)(url, SEED_PUT_BODY, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_SCOPE"
    customer.refresh_from_db()
    assert (customer.email, customer.is_anonymized) == ("jane@example.com", False)
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    ["/api/customers", "/api/customers/{id}", "/api/customers/rfm", "/api/customers/segments"],
)
def test_reads_need_read_customers(make_client, account, path):
    customer = create(account)
    outsider = make_client(account, scopes=["read:orders"])

    response = outsider.get(path.format(id=customer.pk))

    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_SCOPE"


def test_write_scope_can_create(make_client, account):
    writer = make_client(account, scopes=["write:customers"])

    assert writer.post("/api/customers", {"name": "Jane"}, format="json").status_code == 201
    assert writer.get("/api/customers").status_code == 200


def test_anonymous_is_401(anonymous_client):
    response = anonymous_client.get("/api/customers")

    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_REQUIRED"
