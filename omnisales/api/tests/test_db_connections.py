"""Database connections outlive a request (DATABASE_CONN_MAX_AGE, 60 s by default) and are checked before
reuse, so one the server dropped in between is replaced instead of failing the next request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]

# Two requests as Django's handler brackets them (request_started/request_finished), with the backend
# of the first request's connection killed in between, as a server restart or a proxy timeout would.
TWO_REQUESTS = """
from django.core.signals import request_finished, request_started
from django.db import connection, connections

def backend_pid():
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        request_finished.send(sender=None)

first = backend_pid()
kept = connection.connection is not None
killer = connections.create_connection("default")
with killer.cursor() as cursor:
    cursor.execute("SELECT pg_terminate_backend(%s)", [first])
killer.close()
second = backend_pid()
print(connection.settings_dict["CONN_MAX_AGE"], kept, first != second)
"""


def run_two_requests(**environment):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "true",
        "OMNISALES_IGNORE_DOTENV": "true",  # never the developer's .env
        "DATABASE_URL": os.environ["DATABASE_URL"],
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", TWO_REQUESTS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.postgres
def test_a_connection_is_kept_between_requests_and_replaced_when_the_server_dropped_it():
    # Kept after the first request (60 s by default); the second request notices the dead connection
    # and opens a new one instead of failing.
    assert run_two_requests() == "60 True True"


@pytest.mark.postgres
def test_conn_max_age_zero_closes_after_every_request():
    assert run_two_requests(DATABASE_CONN_MAX_AGE="0") == "0 False True"
