"""/swagger.json describes the inventory endpoints as they behave."""

import pytest
from openapi_spec_validator import validate

from omnisales.testing.openapi import parameters

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi(schema):
    validate(schema)


def test_every_inventory_operation_declares_its_scope(schema):
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith("/api/inventory")
        for method, operation in methods.items()
    ]
    assert len(operations) == 16
    for path, method, operation in operations:
        expected = "read:inventory" if method == "get" else "write:inventory"
        assert operation["x-required-scope"] == expected, (method, path)


def test_list_filters_are_documented(schema):
    assert {"productId", "warehouseId", "lowStock", "search", "ordering"} <= set(
        parameters(schema, "/api/inventory/stock")
    )
    movements = parameters(schema, "/api/inventory/movements")
    assert {"productId", "warehouseId", "type", "referenceId", "createdAfter", "createdBefore"} <= set(movements)
    assert "transfer_in" in movements["type"]["schema"]["enum"]
    assert {"productId", "warehouseId"} <= set(parameters(schema, "/api/inventory/alerts"))


def test_stock_level_ids_cannot_be_mistaken_for_the_adjust_route(schema):
    stock_level_id = parameters(schema, "/api/inventory/stock/{stockLevelId}", "patch")["stockLevelId"]
    assert stock_level_id["schema"]["pattern"] == "^stk_[^/.]+$"


def test_response_shapes_use_camel_case(schema):
    components = schema["components"]["schemas"]
    assert {"onHand", "reserved", "available", "reorderPoint", "productTotals", "warehouseCode"} <= set(
        components["StockLevel"]["properties"]
    )
    assert {"onHandChange", "reservedChange", "onHandAfter", "reservedAfter", "referenceType", "actor"} <= set(
        components["Movement"]["properties"]
    )
    assert {"daysOfCover", "suggestedReorderQuantity", "soldLast30Days"} <= set(components["Alert"]["properties"])
    assert components["Alert"]["properties"]["daysOfCover"]["nullable"] is True


def test_conflicts_are_documented(schema):
    paths = schema["paths"]
    assert "INSUFFICIENT_STOCK" in paths["/api/inventory/stock/adjust"]["post"]["responses"]["409"]["description"]
    assert "INSUFFICIENT_STOCK" in paths["/api/inventory/transfers"]["post"]["responses"]["409"]["description"]
    assert (
        "WAREHOUSE_NOT_EMPTY"
        in paths["/api/inventory/warehouses/{warehouseId}"]["delete"]["responses"]["409"]["description"]
    )
