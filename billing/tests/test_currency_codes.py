"""Currencies are ISO 4217 codes in use, checked before anything is written or sent to Stripe."""

import pytest

from accounts.models import Account
from billing.models import Payment
from catalog.models import Product
from omnisales.api.money import is_currency

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["usd", "USD", "jpy", "Eur", "CHF"])
def test_codes_in_use_are_currencies(code):
    assert is_currency(code)


@pytest.mark.parametrize("code", ["AAA", "xyz", "us", "USDT", "", "U$D"])
def test_made_up_codes_are_not(code):
    assert not is_currency(code)


@pytest.mark.parametrize("currency", ["aaa", "hte", "ZZZ"])
def test_a_card_payment_in_a_made_up_currency_never_reaches_stripe(api, stripe_fake, currency):
    body = {"amount": 1000, "currency": currency, "paymentMethodId": "pm_card_visa"}
    response = api.post("/api/payments/process", body, format="json")
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["currency"]
    assert stripe_fake.requests_to("POST", "/v1/payment_intents") == []
    assert not Payment.objects.exists()


def test_a_store_cannot_be_registered_in_a_made_up_currency(anonymous_client):
    body = {
        "email": "a@example.com",
        "password": "correct-horse-battery",
        "name": "A",
        "storeName": "A",
        "currency": "AAA",
    }
    response = anonymous_client.post("/api/auth/register", body, format="json")
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["currency"]
    assert not Account.objects.filter(name="A").exists()


def test_a_product_currency_must_exist_and_is_stored_upper_case(api):
    base = {"name": "Mug", "sku": "MUG-1", "price": 10}
    refused = api.post("/api/products", {**base, "currency": "XYZ"}, format="json")
    assert refused.status_code == 422
    assert list(refused.json()["details"]) == ["currency"]
    assert not Product.objects.exists()

    created = api.post("/api/products", {**base, "currency": "eur"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["currency"] == "EUR"
