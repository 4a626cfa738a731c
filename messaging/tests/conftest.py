import pytest

from messaging.providers.sms import LocmemBackend


@pytest.fixture(autouse=True)
def _sms_outbox():
    """The locmem SMS backend's outbox, empty for each test."""
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit():` runs what the block enqueued after its commit (in-process tasks), as a request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
