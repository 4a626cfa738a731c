"""/swagger.json describes the customer endpoints as they behave."""

import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/swagger.json").json()


def parameters(schema, path, method="get"):
    return {parameter["name"]: parameter for parameter in schema["paths"][path][method].get("parameters", [])}


def test_schema_is_valid_openapi(schema):
    validate(schema)


def test_list_filters_are_documented(schema):
    names = set(parameters(schema, "/api/customers"))

    assert {"search", "tag", "segment", "ordering", "includeAnonymized", "limit", "offset"} <= names
    ordering = parameters(schema, "/api/customers")["ordering"]["schema"]["items"]["enum"]
    assert {"name", "-createdAt", "totalSpent", "-lastOrderDate"} <= set(ordering)


def test_rfm_parameters_are_documented(schema):
    rfm = parameters(schema, "/api/customers/rfm")

    assert rfm["asOf"]["schema"]["format"] == "date"
    assert "champions" in rfm["segment"]["schema"]["enum"]
    assert "-recencyDays" in rfm["ordering"]["schema"]["items"]["enum"]


def test_every_customer_operation_declares_its_scope(schema):
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/customers"):
            continue
        for method, operation in operations.items():
            expected = "read:customers" if method == "get" else "write:customers"
            assert operation["x-required-scope"] == expected, (method, path)


def test_response_shapes_use_camel_case(schema):
    customer = schema["components"]["schemas"]["Customer"]["properties"]
    segment = schema["components"]["schemas"]["Segment"]["properties"]

    assert {"totalOrders", "totalSpent", "lastOrderDate", "acceptsEmailMarketing", "isAnonymized"} <= set(customer)
    assert {"customerCount", "revenue", "averageOrderValue", "rules", "type"} <= set(segment)


def test_conflicts_are_documented_on_writes(schema):
    assert "409" in schema["paths"]["/api/customers"]["post"]["responses"]
    assert "409" in schema["paths"]["/api/customers/{customerId}"]["put"]["responses"]
    assert "409" in schema["paths"]["/api/customers/{customerId}"]["patch"]["responses"]
    assert "409" in schema["paths"]["/api/customers/segments"]["post"]["responses"]
    assert "409" in schema["paths"]["/api/customers/segments/{segmentId}"]["delete"]["responses"]
