"""Drops the LIKE indexes (varchar_pattern_ops) Django made on PostgreSQL for every prefixed id and every
foreign key to one, before `PrefixedIdField.db_type` stopped it: nothing searches ids with LIKE, and each of
them cost every insert. A database migrated from scratch never had them; on others this finds each by the
name Django gave it (any app's, whatever its migrations), and DROP INDEX IF EXISTS makes it safe to run
wherever the tables stand."""

from django.apps import apps as global_apps
from django.db import migrations

from omnisales.api.ids import PrefixedIdField


def _id_columns():
    for model in global_apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_fields:
            target = field.target_field if field.many_to_one or field.one_to_one else field
            if isinstance(target, PrefixedIdField) and (field.db_index or field.unique):
                yield model._meta.db_table, field.column


def drop_like_indexes(migrate_apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in _id_columns():
        name = schema_editor._create_index_name(table, [column], suffix="_like")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("api", "0002_idempotencyrecord_secrets_omitted")]

    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop, elidable=True)]
