"""Migration operations Django's own do with more work than needed."""

from django.db import migrations, models


class DropKeyIndex(migrations.AlterField):
    """`AlterField` of a foreign key to `db_index=False` that only drops the key's index. Django's own drops the
    key's constraint and adds it again, which checks every row of the table under a lock; the constraint does
    not change here. Reversed, it creates the index again."""

    def _key(self, state, app_label):
        model = state.apps.get_model(app_label, self.model_name)
        return model, model._meta.get_field(self.name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model, field = self._key(to_state, app_label)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if field.db_index:
            raise ValueError(f"DropKeyIndex: {self.model_name}.{self.name} still has db_index=True")
        names = schema_editor._constraint_names(
            model,
            [field.column],
            index=True,
            type_=models.Index.suffix,
            exclude={index.name for index in model._meta.indexes},
        )
        for name in names:
            schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model, field = self._key(to_state, app_label)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

    def describe(self):
        return f"Drop the index of {self.model_name}.{self.name}, keeping its constraint"
