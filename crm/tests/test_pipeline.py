"""The pipeline: count, amount and weighted amount per stage, in one SQL statement, filtered by owner, expected
close period and currency."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm import selectors, services
from crm.models import Opportunity
from omnisales.testing.assertions import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(account, make_opportunity, member):
    made = [
        make_opportunity(name="A", amount=Decimal("1000.00"), expected_close_date="2030-01-15", owner=member),
        make_opportunity(name="B", amount=Decimal("333.33"), stage="proposal", expected_close_date="2030-02-10"),
        make_opportunity(name="C", amount=Decimal("2000.00"), stage="negotiation", probability=80),
        make_opportunity(name="D", amount=Decimal("500.00"), expected_close_date="2030-01-20", owner=member),
        make_opportunity(name="E", amount=Decimal("700.00"), currency="EUR"),
    ]
    services.opportunity_stage_set(opportunity=made[3], stage="won")
    lost = make_opportunity(name="F", amount=Decimal("50.00"))
    services.opportunity_stage_set(opportunity=lost, stage="lost", lost_reason="Budget")
    return made


def _by_stage(body):
    return {row["stage"]: (row["count"], row["amount"], row["weightedAmount"]) for row in body["stages"]}


def test_figures_per_stage_and_for_the_open_stages(api, deals):
    response = api.get("/api/crm/pipeline")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "USD"
    assert _by_stage(body) == {
        "prospecting": (1, 1000.0, 100.0),
        "qualification": (0, 0.0, 0.0),
        "proposal": (1, 333.33, 166.67),
        "negotiation": (1, 2000.0, 1600.0),
        "won": (1, 500.0, 500.0),
        "lost": (1, 50.0, 0.0),
    }
    assert body["open"] == {"count": 3, "amount": 3333.33, "weightedAmount": 1866.67}


def test_filters_by_owner_close_period_and_currency(api, deals, member):
    mine = _by_stage(api.get("/api/crm/pipeline", {"ownerId": member.pk}).json())
    assert (mine["prospecting"][0], mine["won"][0], mine["negotiation"][0]) == (1, 1, 0)

    january = api.get("/api/crm/pipeline", {"expectedCloseAfter": "2030-01-01", "expectedCloseBefore": "2030-01-31"})
    assert {stage: figures[0] for stage, figures in _by_stage(january.json()).items() if figures[0]} == {
        "prospecting": 1,
        "won": 1,
    }

    euros = api.get("/api/crm/pipeline", {"currency": "eur"}).json()
    assert euros["currency"] == "EUR" and euros["open"] == {"count": 1, "amount": 700.0, "weightedAmount": 70.0}
    assert_error(api.get("/api/crm/pipeline", {"currency": "AAA"}), 400, "INVALID_PARAMETER")
    assert_error(api.get("/api/crm/pipeline", {"expectedCloseBefore": "end"}), 400, "INVALID_PARAMETER")


def test_the_figures_are_one_sql_statement(account, deals):
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.pipeline(Opportunity.objects.filter(account=account, currency="USD"))

    assert len(queries) == 1
    assert queries[0]["sql"].upper().startswith("SELECT COUNT")
    assert figures["open"]["count"] == 3


def test_another_accounts_deals_are_not_counted(other_api, deals):
    body = other_api.get("/api/crm/pipeline").json()

    assert all(row["count"] == 0 for row in body["stages"]) and body["open"]["count"] == 0


def test_the_endpoint_reads_the_opportunities_once_however_many_there_are(api, account, deals, make_opportunity):
    def opportunity_statements():
        api.get("/api/crm/pipeline")  # warm: the credential cache
        with CaptureQueriesContext(connection) as queries:
            assert (
                api.get("/api/crm/pipeline", {"ownerId": "usr_x", "expectedCloseAfter": "2000-01-01"}).status_code
                == 200
            )
        return [query["sql"] for query in queries if "crm_opportunity" in query["sql"]]

    before = opportunity_statements()
    for number in range(20):
        make_opportunity(name=f"More {number}", amount=Decimal("10.00"))

    assert len(before) == len(opportunity_statements()) == 1
