"""Card payments racing for one order's balance on PostgreSQL: the order's row lock decides."""

import pytest

from billing.models import Payment
from omnisales.api.money import to_minor_units
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import place_order

# serialized_rollback like the other transactional billing tests: a plain flush would recreate the
# content types under new ids, which the next serialized test then cannot restore.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_charges_for_the_whole_balance_reach_stripe_once(account, make_client, stripe_fake):
    order = place_order(account, prices=["100.00"])
    body = {
        "amount": to_minor_units(order.balance, "usd"),
        "currency": "usd",
        "paymentMethodId": "pm_card_visa",
        "orderId": order.pk,
    }
    stripe_fake.delay_next = 0.3  # the first charge is still at Stripe while the second one checks
    clients = [make_client(account), make_client(account)]

    responses = run_together(
        *(lambda client=client: client.post("/api/payments/process", body, format="json") for client in clients)
    )

    assert sorted(response.status_code for response in responses) == [200, 409]
    assert len(stripe_fake.requests_to("POST", "/v1/payment_intents")) == 1
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert (order.amount_paid, order.payment_status) == (order.total, "paid")
