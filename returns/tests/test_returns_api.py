"""GET/POST /api/returns, GET /api/returns/{id}, authorize, receive and close."""

from decimal import Decimal

import pytest

from inventory.models import MovementType, StockLevel, StockMovement
from inventory.services import stock_adjust
from omnisales.testing.factories import CustomerFactory, WarehouseFactory, product_with_variants
from orders import services as order_services
from returns.models import ReturnItem, ReturnRequest
from webhooks.models import WebhookEvent

from .conftest import deliver, received_return, request_return

pytestmark = pytest.mark.django_db


def _warehouse_id(account):
    return StockLevel.objects.filter(account=account).values_list("warehouse_id", flat=True).first()


def _authorize(api, return_id, **fields):
    return api.post("/api/returns/authorize", {"returnId": return_id, **fields}, format="json")


def test_request_a_return(api, delivered, lines):
    laptop = lines[0]
    response = request_return(api, delivered, [(laptop, 2, "size_fit")], note="Phoned in", customerNote="Too big")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("ret_")
    assert (body["orderId"], body["customerId"], body["status"]) == (delivered.pk, delivered.customer_id, "requested")
    assert (body["note"], body["customerNote"], body["amountRefunded"], body["currency"]) == (
        "Phoned in",
        "Too big",
        0.0,
        delivered.currency,
    )
    (item,) = body["items"]
    assert item["id"].startswith("reti_")
    assert (item["orderItemId"], item["productId"], item["variantId"], item["sku"]) == (
        laptop.pk,
        laptop.product_id,
        None,  # a product without options: its implicit variant is not shown, as on the order line
        laptop.sku,
    )
    assert (item["quantity"], item["reason"], item["price"], item["quantityReceived"]) == (2, "size_fit", 40.0, 0)
    assert api.get(f"/api/returns/{body['id']}").json() == body
    (event,) = WebhookEvent.objects.filter(event_type="return.requested")
    assert event.payload["data"]["items"][0]["orderItemId"] == laptop.pk


def test_never_more_than_bought_less_returned_or_requested(api, delivered, lines):
    laptop, mouse = lines
    assert request_return(api, delivered, [(laptop, 2, "damaged")]).status_code == 201
    response = request_return(api, delivered, [(mouse, 1, "other"), (laptop, 2, "damaged")])
    assert response.status_code == 422
    assert response.json()["details"] == {
        "items": [{}, {"quantity": ["At most 1 can be returned: 3 bought, 2 already returned or requested."]}]
    }
    assert ReturnRequest.objects.count() == 1
    assert request_return(api, delivered, [(laptop, 1, "damaged")]).status_code == 201


def test_a_rejected_return_frees_its_quantities(api, delivered, lines):
    first = request_return(api, delivered, [(lines[0], 3, "damaged")]).json()
    assert request_return(api, delivered, [(lines[0], 1, "damaged")]).status_code == 422
    assert _authorize(api, first["id"], approve=False, note="Used").json()["status"] == "rejected"
    assert request_return(api, delivered, [(lines[0], 3, "damaged")]).status_code == 201


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"orderItemId": "item_nope", "quantity": 1, "reason": "other"}, "orderItemId"),
        ({"orderItemId": "LINE", "quantity": 0, "reason": "other"}, "quantity"),
        ({"orderItemId": "LINE", "quantity": 1, "reason": "bored"}, "reason"),
        ({"orderItemId": "LINE", "quantity": 1}, "reason"),
        ({"orderItemId": 5, "quantity": 1, "reason": "other"}, "orderItemId"),
        ({"orderItemId": "LINE", "quantity": 1, "reason": "other", "condition": "new"}, "condition"),
    ],
)
def test_bad_items_are_422_naming_the_field(api, delivered, lines, item, field):
    item = {key: lines[0].pk if value == "LINE" else value for key, value in item.items()}
    response = api.post("/api/returns", {"orderId": delivered.pk, "items": [item]}, format="json")
    assert response.status_code == 422, response.content
    assert field in response.json()["details"]["items"][0]
    assert ReturnRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"items": []}, "items"), ({"orderId": 5}, "orderId"), ({"note": 5}, "note"), ({"status": "received"}, "status")],
)
def test_bad_bodies_are_422(api, delivered, lines, body, field):
    base = {"orderId": delivered.pk, "items": [{"orderItemId": lines[0].pk, "quantity": 1, "reason": "other"}]}
    response = api.post("/api/returns", {**base, **body}, format="json")
    assert response.status_code == 422
    assert field in response.json()["details"]
    assert ReturnRequest.objects.count() == 0


def test_the_same_line_twice_is_422(api, delivered, lines):
    response = request_return(api, delivered, [(lines[0], 1, "other"), (lines[0], 1, "other")])
    assert response.status_code == 422
    assert response.json()["details"]["items"][1] == {"orderItemId": ["This item is on an earlier line: use one line."]}


def test_only_shipped_or_delivered_orders_are_returned(api, account):
    from omnisales.testing.factories import place_order

    order = place_order(account)
    response = request_return(api, order, [(order.items.get(), 1, "other")])
    assert (response.status_code, response.json()["code"]) == (409, "ORDER_NOT_RETURNABLE")
    assert response.json()["details"] == {"status": "pending"}
    assert ReturnRequest.objects.count() == 0


def test_other_accounts_order_is_404(other_api, delivered, lines):
    response = request_return(other_api, delivered, [(lines[0], 1, "other")])
    assert (response.status_code, response.json()["code"]) == (404, "ORDER_NOT_FOUND")
    assert ReturnRequest.objects.count() == 0


def test_another_orders_line_is_422(api, account, delivered):
    from omnisales.testing.factories import place_order

    foreign_line = place_order(account).items.get()
    response = request_return(api, delivered, [(foreign_line, 1, "other")])
    assert response.status_code == 422
    assert "orderItemId" in response.json()["details"]["items"][0]


def test_list_filters_and_detail(api, other_api, account, delivered, lines):
    first = request_return(api, delivered, [(lines[0], 1, "other")]).json()
    second = request_return(api, delivered, [(lines[1], 1, "other")]).json()
    _authorize(api, second["id"])
    listed = api.get("/api/returns")
    assert [row["id"] for row in listed.json()] == [second["id"], first["id"]]
    assert listed["X-Total-Count"] == "2"
    assert [row["id"] for row in api.get("/api/returns", {"status": "authorized"}).json()] == [second["id"]]
    assert len(api.get("/api/returns", {"orderId": delivered.pk}).json()) == 2
    assert len(api.get("/api/returns", {"customerId": delivered.customer_id}).json()) == 2
    assert api.get("/api/returns", {"customerId": "cus_other"}).json() == []
    assert api.get("/api/returns", {"createdAfter": "2999-01-01"}).json() == []
    assert len(api.get("/api/returns", {"createdBefore": "2999-01-01T00:00:00Z"}).json()) == 2
    bad = api.get("/api/returns", {"status": "lost"})
    assert (bad.status_code, bad.json()["code"]) == (400, "INVALID_PARAMETER")
    assert other_api.get("/api/returns").json() == []
    missing = other_api.get(f"/api/returns/{first['id']}")
    assert (missing.status_code, missing.json()["code"]) == (404, "RETURN_NOT_FOUND")


def test_scopes(make_client, account, delivered, lines):
    reader = make_client(account, scopes=["read:returns"])
    assert reader.get("/api/returns").status_code == 200
    response = request_return(reader, delivered, [(lines[0], 1, "other")])
    assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    orders_only = make_client(account, scopes=["write:orders"])
    assert orders_only.get("/api/returns").status_code == 403
    assert ReturnRequest.objects.count() == 0


def test_transitions_follow_the_map(api, account, delivered, lines):
    ret = request_return(api, delivered, [(lines[0], 1, "other")]).json()
    close = api.post(f"/api/returns/{ret['id']}/close", {}, format="json")
    assert (close.status_code, close.json()["code"]) == (409, "INVALID_RETURN_TRANSITION")
    assert close.json()["details"] == {"from": "requested", "to": "closed", "allowed": ["authorized", "rejected"]}
    assert _authorize(api, ret["id"]).json()["status"] == "authorized"
    again = _authorize(api, ret["id"], approve=False)
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_RETURN_TRANSITION")
    assert again.json()["details"] == {"from": "authorized", "to": "rejected", "allowed": ["received"]}
    assert ReturnRequest.objects.get().status == "authorized"
    events = list(WebhookEvent.objects.filter(event_type__startswith="return.").values_list("event_type", flat=True))
    assert sorted(events) == ["return.authorized", "return.requested"]


def test_receive_restocks_sellable_units_only(api, account, delivered, lines):
    laptop, mouse = lines
    warehouse_id = _warehouse_id(account)
    before = {level.product_id: level.on_hand for level in StockLevel.objects.filter(account=account)}
    ret = received_return(
        api, delivered, [(laptop, 2), (mouse, 1)], warehouse_id=warehouse_id, conditions={mouse.pk: "damaged"}
    )
    assert ret["status"] == "received" and ret["warehouseId"] == warehouse_id and ret["receivedAt"]
    after = {level.product_id: level.on_hand for level in StockLevel.objects.filter(account=account)}
    assert after[laptop.product_id] == before[laptop.product_id] + 2
    assert after[mouse.product_id] == before[mouse.product_id]
    (movement,) = StockMovement.objects.filter(type=MovementType.RETURN)
    assert (movement.product_id, movement.quantity, movement.reference_type, movement.reference_id) == (
        laptop.product_id,
        2,
        "return",
        ret["id"],
    )
    items = {item.order_item_id: item for item in ReturnItem.objects.all()}
    assert (items[mouse.pk].quantity_damaged, items[mouse.pk].quantity_restocked) == (1, 0)
    again = api.post(
        f"/api/returns/{ret['id']}/receive",
        {"warehouseId": warehouse_id, "items": [{"orderItemId": laptop.pk, "quantity": 1, "condition": "sellable"}]},
        format="json",
    )
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_RETURN_TRANSITION")
    assert StockMovement.objects.filter(type=MovementType.RETURN).count() == 1
    assert WebhookEvent.objects.filter(event_type="return.received").count() == 1
    closed = api.post(f"/api/returns/{ret['id']}/close", {"note": "Exchanged"}, format="json")
    assert (closed.json()["status"], closed.json()["decisionNote"]) == ("closed", "Exchanged")


def test_receiving_more_than_authorized_is_422_and_changes_nothing(api, account, delivered, lines):
    laptop = lines[0]
    ret = request_return(api, delivered, [(laptop, 2, "other")]).json()
    _authorize(api, ret["id"])
    on_hand = StockLevel.objects.get(product_id=laptop.product_id).on_hand
    response = api.post(
        f"/api/returns/{ret['id']}/receive",
        {
            "warehouseId": _warehouse_id(account),
            "items": [
                {"orderItemId": laptop.pk, "quantity": 2, "condition": "sellable"},
                {"orderItemId": laptop.pk, "quantity": 1, "condition": "damaged"},
            ],
        },
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["details"]["items"][1] == {"quantity": ["At most 2 of this item were authorized."]}
    assert StockLevel.objects.get(product_id=laptop.product_id).on_hand == on_hand
    assert ReturnRequest.objects.get().status == "authorized"
    assert ReturnItem.objects.get().quantity_restocked == 0


def test_a_variant_line_is_returned_into_that_variants_stock(api, account):
    _, (small, medium) = product_with_variants(account, sizes=("S", "M"))
    warehouse = WarehouseFactory(account=account, code="VAR")
    for variant in (small, medium):
        stock_adjust(account=account, variant=variant, warehouse=warehouse, quantity=5, reason="received")
    order = order_services.order_create(
        account=account, customer=CustomerFactory(account=account), items=[{"variant_id": medium.pk, "quantity": 2}]
    )
    order = deliver(order)
    (line,) = order.items.all()
    received = received_return(api, order, [(line, 2)], warehouse_id=warehouse.pk)
    (item,) = received["items"]
    assert (item["variantId"], item["sku"], item["quantityRestocked"]) == (medium.pk, medium.sku, 2)
    on_hand = dict(StockLevel.objects.filter(warehouse=warehouse).values_list("variant_id", "on_hand"))
    assert on_hand == {small.pk: 5, medium.pk: 5}, "back into the variant returned, the other one untouched"
    movement = StockMovement.objects.get(type=MovementType.RETURN, reference_id=received["id"])
    assert (movement.variant_id, movement.quantity) == (medium.pk, 2)


def test_receive_into_another_accounts_warehouse_is_404(api, other_account, delivered, lines):
    from omnisales.testing.factories import WarehouseFactory

    ret = request_return(api, delivered, [(lines[0], 1, "other")]).json()
    _authorize(api, ret["id"])
    foreign = WarehouseFactory(account=other_account)
    response = api.post(
        f"/api/returns/{ret['id']}/receive",
        {"warehouseId": foreign.pk, "items": [{"orderItemId": lines[0].pk, "quantity": 1, "condition": "sellable"}]},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (404, "WAREHOUSE_NOT_FOUND")


def test_received_units_count_against_new_returns(api, account, delivered, lines):
    laptop = lines[0]
    received_return(api, delivered, [(laptop, 2)], warehouse_id=_warehouse_id(account))
    assert request_return(api, delivered, [(laptop, 2, "other")]).status_code == 422
    assert request_return(api, delivered, [(laptop, 1, "other")]).status_code == 201


def test_default_refund_value_includes_tax_share_and_shipping(account, lines, delivered):
    from returns.services import return_value

    delivered.tax, delivered.shipping_amount = Decimal("14.00"), Decimal("5.00")
    ret = ReturnRequest.objects.create(
        account=account, order=delivered, customer_id=delivered.customer_id, currency="USD"
    )
    ReturnItem.objects.create(
        account=account,
        return_request=ret,
        order_item=lines[0],
        product_id=lines[0].product_id,
        variant_id=lines[0].variant_id,
        product_name="x",
        sku="x",
        unit_price=Decimal("40.00"),
        quantity=1,
        quantity_restocked=1,
        reason="other",
    )
    assert return_value(return_request=ret, order=delivered) == Decimal("44.00")  # 40 + 14 × 40/140
    assert return_value(return_request=ret, order=delivered, include_shipping=True) == Decimal("49.00")
