"""The stock race of test_concurrency.py on SQLite as `make run` serves it: a file database, real threads.

The suite's own SQLite database is in memory and shared by one process, so the race runs in a process
of its own (`orders/tests/sqlite_race.py`) against a temporary file, with the project's settings
unchanged but for DATABASE_URL. Writes must queue (never 500 "database is locked") and the stock rules
hold exactly as on PostgreSQL.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from orders.tests.sqlite_race import CLIENTS, UNITS

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_thirty_orders_for_ten_units_on_a_sqlite_file_give_ten_201s_and_twenty_409s(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DEBUG": "true",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "orders.tests.sqlite_race"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["journal_mode"] == "wal"
    answers = Counter(tuple(answer) for answer in outcome["answers"])
    assert answers == {(201, None): UNITS, (409, "INSUFFICIENT_STOCK"): CLIENTS - UNITS}, answers
    assert "database is locked" not in result.stderr
    assert outcome["orders"] == outcome["reservations"] == UNITS
    assert outcome["stock"] == {"on_hand": UNITS, "reserved": UNITS}
    assert outcome["ledger_discrepancies"] == 0
