"""Stage changes racing on PostgreSQL: the opportunity's row lock decides, so one win places one order."""

from decimal import Decimal

import pytest

from crm import services
from customers.models import Customer
from inventory.models import StockReservation
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import CustomerFactory, product_in_stock
from orders.models import Order
from webhooks.models import WebhookEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("attempt", range(2))
def test_two_wins_at_once_place_one_order(make_client, account, attempt):
    buyer = CustomerFactory(account=account)
    laptop = product_in_stock(account, price=Decimal("100.00"), stock=10)
    opportunity = services.opportunity_create(
        account=account, name="Deal", customer=buyer, items=[{"product_id": laptop.pk, "quantity": 3}]
    )
    clients = [make_client(account), make_client(account)]
    url = f"/api/crm/opportunities/{opportunity.pk}/stage"

    results = run_together(
        *[lambda c=c: c.put(url, {"stage": "won", "createOrder": True}, format="json") for c in clients]
    )

    assert sorted(r.status_code for r in results) == [200, 409], [r.content for r in results]
    assert next(r for r in results if r.status_code == 409).json()["code"] == "INVALID_STAGE_TRANSITION"
    order = Order.objects.get(account=account)
    assert next(r for r in results if r.status_code == 200).json()["orderId"] == order.pk
    assert StockReservation.objects.filter(reference_id=order.pk).count() == 1
    assert Customer.objects.get(pk=buyer.pk).total_orders == 1
    assert WebhookEvent.objects.filter(account=account, event_type="opportunity.won").count() == 1


def test_a_win_and_a_loss_at_once_leave_one_outcome(make_client, account):
    opportunity = services.opportunity_create(account=account, name="Deal", amount=Decimal("500.00"))
    clients = [make_client(account), make_client(account)]
    url = f"/api/crm/opportunities/{opportunity.pk}/stage"

    win, loss = run_together(
        lambda: clients[0].put(url, {"stage": "won"}, format="json"),
        lambda: clients[1].put(url, {"stage": "lost", "lostReason": "Budget"}, format="json"),
    )

    assert sorted([win.status_code, loss.status_code]) == [200, 409], (win.content, loss.content)
    opportunity.refresh_from_db()
    assert opportunity.stage == ("won" if win.status_code == 200 else "lost")
    assert WebhookEvent.objects.filter(account=account, event_type__startswith="opportunity.").count() == 1
