"""Stored RFM scores: `rfm_scores_refresh` against the per-read computation it replaced (the oracle)."""

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F, QuerySet
from django.test.utils import CaptureQueriesContext

from customers import rfm, services
from customers.models import Customer
from customers.tasks import rfm_scores_refresh_task
from omnisales.testing.factories import AccountFactory, CustomerFactory

from .factories import NOON

pytestmark = pytest.mark.django_db


def oracle(*, account) -> QuerySet:
    """The RFM scoring as it was computed on every read before scores were stored: NTILE(5) windows
    over the account's active customers with orders, and the segment CASE over them."""
    scored = (
        Customer.objects.filter(account=account, is_anonymized=False)
        .filter(total_orders__gt=0, last_order_date__isnull=False)
        .annotate(**rfm.score_windows())
    )
    return scored.annotate(
        oracle_segment=rfm.segment_case(F("recency_score"), F("frequency_score"), F("monetary_score"))
    )


def expected(account) -> dict:
    rows = oracle(account=account).values_list("id", "recency_score", "frequency_score", "monetary_score")
    segments = dict(oracle(account=account).values_list("id", "oracle_segment"))
    return {pk: (r, f, m, segments[pk]) for pk, r, f, m in rows}


def stored(account) -> dict:
    rows = Customer.objects.filter(account=account).values_list("id", "r_score", "f_score", "m_score", "rfm_segment")
    return {pk: (r, f, m, segment) for pk, r, f, m, segment in rows}


def varied(account, *, count: int, seed: int) -> list[Customer]:
    """Customers with few distinct values (many ties on every score), some without orders, some
    anonymized, some with a count but no date (as a reversal can leave)."""
    rng = random.Random(seed)
    customers = []
    for index in range(count):
        orders = rng.choice([0, 1, 1, 2, 3, 3, 5, 8])
        kind = rng.random()
        customers.append(
            CustomerFactory.build(
                account=account,
                name=f"V{index}",
                total_orders=orders,
                total_spent=rng.choice(["0.00", "10.00", "10.00", "25.50", "99.99", "250.00"]) if orders else "0.00",
                last_order_date=NOON - timedelta(days=rng.choice([0, 1, 1, 7, 30, 365])) if orders else None,
                is_anonymized=kind < 0.08,
            )
        )
        if orders and 0.08 <= kind < 0.12:
            customers[-1].last_order_date = None
    return Customer.objects.bulk_create(customers)


@pytest.mark.parametrize(("count", "seed"), [(1, 1), (4, 2), (7, 3), (23, 4), (120, 5)])
def test_stored_scores_equal_the_computed_ones(account, other_account, count, seed):
    varied(account, count=count, seed=seed)
    varied(other_account, count=17, seed=seed + 100)

    services.rfm_scores_refresh(account=account)

    want = expected(account)
    got = stored(account)
    assert {pk: row for pk, row in got.items() if row != (None, None, None, None)} == want
    assert all(row[0] in (1, 2, 3, 4, 5) and row[3] for row in want.values())


def test_unscored_customers_get_nulls_and_a_refresh_clears_stale_scores(account):
    keep, gone, browser = [
        CustomerFactory(account=account, total_orders=orders, total_spent=spent, last_order_date=date)
        for orders, spent, date in ((2, "20.00", NOON), (3, "30.00", NOON), (0, "0.00", None))
    ]
    services.rfm_scores_refresh(account=account)
    gone.refresh_from_db()
    assert gone.rfm_segment is not None

    services.customer_anonymize(customer=gone)
    services.rfm_scores_refresh(account=account)

    for customer in (keep, gone, browser):
        customer.refresh_from_db()
        assert customer.rfm_computed_at is not None
    assert (gone.r_score, gone.f_score, gone.m_score, gone.rfm_segment) == (None, None, None, None)
    assert (browser.r_score, browser.rfm_segment) == (None, None)
    assert (keep.r_score, keep.f_score, keep.m_score, keep.rfm_segment) == (1, 1, 1, "lost")


def test_refresh_is_one_update_statement(account):
    varied(account, count=30, seed=9)

    with CaptureQueriesContext(connection) as queries:
        services.rfm_scores_refresh(account=account)

    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 1, statements
    assert statements[0].lstrip().upper().startswith("UPDATE")


def test_refresh_never_touches_another_accounts_rows(account, other_account):
    varied(account, count=20, seed=11)
    theirs = varied(other_account, count=20, seed=12)

    services.rfm_scores_refresh(account=account)

    assert not Customer.objects.filter(account=other_account).exclude(rfm_computed_at=None).exists()
    assert not Customer.objects.filter(account=other_account).exclude(rfm_segment=None).exists()
    assert len(theirs) == Customer.objects.filter(account=other_account).count()


def test_task_refreshes_every_active_account(account, other_account, settings):
    settings.CUSTOMERS_RFM_REFRESH_BATCH_SIZE = 1  # several batches
    inactive = AccountFactory(name="Closed store", is_active=False)
    for owner in (account, other_account, inactive):
        varied(owner, count=12, seed=13)

    refreshed = rfm_scores_refresh_task.delay().get()

    assert refreshed == 2
    for owner in (account, other_account):
        assert stored(owner) == {**dict.fromkeys(stored(owner), (None, None, None, None)), **expected(owner)}
    assert not Customer.objects.filter(account=inactive).exclude(rfm_computed_at=None).exists()


def test_refresh_rfm_command(account, other_account):
    varied(account, count=10, seed=14)
    varied(other_account, count=10, seed=15)

    call_command("refresh_rfm", "--account", account.pk, stdout=io.StringIO())
    assert Customer.objects.filter(account=account, rfm_computed_at=None).count() == 0
    assert Customer.objects.filter(account=other_account).exclude(rfm_computed_at=None).count() == 0

    call_command("refresh_rfm", stdout=io.StringIO())
    assert Customer.objects.filter(account=other_account, rfm_computed_at=None).count() == 0


READS = [
    "/api/customers/rfm",
    "/api/customers/rfm?segment=lost&ordering=recencyDays",
    "/api/customers/segments",
    "/api/customers/segments/lost",
    "/api/customers/segments/lost/customers",
    "/api/customers?segment=lost",
]


@pytest.mark.parametrize("url", READS)
def test_reads_use_the_stored_scores_in_a_fixed_number_of_queries(api, account, segment_factory, url):
    segment_factory(rules={"rfmSegment": ["lost"], "totalOrders": {"min": 1}})
    varied(account, count=3, seed=16)
    services.rfm_scores_refresh(account=account)
    api.get(url)  # the credential's first use records itself once
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200

    varied(account, count=80, seed=17)
    services.rfm_scores_refresh(account=account)
    with CaptureQueriesContext(connection) as many:
        response = api.get(url)
    assert response.status_code == 200
    assert len(response.json()) > 0

    assert len(many.captured_queries) == len(few.captured_queries)
    windows = [query["sql"] for query in many.captured_queries if "NTILE" in query["sql"].upper()]
    assert windows == []
