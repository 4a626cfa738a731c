"""Discounts on the orders side: allocation in exact cents, totals and tax after discounts, discounts added
to a placed order (loyalty points), and what a return of discounted goods is worth. Discount codes
themselves are tested in the loyalty app."""

from decimal import Decimal

import pytest

from customers.models import Customer
from omnisales.api.errors import ApplicationError, ValidationFailed
from orders import pricing, services
from orders.models import EventKind, Order, OrderEvent, OrderItem
from webhooks.models import WebhookEvent

D = Decimal

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        ("10.00", ["100.00"], ["10.00"]),
        # a third each: 0.33 × 3 = 0.99, the last cent goes to the first of the equal remainders
        ("1.00", ["1.00", "1.00", "1.00"], ["0.34", "0.33", "0.33"]),
        # proportional: 10 over 30/70 is 3/7
        ("10.00", ["30.00", "70.00"], ["3.00", "7.00"]),
        # 0.05 over 1:2 is 0.0166… and 0.0333…: 0.01 + 0.03, and the cent left goes to the larger remainder
        ("0.05", ["1.00", "2.00"], ["0.02", "0.03"]),
        # never more than the lines hold
        ("500.00", ["20.00", "30.00"], ["20.00", "30.00"]),
        ("0.00", ["20.00"], ["0.00"]),
        ("5.00", ["0.00", "10.00"], ["0.00", "5.00"]),
    ],
)
def test_allocate_splits_in_cents_that_add_up(amount, weights, expected):
    shares = pricing.allocate(D(amount), [D(weight) for weight in weights])

    assert shares == [D(share) for share in expected]
    assert sum(shares) == min(D(amount), sum(D(weight) for weight in weights))
    assert all(share <= D(weight) for share, weight in zip(shares, weights, strict=True))


@pytest.mark.parametrize(
    ("inclusive", "tax_shipping", "expected"),
    [
        # 8% on (100 - 10) = 7.20; total 90 + 5 + 7.20
        (False, False, ("100.00", "7.20", "5.00", "102.20", "10.00")),
        # shipping taxed too, minus its 5.00 discount: 8% of 90 = 7.20; total 90 + 0 + 7.20
        (False, True, ("100.00", "7.20", "5.00", "97.20", "15.00")),
        # included: 90 × 8/108 = 6.666… → 6.67; the total is what is charged
        (True, False, ("100.00", "6.67", "5.00", "95.00", "10.00")),
    ],
)
def test_order_totals_after_discounts(inclusive, tax_shipping, expected):
    shipping_discount = D("5.00") if tax_shipping else D("0")
    totals = pricing.order_totals(
        line_totals=[D("60.00"), D("40.00")],
        shipping=D("5.00"),
        tax_rate=D("8"),
        prices_include_tax=inclusive,
        tax_shipping=tax_shipping,
        line_discounts=[D("6.00"), D("4.00")],
        shipping_discount=shipping_discount,
    )

    assert (totals.subtotal, totals.tax, totals.shipping, totals.total, totals.discount) == tuple(
        D(value) for value in expected
    )


@pytest.fixture
def taxed_account(account):
    account.tax_rate = D("10")
    account.save(update_fields=["tax_rate"])
    return account


def test_a_discount_added_to_a_placed_order_reprices_it_everywhere(taxed_account, make_order, make_product, customer):
    order = make_order(
        customer=customer,
        products=[make_product(price=D("30.00")), make_product(price=D("10.00"))],
        quantities=[1, 1],
        shipping=D("5.00"),
    )
    assert (order.total, Customer.objects.get(pk=customer.pk).total_spent) == (D("49.00"), D("49.00"))

    order = services.order_discount_add(order=order, amount=D("4.00"), note="400 loyalty points")

    order.refresh_from_db()
    lines = list(OrderItem.objects.filter(order=order).order_by("position"))
    assert [line.discount_amount for line in lines] == [D("3.00"), D("1.00")]
    # 10% of (40 - 4) = 3.60; 36 + 5 + 3.60
    assert (order.discount_amount, order.tax, order.total) == (D("4.00"), D("3.60"), D("44.60"))
    assert Customer.objects.get(pk=customer.pk).total_spent == D("44.60")
    event = OrderEvent.objects.get(order=order, kind=EventKind.DISCOUNT)
    assert (event.note, event.data) == ("400 loyalty points", {"amount": 4.0})
    updated = WebhookEvent.objects.filter(event_type="order.updated").latest("created_at").payload["data"]
    assert (updated["discount"], updated["total"], updated["changes"]) == (4.0, 44.6, {"discount": {"added": 4.0}})

    # a second discount takes from what is left of each line
    order = services.order_discount_add(order=order, amount=D("36.00"), note="all of it")
    order.refresh_from_db()
    assert [line.discount_amount for line in OrderItem.objects.filter(order=order).order_by("position")] == [
        D("30.00"),
        D("10.00"),
    ]
    assert (order.discount_amount, order.tax, order.total) == (D("40.00"), D("0.00"), D("5.00"))
    assert services.order_discount_room(Order.objects.get(pk=order.pk)) == D("0.00")


def test_a_discount_beyond_what_the_lines_have_left_is_refused_and_writes_nothing(account, make_order, make_product):
    order = make_order(products=[make_product(price=D("20.00"))])

    with pytest.raises(ValidationFailed) as caught:
        services.order_discount_add(order=order, amount=D("20.01"), note="too much")

    assert caught.value.code == "VALIDATION_ERROR"
    order.refresh_from_db()
    assert (order.discount_amount, order.total) == (D("0.00"), D("20.00"))
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.DISCOUNT).exists()


@pytest.mark.parametrize("status", ["shipped", "cancelled"])
def test_only_pending_or_processing_orders_take_a_discount(account, make_order, make_product, status):
    order = make_order(products=[make_product(price=D("20.00"))])
    path = {"shipped": ["processing", "shipped"], "cancelled": ["cancelled"]}[status]
    for step in path:
        order = services.order_transition(order=order, to_status=step)

    with pytest.raises(ApplicationError) as caught:
        services.order_discount_add(order=order, amount=D("1.00"), note="late")

    assert (caught.value.code, caught.value.status_code) == ("ORDER_NOT_DISCOUNTABLE", 409)
    assert Order.objects.get(pk=order.pk).discount_amount == D("0.00")


def test_a_discount_cannot_take_the_total_below_what_was_paid(account, make_order, make_product):
    order = make_order(products=[make_product(price=D("20.00"))])
    services.order_payment_record(order=order, amount=D("15.00"), method="cash")

    with pytest.raises(ApplicationError) as caught:
        services.order_discount_add(order=Order.objects.get(pk=order.pk), amount=D("6.00"), note="too late")

    assert caught.value.code == "ORDER_NOT_DISCOUNTABLE"
    assert Order.objects.get(pk=order.pk).total == D("20.00")

    services.order_discount_add(order=Order.objects.get(pk=order.pk), amount=D("5.00"), note="fits")
    order.refresh_from_db()
    assert (order.total, order.amount_paid, order.payment_status) == (D("15.00"), D("15.00"), "paid")


@pytest.mark.parametrize("amount", [D("0"), D("-1.00"), D("1.001")])
def test_a_discount_amount_must_be_positive_cents(account, make_order, amount):
    order = make_order()

    with pytest.raises(ApplicationError) as caught:
        services.order_discount_add(order=order, amount=amount, note="bad")

    assert caught.value.code == "VALIDATION_ERROR"
