"""GET /api/analytics/products against a hand-computed store placed through the order services (the account is in
New York; January 2024 is the range):

| order | placed (New York) | channel | lines | what it shows |
| --- | --- | --- | --- | --- |
| a | Mon 1 Jan 10:00 | online | 2 × Pen (10.00, cost 4.00) | |
| b | Sun 7 Jan 23:30 (Mon 8 Jan in UTC) | mobile | 1 × Quill (25.00, no cost) | the day boundary; a line without cost |
| c | Tue 9 Jan | online | 1 × Pen, 2 × Quill; 6.00 discount added later | split 1.00 / 5.00 over the lines |
| d | Wed 10 Jan | online | 3 × Pen | cancelled: counts nowhere |
| e | Thu 11 Jan | shopee | 1 × Lute S (20.00), 2 × Lute M (21.00) | variants of one product (cost 8.00) |
| f | Wed 31 Jan 23:30 (1 Feb in UTC) | online | 1 × Lute L (22.00) | still January |
| g | Fri 2 Feb | shopee | 5 × Pen | February only |

Abacus (active, tracked stock) sells nothing; Drafted (draft) and Retired (archived) are never slow movers. Another
account sells its own product for 999.00 on 2 January.

January per product (revenue = gross − discounts, margin = revenue − cost):

| product | orders (lines) | units | gross | discounts | revenue | cost | margin | margin % | share % |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| Lute | 3 | 4 | 84.00 | 0.00 | 84.00 | 32.00 | 52.00 | 61.90 | 45.90 |
| Quill | 2 | 3 | 75.00 | 5.00 | 70.00 | 0.00 | 70.00 | 100.00 | 38.25 |
| Pen | 2 | 3 | 30.00 | 1.00 | 29.00 | 12.00 | 17.00 | 58.62 | 15.85 |
| total (5 orders) | | 10 | 189.00 | 6.00 | 183.00 | 44.00 | 139.00 | 75.96 | |
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductStatus, ProductVariant
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import (
    CategoryFactory,
    CustomerFactory,
    ProductFactory,
    place_order,
    product_in_stock,
    product_with_variants,
)
from orders import services
from orders.models import Channel, OrderStatus, ProductSalesDay

pytestmark = pytest.mark.django_db

URL = "/api/analytics/products"
ZONE = "America/New_York"
JANUARY = {"startDate": "2024-01-01", "endDate": "2024-01-31"}
NO_SALES = {
    "revenue": 0.0,
    "units": 0,
    "orders": 0,
    "grossSales": 0.0,
    "discounts": 0.0,
    "costOfGoods": 0.0,
    "margin": 0.0,
    "marginPercent": None,
    "linesWithoutCost": 0,
}


def _figures(revenue, units, orders, gross, discounts, cost, margin, margin_percent, share, without_cost=0) -> dict:
    return {
        "revenue": revenue,
        "units": units,
        "orders": orders,
        "grossSales": gross,
        "discounts": discounts,
        "costOfGoods": cost,
        "margin": margin,
        "marginPercent": margin_percent,
        "share": share,
        "linesWithoutCost": without_cost,
    }


@pytest.fixture
def store(account, other_account):
    account.timezone = ZONE
    account.save(update_fields=["timezone"])
    zone = account.zone
    stationery = CategoryFactory(account=account, name="Stationery")
    pen = product_in_stock(account, name="Pen", price=Decimal("10.00"), cost=Decimal("4.00"), category=stationery)
    quill = product_in_stock(account, name="Quill", price=Decimal("25.00"))
    lute, (small, medium, large) = product_with_variants(
        account, price="20.00", cost=Decimal("8.00"), track_inventory=False
    )
    abacus = product_in_stock(account, name="Abacus", stock=7)
    ProductFactory(account=account, name="Drafted", status=ProductStatus.DRAFT)
    ProductFactory(account=account, name="Retired", status=ProductStatus.ARCHIVED)

    def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2024, month, day, hour, minute, tzinfo=zone)

    def order(when, lines, *, channel=Channel.ONLINE):
        items = [
            {"variant_id" if isinstance(item, ProductVariant) else "product_id": item.pk, "quantity": quantity}
            for item, quantity in lines
        ]
        return services.order_create(
            account=account, customer=CustomerFactory(account=account), items=items, channel=channel, placed_at=when
        )

    order(at(1, 1), [(pen, 2)])
    order(at(1, 7, 23, 30), [(quill, 1)], channel=Channel.MOBILE)
    c = order(at(1, 9), [(pen, 1), (quill, 2)])
    services.order_discount_add(order=c, amount=Decimal("6.00"), note="goodwill")
    d = order(at(1, 10), [(pen, 3)])
    services.order_transition(order=d, to_status=OrderStatus.CANCELLED)
    order(at(1, 11), [(small, 1), (medium, 2)], channel=Channel.SHOPEE)
    order(at(1, 31, 23, 30), [(large, 1)])
    order(at(2, 2), [(pen, 5)], channel=Channel.SHOPEE)
    place_order(other_account, prices=["999.00"], placed_at=datetime.datetime(2024, 1, 2, 15, tzinfo=datetime.UTC))
    return {
        "pen": pen,
        "quill": quill,
        "lute": lute,
        "small": small,
        "medium": medium,
        "large": large,
        "abacus": abacus,
        "stationery": stationery,
    }


def _available(api, product) -> int:
    return api.get(f"/api/products/{product.pk}").json()["stock"]["available"]


def test_january_is_the_hand_computed_figures(api, store):
    pen, quill, lute = store["pen"], store["quill"], store["lute"]
    stationery = {"id": store["stationery"].pk, "name": "Stationery"}
    body = api.get(URL, JANUARY).json()
    assert body["startDate"] == "2024-01-01" and body["endDate"] == "2024-01-31"
    assert (body["currency"], body["sortBy"]) == ("USD", "revenue") and "compareTo" not in body
    assert body["totals"] == {
        "revenue": 183.0,
        "units": 10,
        "orders": 5,  # a, b, c, e, f (d cancelled)
        "grossSales": 189.0,
        "discounts": 6.0,
        "costOfGoods": 44.0,
        "margin": 139.0,
        "marginPercent": 75.96,  # 139 / 183 = 75.956…
        "linesWithoutCost": 2,  # b's and c's Quill lines
    }
    assert body["topProducts"] == [
        {"productId": lute.pk, "name": lute.name, "category": None}
        | _figures(84.0, 4, 3, 84.0, 0.0, 32.0, 52.0, 61.9, 45.9),
        {"productId": quill.pk, "name": "Quill", "category": None}
        | _figures(70.0, 3, 2, 75.0, 5.0, 0.0, 70.0, 100.0, 38.25, without_cost=2),
        {"productId": pen.pk, "name": "Pen", "category": stationery}
        | _figures(29.0, 3, 2, 30.0, 1.0, 12.0, 17.0, 58.62, 15.85),
    ]


def test_variants_are_listed_with_their_sku_and_title(api, store):
    pen, quill, lute = store["pen"], store["quill"], store["lute"]
    small, medium, large = store["small"], store["medium"], store["large"]
    body = api.get(URL, JANUARY).json()

    def variant(product, variant_id, sku, title):
        return {"variantId": variant_id, "productId": product.pk, "productName": product.name} | {
            "sku": sku,
            "title": title,
        }

    assert body["topVariants"] == [
        variant(quill, quill.variants.get().pk, quill.sku, None)
        | _figures(70.0, 3, 2, 75.0, 5.0, 0.0, 70.0, 100.0, 38.25, without_cost=2),
        variant(lute, medium.pk, medium.sku, "M") | _figures(42.0, 2, 1, 42.0, 0.0, 16.0, 26.0, 61.9, 22.95),
        variant(pen, pen.variants.get().pk, pen.sku, None) | _figures(29.0, 3, 2, 30.0, 1.0, 12.0, 17.0, 58.62, 15.85),
        variant(lute, large.pk, large.sku, "L") | _figures(22.0, 1, 1, 22.0, 0.0, 8.0, 14.0, 63.64, 12.02),
        variant(lute, small.pk, small.sku, "S") | _figures(20.0, 1, 1, 20.0, 0.0, 8.0, 12.0, 60.0, 10.93),
    ]


def test_slow_movers_are_the_active_products_with_fewest_units(api, store):
    pen, quill, lute, abacus = store["pen"], store["quill"], store["lute"], store["abacus"]
    body = api.get(URL, JANUARY).json()
    assert body["slowMovers"] == [
        {"productId": abacus.pk, "name": "Abacus", "category": None, "units": 0, "revenue": 0.0, "availableStock": 7},
        {
            "productId": pen.pk,
            "name": "Pen",
            "category": {"id": store["stationery"].pk, "name": "Stationery"},
            "units": 3,
            "revenue": 29.0,
            "availableStock": _available(api, pen),
        },
        {
            "productId": quill.pk,
            "name": "Quill",
            "category": None,
            "units": 3,
            "revenue": 70.0,
            "availableStock": _available(api, quill),
        },
        {"productId": lute.pk, "name": lute.name, "category": None, "units": 4, "revenue": 84.0}
        | {"availableStock": None},  # does not track inventory
    ]
    # The pens on a (2), c (1) and g (5) are taken from stock, d's 3 back on its cancellation.
    assert _available(api, pen) == 1000 - 8


def test_names_and_categories_are_the_catalogs_current_ones(api, store):
    pen = store["pen"]
    pen.name, pen.category = "Fountain pen", None
    pen.save(update_fields=["name", "category"])
    store["stationery"].name = "Office"
    store["stationery"].save(update_fields=["name"])
    store["quill"].category = store["stationery"]
    store["quill"].save(update_fields=["category"])
    body = api.get(URL, JANUARY).json()
    by_id = {product["productId"]: product for product in body["topProducts"]}
    assert (by_id[pen.pk]["name"], by_id[pen.pk]["category"]) == ("Fountain pen", None)
    assert by_id[store["quill"].pk]["category"] == {"id": store["stationery"].pk, "name": "Office"}
    assert [variant["productName"] for variant in body["topVariants"]][2] == "Fountain pen"


@pytest.mark.parametrize(
    ("sort_by", "order"),
    [
        ("revenue", ["lute", "quill", "pen"]),
        ("margin", ["quill", "lute", "pen"]),
    ],
)
def test_sort_by_ranks_the_top_lists(api, store, sort_by, order):
    body = api.get(URL, {**JANUARY, "sortBy": sort_by}).json()
    assert body["sortBy"] == sort_by
    assert [product["productId"] for product in body["topProducts"]] == [store[name].pk for name in order]


def test_sort_by_units_breaks_ties_by_id(api, store):
    body = api.get(URL, {**JANUARY, "sortBy": "units"}).json()
    pen, quill = store["pen"], store["quill"]
    tied = sorted([pen.pk, quill.pk])  # 3 units each; ids are ASCII, ordered alike by the database and Python
    assert [product["productId"] for product in body["topProducts"]] == [store["lute"].pk, *tied]
    assert [variant["units"] for variant in body["topVariants"]] == [3, 3, 2, 1, 1]


def test_limit_cuts_every_list(api, store):
    body = api.get(URL, {**JANUARY, "limit": "2"}).json()
    assert [product["name"] for product in body["topProducts"]] == [store["lute"].name, "Quill"]
    assert [variant["title"] for variant in body["topVariants"]] == [None, "M"]
    assert [product["name"] for product in body["slowMovers"]] == ["Abacus", "Pen"]
    assert body["totals"]["revenue"] == 183.0  # the totals are the whole period's


def test_the_channel_filter_counts_one_channel(api, store):
    body = api.get(URL, {**JANUARY, "channel": "online"}).json()
    # a, c and f: 2 + 1 pens, 2 quills (c, with its 5.00 discount), 1 large lute.
    assert body["totals"] == {
        **NO_SALES,
        "revenue": 96.0,
        "units": 6,
        "orders": 3,
        "grossSales": 102.0,
        "discounts": 6.0,
        "costOfGoods": 20.0,
        "margin": 76.0,
        "marginPercent": 79.17,  # 76 / 96 = 79.1666…
        "linesWithoutCost": 1,
    }
    assert [(product["name"], product["revenue"]) for product in body["topProducts"]] == [
        ("Quill", 45.0),
        ("Pen", 29.0),
        (store["lute"].name, 22.0),
    ]
    assert [(product["name"], product["units"]) for product in body["slowMovers"]] == [
        ("Abacus", 0),
        (store["lute"].name, 1),
        ("Quill", 2),
        ("Pen", 3),
    ]


def test_a_day_is_a_day_of_the_accounts_time_zone(api, store):
    # b at 23:30 on 7 January in New York (8 January in UTC) is a sale of the 7th.
    seventh = api.get(URL, {"startDate": "2024-01-07", "endDate": "2024-01-07"}).json()
    assert [(product["name"], product["units"]) for product in seventh["topProducts"]] == [("Quill", 1)]
    assert api.get(URL, {"startDate": "2024-01-08", "endDate": "2024-01-08"}).json()["topProducts"] == []
    # f at 23:30 on 31 January (1 February in UTC) is January's; 1 February has no sale.
    last = api.get(URL, {"startDate": "2024-01-31", "endDate": "2024-02-01"}).json()
    assert [(variant["title"], variant["units"]) for variant in last["topVariants"]] == [("L", 1)]


def test_a_range_of_whole_and_partial_months_adds_the_months_and_the_days(api, store):
    # 15 December to 10 February: January from its month's rows, 15–31 December and 1–10 February (g) from days.
    body = api.get(URL, {"startDate": "2023-12-15", "endDate": "2024-02-10"}).json()
    pen = next(product for product in body["topProducts"] if product["name"] == "Pen")
    assert (pen["units"], pen["orders"], pen["revenue"], pen["discounts"]) == (8, 3, 79.0, 1.0)
    assert (body["totals"]["units"], body["totals"]["revenue"], body["totals"]["orders"]) == (15, 233.0, 6)
    # 31 January alone is read from its day's rows: f's large lute.
    last = api.get(URL, {"startDate": "2024-01-31", "endDate": "2024-01-31"}).json()
    assert [(variant["title"], variant["revenue"]) for variant in last["topVariants"]] == [("L", 22.0)]


def test_an_empty_period_is_zeros_and_every_active_product_a_slow_mover(api, store):
    body = api.get(URL, {"startDate": "2023-06-01", "endDate": "2023-06-30"}).json()
    assert body["totals"] == NO_SALES
    assert body["topProducts"] == [] and body["topVariants"] == []
    assert [(product["name"], product["units"], product["revenue"]) for product in body["slowMovers"]] == [
        ("Abacus", 0, 0.0),
        ("Pen", 0, 0.0),
        ("Quill", 0, 0.0),
        (store["lute"].name, 0, 0.0),
    ]


def test_compare_to_adds_each_top_products_revenue_before_and_its_growth(api, store):
    february = {"startDate": "2024-02-01", "endDate": "2024-02-29"}
    body = api.get(URL, {**february, "compareTo": "previous_period"}).json()
    # 29 days before February: 3 to 31 January, where the pens sold on c (10.00 less 1.00), not on a (1 January).
    assert body["compareTo"] == "previous_period"
    (pen,) = body["topProducts"]
    assert (pen["name"], pen["revenue"], pen["comparisonRevenue"], pen["revenueGrowth"]) == ("Pen", 50.0, 9.0, 455.56)
    year = api.get(URL, {**february, "compareTo": "previous_year"}).json()
    (pen,) = year["topProducts"]
    assert (pen["comparisonRevenue"], pen["revenueGrowth"]) == (0.0, None)
    assert "comparisonRevenue" not in api.get(URL, february).json()["topProducts"][0]
    # February and March against the 60 days before: 3 to 31 December (nothing) and the whole of January (29.00).
    spring = api.get(URL, {"startDate": "2024-02-01", "endDate": "2024-03-31", "compareTo": "previous_period"}).json()
    (pen,) = spring["topProducts"]
    assert (pen["revenue"], pen["comparisonRevenue"], pen["revenueGrowth"]) == (50.0, 29.0, 72.41)


def test_rows_zeroed_by_cancellations_are_no_sales(api, account, store):
    # d, the only order of 10 January, is cancelled: its row stays, zeroed, and lists nothing.
    assert ProductSalesDay.objects.filter(account=account, day=datetime.date(2024, 1, 10)).exists()
    tenth = api.get(URL, {"startDate": "2024-01-10", "endDate": "2024-01-10"}).json()
    assert tenth["topProducts"] == [] and tenth["topVariants"] == [] and tenth["totals"] == NO_SALES


def test_rounding_is_half_up_and_sums_are_exact(api, account):
    first, second = product_in_stock(account, name="First"), product_in_stock(account, name="Second")

    def row(product, channel, **figures):
        variant = product.variants.get()
        ProductSalesDay.objects.create(
            account=account, day=datetime.date(2024, 3, 1), channel=channel, product=product, variant=variant, **figures
        )

    row(first, Channel.ONLINE, lines=1, units=1, gross_sales=Decimal("0.10"), cost_of_goods=Decimal("3.99"))
    row(first, Channel.MOBILE, lines=1, units=1, gross_sales=Decimal("7.90"), cost_of_goods=Decimal("4.00"))
    row(second, Channel.ONLINE, lines=9, units=9, gross_sales=Decimal("6392.00"))
    body = api.get(URL, {"startDate": "2024-03-01", "endDate": "2024-03-01"}).json()
    low = next(product for product in body["topProducts"] if product["name"] == "First")
    high = next(product for product in body["topProducts"] if product["name"] == "Second")
    # 8.00 of revenue, 7.99 of cost: 0.125 % margin; 8 of 6,400: a 0.125 % share; both round half up.
    assert (low["revenue"], low["costOfGoods"], low["margin"]) == (8.0, 7.99, 0.01)
    assert (low["marginPercent"], low["share"], high["share"]) == (0.13, 0.13, 99.88)
    assert body["totals"]["marginPercent"] == 99.88  # 6392.01 / 6400 = 99.8751…


def test_a_fully_discounted_product_has_no_margin_percent(api, account):
    free = product_in_stock(account, name="Free", price=Decimal("5.00"), cost=Decimal("1.00"))
    ProductSalesDay.objects.create(
        account=account,
        day=datetime.date(2024, 3, 1),
        channel=Channel.ONLINE,
        product=free,
        variant=free.variants.get(),
        lines=1,
        units=1,
        gross_sales=Decimal("5.00"),
        discounts=Decimal("5.00"),
        cost_of_goods=Decimal("1.00"),
    )
    body = api.get(URL, {"startDate": "2024-03-01", "endDate": "2024-03-01"}).json()
    assert body["totals"]["marginPercent"] is None
    (product,) = body["topProducts"]
    assert (product["revenue"], product["margin"]) == (0.0, -1.0)
    assert (product["marginPercent"], product["share"]) == (None, None)


def test_csv_answers_the_top_products(api, store):
    response = api.get(URL, JANUARY, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lute, quill, pen = store["lute"], store["quill"], store["pen"]
    assert response.content.decode() == (
        "productId,name,categoryId,categoryName,revenue,units,orders,grossSales,discounts,costOfGoods,margin,"
        "marginPercent,share,linesWithoutCost\r\n"
        f"{lute.pk},{lute.name},,,84.00,4,3,84.00,0.00,32.00,52.00,61.90,45.90,0\r\n"
        f"{quill.pk},Quill,,,70.00,3,2,75.00,5.00,0.00,70.00,100.00,38.25,2\r\n"
        f"{pen.pk},Pen,{store['stationery'].pk},Stationery,29.00,3,2,30.00,1.00,12.00,17.00,58.62,15.85,0\r\n"
    )
    compared = api.get(URL, {**JANUARY, "compareTo": "previous_year"}, HTTP_ACCEPT="text/csv").content.decode()
    header = next(csv.reader(io.StringIO(compared)))
    assert header[-2:] == ["comparisonRevenue", "revenueGrowth"]
    empty = api.get(URL, {"startDate": "2023-06-01", "endDate": "2023-06-30"}, HTTP_ACCEPT="text/csv")
    assert empty.status_code == 200 and empty["Content-Type"].startswith("text/csv")
    assert empty.content.decode() == (
        "productId,name,categoryId,categoryName,revenue,units,orders,grossSales,discounts,costOfGoods,margin,"
        "marginPercent,share,linesWithoutCost\r\n"
    )
    assert_error(api.get(URL, {"limit": "0"}, HTTP_ACCEPT="text/csv"), 400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "2.5"}, "limit"),
        ({"limit": " 5"}, "limit"),
        ({"limit": "٥"}, "limit"),  # an Arabic-Indic five: int() would read it
        ({"sortBy": "price"}, "sortBy"),
        ({"sortBy": "Revenue"}, "sortBy"),
        ({"compareTo": "last_week"}, "compareTo"),
        ({"startDate": "2024-13-01"}, "startDate"),
        ({"startDate": "20240101"}, "startDate"),
        ({"endDate": "yesterday"}, "endDate"),
        ({"startDate": "2024-02-01", "endDate": "2024-01-31"}, "endDate"),
        ({"startDate": "2019-01-01", "endDate": "2024-01-01"}, "endDate"),
        ({"channel": "web"}, "channel"),
    ],
)
def test_a_bad_parameter_is_a_400(api, params, name):
    body = assert_error(api.get(URL, params), 400, "INVALID_PARAMETER")
    assert list(body["details"]) == [name]


@pytest.mark.parametrize("limit", ["1", "100", ""])
def test_limits_from_1_to_100_are_taken(api, limit):
    assert api.get(URL, {"limit": limit}).status_code == 200


def test_the_analytics_scope_is_needed(account, make_client, anonymous_client):
    assert_error(anonymous_client.get(URL), 401, "AUTHENTICATION_REQUIRED")
    assert_error(make_client(account, scopes=["read:orders"]).get(URL), 403, "INSUFFICIENT_SCOPE")
    assert make_client(account, scopes=["read:analytics"]).get(URL).status_code == 200


def test_another_accounts_sales_and_products_are_invisible(api, other_api, store, other_account):
    mine = api.get(URL, JANUARY).json()
    theirs = other_api.get(URL, JANUARY).json()
    (their_product,) = theirs["topProducts"]
    assert their_product["revenue"] == 999.0 and theirs["totals"]["orders"] == 1
    assert [product["productId"] for product in theirs["slowMovers"]] == [their_product["productId"]]
    listed = {product["productId"] for key in ("topProducts", "topVariants", "slowMovers") for product in mine[key]}
    assert their_product["productId"] not in listed and mine["totals"]["revenue"] == 183.0


def test_the_statements_do_not_grow_with_the_products(store, account, api, django_assert_num_queries):
    params = {**JANUARY, "compareTo": "previous_year", "limit": "100"}
    api.get(URL, params)  # the credential cache (the key made after the account last changed)
    # The report, the top products' revenue a year before, the slow movers' stock.
    with django_assert_num_queries(3):
        assert api.get(URL, params).status_code == 200
    for number in range(6):
        place_order(account, placed_at=datetime.datetime(2024, 1, 15, 12, number, tzinfo=datetime.UTC))
    with CaptureQueriesContext(connection) as queries:
        body = api.get(URL, params).json()
    assert len(body["topProducts"]) == 9 and len(queries) == 3
    assert sum("orders_orderitem" in query["sql"] for query in queries) == 0
