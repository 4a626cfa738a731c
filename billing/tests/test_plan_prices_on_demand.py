"""Checkout works with only the Stripe keys set: a plan's Stripe product and price are found (by the price's
lookup key) or created on first use, once, and the plan keeps their ids. No `stripe_sync_plans` needed."""

import pytest
from django.urls import reverse

from billing.models import Plan
from billing.providers import stripe_gateway
from billing.services import plan_sync_to_stripe
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/billing/checkout"
LOOKUP_KEY = "omnisales_plan_starter"


def stripe_prices(fake) -> list[dict]:
    return [obj for obj in fake.objects.values() if obj["object"] == "price"]


def stripe_products(fake) -> list[dict]:
    return [obj for obj in fake.objects.values() if obj["object"] == "product"]


def checkout(api, plan_id="plan_starter"):
    response = api.post(CHECKOUT, {"planId": plan_id}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_first_checkout_creates_the_product_and_price_once_and_the_plan_keeps_them(api, stripe_fake):
    checkout(api)

    (price,) = stripe_prices(stripe_fake)
    (product,) = stripe_products(stripe_fake)
    assert (price["unit_amount"], price["currency"], price["recurring"]["interval"]) == (2900, "usd", "month")
    assert (price["lookup_key"], price["product"]) == (LOOKUP_KEY, product["id"])
    assert (product["name"], product["metadata"]) == ("Starter Plan", {"plan_id": "plan_starter"})
    (created,) = stripe_fake.requests_to("POST", "/v1/prices")
    assert created["idempotency_key"] == "plan:plan_starter:price:new-product:2900:usd:month"
    (session,) = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
    assert session["params"]["line_items"] == [{"price": price["id"], "quantity": "1"}]
    plan = Plan.objects.get(pk="plan_starter")
    assert (plan.stripe_product_id, plan.stripe_price_id) == (product["id"], price["id"])
    starter = api.get("/api/billing/plans").json()[0]
    assert (starter["stripeProductId"], starter["stripePriceId"]) == (product["id"], price["id"])

    listed = len(stripe_fake.requests_to("GET", "/v1/prices"))
    checkout(api)

    assert len(stripe_fake.requests_to("GET", "/v1/prices")) == listed, "the stored ids are used"
    assert stripe_fake.requests_to("POST", "/v1/prices") == [created]
    assert len(stripe_prices(stripe_fake)) == len(stripe_products(stripe_fake)) == 1
    assert len(stripe_fake.requests_to("POST", "/v1/checkout/sessions")) == 2


def test_another_process_or_database_finds_them_by_lookup_key(api, stripe_fake):
    checkout(api)
    ids = Plan.objects.filter(pk="plan_starter").values_list("stripe_product_id", "stripe_price_id").get()
    Plan.objects.filter(pk="plan_starter").update(stripe_product_id="", stripe_price_id="")  # never learned them

    checkout(api)

    found = stripe_fake.requests_to("GET", "/v1/prices")[-1]
    assert found["params"]["lookup_keys"] == [LOOKUP_KEY]
    assert len(stripe_fake.requests_to("POST", "/v1/prices")) == 1, "found, not created again"
    assert Plan.objects.filter(pk="plan_starter").values_list("stripe_product_id", "stripe_price_id").get() == ids


def test_processes_that_both_found_nothing_get_the_same_price_from_stripe(stripe_fake, monkeypatch):
    first = plan_sync_to_stripe(plan=Plan.objects.get(pk="plan_starter"))
    # A second process listed before the first one's price existed, and creates it too.
    Plan.objects.filter(pk="plan_starter").update(stripe_product_id="", stripe_price_id="")
    monkeypatch.setattr(stripe_gateway, "price_by_lookup_key", lambda *, lookup_key: None)

    second = plan_sync_to_stripe(plan=Plan.objects.get(pk="plan_starter"))

    assert (second.stripe_product_id, second.stripe_price_id) == (first.stripe_product_id, first.stripe_price_id)
    assert len(stripe_prices(stripe_fake)) == len(stripe_products(stripe_fake)) == 1
    replayed = stripe_fake.requests_to("POST", "/v1/prices")
    assert len(replayed) == 2 and replayed[0]["idempotency_key"] == replayed[1]["idempotency_key"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_processes_make_one_product_and_one_price(stripe_fake):
    plans = run_together(*[lambda: plan_sync_to_stripe(plan=Plan.objects.get(pk="plan_growth"))] * 6)

    (price,) = stripe_prices(stripe_fake)
    assert len(stripe_products(stripe_fake)) == 1
    assert [(plan.stripe_product_id, plan.stripe_price_id) for plan in plans] == [(price["product"], price["id"])] * 6
    assert Plan.objects.filter(pk="plan_growth").values_list("stripe_price_id", flat=True).get() == price["id"]


def test_a_price_that_no_longer_fits_the_plan_is_replaced_on_the_same_product(api, stripe_fake):
    checkout(api)
    old = Plan.objects.get(pk="plan_starter")
    Plan.objects.filter(pk="plan_starter").update(amount="35.00", stripe_price_id="")  # the amount changed

    checkout(api)

    plan = Plan.objects.get(pk="plan_starter")
    new_price = stripe_fake.get(plan.stripe_price_id)
    assert plan.stripe_price_id != old.stripe_price_id
    assert (new_price["unit_amount"], new_price["product"], new_price["lookup_key"]) == (
        3500,
        old.stripe_product_id,
        LOOKUP_KEY,
    )
    assert stripe_fake.get(old.stripe_price_id)["lookup_key"] is None, "the lookup key moved to the new price"
    assert len(stripe_products(stripe_fake)) == 1


@pytest.mark.parametrize(
    ("setup", "plan_id", "status", "code"),
    [
        (lambda account: None, "plan_platinum", 404, "PLAN_NOT_FOUND"),
        (
            lambda account: Plan.objects.filter(pk="plan_growth").update(is_active=False),
            "plan_growth",
            409,
            "PLAN_NOT_AVAILABLE",
        ),
        (
            lambda account: SubscriptionFactory(account=account, plan_id="plan_pro"),
            "plan_pro",
            409,
            "ALREADY_SUBSCRIBED",
        ),
    ],
)
def test_every_refusal_comes_before_any_stripe_call(api, account, stripe_fake, setup, plan_id, status, code):
    setup(account)
    response = api.post(CHECKOUT, {"planId": plan_id}, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert stripe_fake.requests == []
    assert not Plan.objects.exclude(stripe_price_id="").exists()


def test_without_a_stripe_key_checkout_is_503_and_calls_no_one(api, stripe_fake, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = api.post(CHECKOUT, {"planId": "plan_starter"}, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "PAYMENTS_NOT_CONFIGURED")
    assert stripe_fake.requests == []


def test_stripe_down_while_setting_up_the_price_is_503_and_stores_nothing(api, stripe_fake):
    stripe_fake.stop()
    response = api.post(CHECKOUT, {"planId": "plan_starter"}, format="json")
    assert (response.status_code, response.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
    assert Plan.objects.get(pk="plan_starter").stripe_price_id == ""


def test_the_admin_lists_each_plans_stripe_ids(client, api, stripe_fake):
    checkout(api)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:billing_plan_changelist")).content.decode()
    plan = Plan.objects.get(pk="plan_starter")
    assert plan.stripe_product_id in page and plan.stripe_price_id in page
