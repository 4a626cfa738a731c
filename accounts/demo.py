"""Demo data for accounts: the demo merchant, its owner login and a fresh API key."""

from django.db import transaction

from omnisales.api import scopes

from . import credential_cache
from .models import Account, ApiKey, Membership, Role, User
from .services import api_key_create

DEMO_EMAIL = "demo@omnisales.local"
DEMO_PASSWORD = "omni-demo-2024"
DEMO_STORE = "Omni Demo Store"
DEMO_KEY_NAME = "Demo key"


@transaction.atomic
def demo_account() -> tuple[Account, User]:
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is None:
        user = User.objects.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Owner")
    membership = Membership.objects.select_related("account").filter(user=user, role=Role.OWNER).first()
    if membership is None:
        account = Account.objects.create(name=DEMO_STORE, currency="USD", tax_rate="8.000")
        membership = Membership.objects.create(user=user, account=account, role=Role.OWNER)
    return membership.account, user


def seed(account: Account, *, user: User, log) -> dict:
    """Revokes the previous demo key and issues a new one, since secrets cannot be shown twice."""
    previous = ApiKey.objects.filter(account=account, name=DEMO_KEY_NAME, revoked=False)
    prefixes = list(previous.values_list("prefix", flat=True))
    previous.update(revoked=True)
    credential_cache.forget_api_keys(prefixes)
    _, key = api_key_create(
        account=account,
        name=DEMO_KEY_NAME,
        scopes=[scopes.ADMIN],
        grantor_scopes=scopes.expand([scopes.ADMIN]),
        created_by=user,
    )
    return {"api_key": key}
