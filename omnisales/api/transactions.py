"""Transactions: one per write request, and services that join it.

A write view runs its whole request in one `request_transaction()` (omnisales.api.views.ApiViewMixin),
rolled back when the answer is an error. Every service is `@atomic_service`:

- inside a request's transaction it joins it WITHOUT a savepoint: a service error always reaches the
  view and rolls the whole request back, so a savepoint per service would only cost two statements
  each (an order placement nests five services);
- anywhere else — a Celery task, a management command, an admin action, a test, another service's caller
  that may catch the error and carry on — it is `transaction.atomic()`: a transaction of its own, or a
  savepoint inside the caller's, so a refused call leaves the caller's transaction usable.

If request code ever caught a service error and went on, the joined transaction is marked for rollback
and the next query fails loudly (TransactionManagementError): nothing half-written can commit.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_in_request_transaction: ContextVar[bool] = ContextVar("in_request_transaction", default=False)


@contextmanager
def request_transaction():
    """The write request's one transaction (a savepoint when a caller, such as a test, holds one open)."""
    with transaction.atomic():
        token = _in_request_transaction.set(True)
        try:
            yield
        finally:
            _in_request_transaction.reset(token)


def atomic_service(func):
    """Makes `func` atomic: joins a request's transaction, else opens a transaction or savepoint."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transaction.atomic(savepoint=not _in_request_transaction.get()):
            return func(*args, **kwargs)

    return wrapper
