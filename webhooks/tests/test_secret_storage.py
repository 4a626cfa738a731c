"""Signing secrets are encrypted at rest: the column never holds the plaintext, and keys rotate."""

import importlib
import io
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps as django_apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from webhooks import services
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _raw_secrets(endpoint) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret, previous_secret FROM {WebhookEndpoint._meta.db_table} WHERE id = %s", [endpoint.pk]
        )
        return cursor.fetchone()


def test_secret_columns_hold_no_plaintext(make_webhook):
    endpoint, secret = make_webhook("http://127.0.0.1:9/hook")
    stored, _ = _raw_secrets(endpoint)
    assert secret.startswith("whsec_")
    assert secret not in stored and "whsec_" not in stored
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret

    endpoint, new_secret = services.endpoint_secret_rotate(endpoint=endpoint, overlap=timedelta(hours=1))
    stored, stored_previous = _raw_secrets(endpoint)
    assert new_secret not in stored and secret not in stored_previous and "whsec_" not in stored_previous
    reloaded = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (reloaded.secret, reloaded.previous_secret) == (new_secret, secret)


def test_rotation_moves_every_row_to_the_first_key(make_webhook, settings):
    settings.FIELD_ENCRYPTION_KEY = [OLD_KEY]
    endpoint, secret = make_webhook("http://127.0.0.1:9/hook")
    endpoint, new_secret = services.endpoint_secret_rotate(endpoint=endpoint, overlap=timedelta(hours=1))
    assert Fernet(OLD_KEY).decrypt(_raw_secrets(endpoint)[0].encode()).decode() == new_secret

    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, OLD_KEY]  # the new key first: it encrypts, both decrypt
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == new_secret
    out = io.StringIO()
    call_command("rotate_field_encryption", stdout=out)
    assert "webhooks.WebhookEndpoint: 1 rows re-encrypted" in out.getvalue()

    stored, stored_previous = _raw_secrets(endpoint)
    assert Fernet(NEW_KEY).decrypt(stored.encode()).decode() == new_secret
    assert Fernet(NEW_KEY).decrypt(stored_previous.encode()).decode() == secret
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(stored.encode())
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]  # the old key can go now
    reloaded = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (reloaded.secret, reloaded.previous_secret) == (new_secret, secret)


def test_searching_an_encrypted_column_is_refused(make_webhook):
    make_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(FieldError):
        list(WebhookEndpoint.objects.filter(secret="whsec_anything"))


def test_migration_encrypts_existing_plaintext_rows_and_reverses(make_webhook):
    migration = importlib.import_module("webhooks.migrations.0003_encrypt_signing_secrets")
    endpoint, _ = make_webhook("http://127.0.0.1:9/hook")
    with connection.cursor() as cursor:  # a row as the previous schema stored it
        cursor.execute(
            f"UPDATE {WebhookEndpoint._meta.db_table} SET secret = %s, previous_secret = %s WHERE id = %s",
            ["whsec_plain", "", endpoint.pk],
        )

    migration.encrypt_secrets(django_apps, connection.schema_editor())
    assert "whsec_plain" not in _raw_secrets(endpoint)[0]
    assert _raw_secrets(endpoint)[1] == ""
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_plain"
    migration.encrypt_secrets(django_apps, connection.schema_editor())  # running twice encrypts once
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_plain"

    migration.decrypt_secrets(django_apps, connection.schema_editor())
    assert _raw_secrets(endpoint) == ("whsec_plain", "")
