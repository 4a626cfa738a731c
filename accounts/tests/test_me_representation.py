"""GET /api/auth/me answers, byte for byte, what DRF's own MeSerializer renders (the compiled plan of a
plain Serializer with nested model serializers, a ModelSerializer DecimalField among them)."""

from decimal import Decimal

import pytest

from accounts.serializers import AccountSerializer, MeSerializer
from omnisales.testing.representations import assert_renders_like_drf, drf_rendering

pytestmark = pytest.mark.django_db


def test_the_account_renders_like_drf_whatever_its_tax_rate(account):
    for rate in (Decimal("0"), Decimal("7.5"), Decimal("19.125")):
        account.tax_rate = rate
        data = assert_renders_like_drf(AccountSerializer, account)
        assert data["tax_rate"] == rate.quantize(Decimal("0.001"))


def test_me_answers_drfs_bytes_for_an_api_key(account, api):
    response = api.get("/api/auth/me")
    assert response.status_code == 200
    body = {
        "user": None,
        "account": account,
        "role": None,
        "scopes": sorted(response.json()["scopes"]),
        "auth_method": "api_key",
    }
    assert response.content == drf_rendering(MeSerializer, body)
