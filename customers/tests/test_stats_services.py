"""The order-statistics services the orders app calls: exact Decimal totals through any sequence."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from customers import services
from customers.exceptions import CustomerAnonymized, CustomerStatsConflict
from customers.models import Customer
from omnisales.testing.concurrency import race

pytestmark = pytest.mark.django_db

JAN = datetime(2024, 1, 10, 14, 30, tzinfo=UTC)


def stats(customer):
    row = Customer.objects.filter(pk=customer.pk).values(
        "total_orders", "total_spent", "first_order_date", "last_order_date"
    )
    return tuple(row.get().values())


@pytest.fixture
def customer(account):
    return services.customer_create(account=account, name="Jane Smith")


def test_recording_orders_adds_up_exactly_and_widens_the_dates(customer):
    services.customer_record_order(customer=customer, amount=Decimal("0.10"), ordered_at=JAN)
    services.customer_record_order(customer=customer, amount=Decimal("0.20"), ordered_at=JAN + timedelta(days=5))
    services.customer_record_order(customer=customer, amount=Decimal("1999.99"), ordered_at=JAN - timedelta(days=3))

    assert stats(customer) == (3, Decimal("2000.29"), JAN - timedelta(days=3), JAN + timedelta(days=5))


def test_record_returns_the_customer_with_fresh_stats_and_bumps_updated_at(customer):
    before = customer.updated_at

    returned = services.customer_record_order(customer=customer, amount=Decimal("5432.10"), ordered_at=JAN)

    assert returned is customer
    assert (customer.total_orders, customer.total_spent, customer.last_order_date) == (1, Decimal("5432.10"), JAN)
    assert customer.updated_at > before


def test_record_without_refresh_counts_the_order_in_one_statement_and_leaves_the_instance_alone(customer):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        returned = services.customer_record_order(
            customer=customer, amount=Decimal("7.50"), ordered_at=JAN, refresh=False
        )
    assert returned is customer and customer.total_orders == 0  # not re-read
    assert [query["sql"].split()[0] for query in queries if "customer" in query["sql"]] == ["UPDATE"]
    assert stats(customer) == (1, Decimal("7.50"), JAN, JAN)


def test_a_free_order_counts(customer):
    services.customer_record_order(customer=customer, amount=Decimal("0.00"), ordered_at=JAN)

    assert stats(customer) == (1, Decimal("0.00"), JAN, JAN)


def test_reversing_with_the_callers_last_order_date(customer):
    for days, amount in ((0, "10.00"), (10, "20.05"), (20, "30.10")):
        services.customer_record_order(customer=customer, amount=Decimal(amount), ordered_at=JAN + timedelta(days=days))

    services.customer_reverse_order(customer=customer, amount=Decimal("30.10"), last_order_at=JAN + timedelta(days=10))

    assert stats(customer) == (2, Decimal("30.05"), JAN, JAN + timedelta(days=10))


def test_reversing_without_dates_keeps_them(customer):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)
    services.customer_record_order(customer=customer, amount=Decimal("20.00"), ordered_at=JAN + timedelta(days=1))

    services.customer_reverse_order(customer=customer, amount=Decimal("10.00"))

    assert stats(customer) == (1, Decimal("20.00"), JAN, JAN + timedelta(days=1))


def test_reversing_the_first_order_moves_the_first_date_when_given(customer):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)
    services.customer_record_order(customer=customer, amount=Decimal("20.00"), ordered_at=JAN + timedelta(days=4))

    services.customer_reverse_order(customer=customer, amount=Decimal("10.00"), first_order_at=JAN + timedelta(days=4))

    assert stats(customer) == (1, Decimal("20.00"), JAN + timedelta(days=4), JAN + timedelta(days=4))


def test_reversing_the_last_remaining_order_empties_the_dates(customer):
    services.customer_record_order(customer=customer, amount=Decimal("19.99"), ordered_at=JAN)

    services.customer_reverse_order(customer=customer, amount=Decimal("19.99"), last_order_at=JAN)

    assert stats(customer) == (0, Decimal("0.00"), None, None)


def test_a_long_record_reverse_refund_sequence_stays_exact(customer):
    amounts = [Decimal("0.01") * n + Decimal("9.99") for n in range(1, 101)]
    for index, amount in enumerate(amounts):
        services.customer_record_order(customer=customer, amount=amount, ordered_at=JAN + timedelta(hours=index))
    for index in range(0, 100, 2):
        services.customer_reverse_order(customer=customer, amount=amounts[index])
    services.customer_record_refund(customer=customer, amount=Decimal("0.33"))

    kept = sum(amounts[1::2], Decimal("0"))
    assert stats(customer)[:2] == (50, kept - Decimal("0.33"))
    assert customer.total_spent == kept - Decimal("0.33")


def test_a_partial_refund_lowers_spend_but_not_orders(customer):
    services.customer_record_order(customer=customer, amount=Decimal("100.00"), ordered_at=JAN)

    services.customer_record_refund(customer=customer, amount=Decimal("25.50"))

    assert stats(customer) == (1, Decimal("74.50"), JAN, JAN)


@pytest.mark.parametrize(
    "reversal",
    [
        {"amount": Decimal("10.01")},  # more than was spent
        {"amount": Decimal("4.00")},  # the last order, but money would be left over
    ],
)
def test_reversals_that_do_not_fit_are_refused_and_change_nothing(customer, reversal):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)

    with pytest.raises(CustomerStatsConflict):
        services.customer_reverse_order(customer=customer, **reversal)

    assert stats(customer) == (1, Decimal("10.00"), JAN, JAN)


def test_nothing_to_reverse_is_refused(customer):
    with pytest.raises(CustomerStatsConflict) as error:
        services.customer_reverse_order(customer=customer, amount=Decimal("0.00"))

    assert error.value.code == "CUSTOMER_STATS_CONFLICT"
    assert stats(customer) == (0, Decimal("0.00"), None, None)


def test_refunding_more_than_spent_is_refused(customer):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)

    with pytest.raises(CustomerStatsConflict):
        services.customer_record_refund(customer=customer, amount=Decimal("10.01"))

    assert stats(customer)[1] == Decimal("10.00")


def test_anonymized_customers_cannot_order_but_their_orders_can_be_reversed(customer):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)
    services.customer_record_order(customer=customer, amount=Decimal("5.00"), ordered_at=JAN + timedelta(days=1))
    services.customer_anonymize(customer=customer)

    with pytest.raises(CustomerAnonymized):
        services.customer_record_order(customer=customer, amount=Decimal("1.00"), ordered_at=JAN)
    services.customer_reverse_order(customer=customer, amount=Decimal("5.00"), last_order_at=JAN)

    assert stats(customer) == (1, Decimal("10.00"), JAN, JAN)


@pytest.mark.parametrize(
    "amount",
    [10, 10.5, "10.00", Decimal("-1.00"), Decimal("1.005"), Decimal("NaN"), Decimal("Infinity")],
)
def test_amounts_must_be_non_negative_decimals_in_cents(customer, amount):
    with pytest.raises(ValueError, match="amount"):
        services.customer_record_order(customer=customer, amount=amount, ordered_at=JAN)

    assert stats(customer)[0] == 0


def test_order_dates_must_be_timezone_aware(customer):
    with pytest.raises(ValueError, match="timezone-aware"):
        services.customer_record_order(customer=customer, amount=Decimal("1.00"), ordered_at=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        services.customer_record_order(customer=customer, amount=Decimal("1.00"), ordered_at="2024-01-01")


def test_stats_set_overwrites_with_recomputed_figures(customer):
    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)

    services.customer_stats_set(
        customer=customer,
        total_orders=4,
        total_spent=Decimal("123.45"),
        first_order_at=JAN - timedelta(days=100),
        last_order_at=JAN,
    )

    assert stats(customer) == (4, Decimal("123.45"), JAN - timedelta(days=100), JAN)


@pytest.mark.parametrize(
    "figures",
    [
        {"total_orders": 2, "total_spent": Decimal("1.00"), "first_order_at": None, "last_order_at": JAN},
        {"total_orders": 2, "total_spent": Decimal("1.00"), "first_order_at": JAN, "last_order_at": JAN - timedelta(1)},
        {"total_orders": 0, "total_spent": Decimal("1.00"), "first_order_at": None, "last_order_at": None},
        {"total_orders": -1, "total_spent": Decimal("0.00"), "first_order_at": None, "last_order_at": None},
    ],
)
def test_stats_set_refuses_inconsistent_figures(customer, figures):
    with pytest.raises(ValueError):
        services.customer_stats_set(customer=customer, **figures)

    assert stats(customer) == (0, Decimal("0.00"), None, None)


def test_stats_services_emit_no_customer_events(customer, account):
    from webhooks.models import WebhookEvent

    services.customer_record_order(customer=customer, amount=Decimal("10.00"), ordered_at=JAN)
    services.customer_record_refund(customer=customer, amount=Decimal("1.00"))

    assert list(WebhookEvent.objects.values_list("event_type", flat=True)) == ["customer.created"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_orders_never_lose_an_increment(account):
    customer = services.customer_create(account=account, name="Busy")

    def place_orders(worker):
        for index in range(10):
            moment = JAN + timedelta(minutes=worker * 100 + index)
            services.customer_record_order(customer=Customer(pk=customer.pk), amount=Decimal("1.01"), ordered_at=moment)

    assert race(place_orders, 8) == [None] * 8  # no worker raised
    assert stats(customer) == (80, Decimal("80.80"), JAN, JAN + timedelta(minutes=709))
