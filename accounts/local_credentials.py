"""Development logins kept on this machine, so that `make run` can print them again after a restart.

The database holds API keys and passwords only as hashes. The plain demo API key and the development
operator's password are written, when they are made, to LOCAL_CREDENTIALS_FILE (`.local-credentials.json`
in the project root, git-ignored), which only its owner may read or write (0600). Entries are kept per
database, so `make run` (SQLite) and `make prod-local` (PostgreSQL) each keep their own. An empty
LOCAL_CREDENTIALS_FILE keeps nothing (the default under tests).
"""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection


def _database() -> str:
    database = connection.settings_dict
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    server = f"{database['HOST']}:{database.get('PORT') or ''}/" if database.get("HOST") else ""
    return f"{engine} {server}{database['NAME']}"


def _path() -> Path | None:
    return Path(settings.LOCAL_CREDENTIALS_FILE) if settings.LOCAL_CREDENTIALS_FILE else None


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def get(name: str) -> str | None:
    path = _path()
    entry = _read(path).get(_database()) if path else None
    value = entry.get(name) if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


def put(**values: str) -> None:
    path = _path()
    if path is None:
        return
    data = _read(path)
    entry = data.get(_database())
    data[_database()] = {**(entry if isinstance(entry, dict) else {}), **values}
    # Written whole to a file only the owner can open, then moved over the old one.
    temporary = path.with_name(f"{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        os.fchmod(file.fileno(), 0o600)
        json.dump(data, file, indent=2, sort_keys=True)
    os.replace(temporary, path)
