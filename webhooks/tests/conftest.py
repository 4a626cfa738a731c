"""Fixtures for webhook tests: the documented verifier, events emitted as after a commit (the receiver
and make_webhook are in the test kit)."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_code(pattern: str) -> str:
    """The fenced python block of docs/webhooks.md that contains `pattern`."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    return next(block for block in blocks if pattern in block)


@pytest.fixture(scope="session")
def verify_signature():
    """verify_signature exactly as docs/webhooks.md shows it to merchants."""
    namespace = {}
    exec(compile(documented_code("def verify_signature"), str(DOCS), "exec"), namespace)
    return namespace["verify_signature"]


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """event_emit inside a committed transaction: the delivery tasks run (in-process) as after a commit."""
    from webhooks.services import event_emit

    def run(account, event="order.created", data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return event_emit(account=account, event=event, data=data or {"order_id": "ord_123"})

    return run
