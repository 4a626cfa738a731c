"""A real Celery worker in a subprocess, against a real broker and the database the caller uses.

For tests marked `worker` and for benchmarks. The worker is a separate process, so it sees only
committed rows: tests using it must be `django_db(transaction=True)`. It is pointed at the database
the caller is connected to right now (for pytest-django, the `test_<name>` database), which works
for PostgreSQL and for a SQLite file, not for an in-memory SQLite database.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from kombu import pools

from omnisales.api import encryption
from omnisales.celery import app

PROJECT_DIR = Path(__file__).resolve().parents[2]


def database_url() -> str | None:
    """DATABASE_URL for the database this process is connected to; None if no other process can
    reach it (in-memory SQLite)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            return None
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(settings["USER"] or "", safe="")
        if settings.get("PASSWORD"):
            credentials += ":" + quote(settings["PASSWORD"], safe="")
        host = settings["HOST"] or "localhost"
        port = settings["PORT"] or 5432
        return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"
    return None


def _transport_options(broker_url: str, key_prefix: str) -> dict:
    options = dict(app.conf.broker_transport_options or {})
    if broker_url.startswith(("redis://", "rediss://")):
        options["global_keyprefix"] = key_prefix  # keeps concurrent runs on one Redis database apart
    return options


def _forget_connection_pools() -> None:
    """What Celery does after a fork: the next publish opens pools for the configured broker."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def producing_to(broker_url: str, key_prefix: str):
    """This process publishes tasks to `broker_url` instead of running them in-process."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    app.conf.update(
        broker_url=broker_url,
        task_always_eager=False,
        broker_transport_options=_transport_options(broker_url, key_prefix),
    )
    _forget_connection_pools()
    try:
        yield app
    finally:
        pools.reset()  # closes this process's broker connections and forgets their pools
        _forget_connection_pools()
        app.conf.update(saved)


class WorkerProcess:
    """`celery -A omnisales worker` consuming `queues`, started and stopped around a block."""

    def __init__(
        self,
        *,
        broker_url: str,
        database: str,
        queues=("webhooks", "default"),
        pool: str = "solo",
        concurrency: int = 1,
        env: dict | None = None,
    ):
        self.broker_url = broker_url
        self.database = database
        self.queues = queues
        self.pool = pool
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.key_prefix = f"omnisales-worker-{uuid.uuid4().hex[:12]}:"
        self.name = f"worker-{uuid.uuid4().hex[:8]}@%h"
        self.process = None
        self.log = None

    def environment(self) -> dict:
        environment = {
            **os.environ,
            "DATABASE_URL": self.database,
            "CELERY_BROKER_URL": self.broker_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "worker-" + uuid.uuid4().hex,
            "FIELD_ENCRYPTION_KEY": ",".join(encryption.keys()),  # reads what the tests encrypted
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        if self.broker_url.startswith(("redis://", "rediss://")):
            environment["CELERY_BROKER_KEY_PREFIX"] = self.key_prefix
        return environment

    def start(self, timeout: float = 60.0) -> "WorkerProcess":
        self.log = tempfile.NamedTemporaryFile(prefix="celery-worker-", suffix=".log", delete=False)  # noqa: SIM115
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "omnisales",
            "worker",
            "-Q",
            ",".join(self.queues),
            f"--pool={self.pool}",
            f"--concurrency={self.concurrency}",
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited at start:\n{self.output()}")
            if " ready." in self.output():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The Celery worker was not ready within {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace") if self.log else ""

    def stop(self, timeout: float = 20.0) -> None:
        """Warm shutdown (finish the current task), then a kill if it takes too long."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self.stop()
        if self.log:
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.close()

    @contextmanager
    def producer(self):
        """While inside, tasks enqueued by this process go to the worker's broker (and key prefix)."""
        with producing_to(self.broker_url, self.key_prefix) as producer_app:
            yield producer_app
