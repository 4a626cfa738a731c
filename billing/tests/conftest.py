import pytest

from billing.tests.stripe_server import FakeStripe


@pytest.fixture
def stripe_fake(settings):
    """A running local Stripe; the app's Stripe settings point at it for the test."""
    with FakeStripe() as fake:
        fake.configure(settings)
        yield fake


@pytest.fixture
def webhook_client(client):
    """send(body, signature) -> response: posts a signed event to our webhook as Stripe does."""

    def send(body: bytes, signature: str | None):
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
        return client.post("/api/payments/webhook", data=body, content_type="application/json", **headers)

    return send
