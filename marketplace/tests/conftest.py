"""What the marketplace tests share: a connection of `account` to each local platform, its tokens issued by
the platform, and a catalogue whose SKUs the platform's orders name."""

import datetime
from decimal import Decimal

import pytest

from marketplace import services
from omnisales.testing.factories import product_in_stock

FAKES = {"shopee": "shopee_fake", "lazada": "lazada_fake", "facebook": "meta_fake"}
NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture(params=list(FAKES))
def platform(request):
    """Each platform in turn: (code, its local server)."""
    return request.param, request.getfixturevalue(FAKES[request.param])


def connect(account, code, fake, **fields):
    """A connection of `account` to the local platform, with tokens the platform issued."""
    tokens = fake.issue_tokens()
    return services.connection_create(
        account=account,
        platform=code,
        api_key=fake.api_key,
        api_secret=fake.api_secret,
        shop_id=fake.shop_id,
        access_token=tokens["access_token"],
        refresh_token=tokens.get("refresh_token", ""),
        token_expires_at=NOW + datetime.timedelta(seconds=int(tokens["expires_in"])),
        **fields,
    )


@pytest.fixture
def catalog(account):
    """Two products in stock (10 each) whose SKUs the test orders use: SKU-A at 59.90, SKU-B at 12.50."""
    return {
        "SKU-A": product_in_stock(account, sku="SKU-A", price=Decimal("59.90"), stock=10),
        "SKU-B": product_in_stock(account, sku="SKU-B", price=Decimal("12.50"), stock=10),
    }
