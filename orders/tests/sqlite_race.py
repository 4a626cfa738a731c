"""30 clients order the last 10 units at once, on a file-based SQLite database configured as settings.py
configures it for a server (`make run`): real threads, each with its own connection, through the API.

Run in a process of its own (the test suite's SQLite database lives in memory):

    DATABASE_URL=sqlite:////tmp/race.sqlite3 python -m orders.tests.sqlite_race

It migrates the database, runs the race and prints one JSON line: each response's status and code, and
what the database holds afterwards. `test_sqlite_concurrency.py` runs it and checks the numbers.
"""

import json
import os
import threading

CLIENTS = 30
UNITS = 10


def run_race() -> dict:
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum
    from rest_framework.test import APIClient

    from accounts.services import api_key_create
    from inventory.models import StockLevel, StockReservation
    from inventory.selectors import ledger_discrepancies
    from omnisales.api import scopes
    from omnisales.testing.factories import AccountFactory, CustomerFactory, product_in_stock
    from orders.models import Order

    call_command("migrate", verbosity=0)
    account = AccountFactory(name="Race Store")
    product = product_in_stock(account, price=Decimal("5.00"), stock=UNITS)
    clients = []
    for customer in [CustomerFactory(account=account) for _ in range(CLIENTS)]:
        _, key = api_key_create(
            account=account, name="race", scopes=[scopes.ADMIN], grantor_scopes=scopes.expand([scopes.ADMIN])
        )
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=key)
        clients.append((client, customer))
    journal_mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()

    barrier = threading.Barrier(CLIENTS)
    answers: list = [None] * CLIENTS

    def place(index: int, client, customer) -> None:
        try:
            barrier.wait(timeout=30)
            body = {"customerId": customer.pk, "items": [{"productId": product.pk, "quantity": 1}]}
            response = client.post("/api/orders", body, format="json")
            answers[index] = [response.status_code, response.json().get("code")]
        except Exception as exc:  # reported, and the test fails on it
            answers[index] = [None, repr(exc)]
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(index, *pair)) for index, pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    stock = StockLevel.objects.filter(product=product).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return {
        "journal_mode": journal_mode,
        "answers": answers,
        "orders": Order.objects.filter(account=account).count(),
        "reservations": StockReservation.objects.filter(product=product).count(),
        "stock": stock,
        "ledger_discrepancies": len(ledger_discrepancies(account)),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnisales.settings")
    import django

    django.setup()
    print(json.dumps(run_race()))
