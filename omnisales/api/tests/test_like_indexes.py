"""The tables a marketplace import writes by the hundred thousand carry no `varchar_pattern_ops` (LIKE)
index: ids and their foreign keys never had them kept (`PrefixedIdField.db_type`), and text columns searched
by equality only have plain `Meta.indexes` entries (docs/conventions.md, "Data rules")."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

IMPORT_TABLES = (
    "orders_order",
    "orders_orderitem",
    "orders_orderevent",
    "orders_orderpayment",
    "inventory_stockreservation",
    "inventory_stockmovement",
    "webhooks_webhookevent",
    "marketplace_marketplaceorder",
    "marketplace_marketplacebuyer",
    "customers_customer",
)


def _indexes(tables) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [list(tables)]
        )
        rows = cursor.fetchall()
    found: dict[str, list[str]] = {}
    for table, name, definition in rows:
        found.setdefault(table, []).append(f"{name}: {definition}")
    return found


def test_the_tables_an_import_writes_have_no_like_index():
    indexes = _indexes(IMPORT_TABLES)
    assert set(indexes) == set(IMPORT_TABLES), "every table is there to look at"
    like = [entry for entries in indexes.values() for entry in entries if "pattern_ops" in entry]
    assert like == []


def test_movement_references_and_event_types_keep_a_plain_index():
    indexes = _indexes(["inventory_stockmovement", "webhooks_webhookevent"])
    assert any(entry.endswith("(reference_id)") for entry in indexes["inventory_stockmovement"])
    assert any(entry.endswith("(event_type)") for entry in indexes["webhooks_webhookevent"])
