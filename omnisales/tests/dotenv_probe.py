"""Run only by test_dotenv.py, in a pytest of its own whose ENV_FILE names a `.env` the test wrote."""

import os


def test_the_dotenv_file_does_not_reach_the_settings():
    from django.conf import settings

    assert "OMNISALES_DOTENV_PROBE" not in os.environ
    assert settings.WEBHOOKS_ALLOW_PRIVATE_URLS is False
    assert settings.PUBLIC_BASE_URL != "http://dotenv.invalid"
