"""The back office for returns and reviews (lists, search, the service-backed actions) and the demo data."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.demo import demo_account
from inventory.models import MovementType, StockLevel, StockMovement, Warehouse
from omnisales.testing.factories import CustomerFactory, WarehouseFactory, place_order, product_in_stock
from orders import services as order_services
from returns import demo, services
from returns.models import ReturnRequest, Review

from .conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_returns(account, delivered, lines):
    def make(line):
        return services.return_create(
            account=account, order=delivered, items=[{"order_item_id": line.pk, "quantity": 1, "reason": "other"}]
        )

    first, second = make(lines[0]), make(lines[1])
    services.return_authorize(return_request=second)
    return first, second


def test_return_changelist_filters_and_searches(admin_client, two_returns, delivered):
    first, second = two_returns
    url = reverse("admin:returns_returnrequest_changelist")
    content = admin_client.get(url, {"status__exact": "requested"}).content.decode()
    assert first.pk in content and second.pk not in content
    content = admin_client.get(url, {"q": delivered.pk}).content.decode()
    assert first.pk in content and second.pk in content
    assert admin_client.get(reverse("admin:returns_returnrequest_change", args=[first.pk])).status_code == 200


def test_authorize_and_reject_actions_go_through_the_service(admin_client, two_returns):
    first, second = two_returns
    url = reverse("admin:returns_returnrequest_changelist")
    response = admin_client.post(url, {"action": "reject", "_selected_action": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("rejected", "authorized")  # an authorized return is skipped
    assert "1 return(s) skipped" in response.content.decode()


def test_receive_action_asks_for_the_warehouse_then_restocks_through_the_service(admin_client, account, two_returns):
    first, second = two_returns  # first is requested, second authorized
    url = reverse("admin:returns_returnrequest_changelist")
    refused = admin_client.post(url, {"action": "receive", "_selected_action": [first.pk, second.pk]}, follow=True)
    assert "Only authorized returns can be received" in refused.content.decode()
    page = admin_client.post(url, {"action": "receive", "_selected_action": [second.pk]})
    assert page.status_code == 200 and b"Receive 1 return(s)" in page.content
    warehouse = Warehouse.objects.get(account=account, code="MAIN")
    other_accounts = WarehouseFactory(code="ELSEWHERE")
    stranger = admin_client.post(
        url,
        {"action": "receive", "_selected_action": [second.pk], "apply": "1", "warehouse": other_accounts.pk},
    )
    assert stranger.status_code == 200 and b"Select a valid choice" in stranger.content, "only its account's"
    item = second.items.get()
    level = StockLevel.objects.get(warehouse=warehouse, variant_id=item.variant_id)
    before = level.on_hand
    done = admin_client.post(
        url,
        {
            "action": "receive",
            "_selected_action": [second.pk],
            "apply": "1",
            "warehouse": warehouse.pk,
            "condition": "sellable",
        },
        follow=True,
    )
    assert "1 return(s) received." in done.content.decode()
    second.refresh_from_db()
    item.refresh_from_db()
    level.refresh_from_db()
    assert (second.status, second.warehouse_id, item.quantity_restocked) == ("received", warehouse.pk, 1)
    assert level.on_hand == before + 1
    movement = StockMovement.objects.get(type=MovementType.RETURN, reference_id=second.pk)
    assert movement.actor == done.wsgi_request.user.email, "the staff member, not the system"


def test_review_actions(admin_client, account, lines):
    review = services.review_create(account=account, product=lines[0].product, rating=2, title="Meh")
    url = reverse("admin:returns_review_changelist")
    admin_client.post(url, {"action": "approve", "_selected_action": [review.pk]})
    review.refresh_from_db()
    assert review.status == "approved"
    content = admin_client.get(url, {"rating": "2", "q": "Meh"}).content.decode()
    assert "Meh" in content


def test_demo_returns_and_reviews_are_plausible_and_seeded_once():
    account, user = demo_account()
    products = [product_in_stock(account, sku=f"DEMO-{n}", price=Decimal("25.00"), stock=500) for n in range(4)]
    for n in range(8):
        order = place_order(
            account, customer=CustomerFactory(account=account), products=products[:2], quantities=[2, 1]
        )
        order = deliver(order)
        if n % 2:
            order_services.order_payment_record(order=order, amount=order.total, method="cash")
    messages = []

    demo.seed(account, user=user, log=messages.append)
    demo.seed(account, user=user, log=messages.append)

    statuses = set(ReturnRequest.objects.filter(account=account).values_list("status", flat=True))
    assert statuses == {"requested", "authorized", "rejected", "received", "refunded"}
    assert messages[-1] == "Returns: returns or reviews already there, left as they are."
    ratings = set(Review.objects.filter(account=account).values_list("rating", flat=True))
    assert len(ratings) >= 3
    assert Review.objects.filter(account=account, verified=True, status="approved").exists()
