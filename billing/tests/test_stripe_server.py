"""The local Stripe speaks Stripe's wire protocol: proven with the real SDK and with raw HTTP."""

import json

import pytest
import requests
import stripe

from omnisales.testing.stripe_server import API_KEY, FakeStripe, parse_form, signature_header


@pytest.fixture
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture
def sdk(fake):
    return stripe.StripeClient(
        API_KEY,
        base_addresses={"api": fake.base_url},
        http_client=stripe.RequestsClient(timeout=5),
        max_network_retries=0,
    )


def test_parse_form_handles_stripe_bracket_nesting():
    body = (
        "amount=100&metadata%5Border_id%5D=ord_1&expand%5B0%5D=latest_charge&expand%5B1%5D=customer"
        "&line_items%5B0%5D%5Bprice%5D=price_1&line_items%5B0%5D%5Bquantity%5D=1&tags%5B%5D=a&tags%5B%5D=b"
    )
    assert parse_form(body) == {
        "amount": "100",
        "metadata": {"order_id": "ord_1"},
        "expand": ["latest_charge", "customer"],
        "line_items": [{"price": "price_1", "quantity": "1"}],
        "tags": ["a", "b"],
    }


def test_stripe_v1_signature_test_vector():
    body = b'{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}'
    expected = "54a9036359a316ea53f7f76aed98e75c86967dcfc489aa367926583bc64522f5"
    assert signature_header(body, "whsec_test", 1700000000) == f"t=1700000000,v1={expected}"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "You did not provide an API key."),
        ({"Authorization": "Bearer sk_test_wrong"}, "Invalid API Key provided: sk_test_****"),
        ({"Authorization": "Bearer sk_live_omnisales_fake"}, "Invalid API Key provided: sk_live_****"),
    ],
)
def test_requests_without_the_test_key_are_401(fake, headers, message):
    response = requests.post(f"{fake.base_url}/v1/payment_intents", data={"amount": 100}, headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json() == {"error": {"type": "invalid_request_error", "message": message}}


def test_basic_auth_with_the_key_as_user_name_is_accepted(fake):
    response = requests.post(
        f"{fake.base_url}/v1/payment_intents",
        data={"amount": 100, "currency": "usd"},
        auth=(API_KEY, ""),
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "requires_payment_method"


def test_confirmed_visa_payment_succeeds_with_an_expandable_charge(sdk, fake):
    intent = sdk.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"payment_id": "pay_1"},
            "expand": ["latest_charge"],
        }
    )
    assert intent.id.startswith("pi_")
    assert intent.status == "succeeded"
    assert intent.amount_received == 2500
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert intent.latest_charge.id.startswith("ch_")
    assert intent.latest_charge.receipt_url.startswith("https://pay.stripe.com/receipts/")
    retrieved = sdk.v1.payment_intents.retrieve(intent.id)
    assert retrieved.latest_charge == intent.latest_charge.id
    assert retrieved.metadata == {"payment_id": "pay_1"}
    assert [event["type"] for event in fake.pending] == ["payment_intent.succeeded", "charge.succeeded"]
    assert all(event["id"].startswith("evt_") for event in fake.pending)


def test_declined_card_is_a_402_card_error_carrying_the_payment_intent(sdk):
    with pytest.raises(stripe.CardError) as caught:
        sdk.v1.payment_intents.create(
            params={"amount": 2500, "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )
    error = caught.value.json_body["error"]
    assert caught.value.http_status == 402
    assert error["type"] == "card_error"
    assert error["code"] == "card_declined"
    assert error["decline_code"] == "generic_decline"
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert error["payment_intent"]["last_payment_error"]["decline_code"] == "generic_decline"


def test_authentication_required_card_needs_action(sdk, fake):
    intent = sdk.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
        }
    )
    assert intent.status == "requires_action"
    assert intent.next_action.type == "use_stripe_sdk"
    assert fake.authenticate(intent.id, succeed=True)["status"] == "succeeded"


def test_unknown_payment_method_is_a_resource_missing_error(sdk):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.v1.payment_intents.create(
            params={"amount": 2500, "currency": "usd", "payment_method": "pm_nope", "confirm": True}
        )
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "payment_method"


def test_idempotency_key_replays_the_same_answer_and_refuses_other_parameters(sdk, fake):
    params = {"amount": 2500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    first = sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "key-1"})
    again = sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "key-1"})
    assert again.id == first.id
    assert len([obj for obj in fake.objects.values() if obj["object"] == "payment_intent"]) == 1
    with pytest.raises(stripe.IdempotencyError):
        sdk.v1.payment_intents.create(params={**params, "amount": 2600}, options={"idempotency_key": "key-1"})


def test_replayed_answer_is_marked(fake):
    def post():
        return requests.post(
            f"{fake.base_url}/v1/payment_intents",
            data={"amount": 100, "currency": "usd"},
            headers={"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": "same"},
            timeout=5,
        )

    first, second = post(), post()
    assert second.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"


def test_refunds_never_exceed_what_is_left_on_the_charge(sdk, fake):
    intent = sdk.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    refund = sdk.v1.refunds.create(params={"payment_intent": intent.id, "amount": 600})
    assert refund.id.startswith("re_")
    assert refund.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.v1.refunds.create(params={"payment_intent": intent.id, "amount": 401})
    assert caught.value.code == "amount_too_large"
    rest = sdk.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 400
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.v1.refunds.create(params={"payment_intent": intent.id})
    assert caught.value.code == "charge_already_refunded"
    charge = fake.get(fake.get(intent.id)["latest_charge"])
    assert (charge["amount_refunded"], charge["refunded"]) == (1000, True)


def test_checkout_completion_creates_a_subscription_and_sends_signed_events(sdk, fake):
    price = fake.price_create(unit_amount=2900)
    session = sdk.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "line_items": [{"price": price["id"], "quantity": 1}],
            "success_url": "https://example.com/ok?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://example.com/cancel",
            "client_reference_id": "acc_1",
            "subscription_data": {"metadata": {"plan_id": "plan_starter"}},
        }
    )
    assert session.id.startswith("cs_test_")
    assert session.url.endswith(session.id)
    assert session.subscription is None
    fake.pending.clear()

    response = requests.post(f"{fake.base_url}/__fake__/checkout/{session.id}/complete", timeout=5)
    assert response.status_code == 200
    subscription = response.json()["object"]
    assert subscription["id"].startswith("sub_")
    assert subscription["customer"].startswith("cus_")
    assert subscription["metadata"] == {"plan_id": "plan_starter"}
    sent = []
    fake.deliver(lambda body, signature: sent.append((body, signature)))
    types = [json.loads(body)["type"] for body, _ in sent]
    assert types == ["checkout.session.completed", "customer.subscription.created", "invoice.paid"]
    for body, signature in sent:
        assert stripe.WebhookSignature.verify_header(body.decode(), signature, fake.webhook_secret, tolerance=300)
    invoice = json.loads(sent[2][0])["data"]["object"]
    assert invoice["id"].startswith("in_")
    assert invoice["parent"]["subscription_details"]["subscription"] == subscription["id"]


def test_subscription_update_sends_the_previous_attributes(sdk, fake):
    price = fake.price_create(unit_amount=2900)
    session = sdk.v1.checkout.sessions.create(
        params={"mode": "subscription", "line_items": [{"price": price["id"]}], "success_url": "https://e.com"}
    )
    subscription = fake.complete_checkout(session.id)
    fake.pending.clear()
    updated = sdk.v1.subscriptions.update(subscription["id"], params={"cancel_at_period_end": True})
    assert updated.cancel_at_period_end is True
    (event,) = fake.take_pending()
    assert event["type"] == "customer.subscription.updated"
    assert event["data"]["previous_attributes"] == {"cancel_at_period_end": False}


def test_event_order_is_configurable(fake):
    fake.event("first", {"id": "x"}, created=100)
    fake.event("second", {"id": "x"}, created=200)
    fake.webhook_order = "reverse"
    assert [event["type"] for event in fake.take_pending()] == ["second", "first"]


def test_injected_failures_and_request_log(fake, sdk):
    requests.post(f"{fake.base_url}/__fake__/fail-next", json={"status": 503}, timeout=5)
    with pytest.raises(stripe.APIError):
        sdk.v1.payment_intents.retrieve("pi_missing")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        sdk.v1.payment_intents.retrieve("pi_missing")
    assert caught.value.http_status == 404
    log = requests.get(f"{fake.base_url}/__fake__/requests", timeout=5).json()["data"]
    assert [entry["path"] for entry in log] == ["/v1/payment_intents/pi_missing"] * 2
    assert log[0]["stripe_version"] == stripe.api_version


def _recurring_price(sdk, key: str, **params):
    params = {"unit_amount": 2900, "currency": "usd", "recurring": {"interval": "month"}, **params}
    return sdk.v1.prices.create(params=params, options={"idempotency_key": key})


def test_a_price_can_make_its_product_in_the_same_request(sdk, fake):
    price = _recurring_price(sdk, "p1", product_data={"name": "Starter", "metadata": {"plan_id": "plan_starter"}})

    product = fake.get(price.product)
    assert product["id"].startswith("prod_") and product["name"] == "Starter"
    assert product["metadata"] == {"plan_id": "plan_starter"}
    with pytest.raises(stripe.InvalidRequestError, match="only specify one of these parameters"):
        _recurring_price(sdk, "p2", product=price.product, product_data={"name": "Other"})
    with pytest.raises(stripe.InvalidRequestError, match=r"Missing required param: product\."):
        _recurring_price(sdk, "p3")
    with pytest.raises(stripe.InvalidRequestError, match=r"product_data\[name\]"):
        _recurring_price(sdk, "p4", product_data={"metadata": {"a": "b"}})
    assert [obj["id"] for obj in fake.objects.values() if obj["object"] == "product"] == [product["id"]]


def test_prices_are_listed_newest_first_and_found_by_lookup_key(sdk, fake):
    first = _recurring_price(sdk, "p1", product_data={"name": "Starter"}, lookup_key="omnisales_plan_starter")
    second = _recurring_price(sdk, "p2", product=first.product, unit_amount=3900, lookup_key="other")

    assert [price.id for price in sdk.v1.prices.list().data] == [second.id, first.id]
    found = sdk.v1.prices.list(params={"lookup_keys": ["omnisales_plan_starter"]})
    assert (found.object, found.url, found.has_more) == ("list", "/v1/prices", False)
    assert [price.id for price in found.data] == [first.id]
    assert sdk.v1.prices.list(params={"lookup_keys": ["nobody"]}).data == []
    assert fake.requests_to("GET", "/v1/prices")[-1]["params"] == {"lookup_keys": ["nobody"]}

    # transfer_lookup_key moves the key to the new price; without it a taken key is refused.
    with pytest.raises(stripe.InvalidRequestError, match="already uses that lookup key"):
        _recurring_price(sdk, "p3", product=first.product, lookup_key="omnisales_plan_starter")
    third = _recurring_price(
        sdk,
        "p4",
        product=first.product,
        unit_amount=4900,
        lookup_key="omnisales_plan_starter",
        transfer_lookup_key=True,
    )
    found = sdk.v1.prices.list(params={"lookup_keys": ["omnisales_plan_starter", "other"]}).data
    assert [price.id for price in found] == [third.id, second.id]


def test_price_lists_page_by_limit_and_cursor(sdk, fake):
    ids = [_recurring_price(sdk, f"p{number}", product_data={"name": "P"}).id for number in range(3)]

    page = sdk.v1.prices.list(params={"limit": 2})
    assert ([price.id for price in page.data], page.has_more) == ([ids[2], ids[1]], True)
    rest = sdk.v1.prices.list(params={"limit": 2, "starting_after": ids[1]})
    assert ([price.id for price in rest.data], rest.has_more) == ([ids[0]], False)
    before = sdk.v1.prices.list(params={"limit": 1, "ending_before": ids[0]})
    assert [price.id for price in before.data] == [ids[1]]
    for params in ({"limit": 0}, {"limit": 101}, {"lookup_keys": [f"k{n}" for n in range(11)]}):
        with pytest.raises(stripe.InvalidRequestError):
            sdk.v1.prices.list(params=params)
