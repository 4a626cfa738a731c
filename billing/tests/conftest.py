import pytest


@pytest.fixture
def webhook_client(client):
    """send(body, signature) -> response: posts a signed event to our webhook as Stripe does."""

    def send(body: bytes, signature: str | None):
        headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
        return client.post("/api/payments/webhook", data=body, content_type="application/json", **headers)

    return send
