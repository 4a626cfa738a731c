"""Real concurrent requests on PostgreSQL: two redemptions that together exceed the balance make one, and two
programs created active at once leave one active."""

from decimal import Decimal

import pytest

from loyalty import services
from loyalty.models import LoyaltyMember, LoyaltyProgram, PointsTransaction
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("attempt", range(2))
def test_two_redemptions_exceeding_the_balance_together_make_one(make_client, account, attempt):
    services.loyalty_program_create(account=account, name="Rewards")
    customer = CustomerFactory(account=account)
    services.points_adjust(account=account, customer=customer, points=600, note="Start")
    orders = [
        place_order(account, customer=customer, products=[product_in_stock(account, price=Decimal("50.00"))])
        for _ in range(2)
    ]
    clients = [make_client(account), make_client(account)]

    responses = run_together(
        *(
            lambda client=client, order=order: client.post(
                "/api/loyalty/redeem", {"customerId": customer.pk, "points": 400, "orderId": order.pk}, format="json"
            )
            for client, order in zip(clients, orders, strict=True)
        )
    )

    assert sorted(response.status_code for response in responses) == [200, 422], [r.content for r in responses]
    loser = next(response for response in responses if response.status_code == 422)
    assert loser.json()["code"] == "INSUFFICIENT_POINTS"
    assert LoyaltyMember.objects.get().points_balance == 200
    assert PointsTransaction.objects.filter(kind="redeem").count() == 1
    assert sorted(Order.objects.values_list("total", flat=True)) == [Decimal("46.00"), Decimal("50.00")]


def test_two_active_programs_created_at_once_leave_one(make_client, account):
    clients = [make_client(account), make_client(account)]

    responses = run_together(
        *(
            lambda client=client: client.post("/api/loyalty/programs", {"name": "Rewards"}, format="json")
            for client in clients
        )
    )

    assert sorted(response.status_code for response in responses) == [201, 409], [r.content for r in responses]
    loser = next(response for response in responses if response.status_code == 409)
    assert loser.json()["code"] == "LOYALTY_PROGRAM_ACTIVE"
    assert LoyaltyProgram.objects.filter(active=True).count() == 1
