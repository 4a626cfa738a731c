"""Totals, tax and payment status: exact Decimal arithmetic, rounded half up once per order."""

from decimal import Decimal

import pytest

from orders import pricing
from orders.models import Order

D = Decimal


@pytest.mark.parametrize(
    ("lines", "shipping", "rate", "inclusive", "tax_shipping", "expected"),
    [
        # no tax
        ([("2", "99.99")], "0", "0", False, False, ("199.98", "0.00", "0.00", "199.98")),
        # 8% on top of the subtotal; shipping untaxed: 999.99 × 0.08 = 79.9992 → 80.00
        ([("1", "999.99")], "20.00", "8", False, False, ("999.99", "80.00", "20.00", "1099.99")),
        # 8% on top, shipping taxed too: 1019.99 × 0.08 = 81.5992 → 81.60
        ([("1", "999.99")], "20.00", "8", False, True, ("999.99", "81.60", "20.00", "1101.59")),
        # half up, not half even: 0.05 × 10% = 0.005 → 0.01
        ([("1", "0.05")], "0", "10", False, False, ("0.05", "0.01", "0.00", "0.06")),
        # 7.5% of 0.10 = 0.0075 → 0.01
        ([("1", "0.10")], "0", "7.5", False, False, ("0.10", "0.01", "0.00", "0.11")),
        # just under half a cent rounds down: 0.04 × 12.345% = 0.004938 → 0.00
        ([("1", "0.04")], "0", "12.345", False, False, ("0.04", "0.00", "0.00", "0.04")),
        # once per order, not per line: 3 × (0.05 × 10%) would be 0.03; 0.15 × 10% = 0.015 → 0.02
        ([("1", "0.05"), ("1", "0.05"), ("1", "0.05")], "0", "10", False, False, ("0.15", "0.02", "0.00", "0.17")),
        # three-decimal rate (New York City 8.875%): 59.97 × 0.08875 = 5.3223… → 5.32
        ([("3", "19.99")], "4.99", "8.875", False, False, ("59.97", "5.32", "4.99", "70.28")),
        # prices include tax (20% VAT): 120.00 holds 20.00 of tax; the total is what was charged
        ([("1", "120.00")], "0", "20", True, False, ("120.00", "20.00", "0.00", "120.00")),
        # included tax, shipping not taxed: 100 × 8/108 = 7.4074… → 7.41
        ([("1", "100.00")], "8.00", "8", True, False, ("100.00", "7.41", "8.00", "108.00")),
        # included tax on shipping too: 108 × 8/108 = 8.00
        ([("1", "100.00")], "8.00", "8", True, True, ("100.00", "8.00", "8.00", "108.00")),
        # included 21% in 1.00 = 0.17355… → 0.17
        ([("1", "1.00")], "0", "21", True, False, ("1.00", "0.17", "0.00", "1.00")),
        # included tax that divides exactly: 0.21 × 5/105 = 0.01
        ([("1", "0.21")], "0", "5", True, False, ("0.21", "0.01", "0.00", "0.21")),
        # a free order
        ([("1", "0.00")], "0", "8", False, True, ("0.00", "0.00", "0.00", "0.00")),
        # quantities multiply exactly
        ([("10000", "0.01"), ("3", "33.33")], "0", "0", False, False, ("199.99", "0.00", "0.00", "199.99")),
        # big but within the columns
        ([("10000", "999999.99")], "0", "0", False, False, ("9999999900.00", "0.00", "0.00", "9999999900.00")),
    ],
)
def test_order_totals(lines, shipping, rate, inclusive, tax_shipping, expected):
    line_totals = [pricing.line_total(quantity=int(quantity), unit_price=D(price)) for quantity, price in lines]
    totals = pricing.order_totals(
        line_totals=line_totals,
        shipping=D(shipping),
        tax_rate=D(rate),
        prices_include_tax=inclusive,
        tax_shipping=tax_shipping,
    )
    assert (totals.subtotal, totals.tax, totals.shipping, totals.total) == tuple(D(value) for value in expected)
    assert all(isinstance(value, Decimal) for value in (totals.subtotal, totals.tax, totals.total))
    assert totals.total.as_tuple().exponent == -2 and totals.tax.as_tuple().exponent == -2


def test_amounts_that_do_not_fit_the_columns_are_refused():
    with pytest.raises(pricing.AmountTooLarge):
        pricing.line_total(quantity=10_000, unit_price=D("999999999.99"))
    with pytest.raises(pricing.AmountTooLarge):
        pricing.order_totals(
            line_totals=[D("999999999999.99")],
            shipping=D("0"),
            tax_rate=D("10"),
            prices_include_tax=False,
            tax_shipping=False,
        )


@pytest.mark.parametrize(
    ("total", "paid", "refunded", "expected"),
    [
        ("100.00", "0.00", "0.00", "unpaid"),
        ("100.00", "0.01", "0.00", "partially_paid"),
        ("100.00", "99.99", "0.00", "partially_paid"),
        ("100.00", "100.00", "0.00", "paid"),
        ("0.00", "0.00", "0.00", "paid"),
        ("100.00", "70.00", "30.00", "partially_refunded"),
        ("100.00", "0.00", "100.00", "refunded"),
        ("100.00", "0.00", "40.00", "refunded"),
    ],
)
def test_payment_status(total, paid, refunded, expected):
    assert pricing.payment_status_for(total=D(total), amount_paid=D(paid), amount_refunded=D(refunded)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("inclusive", "tax_shipping", "expected"),
    [
        (False, False, {"subtotal": 59.97, "tax": 5.32, "shipping": 4.99, "total": 70.28}),
        (False, True, {"subtotal": 59.97, "tax": 5.77, "shipping": 4.99, "total": 70.73}),
        (True, False, {"subtotal": 59.97, "tax": 4.89, "shipping": 4.99, "total": 64.96}),
        (True, True, {"subtotal": 59.97, "tax": 5.30, "shipping": 4.99, "total": 64.96}),
    ],
)
def test_the_api_applies_the_accounts_tax_settings(
    api, account, make_product, customer, inclusive, tax_shipping, expected
):
    account.tax_rate, account.prices_include_tax, account.tax_shipping = D("8.875"), inclusive, tax_shipping
    account.save()
    product = make_product(price=D("19.99"))
    body = {"customerId": customer.pk, "items": [{"productId": product.pk, "quantity": 3}], "shipping": "4.99"}

    response = api.post("/api/orders", body, format="json")

    assert response.status_code == 201, response.content
    order = response.json()
    assert {key: order[key] for key in expected} == expected
    assert (order["taxRate"], order["pricesIncludeTax"]) == (8.875, inclusive)
    stored = Order.objects.get(pk=order["id"])
    assert (stored.tax_rate, stored.prices_include_tax, stored.tax_shipping) == (D("8.875"), inclusive, tax_shipping)
    assert stored.total == D(str(expected["total"]))
