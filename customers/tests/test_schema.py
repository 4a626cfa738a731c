"""/swagger.json describes the customer endpoints as they behave."""

import pytest
from openapi_spec_validator import validate

from omnisales.testing.openapi import parameters

pytestmark = pytest.mark.django_db


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


def test_id_patterns_exclude_the_fixed_paths(schema):
    import re

    detail = parameters(schema, "/api/customers/{customerId}")["customerId"]["schema"]["pattern"]
    segment = parameters(schema, "/api/customers/segments/{segmentId}")["segmentId"]["schema"]["pattern"]

    assert re.match(detail, "cus_0354VWExOnFp3aojCqkCzx") and re.match(detail, "cus_123")
    assert not re.match(detail, "rfm") and not re.match(detail, "segments")
    assert re.match(segment, "seg_0354VWFQMovYJMAWYcy7us") and re.match(segment, "at_risk")
    assert not re.match(segment, "customers") and not re.match(segment, "Champions")
