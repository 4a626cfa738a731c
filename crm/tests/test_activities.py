"""Activities on leads and opportunities, and the open tasks list by due date in the store's time zone."""

import datetime

import pytest
from django.utils import timezone

from crm import services
from crm.models import Activity
from omnisales.testing.assertions import assert_error
from omnisales.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _today(account) -> datetime.date:
    return timezone.localdate(timezone=account.zone)


def test_log_and_list_activities_of_a_lead(api, account, make_lead, member):
    lead = make_lead(owner=member)
    url = f"/api/crm/leads/{lead.pk}/activities"

    call = api.post(url, {"type": "call", "subject": "Intro call", "body": "Wants laptops."}, format="json")
    task = api.post(url, {"type": "task", "subject": "Send prices", "dueDate": "2030-01-18"}, format="json")

    assert (call.status_code, task.status_code) == (201, 201), (call.content, task.content)
    assert call.json()["ownerId"] == member.pk  # the lead's owner by default
    assert (call.json()["leadId"], call.json()["opportunityId"], call.json()["dueDate"]) == (lead.pk, None, None)
    assert (task.json()["dueDate"], task.json()["done"], task.json()["doneAt"]) == ("2030-01-18", False, None)
    listed = api.get(url)
    assert [row["id"] for row in listed.json()] == [task.json()["id"], call.json()["id"]]
    assert listed["X-Total-Count"] == "2"
    assert api.get(f"/api/crm/activities/{call.json()['id']}").json() == call.json()


def test_log_an_activity_on_an_opportunity_with_its_own_owner(api, account, make_opportunity, member):
    opportunity = make_opportunity()
    other_member = MembershipFactory(account=account).user

    response = api.post(
        f"/api/crm/opportunities/{opportunity.pk}/activities",
        {"type": "meeting", "subject": "Demo", "ownerId": other_member.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["opportunityId"], response.json()["ownerId"]) == (opportunity.pk, other_member.pk)
    assert [row["id"] for row in api.get(f"/api/crm/opportunities/{opportunity.pk}/activities").json()] == [
        response.json()["id"]
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "note", "subject": "Hi", "dueDate": "2030-01-01"}, "dueDate"),
        ({"type": "call", "subject": "Hi", "done": True}, "done"),
        ({"type": "fax", "subject": "Hi"}, "type"),
        ({"type": "task", "subject": " "}, "subject"),
        ({"type": "task", "subject": "Hi", "dueDate": "tomorrow"}, "dueDate"),
        ({"type": "task"}, "subject"),
    ],
)
def test_bad_activities_are_refused(api, account, make_lead, body, field):
    lead = make_lead()

    result = assert_error(
        api.post(f"/api/crm/leads/{lead.pk}/activities", body, format="json"), 422, "VALIDATION_ERROR"
    )

    assert field in result["details"]
    assert not Activity.objects.filter(account=account).exists()


def test_completing_and_reopening_a_task(api, make_lead):
    lead = make_lead()
    task = services.activity_create(account=lead.account, lead=lead, type="task", subject="Call back")
    url = f"/api/crm/activities/{task.pk}"

    done = api.patch(url, {"done": True}, format="json").json()
    assert done["done"] is True and done["doneAt"]
    reopened = api.patch(url, {"done": False, "dueDate": "2030-05-01"}, format="json").json()
    assert (reopened["done"], reopened["doneAt"], reopened["dueDate"]) == (False, None, "2030-05-01")
    as_note = api.put(url, {"type": "note", "subject": "Called back"}, format="json").json()
    assert (as_note["type"], as_note["dueDate"], as_note["done"]) == ("note", None, False)
    assert_error(api.patch(url, {"dueDate": "2030-05-01"}, format="json"), 422, "VALIDATION_ERROR")
    assert api.delete(url).status_code == 204
    assert_error(api.get(url), 404, "ACTIVITY_NOT_FOUND")


def test_tasks_lists_open_tasks_by_due_date(api, account, make_lead, member):
    lead = make_lead()
    today = _today(account)

    def task(subject, due, **fields):
        return services.activity_create(
            account=account, lead=lead, type="task", subject=subject, due_date=due, **fields
        )

    overdue = task("Overdue", today - datetime.timedelta(days=2))
    due_today = task("Today", today, owner=member)
    in_six_days = task("This week", today + datetime.timedelta(days=6))
    next_week = task("Later", today + datetime.timedelta(days=7))
    undated = task("Someday", None)
    task("Done already", today, done=True)
    services.activity_create(account=account, lead=lead, type="note", subject="Not a task")

    def subjects(**params):
        response = api.get("/api/crm/tasks", params)
        assert response.status_code == 200, response.content
        return [row["subject"] for row in response.json()]

    assert subjects() == [overdue.subject, due_today.subject, in_six_days.subject, next_week.subject, undated.subject]
    assert subjects(due="overdue") == ["Overdue"]
    assert subjects(due="today") == ["Today"]
    assert subjects(due="week") == ["Today", "This week"]
    assert subjects(ownerId=member.pk) == ["Today"]
    assert subjects(ownerId=member.pk, due="overdue") == []
    assert_error(api.get("/api/crm/tasks", {"due": "yesterday"}), 400, "INVALID_PARAMETER")


def test_due_today_follows_the_stores_time_zone(api, account, make_lead):
    account.timezone = "Pacific/Kiritimati"  # UTC+14: often already tomorrow there
    account.save(update_fields=["timezone"])
    lead = make_lead()
    local_today = _today(account)
    services.activity_create(account=account, lead=lead, type="task", subject="Local today", due_date=local_today)

    assert [row["subject"] for row in api.get("/api/crm/tasks", {"due": "today"}).json()] == ["Local today"]
