"""Encryption at rest for model fields that hold secrets (webhook signing secrets, provider credentials).

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under the keys in FIELD_ENCRYPTION_KEY:
the first key encrypts, every key decrypts. To rotate, put a new key first, deploy, run
`manage.py rotate_field_encryption` (re-encrypts every row with the first key), then drop the old key.
Without FIELD_ENCRYPTION_KEY (development and tests only; settings refuse to start production without
it) the key is derived from SECRET_KEY.

Encrypted columns cannot be searched: each encryption is randomised, so only `isnull` lookups exist.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models, transaction


class DecryptionError(Exception):
    """A stored value no configured key can open (a key was dropped from FIELD_ENCRYPTION_KEY too early)."""


def _development_key() -> str:
    digest = hashlib.sha256(b"omnisales field encryption\0" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@lru_cache(maxsize=4)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _configured_keys() -> tuple[str, ...]:
    raw = settings.FIELD_ENCRYPTION_KEY
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(key.strip() for key in raw if key.strip())


def keys() -> tuple[str, ...]:
    """The keys in use, the encrypting one first."""
    return _configured_keys() or (_development_key(),)


def cipher() -> MultiFernet:
    return _multi_fernet(keys())


@checks.register(checks.Tags.security)
def check_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for position, key in enumerate(_configured_keys(), start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                checks.Error(
                    f"Key {position} of FIELD_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes).",
                    hint='Generate one with: python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"',
                    id="api.E001",
                )
            )
    return errors


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("No key in FIELD_ENCRYPTION_KEY decrypts this value.") from exc


class EncryptedTextField(models.TextField):
    """Text stored encrypted; Python code sees the plaintext. An empty string is stored empty."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name):
        # Ciphertexts are randomised, so `secret=...` could never match: refuse it loudly.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every installed model with encrypted fields, and the names of those fields."""
    found = []
    for model in apps.get_models():
        names = [field.attname for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def reencrypt_all(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypts every encrypted value with the first key. Returns rows rewritten per model label.

    Each batch is locked while it is rewritten, so a concurrent change is never overwritten with
    the value read before it.
    """
    counts = {}
    for model, names in encrypted_fields():
        manager = model._base_manager
        pks = list(manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = manager.select_for_update().filter(pk__in=pks[start : start + batch_size]).order_by("pk")
                for pk, *values in rows.values_list("pk", *names):
                    manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
        counts[model._meta.label] = len(pks)
    return counts
