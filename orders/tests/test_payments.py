"""Payments and refunds: POST/GET /api/orders/{orderId}/payments, and the services billing and returns call."""

from decimal import Decimal

import pytest

from omnisales.testing.assertions import assert_error
from orders import services
from orders.exceptions import (
    OrderNotPayable,
    PaymentExceedsBalance,
    PaymentReferenceConflict,
    RefundExceedsPaid,
    ValidationFailed,
)
from orders.models import OrderPayment

from .utils import customer_stats, database_state, webhooks

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def order(make_order, make_product, customer):
    """Two products at 30.00 and 20.00, shipping 10.00, no tax: total 60.00."""
    products = [make_product(price=D("30.00")), make_product(price=D("20.00"))]
    return make_order(customer=customer, products=products, shipping=D("10.00"), channel="offline")


def url(order) -> str:
    return f"/api/orders/{order.pk}/payments"


def test_recording_cash_payments_until_paid(api, account, order):
    first = api.post(
        url(order), {"amount": 25, "method": "cash", "reference": "R-1001", "note": "Deposit"}, format="json"
    )

    assert first.status_code == 201, first.content
    payment = first.json()
    assert payment["id"].startswith("opay_")
    assert (payment["kind"], payment["status"], payment["amount"], payment["currency"], payment["method"]) == (
        "payment",
        "succeeded",
        25.0,
        "USD",
        "cash",
    )
    assert (payment["provider"], payment["reference"], payment["note"]) == ("manual", "R-1001", "Deposit")
    state = api.get(f"/api/orders/{order.pk}").json()
    assert (state["amountPaid"], state["paymentStatus"], state["paymentMethod"]) == (25.0, "partially_paid", "cash")

    api.post(url(order), {"amount": "35.00", "method": "card_terminal"}, format="json")
    state = api.get(f"/api/orders/{order.pk}").json()
    assert (state["amountPaid"], state["paymentStatus"], state["paymentMethod"]) == (60.0, "paid", "cash")
    assert [p["amount"] for p in api.get(url(order)).json()] == [25.0, 35.0]
    assert [e["data"]["changedFields"] for e in webhooks(account, "order.updated")][-1] == [
        "amountPaid",
        "paymentStatus",
    ]
    assert list(order.events.filter(kind="payment").values_list("data__amount", flat=True)) == [25.0, 35.0]


def test_a_payment_over_the_balance_is_409_and_writes_nothing(api, account, order):
    api.post(url(order), {"amount": 50, "method": "cash"}, format="json")
    before = database_state(account)
    body = assert_error(
        api.post(url(order), {"amount": "10.01", "method": "cash"}, format="json"), 409, "PAYMENT_EXCEEDS_BALANCE"
    )
    assert body["details"] == {"amount": 10.01, "balance": 10.0}
    assert database_state(account) == before


def test_no_payments_on_a_cancelled_order(api, account, order):
    services.order_transition(order=order, to_status="cancelled")
    before = database_state(account)
    assert_error(api.post(url(order), {"amount": 1, "method": "cash"}, format="json"), 409, "ORDER_NOT_PAYABLE")
    assert database_state(account) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "cash"}, "amount"),
        ({"amount": 10}, "method"),
        ({"amount": 0, "method": "cash"}, "amount"),
        ({"amount": -5, "method": "cash"}, "amount"),
        ({"amount": "ten", "method": "cash"}, "amount"),
        ({"amount": 1.005, "method": "cash"}, "amount"),
        ({"amount": 10**13, "method": "cash"}, "amount"),
        ({"amount": 10, "method": "credit_card"}, "method"),
        ({"amount": 10, "method": "marketplace"}, "method"),
        ({"amount": 10, "method": "barter"}, "method"),
        ({"amount": 10, "method": "cash", "reference": "r" * 256}, "reference"),
        ({"amount": 10, "method": "cash", "note": "n" * 2001}, "note"),
        ({"amount": 10, "method": "cash", "note": 12}, "note"),
    ],
)
def test_bad_payment_input_is_422(api, account, order, body, field):
    before = database_state(account)
    error = assert_error(api.post(url(order), body, format="json"), 422, "VALIDATION_ERROR")
    assert field in error["details"]
    assert database_state(account) == before


def test_another_accounts_order_and_scopes(other_api, make_client, account, order):
    assert_error(other_api.post(url(order), {"amount": 1, "method": "cash"}, format="json"), 404, "ORDER_NOT_FOUND")
    assert_error(other_api.get(url(order)), 404, "ORDER_NOT_FOUND")
    reader = make_client(account, scopes=["read:orders"])
    assert reader.get(url(order)).json() == []
    assert_error(reader.post(url(order), {"amount": 1, "method": "cash"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert not OrderPayment.objects.exists()


# --- the service billing calls ------------------------------------------------------------------------


def test_a_provider_notification_sent_twice_is_recorded_once(order):
    kwargs = {
        "order": order,
        "amount": D("60.00"),
        "method": "credit_card",
        "provider": "stripe",
        "provider_reference": "pi_1",
    }
    first = services.order_payment_record(**kwargs)
    again = services.order_payment_record(**kwargs)
    assert again.pk == first.pk
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (D("60.00"), "paid")


def test_a_pending_payment_counts_once_it_succeeds(order):
    kwargs = {
        "order": order,
        "amount": D("60.00"),
        "method": "credit_card",
        "provider": "stripe",
        "provider_reference": "pi_2",
    }
    pending = services.order_payment_record(status="pending", **kwargs)
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (D("0.00"), "unpaid")

    settled = services.order_payment_record(status="succeeded", **kwargs)

    assert settled.pk == pending.pk and settled.status == "succeeded"
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status, order.payment_method) == (D("60.00"), "paid", "credit_card")
    with pytest.raises(PaymentReferenceConflict):
        services.order_payment_record(status="failed", **kwargs)


def test_failed_payments_are_kept_but_count_for_nothing(order):
    services.order_payment_record(
        order=order,
        amount=D("99.00"),
        method="credit_card",
        provider="stripe",
        provider_reference="pi_3",
        status="failed",
    )
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status, order.payments.count()) == (D("0.00"), "unpaid", 1)


def test_a_reference_reused_for_another_amount_or_order_is_refused(order, make_order):
    services.order_payment_record(
        order=order, amount=D("10.00"), method="credit_card", provider="stripe", provider_reference="pi_4"
    )
    with pytest.raises(PaymentReferenceConflict):
        services.order_payment_record(
            order=order, amount=D("11.00"), method="credit_card", provider="stripe", provider_reference="pi_4"
        )
    with pytest.raises(PaymentReferenceConflict):
        services.order_payment_record(
            order=make_order(), amount=D("10.00"), method="credit_card", provider="stripe", provider_reference="pi_4"
        )


def test_the_service_enforces_the_same_rules_as_the_api(order):
    with pytest.raises(PaymentExceedsBalance):
        services.order_payment_record(order=order, amount=D("60.01"), method="credit_card", provider="stripe")
    services.order_transition(order=order, to_status="cancelled")
    with pytest.raises(OrderNotPayable):
        services.order_payment_record(order=order, amount=D("1.00"), method="credit_card", provider="stripe")


def test_a_pending_payment_holds_its_amount_until_it_settles_or_is_released(order):
    card = {"order": order, "method": "credit_card", "provider": "stripe", "status": "pending"}
    services.order_payment_record(amount=D("40.00"), provider_reference="pay_1", **card)
    with pytest.raises(PaymentExceedsBalance) as refused:
        services.order_payment_record(amount=D("20.01"), provider_reference="pay_2", **card)
    assert refused.value.details["balance"] == D("20.00")
    with pytest.raises(PaymentExceedsBalance):
        services.order_payment_record(order=order, amount=D("20.01"), method="cash")

    assert services.order_payment_release(order=order, provider="stripe", provider_reference="pay_1") is True
    services.order_payment_record(amount=D("60.00"), provider_reference="pay_3", **card)
    settled = services.order_payment_record(
        **{**card, "status": "succeeded"}, amount=D("60.00"), provider_reference="pay_3"
    )
    assert settled.status == "succeeded"
    assert services.order_payment_release(order=order, provider="stripe", provider_reference="pay_3") is False
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status, order.payments.count()) == (D("60.00"), "paid", 1)


def test_a_failed_provider_payment_that_succeeds_later_counts_if_the_balance_allows(order):
    card = {"order": order, "amount": D("60.00"), "method": "credit_card", "provider": "stripe"}
    services.order_payment_record(status="failed", provider_reference="pay_late", **card)
    services.order_payment_record(status="failed", provider_reference="pay_over", **card)
    services.order_payment_record(status="succeeded", provider_reference="pay_late", **card)
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (D("60.00"), "paid")
    with pytest.raises(PaymentExceedsBalance):
        services.order_payment_record(status="succeeded", provider_reference="pay_over", **card)


@pytest.mark.parametrize("currency", ["EUR", "jpy"])
def test_a_payment_in_another_currency_than_the_orders_is_refused(order, currency):
    with pytest.raises(ValidationFailed) as refused:
        services.order_payment_record(order=order, amount=D("10.00"), method="credit_card", currency=currency)
    assert list(refused.value.details) == ["currency"]
    assert not OrderPayment.objects.exists()
    services.order_payment_record(order=order, amount=D("10.00"), method="credit_card", currency="usd")


# --- refunds --------------------------------------------------------------------------------------------


def test_partial_then_full_refund(account, order, customer):
    payment = services.order_payment_record(order=order, amount=D("60.00"), method="cash")

    refund = services.order_payment_refund(order=order, amount=D("20.00"), payment=payment, note="One item returned")

    assert (refund.kind, refund.amount, refund.method, refund.refunded_payment_id) == (
        "refund",
        D("20.00"),
        "cash",
        payment.pk,
    )
    order.refresh_from_db()
    assert (order.amount_paid, order.amount_refunded, order.payment_status) == (
        D("40.00"),
        D("20.00"),
        "partially_refunded",
    )
    assert customer_stats(customer)[:2] == (1, D("40.00")), "a partial refund lowers totalSpent; the order still counts"
    assert order.balance == D("0.00"), "refunded money is not owed again"

    services.order_payment_refund(order=order, amount=D("40.00"))

    order.refresh_from_db()
    assert (order.amount_paid, order.amount_refunded, order.payment_status) == (D("0.00"), D("60.00"), "refunded")
    assert order.status == "pending", "only shipped or delivered orders become refunded"
    assert customer_stats(customer) == (0, D("0.00"), None, None), "refunded in full: the order no longer counts"


def test_refunding_more_than_was_paid_is_409(order):
    payment = services.order_payment_record(order=order, amount=D("30.00"), method="cash")
    with pytest.raises(RefundExceedsPaid) as caught:
        services.order_payment_refund(order=order, amount=D("30.01"))
    assert caught.value.details == {"amount": D("30.01"), "refundable": D("30.00")}
    services.order_payment_refund(order=order, amount=D("10.00"), payment=payment)
    with pytest.raises(RefundExceedsPaid):
        services.order_payment_refund(order=order, amount=D("20.01"), payment=payment)


def test_a_refund_notification_sent_twice_is_recorded_once(order):
    services.order_payment_record(
        order=order, amount=D("60.00"), method="credit_card", provider="stripe", provider_reference="pi_5"
    )
    first = services.order_payment_refund(order=order, amount=D("5.00"), provider="stripe", provider_reference="re_1")
    again = services.order_payment_refund(order=order, amount=D("5.00"), provider="stripe", provider_reference="re_1")
    assert again.pk == first.pk
    order.refresh_from_db()
    assert order.amount_refunded == D("5.00")


def test_payments_list_shows_refunds_too(api, order):
    services.order_payment_record(order=order, amount=D("60.00"), method="cash")
    services.order_payment_refund(order=order, amount=D("15.00"))
    rows = api.get(url(order)).json()
    assert [(row["kind"], row["amount"]) for row in rows] == [("payment", 60.0), ("refund", 15.0)]
    assert rows[1]["refundedPaymentId"] is None
