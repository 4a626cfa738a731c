"""POST /api/discounts/validate: every reason a code is refused, exact amounts, and the same answer an order
placed with the code gets."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import DiscountCode, DiscountRedemption
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CategoryFactory, CustomerFactory, ProductFactory, place_order, product_in_stock
from orders.models import Order

from .discount_factories import make_code

pytestmark = pytest.mark.django_db

VALIDATE = "/api/discounts/validate"


def _check(api, **body) -> dict:
    response = api.post(VALIDATE, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _refused(api, reason: str, **body) -> dict:
    answer = _check(api, **body)
    assert (answer["valid"], answer["reason"], answer["discountAmount"]) == (False, reason, 0.0), answer
    assert answer["message"]
    return answer


def test_the_seed_body(api, account):
    discount = make_code(account, "SUMMER2024", value="15")
    assert _check(api, code="SUMMER2024", orderTotal=100.00) == {
        "valid": True,
        "code": "SUMMER2024",
        "discountId": discount.pk,
        "type": "percentage",
        "currency": "USD",
        "orderTotal": 100.0,
        "discountAmount": 15.0,
        "shippingDiscount": 0.0,
        "totalAfterDiscount": 85.0,
        "lineDiscounts": [],
        "reason": None,
        "message": None,
    }


def test_any_case_matches_and_the_stores_spelling_comes_back(api, account):
    make_code(account, "Summer2024")
    assert _check(api, code="sUMMER2024", orderTotal=10)["code"] == "Summer2024"


def test_an_unknown_or_another_accounts_code_is_a_404(api, other_account):
    make_code(other_account, "THEIRS")
    for code in ("NOPE", "THEIRS"):
        body = assert_error(
            api.post(VALIDATE, {"code": code, "orderTotal": 10}, format="json"), 404, "DISCOUNT_CODE_NOT_FOUND"
        )
        assert body["details"] == {"code": code}


def test_inactive_not_started_expired(api, account):
    now = timezone.now()
    make_code(account, "OFF", active=False)
    make_code(account, "SOON", starts_at=now + datetime.timedelta(hours=1))
    make_code(account, "GONE", ends_at=now - datetime.timedelta(seconds=1))
    _refused(api, "inactive", code="OFF", orderTotal=10)
    _refused(api, "not_started", code="SOON", orderTotal=10)
    _refused(api, "expired", code="GONE", orderTotal=10)


def test_below_minimum(api, account):
    make_code(account, "MIN50", minimum_order_total=Decimal("50.00"))
    answer = _refused(api, "below_minimum", code="MIN50", orderTotal=49.99, shipping=10)
    assert answer["totalAfterDiscount"] == 59.99
    assert _check(api, code="MIN50", orderTotal=50)["valid"]


def test_exhausted_and_released_again(api, account):
    discount = make_code(account, "ONCE", usage_limit=1)
    order = place_order(account, discount_code="ONCE")
    _refused(api, "exhausted", code="ONCE", orderTotal=10)
    api.put(f"/api/orders/{order.pk}/status", {"status": "cancelled"}, format="json")
    assert _check(api, code="ONCE", orderTotal=10)["valid"]
    discount.refresh_from_db()
    assert discount.times_used == 0


def test_per_customer_limit(api, account):
    make_code(account, "WELCOME", per_customer_limit=1)
    customer, newcomer = CustomerFactory(account=account), CustomerFactory(account=account)
    place_order(account, customer=customer, discount_code="welcome")
    _refused(api, "customer_limit_reached", code="WELCOME", orderTotal=10, customerId=customer.pk)
    assert _check(api, code="WELCOME", orderTotal=10, customerId=newcomer.pk)["valid"]
    # a cart checked before sign-in: the limit waits for the order, which names the customer
    assert _check(api, code="WELCOME", orderTotal=10)["valid"]
    response = api.post(
        "/api/orders",
        {
            "customerId": customer.pk,
            "items": [{"productId": product_in_stock(account).pk, "quantity": 1}],
            "discountCode": "WELCOME",
        },
        format="json",
    )
    assert_error(response, 422, "DISCOUNT_NOT_APPLICABLE")
    assert response.json()["details"]["reason"] == "customer_limit_reached"


def test_another_accounts_customer_or_product_is_a_404(api, account, other_account):
    make_code(account, "ANY")
    theirs = CustomerFactory(account=other_account)
    response = api.post(VALIDATE, {"code": "ANY", "orderTotal": 10, "customerId": theirs.pk}, format="json")
    assert_error(response, 404, "CUSTOMER_NOT_FOUND")
    product = ProductFactory(account=other_account)
    response = api.post(
        VALIDATE, {"code": "ANY", "items": [{"productId": product.pk, "quantity": 1, "price": 5}]}, format="json"
    )
    assert_error(response, 404, "PRODUCT_NOT_FOUND")


def test_currency_mismatch(api, account):
    make_code(account, "DOLLARS", type="fixed_amount", value="5")
    account.currency = "EUR"
    account.save(update_fields=["currency"])
    _refused(api, "currency_mismatch", code="DOLLARS", orderTotal=10)


def test_codes_limited_to_products_or_categories(api, account):
    parent = CategoryFactory(account=account)
    child = CategoryFactory(account=account, parent=parent)
    shoe, hat = ProductFactory(account=account, category=child), ProductFactory(account=account)
    make_code(account, "SHOES", applies_to="categories", categories=[parent])
    make_code(account, "HATS", applies_to="products", products=[hat])
    hat_line = {"productId": hat.pk, "quantity": 2, "price": 10}
    shoe_line = {"productId": shoe.pk, "quantity": 1, "price": 60}
    _refused(api, "not_applicable_items", code="SHOES", items=[hat_line])
    _refused(api, "not_applicable_items", code="HATS", orderTotal=100)  # without items, nothing is known
    answer = _check(api, code="SHOES", items=[hat_line, shoe_line])  # a subcategory's product is in its parent
    assert (answer["lineDiscounts"], answer["discountAmount"], answer["orderTotal"]) == ([0.0, 6.0], 6.0, 80.0)
    answer = _check(api, code="HATS", items=[hat_line, shoe_line], orderTotal=80)
    assert answer["lineDiscounts"] == [2.0, 0.0]


def test_a_percentage_is_rounded_line_by_line(api, account):
    make_code(account, "TEN")
    products = [ProductFactory(account=account) for _ in range(3)]
    items = [{"productId": product.pk, "quantity": 1, "price": 0.05} for product in products]
    answer = _check(api, code="TEN", items=items)
    assert answer["lineDiscounts"] == [0.01, 0.01, 0.01]  # 0.005 each, rounded half up; 0.015 on the total
    assert (answer["discountAmount"], answer["totalAfterDiscount"]) == (0.03, 0.12)


def test_a_fixed_amount_is_split_exactly_and_never_more_than_the_eligible_lines(api, account):
    make_code(account, "TENOFF", type="fixed_amount", value="10")
    hat = ProductFactory(account=account)
    make_code(account, "BIG", type="fixed_amount", value="100", applies_to="products", products=[hat])
    lines = [ProductFactory(account=account) for _ in range(3)]
    items = [{"productId": product.pk, "quantity": 1, "price": 10} for product in lines]
    answer = _check(api, code="TENOFF", items=items)
    assert answer["lineDiscounts"] == [3.34, 3.33, 3.33] and answer["discountAmount"] == 10.0
    items = [
        {"productId": hat.pk, "quantity": 3, "price": 9.99},
        {"productId": lines[0].pk, "quantity": 1, "price": 50},
    ]
    answer = _check(api, code="BIG", items=items, shipping=5)
    assert (answer["lineDiscounts"], answer["discountAmount"], answer["totalAfterDiscount"]) == (
        [29.97, 0.0],
        29.97,
        55.0,
    )


def test_free_shipping(api, account):
    make_code(account, "SHIPFREE", type="free_shipping", value=None)
    answer = _check(api, code="SHIPFREE", orderTotal=40, shipping=7.5)
    assert (answer["shippingDiscount"], answer["discountAmount"], answer["totalAfterDiscount"]) == (7.5, 7.5, 40.0)


def test_bad_bodies(api, account):
    product = ProductFactory(account=account)
    make_code(account, "ANY")
    item = {"productId": product.pk, "quantity": 1, "price": 5}
    for body, field in (
        ({"code": "ANY"}, "orderTotal"),
        ({"code": "ANY", "items": [item], "orderTotal": 6}, "orderTotal"),
        ({"code": "ANY", "orderTotal": -1}, "orderTotal"),
        ({"code": 42, "orderTotal": 1}, "code"),
        ({"code": "ANY", "orderTotal": 1, "total": 1}, "total"),
        ({"code": "ANY", "items": [{**item, "quantity": 0}]}, "items"),
        ({"code": "ANY", "items": [{**item, "sku": "X"}]}, "items"),
        ({"code": "ANY", "orderTotal": 999999999999.99, "shipping": 1}, "orderTotal"),
        ({"code": "ANY", "items": [{**item, "quantity": 10000, "price": 999999999999}]}, "items"),
    ):
        details = assert_error(api.post(VALIDATE, body, format="json"), 422, "VALIDATION_ERROR")["details"]
        assert field in details, (body, details)


def test_validate_writes_nothing_and_answers_what_an_order_gets(api, account):
    customer = CustomerFactory(account=account)
    products = [product_in_stock(account, price=Decimal(price)) for price in ("19.99", "5.01", "0.33")]
    discount = make_code(account, "SAVE7", type="fixed_amount", value="7", per_customer_limit=3)
    items = [
        {"productId": product.pk, "quantity": quantity, "price": float(product.price)}
        for product, quantity in zip(products, (2, 3, 1), strict=True)
    ]
    answer = _check(api, code="save7", items=items, customerId=customer.pk, shipping=4)
    assert not DiscountRedemption.objects.exists() and not Order.objects.exists()
    assert DiscountCode.objects.get(pk=discount.pk).times_used == 0

    order = place_order(
        account,
        customer=customer,
        products=products,
        quantities=[2, 3, 1],
        discount_code="SAVE7",
        shipping=Decimal("4"),
    )
    lines = list(order.items.order_by("position"))
    assert [float(line.discount_amount) for line in lines] == answer["lineDiscounts"]
    assert float(order.discount_amount) == answer["discountAmount"] == 7.0
    assert float(order.subtotal) == answer["orderTotal"]
