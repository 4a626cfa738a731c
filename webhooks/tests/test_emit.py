import pytest

from webhooks.models import WebhookEvent
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
