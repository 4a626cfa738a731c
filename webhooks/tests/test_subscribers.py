"""In-process event subscribers: called after the emitting transaction commits, never for a rollback."""

import pytest
from django.db import transaction

from webhooks import subscribers
from webhooks.services import event_emit, event_emit_many

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    received = []

    def handler(**kwargs):
        received.append(kwargs)

    subscribers.subscribe(["order.created", "customer.created"], handler)
    yield received
    subscribers.unsubscribe(["order.created", "customer.created"], handler)


def test_subscribers_hear_committed_events_after_the_commit(account, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = event_emit(account=account, event="order.created", data={"order_id": "ord_1", "total_amount": 5})
        event_emit(account=account, event="order.cancelled", data={"order_id": "ord_1"})
        assert calls == []
    assert calls == [
        {"account_id": account.pk, "event": "order.created", "event_id": event.pk, "data": event.payload["data"]}
    ]
    assert calls[0]["data"] == {"orderId": "ord_1", "totalAmount": 5}


def test_bulk_emits_notify_each_event(account, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event_emit_many(
            account=account, events=[("customer.created", {"id": "cus_1"}), ("customer.created", {"id": "cus_2"})]
        )
    assert [call["data"]["id"] for call in calls] == ["cus_1", "cus_2"]


def test_a_rollback_notifies_nobody(account, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        event_emit(account=account, event="order.created", data={"order_id": "ord_2"})
        raise RuntimeError("rolled back")
    assert calls == []


def test_a_failing_subscriber_does_not_stop_the_others(account, calls, django_capture_on_commit_callbacks, caplog):
    def broken(**kwargs):
        raise ValueError("broken subscriber")

    subscribers.subscribe(["order.created"], broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event_emit(account=account, event="order.created", data={"order_id": "ord_3"})
    finally:
        subscribers.unsubscribe(["order.created"], broken)
    assert len(calls) == 1 and "broken subscriber" in caplog.text
