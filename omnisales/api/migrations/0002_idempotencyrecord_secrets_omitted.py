import json
import re

from django.db import migrations, models

# Records written before secret fields were marked may hold a secret in their body. Their names are
# known (key, clientSecret, secret, tokens.access, tokens.refresh, access, refresh): drop every string
# value under a secret-looking name. A replay of such a record then lacks the secret, as new ones do.
SECRET_NAME = re.compile(r"(^|_)(key|secret|token|tokens|access|refresh|password)(_|$)")


def _underscore(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _scrub(value, path, omitted):
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            item_path = f"{path}.{key}" if path else key
            if isinstance(item, str) and SECRET_NAME.search(_underscore(key)):
                omitted.append(item_path)
                continue
            kept[key] = _scrub(item, item_path, omitted)
        return kept
    if isinstance(value, list):
        return [_scrub(item, f"{path}[]", omitted) for item in value]
    return value


def scrub_stored_secrets(apps, schema_editor):
    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.exclude(body="").iterator():
        try:
            data = json.loads(record.body)
        except ValueError:
            continue
        omitted = []
        data = _scrub(data, "", omitted)
        if omitted:
            record.body = json.dumps(data, separators=(",", ":"))
            record.secrets_omitted = sorted(set(omitted))
            record.save(update_fields=["body", "secrets_omitted"])


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="secrets_omitted",
            field=models.JSONField(
                blank=True, default=list, help_text="camelCase paths of the secret fields left out of the body."
            ),
        ),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="body",
            field=models.TextField(blank=True, help_text="The response body without its secret fields."),
        ),
        migrations.RunPython(scrub_stored_secrets, migrations.RunPython.noop, elidable=True),
    ]
