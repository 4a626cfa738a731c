"""POST /api/orders with discountCode: exact totals with tax-exclusive and tax-inclusive prices, each line's
discount, the redemption, the order.created event; a cancel releases the use; a refused code writes nothing."""

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from loyalty.models import DiscountCode, DiscountRedemption
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import CustomerFactory, product_in_stock
from orders.models import Order, OrderItem
from webhooks.models import WebhookEvent

from .discount_factories import make_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(account):
    return [product_in_stock(account, price=Decimal("20.00")), product_in_stock(account, price=Decimal("15.00"))]


@pytest.fixture
def customer(account):
    return CustomerFactory(account=account)


def _taxes(account, *, rate: str, inclusive: bool, shipping_taxed: bool) -> None:
    account.tax_rate, account.prices_include_tax, account.tax_shipping = Decimal(rate), inclusive, shipping_taxed
    account.save(update_fields=["tax_rate", "prices_include_tax", "tax_shipping"])


def _order(api, customer, products, code, shipping=5):
    body = {
        "customerId": customer.pk,
        "items": [{"productId": products[0].pk, "quantity": 2}, {"productId": products[1].pk, "quantity": 1}],
        "shipping": shipping,
        "discountCode": code,
    }
    return api.post("/api/orders", body, format="json")


def _figures(body) -> tuple:
    return (body["subtotal"], body["discount"], body["shipping"], body["tax"], body["total"])


def test_a_percentage_with_prices_before_tax(api, account, customer, products):
    _taxes(account, rate="10", inclusive=False, shipping_taxed=False)
    discount = make_code(account, "Ten-Off")
    response = _order(api, customer, products, "ten-off")
    assert response.status_code == 201, response.content
    body = response.json()
    # 40 + 15 = 55; 10% per line: 4.00 + 1.50; taxable 49.50 -> 4.95; total 49.50 + 5 + 4.95
    assert _figures(body) == (55.0, 5.5, 5.0, 4.95, 59.45)
    assert body["discountCode"] == "Ten-Off"
    assert [item["discount"] for item in body["items"]] == [4.0, 1.5]

    redemption = DiscountRedemption.objects.get()
    assert (redemption.order_id, redemption.customer_id, redemption.discount_id) == (
        body["id"],
        customer.pk,
        discount.pk,
    )
    assert (redemption.code, redemption.amount, redemption.released_at) == ("Ten-Off", Decimal("5.50"), None)
    assert api.get(f"/api/discounts/codes/{discount.pk}").json()["timesUsed"] == 1
    assert api.get(f"/api/orders/{body['id']}").json() == body

    (event,) = WebhookEvent.objects.filter(event_type="order.created")
    data = event.payload["data"]
    assert (data["discount"], data["discountCode"], data["total"]) == (5.5, "Ten-Off", 59.45)
    assert [item["discount"] for item in data["items"]] == [4.0, 1.5]


def test_a_fixed_amount_with_prices_including_tax(api, account, customer, products):
    _taxes(account, rate="20", inclusive=True, shipping_taxed=True)
    make_code(account, "TENNER", type="fixed_amount", value="10")
    body = _order(api, customer, products, "TENNER").json()
    # 10 split 40:15 in exact cents -> 7.27 + 2.73; net 45 + 5 shipping = 50, of which tax 50 x 20/120
    assert [item["discount"] for item in body["items"]] == [7.27, 2.73]
    assert _figures(body) == (55.0, 10.0, 5.0, 8.33, 50.0)


def test_free_shipping_with_shipping_taxed(api, account, customer, products):
    _taxes(account, rate="10", inclusive=False, shipping_taxed=True)
    make_code(account, "SHIPFREE", type="free_shipping", value=None)
    body = _order(api, customer, products, "shipfree", shipping=7.5).json()
    assert _figures(body) == (55.0, 7.5, 7.5, 5.5, 60.5)
    assert [item["discount"] for item in body["items"]] == [0.0, 0.0]
    assert DiscountRedemption.objects.get().amount == Decimal("7.50")


def test_a_code_for_one_product_takes_off_its_lines_only(api, account, customer, products):
    make_code(account, "HALF", value="50", applies_to="products", products=[products[1]])
    body = _order(api, customer, products, "HALF").json()
    assert [item["discount"] for item in body["items"]] == [0.0, 7.5]
    assert body["discount"] == 7.5


def test_cancelling_releases_the_use(api, account, customer, products):
    discount = make_code(account, "ONCE", usage_limit=1)
    order_id = _order(api, customer, products, "ONCE").json()["id"]
    assert_error(_order(api, customer, products, "ONCE"), 422, "DISCOUNT_NOT_APPLICABLE")
    assert api.put(f"/api/orders/{order_id}/status", {"status": "cancelled"}, format="json").status_code == 200
    redemption = DiscountRedemption.objects.get(order_id=order_id)
    assert redemption.released_at is not None
    discount.refresh_from_db()
    assert discount.times_used == 0
    second = _order(api, customer, products, "ONCE")
    assert second.status_code == 201
    discount.refresh_from_db()
    assert discount.times_used == 1
    assert DiscountRedemption.objects.filter(released_at__isnull=True).get().order_id == second.json()["id"]


def _written(account) -> tuple:
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        DiscountRedemption.objects.count(),
        list(DiscountCode.objects.order_by("pk").values_list("times_used", flat=True)),
        list(StockLevel.objects.filter(account=account).order_by("pk").values_list("reserved", flat=True)),
        WebhookEvent.objects.count(),
    )


def test_an_unknown_code_is_a_404_and_writes_nothing(api, account, other_account, customer, products):
    make_code(account, "MINE")
    make_code(other_account, "THEIRS")
    before = _written(account)
    for code in ("NOPE", "THEIRS"):
        body = assert_error(_order(api, customer, products, code), 404, "DISCOUNT_CODE_NOT_FOUND")
        assert body["details"] == {"code": code}
    assert _written(account) == before


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"active": False}, "inactive"),
        ({"minimum_order_total": Decimal("100.00")}, "below_minimum"),
        ({"usage_limit": 1}, "exhausted"),
        ({"per_customer_limit": 1}, "customer_limit_reached"),
    ],
)
def test_an_inapplicable_code_is_a_422_and_writes_nothing(api, account, customer, products, fields, reason):
    make_code(account, "RULED", **fields)
    if reason in ("exhausted", "customer_limit_reached"):
        assert _order(api, customer, products, "RULED").status_code == 201
    before = _written(account)
    body = assert_error(_order(api, customer, products, "ruled"), 422, "DISCOUNT_NOT_APPLICABLE")
    assert body["details"] == {"code": "RULED", "reason": reason}
    assert _written(account) == before


def test_without_a_code_nothing_is_redeemed(api, account, customer, products):
    make_code(account, "UNUSED")
    body = _order(api, customer, products, None).json()
    assert (body["discount"], body["discountCode"]) == (0.0, None)
    assert not DiscountRedemption.objects.exists()
