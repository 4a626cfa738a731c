from decimal import Decimal

import pytest

from accounts.demo import demo_account
from crm import demo
from crm.models import Activity, Lead, Opportunity
from omnisales.testing.factories import CustomerFactory, product_in_stock

pytestmark = pytest.mark.django_db


def test_demo_pipeline_is_plausible_and_seeded_once():
    account, user = demo_account()
    customers = [CustomerFactory(account=account, email=f"buyer{n}@example.com") for n in range(10)]
    for n in range(5):
        product_in_stock(account, sku=f"DEMO-{n}", price=Decimal("25.00"), stock=500)
    messages = []

    demo.seed(account, user=user, log=messages.append)
    demo.seed(account, user=user, log=messages.append)

    leads = Lead.objects.filter(account=account)
    assert leads.count() == demo.DEMO_LEAD_COUNT
    assert messages[-1] == "CRM: leads already there, left as they are."
    assert {lead.status for lead in leads} == {"new", "contacted", "qualified", "unqualified", "converted"}
    converted = leads.filter(status="converted")
    assert converted.exists() and all(lead.customer_id and lead.converted_opportunity_id for lead in converted)
    linked = {lead.customer_id for lead in converted} & {customer.pk for customer in customers}
    assert linked  # returning customers were linked by email, not duplicated
    stages = set(Opportunity.objects.filter(account=account).values_list("stage", flat=True))
    assert {"won", "lost", "prospecting"} <= stages
    assert Opportunity.objects.filter(account=account, stage="won", order__status="pending").count() == 1
    assert Activity.objects.filter(account=account, type="task", owner=user).exists()
