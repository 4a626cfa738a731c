"""Tokens issued before hashed-at-rest storage was switched on still hold their plaintext in the
`token` column; blank it. Lookups already go through `token_checksum`, so every token keeps working."""

from django.conf import settings
from django.db import migrations


def redact_stored_tokens(apps, schema_editor):
    from oauth2_provider.settings import oauth2_settings

    if not oauth2_settings.COMPLIANT_BCP_RFC9700_TOKEN_STORAGE:
        return
    for label in (settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL, settings.OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL):
        model = apps.get_model(label)
        model._default_manager.using(schema_editor.connection.alias).exclude(token="").update(token="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_oauthclient"),
        ("oauth2_provider", "0015_refreshtoken_token_checksum"),
    ]

    operations = [migrations.RunPython(redact_stored_tokens, migrations.RunPython.noop)]
