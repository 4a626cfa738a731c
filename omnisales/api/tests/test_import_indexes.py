"""The tables a marketplace import writes by the hundred thousand carry no index they do not need: no
`varchar_pattern_ops` (LIKE) index (ids and their foreign keys never had them kept, `PrefixedIdField.db_type`;
text columns searched by equality only have plain `Meta.indexes` entries), no index that another one starts
with, and none led by the account then an id unique across accounts (docs/conventions.md, "Data rules").
The keys whose own index went keep their constraint."""

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


def _columns(definition: str) -> tuple[str, ...]:
    inside = definition[definition.index("(") + 1 : definition.index(")")]
    return tuple(column.strip().split()[0].strip('"') for column in inside.split(","))


def test_no_index_of_an_import_table_is_the_start_of_another():
    """Each row written updates every index of its table: an index whose columns begin another one of the
    same table (a key's own index beside a longer index led by it) only adds that upkeep."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indpred IS NOT NULL "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(%s)",
            [list(IMPORT_TABLES)],
        )
        rows = cursor.fetchall()
    plain = [
        (table, name, _columns(definition))
        for table, name, definition, unique, partial in rows
        if not unique and not partial
    ]
    every = [(table, name, _columns(definition)) for table, name, definition, _, partial in rows if not partial]
    covered = [
        (name, other)
        for table, name, columns in plain
        for other_table, other, other_columns in every
        if table == other_table and name != other and other_columns[: len(columns)] == columns
    ]
    assert plain and covered == []


def test_indexes_by_a_product_variant_warehouse_or_customer_are_not_led_by_the_account():
    """Those ids are unique across accounts: an index led by the account then one of them is as selective
    without the account's column, and that shorter index serves the key's own lookups too."""
    ids = {"product_id", "variant_id", "warehouse_id", "customer_id"}
    led = [
        entry
        for entries in _indexes(IMPORT_TABLES).values()
        for entry in entries
        if _columns(entry[entry.index(": ") + 2 :])[:1] == ("account_id",)
        and len(_columns(entry[entry.index(": ") + 2 :])) > 1
        and _columns(entry[entry.index(": ") + 2 :])[1] in ids
    ]
    assert led == []


def test_keys_without_an_index_of_their_own_keep_their_constraint():
    keys = {
        ("orders_order", "account_id"),
        ("orders_order", "customer_id"),
        ("orders_orderevent", "order_id"),
        ("customers_customer", "account_id"),
        ("webhooks_webhookevent", "account_id"),
        ("marketplace_marketplaceorder", "connection_id"),
        ("marketplace_marketplacebuyer", "account_id"),
        ("inventory_stockmovement", "warehouse_id"),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.contype = 'f' AND c.condeferrable AND cardinality(c.conkey) = 1"
        )
        constrained = set(cursor.fetchall())
    assert keys <= constrained
