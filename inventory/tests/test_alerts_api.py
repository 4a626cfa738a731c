"""/api/inventory/alerts: stock at or below its reorder point, with a suggested order and days of cover."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import selectors, services
from inventory.models import StockLevel
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/inventory/alerts"


def set_reorder(product, warehouse, point, quantity=0):
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    return services.stock_level_update(stock_level=level, reorder_point=point, reorder_quantity=quantity)


def sell(account, product, quantity, reference):
    services.stock_reserve(account=account, reference_id=reference, lines=[(product, quantity)])
    services.stock_fulfil(account=account, reference_id=reference)


@pytest.fixture
def shop(account, make_warehouse, make_product, receive):
    main = make_warehouse(code="MAIN", priority=1)
    east = make_warehouse(code="EAST", priority=2)
    closed = make_warehouse(code="CLOSED", priority=3, is_active=False)
    kettle, towel, lamp = make_product(sku="KETTLE"), make_product(sku="TOWEL"), make_product(sku="LAMP")
    receive(kettle, main, 40)
    receive(towel, main, 10)
    receive(towel, east, 3)
    receive(lamp, closed, 1)
    set_reorder(kettle, main, 15, 50)
    set_reorder(towel, east, 5)
    set_reorder(lamp, closed, 5)
    sell(account, kettle, 30, "ord_1")  # kettle: 10 left of 40, 30 sold in the window
    return {"main": main, "east": east, "kettle": kettle, "towel": towel, "lamp": lamp}


def test_alerts_list_low_stock_in_active_warehouses_most_urgent_first(api, shop):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(row["sku"], row["warehouseCode"]) for row in body] == [("KETTLE", "MAIN"), ("TOWEL", "EAST")]
    kettle, towel = body
    assert kettle | {"stockLevelId": None} == {
        "stockLevelId": None,
        "productId": shop["kettle"].id,
        "productName": shop["kettle"].name,
        "sku": "KETTLE",
        "variantId": None,
        "variantSku": None,
        "variantTitle": None,
        "warehouseId": shop["main"].id,
        "warehouseCode": "MAIN",
        "onHand": 10,
        "reserved": 0,
        "available": 10,
        "reorderPoint": 15,
        "reorderQuantity": 50,
        "suggestedReorderQuantity": 50,
        "soldLast30Days": 30,
        "averageDailySales": 1.0,
        "daysOfCover": 10.0,
        "productTotals": {"onHand": 10, "reserved": 0, "available": 10},
    }
    assert (towel["soldLast30Days"], towel["averageDailySales"], towel["daysOfCover"]) == (0, 0.0, None)
    assert towel["suggestedReorderQuantity"] == 3, "enough to get back above the reorder point"
    assert towel["productTotals"]["available"] == 13


def test_reserved_stock_counts_against_the_reorder_point(api, account, shop):
    services.stock_reserve(account=account, reference_id="ord_2", lines=[(shop["towel"], 8)])  # MAIN: 2 left
    set_reorder(shop["towel"], shop["main"], 2)
    rows = api.get(f"{URL}?productId={shop['towel'].id}").json()
    assert [(row["warehouseCode"], row["available"]) for row in rows] == [("MAIN", 2), ("EAST", 3)]


def test_sales_older_than_thirty_days_do_not_count(account, shop):
    later = timezone.now() + timedelta(days=31)
    [kettle] = [
        row
        for row in selectors.stock_alerts(StockLevel.objects.filter(account=account), now=later)
        if row.product_id == shop["kettle"].id
    ]
    assert (kettle.sold_last_30_days, kettle.days_of_cover) == (0, None)


def test_filters_and_tenancy(api, shop, other_account, make_warehouse, make_product, receive):
    foreign = make_product(account=other_account)
    receive(foreign, make_warehouse(account=other_account), 1)
    services.stock_level_update(stock_level=StockLevel.objects.get(product=foreign), reorder_point=5)
    assert [row["sku"] for row in api.get(f"{URL}?warehouseId={shop['east'].id}").json()] == ["TOWEL"]
    assert api.get(f"{URL}?productId={shop['lamp'].id}").json() == [], "inactive warehouses do not alert"
    assert len(api.get(URL).json()) == 2
    assert_error(api.get(f"{URL}?warehouseId={'w' * 41}"), 400, "INVALID_PARAMETER")


QUERY_BUDGET = 5


@pytest.mark.parametrize("count", [1, 30])
def test_query_count_is_the_same_for_1_and_many_alerts(
    api, account, make_warehouse, make_product, receive, django_assert_max_num_queries, count
):
    warehouse = make_warehouse()
    for index in range(count):
        product = make_product()
        receive(product, warehouse, 5)
        set_reorder(product, warehouse, 10)
        sell(account, product, 1, f"ord_{index}")
    api.get(URL)
    with django_assert_max_num_queries(QUERY_BUDGET):
        body = api.get(URL).json()
    assert len(body) == count and {row["soldLast30Days"] for row in body} == {1}


def test_scopes(account, make_client):
    assert make_client(account, scopes=["read:inventory"]).get(URL).status_code == 200
    assert_error(make_client(account, scopes=["read:products"]).get(URL), 403, "INSUFFICIENT_SCOPE")
