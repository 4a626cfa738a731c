"""Tests never read the developer's `.env`: `make run` writes one with WEBHOOKS_ALLOW_PRIVATE_URLS=true,
and `make test` after it must see the defaults."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHOW = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'omnisales.settings'); django.setup(); "
    "from django.conf import settings; "
    "print(settings.WEBHOOKS_ALLOW_PRIVATE_URLS, settings.PUBLIC_BASE_URL, os.environ.get('OMNISALES_DOTENV_PROBE'))"
)


def run(*args, environment):
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_a_dotenv_value_does_not_reach_the_test_settings(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DEBUG=true\nWEBHOOKS_ALLOW_PRIVATE_URLS=true\nPUBLIC_BASE_URL=http://dotenv.invalid\nOMNISALES_DOTENV_PROBE=1\n"
    )
    clean = ("OMNISALES_IGNORE_DOTENV", "WEBHOOKS_ALLOW_PRIVATE_URLS", "PUBLIC_BASE_URL", "PORT", "DEBUG")
    environment = {name: value for name, value in os.environ.items() if name not in clean}
    environment["ENV_FILE"] = str(dotenv)

    # Outside the tests the file is read (so the runs below prove something) ...
    outside = run("-c", SHOW, environment=environment)
    assert outside.stdout.split() == ["True", "http://dotenv.invalid", "1"], outside.stderr

    # ... a pytest run does not read it, with nothing set beforehand ...
    probe = run("-m", "pytest", "-p", "no:xdist", "-q", "omnisales/tests/dotenv_probe.py", environment=environment)
    assert probe.returncode == 0, probe.stdout[-3000:] + probe.stderr[-3000:]
    assert "1 passed" in probe.stdout

    # ... nor does a process a test starts, which inherits OMNISALES_IGNORE_DOTENV from conftest.py.
    inherited = {"OMNISALES_IGNORE_DOTENV": os.environ["OMNISALES_IGNORE_DOTENV"], "DEBUG": "true"}
    started = run("-c", SHOW, environment={**environment, **inherited})
    assert started.stdout.split() == ["False", "http://localhost:3000", "None"], started.stderr
