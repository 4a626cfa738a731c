"""Real concurrent requests on PostgreSQL: two refunds of one return make one refund; two returns of the same
units cannot both be accepted."""

from decimal import Decimal

import pytest

from billing.models import Refund
from inventory.models import StockLevel
from omnisales.testing.concurrency import run_together
from returns.models import ReturnRefund, ReturnRequest

from .conftest import received_return, request_return

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("attempt", range(2))
def test_two_refunds_of_one_return_at_once_make_one(make_client, api, account, card_paid, lines, stripe_fake, attempt):
    warehouse_id = StockLevel.objects.filter(account=account).values_list("warehouse_id", flat=True).first()
    ret = received_return(api, card_paid, [(lines[0], 2)], warehouse_id=warehouse_id)
    clients = [make_client(account), make_client(account)]
    stripe_fake.delay_next = 0.3  # the first refund is still at Stripe while the second one checks

    responses = run_together(
        *(
            lambda client=client: client.post("/api/returns/refund", {"returnId": ret["id"]}, format="json")
            for client in clients
        )
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409], [response.content for response in responses]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["code"] in ("REFUND_IN_PROGRESS", "RETURN_NOT_REFUNDABLE")
    assert ReturnRefund.objects.filter(status="succeeded").count() == 1
    assert ReturnRefund.objects.count() == 1
    assert Refund.objects.count() == 1
    assert len(stripe_fake.requests_to("POST", "/v1/refunds")) == 1
    card_paid.refresh_from_db()
    assert card_paid.amount_refunded == Decimal("80.00")
    assert ReturnRequest.objects.get().amount_refunded == Decimal("80.00")


def test_two_returns_of_the_last_units_at_once_accept_one(make_client, account, delivered, lines):
    clients = [make_client(account), make_client(account)]
    responses = run_together(
        *(lambda client=client: request_return(client, delivered, [(lines[0], 2, "other")]) for client in clients)
    )
    assert sorted(response.status_code for response in responses) == [201, 422]
    assert ReturnRequest.objects.count() == 1
