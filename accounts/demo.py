"""Demo data for accounts: the demo merchant, its owner login and API key; and the development operator.

The demo merchant's owner is a member like any other: no admin access. The admin is the operator's
back office, and `make run` makes one operator login for it (a superuser) beside the demo login.
Plain secrets are shown once; the ones `make run` prints again are kept in `local_credentials`.
"""

import graphlib
import secrets

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from omnisales.api import scopes

from . import credential_cache, local_credentials
from .models import Account, ApiKey, Membership, Role, User
from .services import api_key_create

DEMO_EMAIL = "demo@omnisales.local"
DEMO_PASSWORD = "omni-demo-2024"
DEMO_STORE = "Omni Demo Store"
DEMO_KEY_NAME = "Demo key"
OPERATOR_EMAIL = "operator@omnisales.local"


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


def demo_store() -> Account | None:
    """The demo merchant's account, if it was loaded."""
    membership = Membership.objects.select_related("account").filter(user__email=DEMO_EMAIL, role=Role.OWNER).first()
    return membership.account if membership else None


def seed(account: Account, *, user: User, log) -> dict:
    """Issues the demo API key (admin scope) and keeps it on this machine."""
    return {"api_key": api_key_issue(account, user=user)}


def app_seeds() -> list:
    """The other apps' `demo.seed(account, *, user, log)`, in INSTALLED_APPS order (the layer order): each app
    with a `demo` module, found by Django's module autodiscovery."""
    autodiscover_modules("demo")
    modules = [getattr(config.module, "demo", None) for config in apps.get_app_configs() if config.name != "accounts"]
    return [module.seed for module in modules if module is not None]


def api_key_issue(account: Account, *, user: User | None) -> str:
    """A new demo key; the previous ones are revoked. The plain key is kept in `local_credentials`."""
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
    local_credentials.put(demo_api_key=key)
    return key


def api_key_kept(account: Account) -> str | None:
    """The demo key kept on this machine, if it is still one of `account`'s usable keys."""
    key = local_credentials.get("demo_api_key")
    if not key:
        return None
    try:
        api_key = ApiKey.objects.get_from_key(key)
    except ApiKey.DoesNotExist:
        return None
    return key if api_key.account_id == account.pk and api_key.is_usable else None


def operator_login() -> tuple[str, str | None]:
    """The development operator: a superuser made once, with a generated password kept on this machine.

    Returns (email, password); the password is None when the one kept no longer opens the login (it was
    changed since, or the file is gone): `manage.py changepassword` sets a new one.
    """
    user = User.objects.filter(email=OPERATOR_EMAIL).first()
    if user is None:
        password = secrets.token_urlsafe(15)
        User.objects.create_superuser(email=OPERATOR_EMAIL, password=password, name="Development operator")
        local_credentials.put(operator_password=password)
        return OPERATOR_EMAIL, password
    password = local_credentials.get("operator_password")
    return OPERATOR_EMAIL, password if password and user.check_password(password) else None


@transaction.atomic
def reset(*, log) -> None:
    """Deletes the demo merchant's account with every row it owns in every app, and its owner."""
    account = demo_store()
    if account is not None:
        account_id = account.pk  # delete() clears it
        _account_delete(account)
        log(f"Deleted the demo store {account_id} and everything in it.")
    User.objects.filter(email=DEMO_EMAIL).delete()


def _account_delete(account: Account) -> None:
    """Rows that point at others are deleted before them (PROTECT foreign keys keep order history from
    being deleted one row at a time), each model's rows in one query set delete (signals included)."""
    tenant_models = [
        model
        for model in apps.get_models()
        if any(field.name == "account" and field.related_model is Account for field in model._meta.concrete_fields)
    ]
    referenced_by = {model: set() for model in tenant_models}
    for model in tenant_models:
        for field in model._meta.concrete_fields:
            if not field.is_relation or field.related_model not in referenced_by:
                continue
            if field.related_model is model:  # a tree (category parents, refunds of payments)
                model._base_manager.filter(account=account).exclude(**{field.name: None}).update(**{field.name: None})
            else:
                referenced_by[field.related_model].add(model)
    for model in graphlib.TopologicalSorter(referenced_by).static_order():
        model._base_manager.filter(account=account).delete()
    account.delete()
