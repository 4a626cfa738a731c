from decimal import Decimal

import pytest
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce

from loyalty import services
from loyalty.models import LoyaltyMember
from omnisales.testing.factories import CustomerFactory, place_order, product_in_stock
from orders import services as order_services


@pytest.fixture(autouse=True)
def ledger_sums_to_balances(request, django_db_blocker):
    """After every loyalty test: each member's ledger sums to its balance, and so do its lots' remaining
    points (read from the database, whatever the test did)."""
    yield
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    with django_db_blocker.unblock():
        off = list(
            LoyaltyMember.objects.annotate(
                ledger=Coalesce(Sum("transactions__points"), Value(0)),
                lots=Coalesce(Sum("transactions__remaining"), Value(0)),
            )
            .filter(~Q(ledger=F("points_balance")) | ~Q(lots=F("points_balance")))
            .values("customer_id", "points_balance", "ledger", "lots")
        )
    assert off == [], f"ledgers that do not sum to their balance: {off}"


def deliver(order):
    for status in ("processing", "shipped", "delivered"):
        order = order_services.order_transition(order=order, to_status=status)
    return order


@pytest.fixture
def program(account):
    """The account's active program: 1 point per unit, 0.01 a point, points expire after 12 months."""
    return services.loyalty_program_create(account=account, name="Rewards", expiry_months=12)


@pytest.fixture
def customer(account):
    return CustomerFactory(account=account, name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def make_order(account, customer):
    """make_order(price="100.00", quantity=1, customer=…) -> a pending order of one product (no tax)."""

    def build(price="100.00", quantity=1, *, customer=customer, **options):
        product = product_in_stock(account, price=Decimal(price))
        return place_order(account, customer=customer, products=[product], quantities=[quantity], **options)

    return build


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit():` runs what the block enqueued after its commit (the subscriber, in-process tasks)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def delivered(make_order, on_commit):
    """delivered(price) -> an order delivered with its committed events run: points earned if a program runs."""

    def build(price="100.00", **options):
        with on_commit():
            return deliver(make_order(price, **options))

    return build
