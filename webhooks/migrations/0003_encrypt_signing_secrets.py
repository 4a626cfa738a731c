from django.db import migrations, models

import omnisales.api.encryption


def _rewrite(schema_editor, convert):
    """Applies `convert` to both secret columns of every endpoint, with SQL (the columns change type
    here, so neither the old nor the new field class can read every row)."""
    table = schema_editor.connection.ops.quote_name("webhooks_webhookendpoint")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret, previous_secret FROM {table}")
        rows = cursor.fetchall()
        for pk, secret, previous_secret in rows:
            cursor.execute(
                f"UPDATE {table} SET secret = %s, previous_secret = %s WHERE id = %s",
                [convert(secret), convert(previous_secret), pk],
            )


def encrypt_secrets(apps, schema_editor):
    def convert(value):
        if not value:
            return value
        try:
            omnisales.api.encryption.decrypt(value)
            return value  # already encrypted
        except omnisales.api.encryption.DecryptionError:
            return omnisales.api.encryption.encrypt(value)

    _rewrite(schema_editor, convert)


def decrypt_secrets(apps, schema_editor):
    _rewrite(schema_editor, lambda value: omnisales.api.encryption.decrypt(value) if value else value)


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_endpoints_deliveries")]

    operations = [
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=omnisales.api.encryption.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="previous_secret",
            field=omnisales.api.encryption.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
