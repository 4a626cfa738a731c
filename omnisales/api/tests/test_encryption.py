"""The field-encryption helper: round trip, key order, and a startup check on the keys."""

import pytest
from cryptography.fernet import Fernet

from omnisales.api import encryption

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def test_round_trip_is_randomised(settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]
    first, second = encryption.encrypt("whsec_abc"), encryption.encrypt("whsec_abc")
    assert first != second and "whsec_abc" not in first
    assert encryption.decrypt(first) == encryption.decrypt(second) == "whsec_abc"


def test_first_key_encrypts_and_every_key_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEY = [OLD_KEY]
    old_token = encryption.encrypt("s1")
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"  # as the environment variable reads
    assert encryption.decrypt(old_token) == "s1"
    assert Fernet(NEW_KEY).decrypt(encryption.encrypt("s2").encode()) == b"s2"
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(old_token)


def test_development_key_comes_from_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEY = []
    token = encryption.encrypt("s")
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(encryption.DecryptionError):
        encryption.decrypt(token)


def test_check_rejects_a_malformed_key(settings):
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY, "not-a-fernet-key"]
    assert [error.id for error in encryption.check_keys()] == ["api.E001"]
    settings.FIELD_ENCRYPTION_KEY = [NEW_KEY]
    assert encryption.check_keys() == []
