"""Routes of this app that take an id, and how to make such an object for an account (with rows in each of
its sub-lists, and an open task due today for the task list)."""

import datetime
import itertools
from decimal import Decimal

from crm import services
from omnisales.testing.factories import CustomerFactory, MembershipFactory, ProductFactory

_numbers = itertools.count(1)


def _lead_with_activities(account):
    owner = MembershipFactory(account=account).user
    number = next(_numbers)
    lead = services.lead_create(
        account=account, name=f"Swept Lead {number}", email=f"swept.lead{number}@example.com", owner=owner
    )
    services.activity_create(account=account, lead=lead, type="note", subject="Met at the fair")
    task = services.activity_create(
        account=account, lead=lead, type="task", subject="Call back", due_date=datetime.date.today()
    )
    return lead, task


def _lead(account):
    return {"leadId": _lead_with_activities(account)[0].pk}


def _activity(account):
    return {"activityId": _lead_with_activities(account)[1].pk}


def _opportunity(account):
    owner = MembershipFactory(account=account).user
    product = ProductFactory(account=account)
    opportunity = services.opportunity_create(
        account=account,
        name=f"Swept deal {next(_numbers)}",
        amount=Decimal("1200.00"),
        customer=CustomerFactory(account=account),
        owner=owner,
        items=[{"product_id": product.pk, "quantity": 2, "price": Decimal("600.00")}],
    )
    services.activity_create(account=account, opportunity=opportunity, type="call", subject="Discovery call")
    return {"opportunityId": opportunity.pk}


SWEEP = {
    "crm-lead-detail": _lead,
    "crm-lead-convert": _lead,
    "crm-lead-activities": _lead,
    "crm-opportunity-detail": _opportunity,
    "crm-opportunity-stage": _opportunity,
    "crm-opportunity-activities": _opportunity,
    "crm-activity-detail": _activity,
}
