"""Fixtures for webhook tests: a real HTTP receiver on 127.0.0.1 and the documented verifier."""

import re
from pathlib import Path

import pytest

from .receiver import Receiver, serve

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


@pytest.fixture
def receiver():
    receiver = Receiver()
    server = serve(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_urls_allowed(settings):
    """The local receiver is on 127.0.0.1, which production refuses."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


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
def make_webhook(account, private_urls_allowed):
    from webhooks.services import endpoint_create

    def build(url, *, events=("*",), owner=None, **kwargs):
        endpoint, secret = endpoint_create(account=owner or account, url=url, events=list(events), **kwargs)
        return endpoint, secret

    return build


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """event_emit inside a committed transaction: the delivery tasks run (in-process) as after a commit."""
    from webhooks.services import event_emit

    def run(account, event="order.created", data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return event_emit(account=account, event=event, data=data or {"order_id": "ord_123"})

    return run
