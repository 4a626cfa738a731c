"""The admin pages for billing, and the demo data."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import demo
from billing.models import Payment, PaymentStatus, Plan, Refund, StripeEvent
from billing.services import stripe_event_process
from billing.tests.factories import PaymentFactory
from omnisales.testing.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(account):
    payment = PaymentFactory(account=account, status=PaymentStatus.PARTIALLY_REFUNDED, amount_refunded=Decimal("5"))
    refund = Refund.objects.create(account=account, payment=payment, amount=Decimal("5"), currency="usd")
    subscription = SubscriptionFactory(account=account)
    record, _ = stripe_event_process(
        event={"id": "evt_admin", "type": "ping", "created": 1700000000, "data": {"object": {"secret": "<b>x</b>"}}}
    )
    return {"payment": payment, "refund": refund, "subscription": subscription, "stripeevent": record}


@pytest.mark.parametrize("model", ["payment", "refund", "subscription", "stripeevent", "plan"])
def test_changelists_and_searches_load(admin_client, rows, model):
    url = reverse(f"admin:billing_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "pay_"}).status_code == 200


@pytest.mark.parametrize("model", ["payment", "refund", "subscription", "stripeevent"])
def test_records_owned_by_stripe_are_read_only(admin_client, rows, model):
    obj = rows[model]
    page = admin_client.get(reverse(f"admin:billing_{model}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert b'type="submit" value="Save"' not in page.content
    assert admin_client.get(reverse(f"admin:billing_{model}_add")).status_code == 403
    assert (
        admin_client.post(reverse(f"admin:billing_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    )


def test_event_payload_is_shown_escaped(admin_client, rows):
    page = admin_client.get(reverse("admin:billing_stripeevent_change", args=[rows["stripeevent"].pk]))
    assert b"evt_admin" in page.content
    assert b"&lt;b&gt;x&lt;/b&gt;" in page.content


def test_plans_are_editable(admin_client):
    url = reverse("admin:billing_plan_change", args=["plan_starter"])
    plan = Plan.objects.get(pk="plan_starter")
    response = admin_client.post(
        url,
        {
            "name": "Starter",
            "stripe_product_id": "",
            "stripe_price_id": "price_manual",
            "amount": "35.00",
            "currency": "usd",
            "billing_interval": "month",
            "product_limit": "150",
            "features": '["Up to 150 products"]',
            "is_active": "on",
            "sort_order": "10",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.amount, plan.product_limit, plan.stripe_price_id) == (Decimal("35.00"), 150, "price_manual")


def test_plan_features_must_be_a_list_of_strings(admin_client):
    response = admin_client.post(
        reverse("admin:billing_plan_add"),
        {"id": "plan_bad", "name": "Bad", "amount": "1", "currency": "usd", "billing_interval": "month",
         "features": '{"not": "a list"}', "sort_order": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Plan.objects.filter(pk="plan_bad").exists()


def test_sync_action_sets_up_plans_in_stripe(admin_client, stripe_fake):
    response = admin_client.post(
        reverse("admin:billing_plan_changelist"),
        {"action": "sync_to_stripe", "_selected_action": ["plan_growth"]},
        follow=True,
    )
    assert response.status_code == 200
    assert Plan.objects.get(pk="plan_growth").stripe_price_id.startswith("price_")
    assert Plan.objects.get(pk="plan_starter").stripe_price_id == ""


def test_a_plan_in_use_cannot_be_deleted(admin_client, account):
    SubscriptionFactory(account=account)
    response = admin_client.post(reverse("admin:billing_plan_delete", args=["plan_starter"]), {"post": "yes"})
    assert response.status_code == 403
    assert Plan.objects.filter(pk="plan_starter").exists()


def test_demo_seed_is_idempotent_and_calls_no_one(account, settings):
    settings.STRIPE_SECRET_KEY = ""  # any Stripe call would fail
    messages = []
    demo.seed(account, user=None, log=messages.append)
    demo.seed(account, user=None, log=messages.append)
    payments = Payment.objects.filter(account=account)
    assert payments.count() == len(demo._PAYMENTS)
    assert messages[-1] == "Billing: demo payments already present."
    assert set(payments.values_list("status", flat=True)) == {"succeeded", "failed", "partially_refunded", "refunded"}
    for payment in payments:
        assert Decimal("0") <= payment.amount_refunded <= payment.amount
        assert sum(refund.amount for refund in payment.refunds.all()) == payment.amount_refunded
    assert payments.order_by("created_at").first().created_at < payments.order_by("created_at").last().created_at
    assert StripeEvent.objects.count() == 0
