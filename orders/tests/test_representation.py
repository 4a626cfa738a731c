"""GET /api/orders and /api/orders/{orderId} answer, byte for byte, what DRF's OrderSerializer renders for
the same orders read as instances, and their statement counts do not grow with orders or lines."""

import datetime
from decimal import Decimal

import pytest

from omnisales.api.representation import plan_for
from omnisales.testing.representations import assert_renders_like_drf, drf_rendering, statements
from orders import selectors, services
from orders.models import Order
from orders.serializers import OrderItemSerializer, OrderSerializer

pytestmark = pytest.mark.django_db

FULL_ADDRESS = {
    "name": "Zoë Ä",
    "line_1": "1 Rue de la Paix",
    "line_2": "Bât. B",
    "city": "Paris",
    "region": "IDF",
    "postal_code": "75002",
    "country": "FR",
    "phone": "+33 1 23 45 67 89",
}


@pytest.fixture
def varied_orders(account, make_product, make_customer):
    """Orders with every kind of value an order shows: full, partial and no shipping address, payment
    methods or none, notes, several lines at odd prices, tax-inclusive pricing, payments and refunds,
    cancelled orders, names with line separators, and a placed-at time without microseconds."""
    cheap, odd, dear = (make_product(price=Decimal(price)) for price in ("0.10", "19.99", "1234.50"))
    ada = make_customer(name="Ada \u2028 Lovelace")
    bo = make_customer(name="Bo")

    full = services.order_create(
        account=account,
        customer=ada,
        items=[
            {"product_id": cheap.pk, "quantity": 7},
            {"product_id": odd.pk, "quantity": 3, "price": Decimal("18.05")},
            {"product_id": dear.pk, "quantity": 1},
        ],
        shipping=Decimal("4.95"),
        shipping_address=FULL_ADDRESS,
        notes="Leave at the door \u2029 please",
        payment_method="cash",
        channel="phone",
    )
    services.order_payment_record(order=full, amount=Decimal("100.00"), method="cash")
    services.order_payment_refund(order=full, amount=Decimal("0.01"))

    plain = services.order_create(account=account, customer=bo, items=[{"product_id": odd.pk, "quantity": 1}])
    services.order_transition(order=plain, to_status="cancelled")

    account.tax_rate = Decimal("8.875")
    account.prices_include_tax = True
    account.save()
    partial = services.order_create(
        account=account,
        customer=bo,
        items=[{"product_id": dear.pk, "quantity": 2}, {"product_id": cheap.pk, "quantity": 1}],
        shipping_address={"city": "Lyon"},
        payment_method="bank_transfer",
    )
    Order.objects.filter(pk=partial.pk).update(created_at=datetime.datetime(2024, 2, 29, 12, 0, tzinfo=datetime.UTC))
    services.order_payment_record(order=partial, amount=partial.total, method="bank_transfer")
    return account


def instances(account) -> list[Order]:
    return list(selectors.orders_with_items(Order.objects.filter(account=account)))


def test_order_representations_are_compiled():
    assert plan_for(OrderSerializer) is not None
    assert plan_for(OrderItemSerializer) is not None


def test_order_rows_render_like_drf_renders_the_instances(varied_orders):
    orders = instances(varied_orders)
    rows = list(selectors.orders_with_items(Order.objects.filter(account=varied_orders), as_rows=True))
    assert [row["id"] for row in rows] == [order.pk for order in orders]
    expected = assert_renders_like_drf(OrderSerializer, rows, like=orders, many=True)
    assert_renders_like_drf(OrderSerializer, orders, many=True)  # instances too (writes answer those)
    assert {order["payment_method"] for order in expected} == {"cash", None, "bank_transfer"}
    assert sorted(len(order["items"]) for order in expected) == [1, 2, 3]
    assert any(order["shipping_address"] is None for order in expected)
    assert any(order["shipping_address"] and order["shipping_address"]["line_1"] == "" for order in expected)
    assert all(isinstance(order["total"], Decimal) for order in expected)


def test_the_list_answers_drfs_representation_byte_for_byte(api, varied_orders):
    response = api.get("/api/orders?limit=250")
    assert response.status_code == 200
    assert response.content == drf_rendering(OrderSerializer, instances(varied_orders), many=True)
    assert b"\\u2028" in response.content and b"\\u2029" in response.content


def test_each_detail_answers_drfs_representation_byte_for_byte(api, varied_orders):
    for order in instances(varied_orders):
        response = api.get(f"/api/orders/{order.pk}")
        assert response.status_code == 200
        assert response.content == drf_rendering(OrderSerializer, order)


def test_items_and_writes_answer_the_same_representation(api, varied_orders):
    order = next(order for order in instances(varied_orders) if order.status == "pending")
    lines = drf_rendering(OrderItemSerializer, order.items.all(), many=True)
    assert api.get(f"/api/orders/{order.pk}/items").content == lines
    response = api.put(f"/api/orders/{order.pk}/status", {"status": "processing"}, format="json")
    assert response.status_code == 200, response.content
    assert response.content == api.get(f"/api/orders/{order.pk}").content


def place(account, customers, products, count: int) -> list[Order]:
    return [
        services.order_create(
            account=account,
            customer=customers[number % len(customers)],
            items=[{"product_id": product.pk, "quantity": 1 + number % 3} for product in products[: 1 + number % 4]],
            shipping_address=FULL_ADDRESS if number % 2 else None,
        )
        for number in range(count)
    ]


@pytest.mark.parametrize(
    "query",
    ["limit=250", "limit=1", "limit=250&search=o&ordering=-total&status=pending&startDate=2020-01-01"],
)
def test_list_statements_are_the_same_for_one_order_and_many(api, account, make_product, make_customer, query):
    products = [make_product() for _ in range(4)]
    customers = [make_customer(name=f"Customer {number}") for number in range(3)]
    place(account, customers, products, 1)
    api.get("/api/orders")  # the credential's last-used stamp is written once
    one = statements(api, f"/api/orders?{query}")

    place(account, customers, products, 12)
    many = statements(api, f"/api/orders?{query}")
    assert len(many) == len(one), "\n".join(many)
    assert len(api.get(f"/api/orders?{query}").json()) == (1 if "limit=1" in query else 13)


def test_detail_statements_are_the_same_for_one_line_and_many(api, account, make_product, make_customer):
    products = [make_product() for _ in range(8)]
    customer = make_customer()
    one_line = services.order_create(
        account=account, customer=customer, items=[{"product_id": products[0].pk, "quantity": 1}]
    )
    many_lines = services.order_create(
        account=account, customer=customer, items=[{"product_id": product.pk, "quantity": 2} for product in products]
    )
    api.get("/api/orders")
    one = statements(api, f"/api/orders/{one_line.pk}")
    many = statements(api, f"/api/orders/{many_lines.pk}")
    assert len(many) == len(one), "\n".join(many)
    assert len(api.get(f"/api/orders/{many_lines.pk}").json()["items"]) == 8


def test_details_are_read_by_one_compiled_statement_that_keeps_the_account_filter(
    api, varied_orders, make_client, monkeypatch
):
    from omnisales.api import views as api_views
    from omnisales.testing.factories import AccountFactory
    from orders.views import OrderViewSet

    monkeypatch.setattr(api_views, "_compiled_object_reads", {})
    builds = []
    scoped = api_views.TenantScopedMixin.get_queryset

    def counting(self):
        builds.append(self._compiling_account)
        return scoped(self)

    monkeypatch.setattr(api_views.TenantScopedMixin, "get_queryset", counting)
    orders = instances(varied_orders)
    for order in orders * 2:
        assert api.get(f"/api/orders/{order.pk}").content == drf_rendering(OrderSerializer, order)
    assert len(builds) == 1 and builds[0].startswith("\x1fcompiled:")  # compiled once, for a placeholder
    read = api_views._compiled_object_reads[(OrderViewSet, "retrieve")]
    (statement,) = (value for value in read._statements.values() if value is not None)
    assert statement.sql.count("account_id") == 1 and {slot[1] for slot in statement.slots} == {"account", "id"}

    other = make_client(AccountFactory())
    response = other.get(f"/api/orders/{orders[0].pk}")
    assert response.status_code == 404 and response.json()["code"] == "ORDER_NOT_FOUND"
