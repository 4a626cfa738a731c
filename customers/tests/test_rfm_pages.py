"""GET /api/customers/rfm in recency order: every page equals the same slice of a full sort.

On PostgreSQL a page in recency order is found by walking the last-order-date index
(`selectors.RfmQuerySet`) rather than by sorting every customer; these tests hold it to the
order computed here in Python: recency days in the account's time zone (0 from `asOf` on), then
customer id.
"""

import random
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import services
from customers.models import Customer
from omnisales.testing.factories import CustomerFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 6, 30)
# Last orders around local midnights (in UTC, for the zones below) over three weeks, two days past AS_OF.
HOURS = [0, 3, 9, 10, 11, 12, 13, 14, 15, 21, 23]


def populate(account, *, seed: int, count: int = 70) -> None:
    """Scored customers sharing few last-order days (many ties), some ordering after `AS_OF`, plus
    customers the analysis leaves out (no orders, anonymized)."""
    rng = random.Random(seed)
    customers = []
    for index in range(count):
        moment = datetime(2024, 6, 11, tzinfo=UTC) + timedelta(
            days=rng.randrange(0, 22), hours=rng.choice(HOURS), minutes=rng.choice([0, 1, 29, 30, 59])
        )
        customers.append(
            CustomerFactory.build(
                account=account,
                name=f"P{index}",
                total_orders=rng.randint(1, 6),
                total_spent=f"{rng.randint(1, 500)}.00",
                last_order_date=moment,
                is_anonymized=rng.random() < 0.05,
            )
        )
    customers += [CustomerFactory.build(account=account, name=f"Browser {index}") for index in range(3)]
    Customer.objects.bulk_create(customers)
    services.rfm_scores_refresh(account=account)


def expected(account, *, as_of: date, descending: bool, segment: str | None = None) -> list[tuple[str, int]]:
    zone = zoneinfo.ZoneInfo(account.timezone)
    rows = Customer.objects.filter(
        account=account, is_anonymized=False, total_orders__gt=0, rfm_segment__isnull=False
    ).values_list("id", "last_order_date", "rfm_segment")
    days = {
        pk: max((as_of - last_order.astimezone(zone).date()).days, 0)
        for pk, last_order, rfm_segment in rows
        if segment in (None, rfm_segment)
    }
    ordered = sorted(days)  # by id; the stable sort below keeps that order among equal recencies
    ordered.sort(key=days.__getitem__, reverse=descending)
    return [(pk, days[pk]) for pk in ordered]


def page(api, **params) -> list[tuple[str, int]]:
    response = api.get("/api/customers/rfm", params)
    assert response.status_code == 200, response.json()
    return [(entry["customerId"], entry["recencyDays"]) for entry in response.json()]


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
@pytest.mark.parametrize("ordering", ["recencyDays", "-recencyDays"])
def test_every_page_is_the_slice_of_the_full_order(api, account, zone, ordering):
    account.timezone = zone
    account.save()
    populate(account, seed=len(zone))

    for as_of in (AS_OF, AS_OF - timedelta(days=9), AS_OF + timedelta(days=30)):
        full = expected(account, as_of=as_of, descending=ordering.startswith("-"))
        assert len(full) > 50
        assert page(api, ordering=ordering, asOf=as_of.isoformat(), limit=250) == full
        for limit in (1, 7, 50):
            for offset in range(0, len(full) + limit, max(limit, 5)):
                pages = page(api, ordering=ordering, asOf=as_of.isoformat(), limit=limit, offset=offset)
                assert pages == full[offset : offset + limit], (as_of, limit, offset)


@pytest.mark.parametrize("ordering", ["recencyDays", "-recencyDays"])
def test_pages_in_recency_order_within_a_segment(api, account, ordering):
    populate(account, seed=11, count=90)
    segment = Customer.objects.filter(account=account, rfm_segment__isnull=False).values_list("rfm_segment", flat=True)[
        0
    ]
    full = expected(account, as_of=AS_OF, descending=ordering.startswith("-"), segment=segment)

    for offset in range(0, len(full) + 3, 3):
        params = {"ordering": ordering, "asOf": AS_OF.isoformat(), "segment": segment, "limit": 3, "offset": offset}
        assert page(api, **params) == full[offset : offset + 3]


def test_a_page_past_the_end_is_empty_with_the_total(api, account):
    populate(account, seed=5)

    response = api.get("/api/customers/rfm", {"ordering": "recencyDays", "offset": 500})

    assert response.json() == []
    assert response["X-Total-Count"] == str(len(expected(account, as_of=AS_OF, descending=False)))


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("ordering", "walks"), [("recencyDays", True), ("-recencyDays", True), ("name", False), ("recencyDays,name", False)]
)
def test_recency_pages_walk_the_index_instead_of_sorting_everyone(api, account, ordering, walks):
    populate(account, seed=3)
    api.get("/api/customers/rfm")  # the credential's first use records itself once

    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/customers/rfm", {"ordering": ordering, "offset": 40, "limit": 5}).status_code == 200

    assert any("rfm_walk" in query["sql"] for query in queries.captured_queries) is walks
