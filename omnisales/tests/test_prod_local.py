"""`make prod-local`: the Procfile (web, worker, beat) and the `.env.prod-local` it writes from
deploy/prod-local.env give the service as production runs it, on this machine."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings as s; "
    "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL, "
    "s.CELERY_TASK_ALWAYS_EAGER, s.SECURE_SSL_REDIRECT, bool(s.FIELD_ENCRYPTION_KEY))"
)


def procfile() -> dict[str, str]:
    lines = (PROJECT_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_runs_gunicorn_a_worker_on_every_queue_and_beat():
    processes = procfile()

    assert set(processes) == {"web", "worker", "beat"}
    assert processes["web"].startswith("gunicorn omnisales.wsgi:application --bind 0.0.0.0:${PORT:-3000} ")
    queues = processes["worker"].split(" -Q ", 1)[1].split()[0].split(",")
    assert sorted(queues) == sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)
    assert processes["beat"].startswith("celery -A omnisales beat")
    check = subprocess.run(
        [str(Path(sys.executable).parent / "honcho"), "check", "--procfile", "Procfile"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Valid procfile detected (web, worker, beat)" in check.stdout + check.stderr


def test_the_written_env_file_gives_production_settings_and_the_shell_wins(tmp_path):
    template = (PROJECT_DIR / "deploy" / "prod-local.env").read_text()
    env_file = tmp_path / ".env.prod-local"
    env_file.write_text(
        template.format(secret_key=secrets.token_urlsafe(50), field_encryption_key=Fernet.generate_key().decode())
    )
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": str(env_file)}

    def show(**overrides) -> list[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW],
            cwd=PROJECT_DIR,
            env={**environment, **overrides},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert show() == [
        "False",
        "django.db.backends.postgresql",
        "omnisales",
        "redis://127.0.0.1:6379/0",
        "False",
        "False",
        "True",
    ]
    assert show(DATABASE_URL="postgres://postgres@127.0.0.1:5432/elsewhere")[2] == "elsewhere"
