"""GET /api/orders: filters, search, date ranges, ordering, paging, tenancy and a fixed query count."""

import datetime
from decimal import Decimal

import pytest

from omnisales.testing.assertions import assert_error
from orders import services
from orders.models import Order, OrderItem

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [order["id"] for order in response.json()]


def placed(order, moment) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=moment)
    order.refresh_from_db()
    return order


def test_newest_first_with_total_and_link_headers(api, make_order):
    orders = [make_order() for _ in range(3)]
    response = api.get("/api/orders?limit=2")
    assert ids(response) == [orders[2].pk, orders[1].pk]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "offset=2" in response["Link"]
    assert ids(api.get("/api/orders?limit=2&offset=2")) == [orders[0].pk]


def test_filters_by_customer_status_channel_and_payment_status(api, make_order, make_customer):
    jane, john = make_customer(name="Jane Roe"), make_customer(name="John Doe")
    web = make_order(customer=jane)
    shop = make_order(customer=john, channel="offline")
    market = make_order(customer=john, channel="shopee")
    services.order_transition(order=shop, to_status="processing")
    services.order_payment_record(order=shop, amount=Decimal("5.00"), method="cash")

    assert ids(api.get(f"/api/orders?customerId={jane.pk}")) == [web.pk]
    assert ids(api.get(f"/api/orders?customerId={john.pk}")) == [market.pk, shop.pk]
    assert ids(api.get("/api/orders?status=processing")) == [shop.pk]
    assert ids(api.get("/api/orders?status=pending")) == [market.pk, web.pk]
    assert ids(api.get("/api/orders?channel=offline")) == [shop.pk]
    assert ids(api.get("/api/orders?channel=shopee")) == [market.pk]
    assert ids(api.get("/api/orders?paymentStatus=partially_paid")) == [shop.pk]
    assert ids(api.get(f"/api/orders?customerId={john.pk}&status=pending&channel=shopee")) == [market.pk]
    assert ids(api.get("/api/orders?status=delivered")) == []


def test_search_matches_part_of_the_order_id_or_the_customer_name(api, make_order, make_customer):
    ada = make_order(customer=make_customer(name="Ada Lovelace"))
    alan = make_order(customer=make_customer(name="Alan Turing"))
    assert ids(api.get("/api/orders?search=lovelace")) == [ada.pk]
    assert ids(api.get("/api/orders?search=TURING")) == [alan.pk]
    assert ids(api.get(f"/api/orders?search={ada.pk}")) == [ada.pk]
    assert ids(api.get(f"/api/orders?search={alan.pk[-10:]}")) == [alan.pk]
    assert ids(api.get("/api/orders?search=nobody")) == []
    assert ids(api.get("/api/orders?search=")) == [alan.pk, ada.pk]


def test_date_ranges_with_date_times_and_aliases(api, make_order):
    jan = placed(make_order(), datetime.datetime(2024, 1, 15, 10, 30, tzinfo=datetime.UTC))
    feb = placed(make_order(), datetime.datetime(2024, 2, 1, 0, 0, tzinfo=datetime.UTC))
    mar = placed(make_order(), datetime.datetime(2024, 3, 31, 23, 59, 59, tzinfo=datetime.UTC))

    assert ids(api.get("/api/orders?createdAfter=2024-02-01T00:00:00Z")) == [mar.pk, feb.pk]
    assert ids(api.get("/api/orders?createdBefore=2024-02-01T00:00:00Z")) == [jan.pk]
    assert ids(api.get("/api/orders?startDate=2024-01-01T00:00:00Z&endDate=2024-01-31T23:59:59Z")) == [jan.pk]
    assert ids(api.get("/api/orders?createdAfter=2024-01-15T10:30:00%2B00:00&createdBefore=2024-03-01")) == [
        feb.pk,
        jan.pk,
    ]
    assert ids(api.get("/api/orders?endDate=2024-02-01T00:00:00Z")) == [feb.pk, jan.pk], "endDate is inclusive"


def test_offsets_are_converted_to_utc_even_beyond_what_the_database_takes(api, make_order):
    order = placed(make_order(), datetime.datetime(2024, 1, 15, 12, 0, tzinfo=datetime.UTC))
    # +21:22 is a valid offset for Python, but not for PostgreSQL: it is turned into UTC first.
    assert ids(api.get("/api/orders?createdAfter=2024-01-16T09:21:00%2B21:22")) == [order.pk]
    assert ids(api.get("/api/orders?createdAfter=2024-01-16T09:23:00%2B21:22")) == []
    assert ids(api.get("/api/orders?createdBefore=0572-01-25T18:04:15%2B21:22")) == []


def test_dates_without_a_time_are_days_in_the_stores_time_zone(api, account, make_order):
    account.timezone = "America/New_York"  # UTC-5 in January
    account.save()
    late_evening = placed(make_order(), datetime.datetime(2024, 1, 31, 23, 30, tzinfo=datetime.UTC))  # 18:30 local
    after_midnight = placed(make_order(), datetime.datetime(2024, 2, 1, 4, 30, tzinfo=datetime.UTC))  # 23:30 local

    assert ids(api.get("/api/orders?startDate=2024-01-31&endDate=2024-01-31")) == [after_midnight.pk, late_evening.pk]
    assert ids(api.get("/api/orders?createdAfter=2024-02-01")) == []
    assert ids(api.get("/api/orders?createdBefore=2024-02-01")) == [after_midnight.pk, late_evening.pk]
    assert ids(api.get("/api/orders?endDate=2024-01-30")) == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("total", ["cheap", "mid", "dear"]),
        ("-total", ["dear", "mid", "cheap"]),
        ("createdAt", ["cheap", "dear", "mid"]),
        ("-createdAt", ["mid", "dear", "cheap"]),
        ("status,-total", ["dear", "mid", "cheap"]),
        ("-status,total", ["cheap", "mid", "dear"]),
    ],
)
def test_ordering(api, make_order, make_product, ordering, expected):
    made = {}
    for name, price in (("cheap", "5.00"), ("dear", "50.00"), ("mid", "20.00")):
        made[name] = make_order(products=[make_product(price=Decimal(price))])
    for name in ("dear", "mid"):
        services.order_transition(order=made[name], to_status="cancelled")
    assert ids(api.get(f"/api/orders?ordering={ordering}")) == [made[name].pk for name in expected]


def test_equal_sort_keys_page_without_overlap(api, make_order, make_product):
    product = make_product(price=Decimal("9.00"))
    for _ in range(7):
        make_order(products=[product])
    pages = [ids(api.get(f"/api/orders?ordering=total&limit=3&offset={offset}")) for offset in (0, 3, 6)]
    seen = [order_id for page in pages for order_id in page]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=",
        "channel=retail",
        "paymentStatus=owed",
        "createdAfter=yesterday",
        "createdBefore=2024-13-45",
        "startDate=2024-02-30",
        "endDate=2024-01-01T25:00:00Z",
        "createdAfter=",
        "ordering=customerName",
        "ordering=-bogus",
        "limit=-1",
        "offset=abc",
        f"search={'x' * 201}",
        f"customerId={'c' * 41}",
        "search=%00",
        "createdAfter=0001-01-01T00:00:00%2B05:00",
        "endDate=9999-12-31",
    ],
)
def test_invalid_parameters_are_400_never_500(api, make_order, query):
    make_order()
    body = assert_error(api.get(f"/api/orders?{query}"), 400, "INVALID_PARAMETER")
    assert query.split("=")[0] in body["details"]


def test_only_the_accounts_orders_are_listed(api, other_account, make_order, make_customer):
    theirs = make_order(account=other_account, customer=make_customer(account=other_account))
    mine = make_order()
    assert ids(api.get("/api/orders")) == [mine.pk]
    assert ids(api.get(f"/api/orders?customerId={theirs.customer_id}")) == []
    assert ids(api.get(f"/api/orders?search={theirs.pk}")) == []
    assert api.get("/api/orders")["X-Total-Count"] == "1"


QUERY_BUDGET = 6  # request savepoint + release, credential lookup, count, page with customers, items


@pytest.mark.parametrize("count", [1, 50])
def test_list_query_count_is_the_same_for_1_and_50_orders(
    api, account, make_product, make_customer, django_assert_max_num_queries, count
):
    products = [make_product() for _ in range(4)]
    customers = [make_customer() for _ in range(5)]
    for number in range(count):
        services.order_create(
            account=account,
            customer=customers[number % 5],
            items=[{"product_id": product.pk, "quantity": 1 + number % 3} for product in products[: 2 + number % 3]],
        )
    api.get("/api/orders")  # warm the credential's last-used stamp

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = api.get("/api/orders?limit=50")
    orders = response.json()
    assert len(orders) == count
    assert sum(len(order["items"]) for order in orders) == OrderItem.objects.filter(order__account=account).count()
    assert all(order["customerName"] for order in orders)

    with django_assert_max_num_queries(QUERY_BUDGET):
        response = api.get("/api/orders?limit=50&status=pending&search=o&ordering=-total&startDate=2020-01-01")
    assert len(response.json()) == count


@pytest.mark.parametrize("path", ["/api/orders/ord_%00x", "/api/orders/ord_%00x/items", "/api/orders/%00/events"])
def test_an_order_id_with_a_nul_byte_is_404_not_a_database_error(api, path):
    assert_error(api.get(path), 404, "ORDER_NOT_FOUND")
