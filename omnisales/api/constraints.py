"""Composite foreign keys, for migrations: one PostgreSQL constraint checking several columns of a row at once.

Django's foreign keys are one column each, and each is a check PostgreSQL runs per inserted row (deferred:
at commit). A high-volume row with several keys into one parent, or a key into a parent that already
carries its account, pays for checks that one composite key makes at once, and makes stricter: a stock
movement's `(stock_level, account, product, variant, warehouse)` must be a stock level's own
`(id, account, product, variant, warehouse)`, so its product, variant, warehouse and account exist and are
its level's. The fields keep their `ForeignKey` (joins, `on_delete` in Django) with `db_constraint=False`;
the parent declares the `UniqueConstraint` the key refers to; the child's migration adds the key:

    composite_foreign_key("inventory_stockmovement", ["stock_level_id", "account_id", ...],
                          "inventory_stocklevel", ["id", "account_id", ...])

As Django's own keys: `DEFERRABLE INITIALLY DEFERRED`, no action on delete or update (Django's collector
deletes in the application). PostgreSQL only: elsewhere (SQLite in development) the operation does
nothing and the rows rely on the application, as they did with `db_constraint=False` alone.
"""

from django.db import migrations


def _name(table: str, columns: list[str]) -> str:
    return f"{table}_{'_'.join(column.removesuffix('_id') for column in columns)}_fk"[:63]


def composite_foreign_key(
    table: str, columns: list[str], referenced_table: str, referenced_columns: list[str]
) -> migrations.RunPython:
    """A migration operation adding (and, backwards, dropping) the composite key `table(columns)` ->
    `referenced_table(referenced_columns)`; the referenced columns must be under a unique constraint."""
    name = _name(table, columns)

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
            f"FOREIGN KEY ({', '.join(map(quote, columns))}) "
            f"REFERENCES {quote(referenced_table)} ({', '.join(map(quote, referenced_columns))}) "
            "DEFERRABLE INITIALLY DEFERRED"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT IF EXISTS {schema_editor.quote_name(name)}"
        )

    return migrations.RunPython(forwards, backwards)


def unique_key(table: str, columns: list[str]) -> migrations.RunPython:
    """A migration operation adding (and, backwards, dropping) the unique constraint `table(columns)` that
    composite foreign keys refer to (PostgreSQL only). Its columns start with the primary key, so it holds
    whenever the primary key does: it exists for the foreign keys, not as a rule of its own."""
    name = f"{table}_{'_'.join(column.removesuffix('_id') for column in columns)}_key"[:63]

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({', '.join(map(quote, columns))})"
        )

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} DROP CONSTRAINT IF EXISTS {schema_editor.quote_name(name)}"
        )

    return migrations.RunPython(forwards, backwards)
