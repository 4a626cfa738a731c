import pytest

from crm import services
from omnisales.testing.factories import MembershipFactory


@pytest.fixture
def member(account):
    """A user who is a member (staff) of `account`."""
    return MembershipFactory(account=account, role="staff", user__name="Sam Seller").user


@pytest.fixture
def make_lead(account):
    """make_lead(**lead_create fields) -> a lead of `account` made through the service."""

    def build(**fields):
        fields.setdefault("account", account)
        fields.setdefault("name", "John Doe")
        return services.lead_create(**fields)

    return build


@pytest.fixture
def make_opportunity(account):
    """make_opportunity(**opportunity_create fields) -> an opportunity of `account` made through the service."""

    def build(**fields):
        fields.setdefault("account", account)
        fields.setdefault("name", "Acme deal")
        return services.opportunity_create(**fields)

    return build
