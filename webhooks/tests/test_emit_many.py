import pytest

from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.services import event_emit, event_emit_many

pytestmark = pytest.mark.django_db


def test_emit_many_writes_the_same_rows_as_emit(account):
    single = event_emit(account=account, event="product.created", data={"product_id": "prod_1", "price": 1})
    assert (
        event_emit_many(
            account=account,
            events=[("product.created", {"product_id": "prod_2", "price": 2}), ("product.deleted", {"id": "prod_3"})],
        )
        == 2
    )
    rows = {
        row.payload["data"].get("productId", row.payload["data"].get("id")): row for row in WebhookEvent.objects.all()
    }
    assert set(rows) == {"prod_1", "prod_2", "prod_3"}
    assert rows["prod_2"].payload.keys() == single.payload.keys() == {"event", "timestamp", "data"}
    assert rows["prod_2"].payload["data"] == {"productId": "prod_2", "price": 2}
    assert rows["prod_3"].event_type == "product.deleted" and rows["prod_3"].account == account


def test_emit_many_delivers_to_subscribed_endpoints(
    account, make_webhook, receiver, django_capture_on_commit_callbacks
):
    make_webhook(receiver.url, events=["product.created"])
    with django_capture_on_commit_callbacks(execute=True):
        event_emit_many(
            account=account,
            events=[
                ("product.created", {"id": "prod_1"}),
                ("product.deleted", {"id": "prod_2"}),
                ("product.created", {"id": "prod_3"}),
            ],
        )
    assert sorted(r.json()["data"]["id"] for r in receiver.wait_for(2)) == ["prod_1", "prod_3"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert WebhookDelivery.objects.count() == 2


def test_emit_many_publishes_large_fan_outs_in_batches(account, make_webhook, django_capture_on_commit_callbacks):
    from omnisales.testing.celery_worker import producing_to

    make_webhook("https://93.184.215.14/import-hook", events=["product.created"])
    events = [("product.created", {"id": f"prod_{number}"}) for number in range(501)]
    with producing_to("memory://", "") as app:
        app.control.purge()  # the in-memory broker lives as long as the process
        with django_capture_on_commit_callbacks(execute=True):
            assert event_emit_many(account=account, events=events) == 501
        with app.connection_for_write() as connection:
            queue = connection.SimpleQueue("webhooks")
            messages = [queue.get(timeout=1) for _ in range(len(queue))]
            queue.close()

    assert [m.headers["task"] for m in messages] == ["webhooks.tasks.deliveries_enqueue_task"] * 2
    batches = [m.decode()[0][0] for m in messages]
    assert [len(batch) for batch in batches] == [500, 1]
    assert set().union(*batches) == set(WebhookDelivery.objects.values_list("id", flat=True))


def test_emit_many_refuses_unregistered_event_types_before_writing(account):
    with pytest.raises(ValueError, match=r"product\.exploded"):
        event_emit_many(account=account, events=[("product.created", {}), ("product.exploded", {})])
    assert not WebhookEvent.objects.exists()
