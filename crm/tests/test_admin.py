"""CRM admin: read-only changelists with the account filter first and the pipeline's filters."""

import datetime

import pytest
from django.urls import reverse

from crm import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(account, make_lead, make_opportunity):
    lead = make_lead(name="Ada Lovelace", email="ada@example.com", company="Analytical Engines")
    services.activity_create(
        account=account, lead=lead, type="task", subject="Overdue call", due_date=datetime.date(2000, 1, 1)
    )
    open_deal = make_opportunity(name="Open deal", expected_close_date=datetime.date(2000, 1, 1))
    lost_deal = make_opportunity(name="Lost deal")
    services.opportunity_stage_set(opportunity=lost_deal, stage="lost", lost_reason="Budget")
    return lead, open_deal, lost_deal


@pytest.mark.parametrize(
    ("model", "params", "expected", "absent"),
    [
        ("lead", {"q": "analytical"}, "Ada Lovelace", None),
        ("opportunity", {"pipeline": "open"}, "Open deal", "Lost deal"),
        ("opportunity", {"pipeline": "closed"}, "Lost deal", "Open deal"),
        ("opportunity", {"closing": "overdue"}, "Open deal", "Lost deal"),
        ("opportunity", {"stage__exact": "lost"}, "Lost deal", "Open deal"),
        ("activity", {"due": "overdue"}, "Overdue call", None),
    ],
)
def test_changelists_filter_and_search(admin_client, pipeline, account, model, params, expected, absent):
    response = admin_client.get(reverse(f"admin:crm_{model}_changelist"), params)

    assert response.status_code == 200
    content = response.content.decode()
    assert expected in content
    if absent:
        assert absent not in content
    assert response.context["cl"].model_admin.list_filter[0] == "account"


def test_rows_are_read_only(admin_client, pipeline):
    lead, open_deal, _ = pipeline

    assert admin_client.get(reverse("admin:crm_lead_add")).status_code == 403
    change = admin_client.get(reverse("admin:crm_opportunity_change", args=[open_deal.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert admin_client.post(reverse("admin:crm_lead_delete", args=[lead.pk]), {"post": "yes"}).status_code == 403


def test_the_opportunity_list_is_headed_by_its_pipeline(admin_client, pipeline):
    response = admin_client.get(reverse("admin:crm_opportunity_changelist"), {"pipeline": "open"})

    [figures] = response.context["pipeline"]
    assert figures["currency"] == "USD"
    assert (figures["open"]["count"], {row["stage"]: row["count"] for row in figures["stages"]}["lost"]) == (1, 0)
    assert b'id="pipeline-summary"' in response.content
