"""Plans, checkout, subscription state from webhooks, cancellation, and the product limit on the account."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import UNLIMITED_PRODUCT_LIMIT, Plan, StripeEvent, Subscription, SubscriptionStatus
from billing.services import plan_sync_to_stripe
from omnisales.testing.factories import SubscriptionFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db

CHECKOUT = "/api/billing/checkout"
SUBSCRIPTIONS = "/api/billing/user-subscriptions"


def _cancel_url(subscription_id):
    return f"/api/billing/subscriptions/{subscription_id}/cancel"


def _emitted(event_type):
    return [event.payload["data"] for event in WebhookEvent.objects.filter(event_type=event_type)]


@pytest.fixture
def synced_plans(stripe_fake):
    return {plan.id: plan_sync_to_stripe(plan=plan) for plan in Plan.objects.all()}


@pytest.fixture
def subscribe(api, stripe_fake, webhook_client, synced_plans):
    """Buys `plan_id` on the hosted page of the local Stripe; returns the Stripe subscription."""

    def buy(plan_id="plan_starter", *, deliver=True):
        session = api.post(CHECKOUT, {"planId": plan_id}, format="json").json()
        subscription = stripe_fake.complete_checkout(session["sessionId"])
        if deliver:
            assert {response.status_code for response in stripe_fake.deliver(webhook_client)} == {200}
        return subscription

    return buy


class TestPlans:
    URL = "/api/billing/plans"

    def test_lists_the_seeded_plans_in_the_seed_shape(self, api):
        response = api.get(self.URL)
        assert response.status_code == 200
        plans = response.json()
        assert [plan["id"] for plan in plans] == ["plan_starter", "plan_growth", "plan_pro"]
        assert plans[0] == {
            "id": "plan_starter",
            "name": "Starter Plan",
            "stripeProductId": None,
            "stripePriceId": None,
            "amountCents": 2900,
            "currency": "usd",
            "billingInterval": "month",
            "productLimit": 100,
            "features": ["Up to 100 products", "Basic analytics", "Email support"],
            "isActive": True,
        }
        assert [plan["productLimit"] for plan in plans] == [100, 1000, None]
        assert response["X-Total-Count"] == "3"

    def test_shows_stripe_ids_once_synced(self, api, synced_plans):
        starter = api.get(self.URL).json()[0]
        assert starter["stripeProductId"].startswith("prod_")
        assert starter["stripePriceId"] == synced_plans["plan_starter"].stripe_price_id

    def test_needs_read_billing(self, account, make_client, anonymous_client):
        assert make_client(account, scopes=["read:billing"]).get(self.URL).status_code == 200
        response = make_client(account, scopes=["read:products"]).get(self.URL)
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
        assert anonymous_client.get(self.URL).status_code == 401

    def test_is_active_filter(self, api):
        Plan.objects.filter(pk="plan_growth").update(is_active=False)
        assert [plan["id"] for plan in api.get(f"{self.URL}?isActive=false").json()] == ["plan_growth"]
        assert len(api.get(f"{self.URL}?isActive=true").json()) == 2
        response = api.get(f"{self.URL}?isActive=maybe")
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_PARAMETER")

    def test_query_count_is_fixed(self, api, django_assert_max_num_queries):
        for number in range(20):
            Plan.objects.create(id=f"plan_extra_{number}", name="Extra", amount="5.00", features=["x"])
        with django_assert_max_num_queries(6):  # two are the request's savepoint
            assert len(api.get(self.URL).json()) == 23


class TestSyncPlans:
    def test_creates_product_and_recurring_price_once(self, stripe_fake):
        out = StringIO()
        call_command("stripe_sync_plans", stdout=out)
        starter = Plan.objects.get(pk="plan_starter")
        price = stripe_fake.get(starter.stripe_price_id)
        assert (price["unit_amount"], price["currency"], price["recurring"]["interval"]) == (2900, "usd", "month")
        assert price["product"] == starter.stripe_product_id
        assert price["lookup_key"] == "omnisales_plan_starter"
        assert "plan_pro: product prod_" in out.getvalue()
        requests_made = len(stripe_fake.requests)
        call_command("stripe_sync_plans", stdout=StringIO())
        assert len(stripe_fake.requests) == requests_made

    def test_unknown_plan_and_unconfigured_stripe_are_command_errors(self, settings):
        with pytest.raises(CommandError, match="No such plan"):
            call_command("stripe_sync_plans", "plan_nope")
        settings.STRIPE_SECRET_KEY = ""
        with pytest.raises(CommandError, match="not configured"):
            call_command("stripe_sync_plans", "plan_starter")


class TestCheckout:
    def test_creates_a_subscription_checkout_session_and_writes_nothing(
        self, api, account, stripe_fake, synced_plans, settings
    ):
        response = api.post(CHECKOUT, {"planId": "plan_starter"}, format="json")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"sessionId", "url"}
        assert body["sessionId"].startswith("cs_test_")
        assert body["url"] == f"https://checkout.stripe.com/c/pay/{body['sessionId']}"
        (logged,) = stripe_fake.requests_to("POST", "/v1/checkout/sessions")
        params = logged["params"]
        assert params["mode"] == "subscription"
        assert params["line_items"] == [{"price": synced_plans["plan_starter"].stripe_price_id, "quantity": "1"}]
        assert params["client_reference_id"] == account.id
        assert (
            params["metadata"]
            == params["subscription_data"]["metadata"]
            == {
                "account_id": account.id,
                "plan_id": "plan_starter",
            }
        )
        assert params["success_url"] == settings.BILLING_SUCCESS_URL
        assert params["success_url"].endswith("session_id={CHECKOUT_SESSION_ID}")
        assert params["cancel_url"] == settings.BILLING_CANCEL_URL
        assert logged["idempotency_key"]
        assert Subscription.objects.count() == 0

    def test_the_subscription_exists_only_once_stripe_says_so(
        self, api, account, subscribe, stripe_fake, webhook_client
    ):
        subscribe("plan_starter", deliver=False)
        assert api.get(SUBSCRIPTIONS).json() == []  # the customer is back on the success page; nothing yet
        account.refresh_from_db()
        assert account.product_limit is None
        stripe_fake.deliver(webhook_client)
        (subscription,) = api.get(SUBSCRIPTIONS).json()
        assert subscription["status"] == "active"
        assert subscription["plan"]["id"] == "plan_starter"
        account.refresh_from_db()
        assert account.product_limit == 100

    def test_reuses_the_stripe_customer_of_earlier_subscriptions(self, api, subscribe, stripe_fake):
        stripe_subscription = subscribe("plan_starter")
        api.post(CHECKOUT, {"planId": "plan_growth"}, format="json")
        assert (
            stripe_fake.requests_to("POST", "/v1/checkout/sessions")[-1]["params"]["customer"]
            == (stripe_subscription["customer"])
        )

    @pytest.mark.parametrize(
        ("body", "field"), [({}, "planId"), ({"planId": ""}, "planId"), ({"planId": "p" * 41}, "planId")]
    )
    def test_bad_input_is_422(self, api, stripe_fake, body, field):
        response = api.post(CHECKOUT, body, format="json")
        assert response.status_code == 422
        assert field in response.json()["details"]
        assert stripe_fake.requests == []

    def test_unknown_plan_is_404(self, api, stripe_fake):
        response = api.post(CHECKOUT, {"planId": "plan_platinum"}, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "PLAN_NOT_FOUND")

    def test_inactive_plan_is_409(self, api, synced_plans):
        Plan.objects.filter(pk="plan_growth").update(is_active=False)
        response = api.post(CHECKOUT, {"planId": "plan_growth"}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "PLAN_NOT_AVAILABLE")

    def test_subscribing_twice_to_the_same_plan_is_409_until_it_is_cancelled(
        self, api, subscribe, stripe_fake, webhook_client
    ):
        subscribe("plan_starter")
        response = api.post(CHECKOUT, {"planId": "plan_starter"}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "ALREADY_SUBSCRIBED")
        api.post(_cancel_url(Subscription.objects.get().id), format="json")
        stripe_fake.deliver(webhook_client)
        assert api.post(CHECKOUT, {"planId": "plan_starter"}, format="json").status_code == 200

    def test_stripe_down_is_503(self, api, synced_plans, stripe_fake):
        stripe_fake.stop()
        response = api.post(CHECKOUT, {"planId": "plan_starter"}, format="json")
        assert (response.status_code, response.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")

    def test_needs_write_billing(self, account, make_client, synced_plans, stripe_fake):
        response = make_client(account, scopes=["read:billing"]).post(CHECKOUT, {"planId": "plan_starter"})
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
        assert stripe_fake.requests_to("POST", "/v1/checkout/sessions") == []


class TestSubscriptionState:
    def test_checkout_events_create_one_active_subscription(self, account, subscribe):
        stripe_subscription = subscribe("plan_growth")
        subscription = Subscription.objects.get()
        assert subscription.account == account
        assert subscription.plan_id == "plan_growth"
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.stripe_subscription_id == stripe_subscription["id"]
        assert subscription.stripe_customer_id == stripe_subscription["customer"]
        assert subscription.stripe_checkout_session_id.startswith("cs_test_")
        end = stripe_subscription["items"]["data"][0]["current_period_end"]
        assert int(subscription.current_period_end.timestamp()) == end
        assert (subscription.latest_invoice_status, subscription.latest_invoice_id[:3]) == ("paid", "in_")
        (created,) = _emitted("subscription.created")
        assert (created["subscriptionId"], created["planId"], created["status"]) == (
            subscription.id,
            "plan_growth",
            "active",
        )
        account.refresh_from_db()
        assert account.product_limit == 1000

    @pytest.mark.parametrize("order", ["reverse", lambda events: [events[2], events[0], events[1]]])
    def test_checkout_events_in_any_order_give_the_same_state(self, account, subscribe, stripe_fake, order):
        stripe_fake.webhook_order = order
        subscribe("plan_starter")
        subscription = Subscription.objects.get()
        assert (subscription.status, subscription.plan_id) == ("active", "plan_starter")
        assert subscription.stripe_checkout_session_id and subscription.latest_invoice_status == "paid"
        assert len(_emitted("subscription.created")) == 1
        account.refresh_from_db()
        assert account.product_limit == 100

    def test_pro_plan_is_unlimited_and_ending_it_restores_the_default(
        self, api, account, subscribe, stripe_fake, webhook_client
    ):
        stripe_subscription = subscribe("plan_pro")
        account.refresh_from_db()
        assert account.product_limit == UNLIMITED_PRODUCT_LIMIT
        subscription = Subscription.objects.get()

        response = api.post(_cancel_url(subscription.id), format="json")
        assert response.status_code == 202
        assert response.json()["cancelAtPeriodEnd"] is False  # unchanged until Stripe's webhook arrives
        (logged,) = stripe_fake.requests_to("POST", f"/v1/subscriptions/{stripe_subscription['id']}")
        assert logged["params"] == {"cancel_at_period_end": "true"}
        stripe_fake.deliver(webhook_client)
        (updated,) = api.get(SUBSCRIPTIONS).json()
        assert (updated["status"], updated["cancelAtPeriodEnd"]) == ("active", True)
        assert len(_emitted("subscription.updated")) == 1
        account.refresh_from_db()
        assert account.product_limit == UNLIMITED_PRODUCT_LIMIT  # paid until the period ends

        stripe_fake.end_period(stripe_subscription["id"])
        stripe_fake.deliver(webhook_client)
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELED
        assert subscription.canceled_at is not None
        (deleted,) = _emitted("subscription.deleted")
        assert deleted["status"] == "canceled"
        account.refresh_from_db()
        assert account.product_limit is None

    def test_an_older_update_arriving_last_does_not_win(self, account, api, subscribe, stripe_fake, webhook_client):
        stripe_subscription = subscribe("plan_starter")
        subscription = Subscription.objects.get()
        api.post(_cancel_url(subscription.id), format="json")  # updated @ t (cancel_at_period_end)
        stripe_fake.advance(60)
        stripe_fake.renew(stripe_subscription["id"], paid=False)  # invoice.payment_failed + updated @ t+60 past_due
        stripe_fake.webhook_order = "reverse"
        stripe_fake.deliver(webhook_client)
        subscription.refresh_from_db()
        assert (subscription.status, subscription.cancel_at_period_end) == ("past_due", True)
        assert subscription.latest_invoice_status == "payment_failed"
        results = dict(
            StripeEvent.objects.filter(event_type="customer.subscription.updated").values_list(
                "stripe_created_at", "result"
            )
        )
        assert sorted(results.values()) == ["applied", "stale"]
        account.refresh_from_db()
        assert account.product_limit == 100  # past_due keeps the plan while Stripe retries

    def test_nothing_revives_a_deleted_subscription(self, account, subscribe, stripe_fake, webhook_client):
        stripe_subscription = subscribe("plan_starter")
        stripe_fake.renew(stripe_subscription["id"])  # updated @ t
        stripe_fake._subscription_cancel_now({}, stripe_subscription["id"])  # deleted @ t (same second)
        stripe_fake.webhook_order = "reverse"
        stripe_fake.deliver(webhook_client)
        subscription = Subscription.objects.get()
        assert subscription.status == SubscriptionStatus.CANCELED
        account.refresh_from_db()
        assert account.product_limit is None

    def test_the_largest_entitled_plan_sets_the_limit(self, account, subscribe, stripe_fake, webhook_client):
        subscribe("plan_starter")
        growth = subscribe("plan_growth")
        account.refresh_from_db()
        assert account.product_limit == 1000
        stripe_fake._subscription_cancel_now({}, growth["id"])
        stripe_fake.deliver(webhook_client)
        account.refresh_from_db()
        assert account.product_limit == 100

    def test_renewal_moves_the_period_end(self, subscribe, stripe_fake, webhook_client):
        stripe_subscription = subscribe("plan_starter")
        before = Subscription.objects.get().current_period_end
        stripe_fake.advance(30 * 86_400)
        stripe_fake.renew(stripe_subscription["id"])
        stripe_fake.deliver(webhook_client)
        assert Subscription.objects.get().current_period_end > before

    def test_subscription_of_an_unknown_account_is_ignored(self, client, settings, stripe_fake, webhook_client):
        event = stripe_fake.event(
            "customer.subscription.created",
            {"id": "sub_x", "object": "subscription", "status": "active", "metadata": {"account_id": "acc_nobody"}},
        )
        stripe_fake.deliver(webhook_client)
        assert Subscription.objects.count() == 0
        assert StripeEvent.objects.get(stripe_event_id=event["id"]).result == "ignored"


class TestCancel:
    def test_other_account_and_unknown_ids_are_404(self, api, other_account, stripe_fake):
        foreign = SubscriptionFactory(account=other_account)
        for subscription_id in (foreign.id, "sub_nope"):
            response = api.post(_cancel_url(subscription_id), format="json")
            assert (response.status_code, response.json()["code"]) == (404, "SUBSCRIPTION_NOT_FOUND")
        assert stripe_fake.requests == []

    @pytest.mark.parametrize("status", [SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED])
    def test_ended_subscriptions_are_409(self, api, account, stripe_fake, status):
        subscription = SubscriptionFactory(account=account, status=status)
        response = api.post(_cancel_url(subscription.id), format="json")
        assert (response.status_code, response.json()["code"]) == (409, "SUBSCRIPTION_NOT_CANCELABLE")
        assert stripe_fake.requests == []

    def test_needs_write_billing(self, account, make_client, stripe_fake):
        subscription = SubscriptionFactory(account=account)
        response = make_client(account, scopes=["read:billing"]).post(_cancel_url(subscription.id))
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")

    def test_stripe_down_is_503_and_changes_nothing(self, api, subscribe, stripe_fake):
        subscribe("plan_starter")
        subscription = Subscription.objects.get()
        stripe_fake.stop()
        response = api.post(_cancel_url(subscription.id), format="json")
        assert (response.status_code, response.json()["code"]) == (503, "PAYMENT_PROVIDER_UNAVAILABLE")
        subscription.refresh_from_db()
        assert subscription.cancel_at_period_end is False


class TestUserSubscriptions:
    def test_lists_only_the_accounts_subscriptions(self, api, account, other_account):
        mine = SubscriptionFactory(account=account)
        SubscriptionFactory(account=other_account)
        (row,) = api.get(SUBSCRIPTIONS).json()
        assert set(row) == {
            "id",
            "stripeSubscriptionId",
            "status",
            "plan",
            "currentPeriodEnd",
            "cancelAtPeriodEnd",
            "createdAt",
        }
        assert (row["id"], row["plan"]["id"]) == (mine.id, "plan_starter")
        assert row["id"].startswith("sub_")

    def test_status_filter(self, api, account):
        SubscriptionFactory(account=account, status=SubscriptionStatus.CANCELED)
        active = SubscriptionFactory(account=account)
        assert [row["id"] for row in api.get(f"{SUBSCRIPTIONS}?status=active").json()] == [active.id]
        response = api.get(f"{SUBSCRIPTIONS}?status=dormant")
        assert (response.status_code, response.json()["code"]) == (400, "INVALID_PARAMETER")

    def test_needs_read_billing(self, account, make_client):
        response = make_client(account, scopes=["read:orders"]).get(SUBSCRIPTIONS)
        assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")

    @pytest.mark.parametrize("rows", [1, 25])
    def test_query_count_does_not_grow_with_rows(self, api, account, rows, django_assert_max_num_queries):
        SubscriptionFactory.create_batch(rows, account=account)
        with django_assert_max_num_queries(6):  # two are the request's savepoint
            assert len(api.get(SUBSCRIPTIONS).json()) == rows
