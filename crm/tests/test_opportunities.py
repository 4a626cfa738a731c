"""Opportunities: defaults by stage, line items, one stage service with a transition map, and winning into a
pending order placed by the orders service in the same transaction."""

from decimal import Decimal

import pytest

from crm import services
from crm.models import Opportunity
from customers.models import Customer
from inventory.models import StockReservation
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory, product_in_stock
from orders.models import Order
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def laptop(account):
    return product_in_stock(account, price=Decimal("999.00"), stock=20)


@pytest.fixture
def buyer(make_customer):
    return make_customer(name="Acme Buying Office", email="buying@acme.example")


def _create(api, **body):
    return api.post("/api/crm/opportunities", {"name": "Acme: laptops", **body}, format="json")


def _stage(api, opportunity, **body):
    return api.put(f"/api/crm/opportunities/{opportunity.pk}/stage", body, format="json")


def test_create_defaults_stage_probability_and_currency(api, account):
    response = _create(api)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("opp_")
    assert (body["stage"], body["probability"], body["currency"], body["amount"], body["items"]) == (
        "prospecting",
        10,
        "USD",
        0.0,
        [],
    )
    for stage, probability in (("qualification", 25), ("proposal", 50), ("negotiation", 75)):
        assert _create(api, stage=stage).json()["probability"] == probability
    assert _create(api, stage="proposal", probability=35).json()["probability"] == 35


def test_create_with_customer_items_and_owner(api, buyer, laptop, member, make_lead):
    lead = make_lead()
    response = _create(
        api,
        amount=8990,
        currency="eur",
        expectedCloseDate="2030-02-28",
        customerId=buyer.pk,
        leadId=lead.pk,
        ownerId=member.pk,
        items=[
            {"productId": laptop.pk, "quantity": 10, "price": 899},
            {"productId": product_in_stock(buyer.account).pk, "quantity": 1},
        ],
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"], body["expectedCloseDate"]) == (8990.0, "EUR", "2030-02-28")
    assert (body["customerId"], body["leadId"], body["ownerId"]) == (buyer.pk, lead.pk, member.pk)
    assert body["items"][0] == {"productId": laptop.pk, "quantity": 10, "price": 899.0}
    assert body["items"][1]["price"] is None
    assert api.get(f"/api/crm/opportunities/{body['id']}").json() == body


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"stage": "won"}, 422, "VALIDATION_ERROR", "stage"),
        ({"amount": -5}, 422, "VALIDATION_ERROR", "amount"),
        ({"amount": "lots"}, 422, "VALIDATION_ERROR", "amount"),
        ({"probability": 150}, 422, "VALIDATION_ERROR", "probability"),
        ({"currency": "XYZ"}, 422, "VALIDATION_ERROR", "currency"),
        ({"expectedCloseDate": "soon"}, 422, "VALIDATION_ERROR", "expectedCloseDate"),
        ({"items": [{"productId": "prod_x", "quantity": 0}]}, 422, "VALIDATION_ERROR", "items"),
        ({"items": [{"productId": "prod_x", "quantity": 1, "sku": "A"}]}, 422, "VALIDATION_ERROR", "items"),
        ({"items": [{"productId": "prod_missing", "quantity": 1}]}, 404, "PRODUCT_NOT_FOUND", None),
        ({"customerId": "cus_missing"}, 404, "CUSTOMER_NOT_FOUND", None),
        ({"leadId": "lead_missing"}, 404, "LEAD_NOT_FOUND", None),
        ({"lostReason": "n/a"}, 422, "VALIDATION_ERROR", "lostReason"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(api, account, body, status, code, field):
    result = assert_error(_create(api, **body), status, code)

    if field:
        assert field in result["details"], result
    assert not Opportunity.objects.filter(account=account).exists()


def test_a_product_on_two_lines_or_of_another_account_is_refused(api, account, laptop, other_account):
    theirs = product_in_stock(other_account)
    line = {"productId": laptop.pk, "quantity": 1}

    assert_error(_create(api, items=[line, line]), 422, "VALIDATION_ERROR")
    assert_error(_create(api, items=[{"productId": theirs.pk, "quantity": 1}]), 404, "PRODUCT_NOT_FOUND")
    assert_error(_create(api, customerId=CustomerFactory(account=other_account).pk), 404, "CUSTOMER_NOT_FOUND")
    assert not Opportunity.objects.filter(account=account).exists()


def test_the_stage_moves_only_through_the_stage_endpoint(api, make_opportunity):
    opportunity = make_opportunity(stage="proposal")

    body = assert_error(
        api.patch(f"/api/crm/opportunities/{opportunity.pk}", {"stage": "won"}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert body["details"] == {"stage": ["This field is read-only."]}
    changed = api.patch(
        f"/api/crm/opportunities/{opportunity.pk}", {"probability": 60, "amount": 100.5}, format="json"
    ).json()
    assert (changed["stage"], changed["probability"], changed["amount"]) == ("proposal", 60, 100.5)
    replaced = api.put(f"/api/crm/opportunities/{opportunity.pk}", {"name": "Renamed"}, format="json").json()
    assert (replaced["name"], replaced["probability"], replaced["amount"]) == ("Renamed", 50, 0.0)


def test_stages_follow_the_transition_map(api, account, make_opportunity):
    opportunity = make_opportunity()

    moved = _stage(api, opportunity, stage="negotiation")
    assert (moved.status_code, moved.json()["stage"], moved.json()["probability"]) == (200, "negotiation", 75)
    assert _stage(api, opportunity, stage="proposal", probability=40).json()["probability"] == 40

    same = assert_error(_stage(api, opportunity, stage="proposal"), 409, "INVALID_STAGE_TRANSITION")
    assert same["details"]["from"] == "proposal" and "proposal" not in same["details"]["allowed"]

    no_reason = assert_error(_stage(api, opportunity, stage="lost"), 422, "VALIDATION_ERROR")
    assert "lostReason" in no_reason["details"]
    lost = _stage(api, opportunity, stage="lost", lostReason="Went with a competitor").json()
    assert (lost["stage"], lost["probability"], lost["lostReason"]) == ("lost", 0, "Went with a competitor")
    assert lost["closedAt"]
    event = WebhookEvent.objects.get(account=account, event_type="opportunity.lost")
    assert (event.payload["data"]["id"], event.payload["data"]["lostReason"]) == (
        opportunity.pk,
        "Went with a competitor",
    )

    reopened = _stage(api, opportunity, stage="qualification").json()
    assert (reopened["stage"], reopened["probability"], reopened["lostReason"], reopened["closedAt"]) == (
        "qualification",
        25,
        "",
        None,
    )

    won = _stage(api, opportunity, stage="won").json()
    assert (won["stage"], won["probability"], won["orderId"]) == ("won", 100, None)
    assert WebhookEvent.objects.filter(account=account, event_type="opportunity.won").count() == 1
    final = assert_error(
        _stage(api, opportunity, stage="lost", lostReason="Cancelled"), 409, "INVALID_STAGE_TRANSITION"
    )
    assert final["details"] == {"from": "won", "to": "lost", "allowed": []}
    assert_error(
        api.patch(f"/api/crm/opportunities/{opportunity.pk}", {"probability": 50}, format="json"),
        409,
        "OPPORTUNITY_CLOSED",
    )
    assert_error(_stage(api, opportunity, stage="open"), 422, "VALIDATION_ERROR")


def test_winning_places_a_pending_order_in_the_same_transaction(api, account, buyer, laptop, member):
    opportunity = services.opportunity_create(
        account=account,
        name="Acme: laptops",
        amount=Decimal("8990.00"),
        customer=buyer,
        owner=member,
        items=[{"product_id": laptop.pk, "quantity": 10, "price": Decimal("899.00")}],
    )

    response = _stage(api, opportunity, stage="won", createOrder=True)

    assert response.status_code == 200, response.content
    body = response.json()
    order = Order.objects.get(account=account)
    assert body["orderId"] == order.pk and body["stage"] == "won"
    assert (order.status, order.customer_id, order.subtotal) == ("pending", buyer.pk, Decimal("8990.00"))
    assert order.items.get().quantity == 10
    assert StockReservation.objects.get(reference_id=order.pk).quantity == 10
    assert Customer.objects.get(pk=buyer.pk).total_orders == 1
    assert api.get(f"/api/orders/{order.pk}").json()["status"] == "pending"
    won = WebhookEvent.objects.get(account=account, event_type="opportunity.won")
    assert (won.payload["data"]["orderId"], won.payload["data"]["amount"]) == (order.pk, 8990.0)
    assert WebhookEvent.objects.filter(account=account, event_type="order.created").count() == 1


def test_an_order_the_orders_service_refuses_leaves_the_stage_as_it_was(api, account, buyer, laptop):
    opportunity = services.opportunity_create(
        account=account, name="Too many", customer=buyer, items=[{"product_id": laptop.pk, "quantity": 50}]
    )

    assert_error(_stage(api, opportunity, stage="won", createOrder=True), 409, "INSUFFICIENT_STOCK")

    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.order_id, opportunity.closed_at) == ("prospecting", None, None)
    assert not Order.objects.filter(account=account).exists()
    assert not WebhookEvent.objects.filter(
        account=account, event_type__in=["opportunity.won", "order.created"]
    ).exists()
    assert Customer.objects.get(pk=buyer.pk).total_orders == 0


@pytest.mark.parametrize("missing", ["customer_id", "items", "currency"])
def test_winning_with_an_order_needs_a_customer_items_and_the_store_currency(api, account, buyer, laptop, missing):
    fields = {"customer": buyer, "items": [{"product_id": laptop.pk, "quantity": 1}], "currency": "USD"}
    fields.update({"customer_id": {"customer": None}, "items": {"items": []}, "currency": {"currency": "EUR"}}[missing])
    opportunity = services.opportunity_create(account=account, name="Deal", **fields)

    body = assert_error(_stage(api, opportunity, stage="won", createOrder=True), 422, "VALIDATION_ERROR")

    assert list(body["details"]) == [{"customer_id": "customerId"}.get(missing, missing)]
    assert Opportunity.objects.get(pk=opportunity.pk).stage == "prospecting"
    assert not Order.objects.exists()


def test_create_order_is_only_for_winning(api, make_opportunity):
    opportunity = make_opportunity()

    body = assert_error(_stage(api, opportunity, stage="proposal", createOrder=True), 422, "VALIDATION_ERROR")
    assert list(body["details"]) == ["createOrder"]


def test_filters_and_delete(api, account, make_opportunity, buyer, member):
    closing_soon = make_opportunity(name="Soon", expected_close_date="2030-01-10", customer=buyer, owner=member)
    later = make_opportunity(name="Later", stage="negotiation", expected_close_date="2030-06-01")

    def ids(**params):
        response = api.get("/api/crm/opportunities", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids(stage="negotiation") == [later.pk]
    assert ids(customerId=buyer.pk) == [closing_soon.pk]
    assert ids(ownerId=member.pk) == [closing_soon.pk]
    assert ids(expectedCloseBefore="2030-01-31") == [closing_soon.pk]
    assert ids(expectedCloseAfter="2030-01-11") == [later.pk]
    assert ids(search="soo") == [closing_soon.pk]
    assert ids(ordering="-probability") == [later.pk, closing_soon.pk]
    assert_error(api.get("/api/crm/opportunities", {"expectedCloseAfter": "2030-13-01"}), 400, "INVALID_PARAMETER")

    assert api.delete(f"/api/crm/opportunities/{later.pk}").status_code == 204
    assert ids() == [closing_soon.pk]
