"""/api/inventory/warehouses: create, read, replace, update, delete — happy paths and every kind of bad input."""

import pytest

from inventory.models import Warehouse
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/inventory/warehouses"
VALID = {"name": "Main Distribution Center", "code": "main"}


def detail(warehouse) -> str:
    return f"{URL}/{warehouse.id if hasattr(warehouse, 'id') else warehouse}"


def test_create_returns_the_warehouse_with_defaults(api, account):
    response = api.post(
        URL,
        {
            **VALID,
            "addressLine1": "1 Dock Rd",
            "city": "Newark",
            "region": "NJ",
            "postalCode": "07105",
            "country": "us",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("wh_")
    assert body["code"] == "MAIN" and body["country"] == "US"
    assert body["isActive"] is True and body["priority"] == 100 and body["isArchived"] is False
    assert body["addressLine1"] == "1 Dock Rd" and body["addressLine2"] == ""
    assert body["archivedAt"] is None and body["createdAt"].endswith("Z")
    assert Warehouse.objects.get(pk=body["id"]).account == account


def test_a_code_in_use_is_a_conflict(api, make_warehouse):
    make_warehouse(code="MAIN")
    assert_error(api.post(URL, VALID, format="json"), 409, "DUPLICATE_WAREHOUSE_CODE")
    assert Warehouse.objects.count() == 1


def test_another_account_may_use_the_same_code(api, other_account, make_warehouse):
    make_warehouse(account=other_account, code="MAIN")
    assert api.post(URL, VALID, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"code": "has space"}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"code": ["MAIN"]}, "code"),
        ({"country": "USA"}, "country"),
        ({"priority": -1}, "priority"),
        ({"priority": 1_000_001}, "priority"),
        ({"priority": "first"}, "priority"),
        ({"isActive": "maybe"}, "isActive"),
        ({"city": "c" * 101}, "city"),
        ({"postalCode": "9" * 21}, "postalCode"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, change, field):
    data = {**VALID, **change}
    data = {key: value for key, value in data.items() if value is not None}
    body = assert_error(api.post(URL, data, format="json"), 422, "VALIDATION_ERROR")
    assert field in body["details"]
    assert not Warehouse.objects.exists()


def test_list_hides_archived_warehouses_and_filters(api, make_warehouse):
    main = make_warehouse(code="MAIN", name="Main", priority=1)
    spare = make_warehouse(code="SPARE", name="Spare room", priority=2, is_active=False)
    Warehouse.objects.filter(pk=make_warehouse(code="GONE", is_active=False).pk).update(archived_at="2024-01-01T00:00Z")

    def ids(query=""):
        response = api.get(f"{URL}{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()]

    assert ids() == [main.id, spare.id]
    assert len(ids("?includeArchived=true")) == 3
    assert ids("?isActive=false") == [spare.id]
    assert ids("?search=spare") == [spare.id]
    assert ids("?search=mai") == [main.id]


@pytest.mark.parametrize("query", ["isActive=yes", "includeArchived=1", "limit=-1"])
def test_bad_list_parameters_are_400(api, query):
    assert_error(api.get(f"{URL}?{query}"), 400, "INVALID_PARAMETER")


QUERY_BUDGET = 5  # request savepoint + release, credential lookup, count, page


@pytest.mark.parametrize("rows", [1, 40])
def test_list_query_count_is_the_same_for_1_and_many_rows(api, make_warehouse, django_assert_max_num_queries, rows):
    for _ in range(rows):
        make_warehouse()
    api.get(URL)  # warm the credential's last-used stamp
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert len(api.get(f"{URL}?search=ware&isActive=true").json()) == rows


def test_another_accounts_warehouse_is_not_found(api, other_account, make_warehouse):
    foreign = make_warehouse(account=other_account)
    for method in ("get", "put", "patch", "delete"):
        assert_error(getattr(api, method)(detail(foreign), VALID, format="json"), 404, "WAREHOUSE_NOT_FOUND")
    assert_error(api.get(detail("wh_missing")), 404, "WAREHOUSE_NOT_FOUND")
    assert Warehouse.objects.filter(pk=foreign.pk, name=foreign.name).exists()


def test_put_replaces_and_patch_changes_some_fields(api, make_warehouse):
    warehouse = make_warehouse(code="OLD", city="Boston", priority=5)
    response = api.put(detail(warehouse), {"name": "Renamed", "code": "new"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["code"], body["city"], body["priority"]) == ("Renamed", "NEW", "", 100)

    response = api.patch(detail(warehouse), {"isActive": False, "priority": 3}, format="json")
    body = response.json()
    assert (body["name"], body["isActive"], body["priority"]) == ("Renamed", False, 3)


def test_changing_to_a_code_in_use_is_a_conflict(api, make_warehouse):
    make_warehouse(code="TAKEN")
    warehouse = make_warehouse(code="MINE")
    assert_error(api.patch(detail(warehouse), {"code": "taken"}, format="json"), 409, "DUPLICATE_WAREHOUSE_CODE")
    warehouse.refresh_from_db()
    assert warehouse.code == "MINE"


def test_patch_with_bad_values_changes_nothing(api, make_warehouse):
    warehouse = make_warehouse(priority=4)
    assert_error(api.patch(detail(warehouse), {"priority": -5}, format="json"), 422, "VALIDATION_ERROR")
    warehouse.refresh_from_db()
    assert warehouse.priority == 4


def test_delete_an_empty_warehouse(api, make_warehouse):
    warehouse = make_warehouse()
    response = api.delete(detail(warehouse))
    assert response.status_code == 200
    assert response.json() == {"id": warehouse.id, "result": "deleted"}
    assert not Warehouse.objects.exists()


def test_a_warehouse_holding_stock_cannot_be_deleted(api, make_warehouse, make_product, receive):
    warehouse = make_warehouse()
    receive(make_product(), warehouse, 3)
    body = assert_error(api.delete(detail(warehouse)), 409, "WAREHOUSE_NOT_EMPTY")
    assert body["details"] == {"onHand": 3, "reserved": 0}
    warehouse.refresh_from_db()
    assert warehouse.is_active and not warehouse.is_archived


def test_a_warehouse_with_history_is_archived(api, make_warehouse, make_product, receive):
    warehouse = make_warehouse()
    product = make_product()
    receive(product, warehouse, 3)
    api.post(
        "/api/inventory/stock/adjust",
        {"productId": product.id, "warehouseId": warehouse.id, "quantity": -3, "reason": "damaged"},
        format="json",
    )
    response = api.delete(detail(warehouse))
    assert response.json() == {"id": warehouse.id, "result": "archived"}
    body = api.get(detail(warehouse)).json()
    assert body["isArchived"] is True and body["isActive"] is False and body["archivedAt"].endswith("Z")
    assert_error(api.patch(detail(warehouse), {"isActive": True}, format="json"), 409, "WAREHOUSE_ARCHIVED")
    assert api.post(URL, {**VALID, "code": warehouse.code}, format="json").status_code == 201


def test_scopes(account, make_client, make_warehouse):
    warehouse = make_warehouse()
    reader = make_client(account, scopes=["read:inventory"])
    assert reader.get(URL).status_code == 200
    assert reader.get(detail(warehouse)).status_code == 200
    assert_error(reader.post(URL, VALID, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(reader.patch(detail(warehouse), {"name": "x"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(reader.delete(detail(warehouse)), 403, "INSUFFICIENT_SCOPE")
    outsider = make_client(account, scopes=["read:products", "write:orders"])
    assert_error(outsider.get(URL), 403, "INSUFFICIENT_SCOPE")
    assert Warehouse.objects.count() == 1
    writer = make_client(account, scopes=["write:inventory"])
    assert writer.post(URL, VALID, format="json").status_code == 201


def test_anonymous_requests_are_401(anonymous_client):
    assert_error(anonymous_client.get(URL), 401, "AUTHENTICATION_REQUIRED")
