"""A second web process for the credential-cache tests: serves requests in-process with the test client,
against the database and cache the environment names, one per line of JSON on stdin.

In:  {"headers": {"HTTP_X_API_KEY": "..."}, "method": "get", "path": "/api/auth/me", "data": {...}}
Out: {"status": 200, "code": null, "auth_queries": 0}  (statements on the authentication tables)

Run as `python -m accounts.tests.credential_cache_peer` from the project root; it prints "ready" first.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

AUTH_TABLES = ('"accounts_apikey"', '"accounts_user"', '"accounts_membership"', '"accounts_account"')


def serve(command: dict) -> dict:
    client = Client(**command.get("headers", {}))
    send = getattr(client, command.get("method", "get"))
    with CaptureQueriesContext(connection) as queries:
        if "data" in command:
            response = send(command.get("path", "/api/auth/me"), command["data"], content_type="application/json")
        else:
            response = send(command.get("path", "/api/auth/me"))
        statements = [query["sql"] for query in queries.captured_queries]  # before the next request clears them
    body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
    return {
        "status": response.status_code,
        "code": body.get("code") if isinstance(body, dict) else None,
        "auth_queries": sum(any(table in sql for table in AUTH_TABLES) for sql in statements),
    }


def main() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(serve(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
