"""Refresh tokens recorded before only digests were kept: replace each stored token by its digest
(see accounts/jwt_storage.py). Rotation and blacklisting look tokens up by jti, so all keep working."""

from django.db import migrations

from accounts.jwt_storage import DIGEST_PREFIX, token_digest


def digest_stored_tokens(apps, schema_editor):
    model = apps.get_model("token_blacklist", "OutstandingToken")
    rows = model._default_manager.using(schema_editor.connection.alias).exclude(token__startswith=DIGEST_PREFIX)
    batch = []
    for row in rows.only("pk", "token").iterator(chunk_size=1000):
        row.token = token_digest(row.token)
        batch.append(row)
        if len(batch) == 1000:
            model._default_manager.bulk_update(batch, ["token"])
            batch = []
    if batch:
        model._default_manager.bulk_update(batch, ["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_redact_stored_oauth_tokens"),
        ("token_blacklist", "0013_alter_blacklistedtoken_options_and_more"),
    ]

    operations = [migrations.RunPython(digest_stored_tokens, migrations.RunPython.noop)]
