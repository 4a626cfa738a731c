"""POST /api/returns/refund: card refunds through the local Stripe, manual and goodwill refunds, the caps, and
a refund retried after a timeout."""

import time
from decimal import Decimal

import pytest

from billing.models import Payment, Refund
from customers.models import Customer
from inventory.models import MovementType, StockLevel, StockMovement
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services as order_services
from orders.models import OrderPayment
from returns.models import ReturnRefund, ReturnRequest
from webhooks.models import WebhookEvent

from .conftest import deliver, received_return, request_return

pytestmark = pytest.mark.django_db


def _warehouse_id(account):
    return StockLevel.objects.filter(account=account).values_list("warehouse_id", flat=True).first()


def _events(kind):
    return [event.payload["data"] for event in WebhookEvent.objects.filter(event_type=kind).order_by("created_at")]


def test_the_full_flow_on_a_card_paid_order(api, account, card_paid, lines, stripe_fake):
    laptop, mouse = lines
    customer = Customer.objects.get(pk=card_paid.customer_id)
    assert customer.total_spent == Decimal("140.00")
    on_hand = StockLevel.objects.get(product_id=laptop.product_id).on_hand

    created = request_return(api, card_paid, [(laptop, 2, "defective"), (mouse, 1, "changed_mind")])
    assert created.status_code == 201, created.content
    return_id = created.json()["id"]
    assert created.json()["status"] == "requested"
    authorized = api.post("/api/returns/authorize", {"returnId": return_id, "note": "OK"}, format="json")
    assert (authorized.json()["status"], authorized.json()["decisionNote"]) == ("authorized", "OK")
    received = api.post(
        f"/api/returns/{return_id}/receive",
        {
            "warehouseId": _warehouse_id(account),
            "items": [
                {"orderItemId": laptop.pk, "quantity": 1, "condition": "sellable"},
                {"orderItemId": laptop.pk, "quantity": 1, "condition": "damaged"},
                {"orderItemId": mouse.pk, "quantity": 1, "condition": "sellable"},
            ],
        },
        format="json",
    )
    assert received.status_code == 200, received.content
    body = received.json()
    assert body["status"] == "received"
    assert [(i["quantityRestocked"], i["quantityDamaged"]) for i in body["items"]] == [(1, 1), (1, 0)]
    assert StockLevel.objects.get(product_id=laptop.product_id).on_hand == on_hand + 1
    (movement,) = StockMovement.objects.filter(product_id=laptop.product_id, type=MovementType.RETURN)
    assert (movement.quantity, movement.reference_id) == (1, return_id)

    partial = api.post("/api/returns/refund", {"returnId": return_id, "amount": 30.0}, format="json")
    assert partial.status_code == 201, partial.content
    refund = partial.json()
    assert (refund["amount"], refund["method"], refund["status"]) == (30.0, "card", "succeeded")
    assert refund["providerRefundId"].startswith("rfd_")
    # The rest of the return's value (40 + 40 + 10 = 90) is 60; the default takes exactly that.
    rest = api.post("/api/returns/refund", {"returnId": return_id}, format="json")
    assert rest.status_code == 201, rest.content
    assert rest.json()["amount"] == 60.0
    again = api.post("/api/returns/refund", {"returnId": return_id}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "RETURN_NOT_REFUNDABLE")
    above = api.post("/api/returns/refund", {"returnId": return_id, "amount": 50.01}, format="json")
    assert (above.status_code, above.json()["code"]) == (409, "REFUND_EXCEEDS_PAID")
    assert above.json()["details"] == {"amount": 50.01, "refundable": 50.0}

    assert [r["params"]["amount"] for r in stripe_fake.requests_to("POST", "/v1/refunds")] == ["3000", "6000"]
    payment = Payment.objects.get(order_reference=card_paid.pk)
    assert payment.amount_refunded == Decimal("90.00")
    assert Refund.objects.filter(payment=payment).count() == 2
    card_paid.refresh_from_db()
    assert (card_paid.amount_paid, card_paid.amount_refunded) == (Decimal("50.00"), Decimal("90.00"))
    assert card_paid.payment_status == "partially_refunded"
    assert OrderPayment.objects.filter(order=card_paid, kind="refund").count() == 2
    customer.refresh_from_db()
    assert customer.total_spent == Decimal("50.00")
    shown = api.get(f"/api/returns/{return_id}").json()
    assert (shown["status"], shown["amountRefunded"]) == ("refunded", 90.0)
    assert [r["amount"] for r in shown["refunds"]] == [30.0, 60.0]
    assert [e["status"] for e in _events("return.refunded")] == ["refunded", "refunded"]
    kinds = ["return.requested", "return.authorized", "return.received", "return.refunded"]
    assert all(_events(kind) for kind in kinds)


def test_a_refund_above_what_was_paid_is_refused_before_stripe(api, account, card_paid, lines, stripe_fake):
    ret = received_return(api, card_paid, [(lines[0], 1)], warehouse_id=_warehouse_id(account))
    response = api.post("/api/returns/refund", {"returnId": ret["id"], "amount": 140.01}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "REFUND_EXCEEDS_PAID")
    assert stripe_fake.requests_to("POST", "/v1/refunds") == []
    assert ReturnRefund.objects.count() == 0


def test_a_return_is_refunded_only_once_received(api, card_paid, lines, stripe_fake):
    created = request_return(api, card_paid, [(lines[0], 1, "damaged")]).json()
    response = api.post("/api/returns/refund", {"returnId": created["id"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "RETURN_NOT_REFUNDABLE")
    assert stripe_fake.requests_to("POST", "/v1/refunds") == []


def test_a_refund_retried_after_a_timeout_refunds_once(api, account, card_paid, lines, stripe_fake, settings):
    ret = received_return(api, card_paid, [(lines[0], 1)], warehouse_id=_warehouse_id(account))
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    stripe_fake.delay_next = 0.6  # Stripe refunds, but only after we stopped waiting
    first = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert (first.status_code, first.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
    pending = ReturnRefund.objects.get()
    assert (pending.status, pending.attempt_until) == ("pending", None)
    deadline = time.monotonic() + 3
    while not any(e["type"] == "charge.refunded" for e in stripe_fake.pending) and time.monotonic() < deadline:
        time.sleep(0.02)
    # Another refund of the order waits for this one.
    other = api.post("/api/returns/refund", {"orderId": card_paid.pk, "amount": 5.0}, format="json")
    assert (other.status_code, other.json()["code"]) == (409, "REFUND_IN_PROGRESS")

    retried = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert retried.status_code == 201, retried.content
    assert retried.json()["id"] == pending.pk
    attempts = stripe_fake.requests_to("POST", "/v1/refunds")
    assert len(attempts) == 2 and attempts[0]["idempotency_key"] == attempts[1]["idempotency_key"]
    assert len([obj for obj in stripe_fake.objects.values() if obj["object"] == "refund"]) == 1
    card_paid.refresh_from_db()
    assert (card_paid.amount_refunded, card_paid.amount_paid) == (Decimal("40.00"), Decimal("100.00"))
    assert ReturnRequest.objects.get().amount_refunded == Decimal("40.00")
    assert len(_events("return.refunded")) == 1


def test_cash_paid_orders_are_refunded_on_the_order(api, account, cash_paid, lines, stripe_fake):
    ret = received_return(api, cash_paid, [(lines[1], 2)], warehouse_id=_warehouse_id(account))
    response = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert response.status_code == 201, response.content
    refund = response.json()
    assert (refund["amount"], refund["method"], refund["paymentId"]) == (20.0, "manual", "")
    assert stripe_fake.requests == []
    recorded = OrderPayment.objects.get(order=cash_paid, kind="refund")
    assert (recorded.pk, recorded.amount, recorded.provider_reference) == (
        refund["providerRefundId"],
        Decimal("20.00"),
        refund["id"],
    )
    cash_paid.refresh_from_db()
    assert (cash_paid.payment_status, cash_paid.amount_paid) == ("partially_refunded", Decimal("120.00"))


def test_goodwill_refund_without_a_return(api, cash_paid):
    response = api.post(
        "/api/returns/refund", {"orderId": cash_paid.pk, "amount": 15.5, "reason": "Late"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["returnId"], response.json()["amount"]) == (None, 15.5)
    cash_paid.refresh_from_db()
    assert cash_paid.amount_refunded == Decimal("15.50")
    too_much = api.post("/api/returns/refund", {"orderId": cash_paid.pk, "amount": 124.51}, format="json")
    assert (too_much.status_code, too_much.json()["code"]) == (409, "REFUND_EXCEEDS_PAID")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "returnId"),
        ({"orderId": "ORDER"}, "amount"),
        ({"orderId": "ORDER", "returnId": "RETURN"}, "orderId"),
        ({"returnId": "RETURN", "amount": 0}, "amount"),
        ({"returnId": "RETURN", "reason": 5}, "reason"),
        ({"returnId": "RETURN", "amountCents": 5}, "amountCents"),
        ({"orderId": "ORDER", "amount": 5, "includeShipping": True}, "includeShipping"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, account, cash_paid, lines, body, field):
    ret = received_return(api, cash_paid, [(lines[1], 1)], warehouse_id=_warehouse_id(account))
    body = {key: {"ORDER": cash_paid.pk, "RETURN": ret["id"]}.get(value, value) for key, value in body.items()}
    response = api.post("/api/returns/refund", body, format="json")
    assert response.status_code == 422, response.content
    assert field in response.json()["details"]
    assert ReturnRefund.objects.count() == 0


def test_other_accounts_return_and_order_are_404(other_api, api, account, cash_paid, lines):
    ret = received_return(api, cash_paid, [(lines[1], 1)], warehouse_id=_warehouse_id(account))
    response = other_api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "RETURN_NOT_FOUND")
    response = other_api.post("/api/returns/refund", {"orderId": cash_paid.pk, "amount": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "ORDER_NOT_FOUND")
    assert ReturnRefund.objects.count() == 0


def test_refunds_need_write_returns(make_client, api, account, cash_paid, lines):
    ret = received_return(api, cash_paid, [(lines[1], 1)], warehouse_id=_warehouse_id(account))
    reader = make_client(account, scopes=["read:returns"])
    response = reader.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    assert ReturnRefund.objects.count() == 0


def test_the_stripe_webhook_between_a_timeout_and_the_retry_counts_the_refund_once(
    api, client, account, card_paid, lines, stripe_fake, settings
):
    """Stripe refunded after we stopped waiting, and its charge.refunded webhook arrives before the retry: the
    webhook records the refund on the payment, the retry finds it there, and nothing is counted twice."""
    ret = received_return(api, card_paid, [(lines[0], 1)], warehouse_id=_warehouse_id(account))
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    stripe_fake.delay_next = 0.6
    first = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert (first.status_code, first.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
    deadline = time.monotonic() + 3
    while not any(e["type"] == "charge.refunded" for e in stripe_fake.pending) and time.monotonic() < deadline:
        time.sleep(0.02)

    def send(body, signature):
        return client.post(
            "/api/payments/webhook", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )

    assert {response.status_code for response in stripe_fake.deliver(send)} == {200}
    retried = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
    assert retried.status_code == 201, retried.content
    assert (retried.json()["status"], retried.json()["amount"]) == ("succeeded", 40.0)
    assert len([obj for obj in stripe_fake.objects.values() if obj["object"] == "refund"]) == 1
    payment = Payment.objects.get(order_reference=card_paid.pk)
    assert payment.amount_refunded == Decimal("40.00")
    assert Refund.objects.filter(payment=payment).count() == 1
    card_paid.refresh_from_db()
    assert (card_paid.amount_refunded, card_paid.amount_paid) == (Decimal("40.00"), Decimal("100.00"))
    assert OrderPayment.objects.filter(order=card_paid, kind="refund").count() == 1
    assert ReturnRequest.objects.get().amount_refunded == Decimal("40.00")
    assert ReturnRefund.objects.get().status == "succeeded"
    assert len(_events("return.refunded")) == 1


def test_discounted_goods_are_refunded_at_what_was_paid_for_them(api, account, stripe_fake):
    """14.00 off 3 × 40.00 + 2 × 10.00 (10%: 12.00 and 2.00 on the lines): two mice returned are worth
    20.00 - 2.00 = 18.00, not their list price."""
    customer = CustomerFactory(account=account)
    products = [product_in_stock(account, price=Decimal("40.00")), product_in_stock(account, price=Decimal("10.00"))]
    order = place_order(account, customer=customer, products=products, quantities=[3, 2])
    order = order_services.order_discount_add(order=order, amount=Decimal("14.00"), note="points")
    order = deliver(order)
    order_services.order_payment_record(order=order, amount=Decimal("126.00"), method="cash")
    lines = list(order.items.order_by("position"))
    assert [line.discount_amount for line in lines] == [Decimal("12.00"), Decimal("2.00")]

    ret = received_return(api, order, [(lines[1], 2)], warehouse_id=_warehouse_id(account))
    response = api.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == 18.0
