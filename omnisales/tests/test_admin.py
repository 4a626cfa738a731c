"""The admin, Omni Sales' staff back office: branding, who gets in, and a sweep over every registered model
(its changelist and change page render with data in them, tenant rows filter by account, deletions that
would bypass the services are not offered)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Role, User
from billing.services import stripe_event_process
from catalog.models import ProductImportJob
from loyalty.services import points as loyalty_points
from loyalty.services.discounts import discount_code_create
from marketplace import services as marketplace_services
from marketplace.models import MarketplaceBuyer, MarketplaceListing, MarketplaceOrder, SyncJob
from omnisales.api import scopes
from omnisales.testing.factories import (
    AccountFactory,
    MembershipFactory,
    SubscriptionFactory,
    oauth_client,
    place_order,
)
from orders.models import Order
from returns.services.reviews import review_settings_update
from webhooks import services as webhook_services
from webhooks.models import WebhookDelivery, WebhookDeliveryAttempt

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # omnisales.testing.factories.UserFactory's
OUR_APPS = {"accounts", "webhooks", "catalog", "customers", "inventory", "orders", "billing", "api", "messaging"}


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser(email="ops@example.com"))
    return client


def test_the_site_is_branded(staff_client):
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert "<title>Omni Sales back office | Omni Sales</title>" in page
    assert '<a href="/admin/">Omni Sales</a>' in page
    assert "Django administration" not in page and "Site administration" not in page


def test_api_keys_are_listed_once(staff_client):
    app_list = staff_client.get(reverse("admin:index")).context["app_list"]
    names = [model["name"] for app in app_list for model in app["models"]]
    assert names.count("API keys") == 1
    assert "Idempotency records" not in names


def test_a_merchant_member_cannot_reach_the_admin(client, staff_client):
    member = MembershipFactory(role=Role.OWNER)  # the merchant's owner, not Omni Sales staff
    pages = [
        reverse("admin:index"),
        reverse("admin:orders_order_changelist"),
        reverse("admin:accounts_user_changelist"),
    ]

    client.force_login(member.user)
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), page

    client.logout()
    response = client.post("/admin/login/?next=/admin/", {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 200 and "correct email and password for a staff account" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def _admins():
    return [(model, model_admin) for model, model_admin in admin.site._registry.items()]


def _ours():
    return [(model, model_admin) for model, model_admin in _admins() if model._meta.app_label in OUR_APPS]


def _filters_by_account(model_admin) -> bool:
    names = [entry[0] if isinstance(entry, tuple) else entry for entry in model_admin.list_filter]
    return "account" in names


@pytest.mark.parametrize(("model", "model_admin"), _ours(), ids=lambda value: getattr(value, "__name__", ""))
def test_every_model_of_ours_is_listed_usefully(model, model_admin):
    tenant_owned = any(field.name == "account" and field.is_relation for field in model._meta.fields)
    assert tuple(model_admin.list_display) != ("__str__",), "list the fields staff look for"
    assert model_admin.search_fields, "staff find rows by id, name, email, ..."
    assert model_admin.list_filter, "staff narrow lists down"
    if tenant_owned:
        assert _filters_by_account(model_admin), f"{model.__name__} belongs to an account: filter by it"


# Deleting these rows through the admin is what their services do: a plain delete, with receivers
# forgetting cached credentials (docs/security.md, "Credential cache").
PLAIN_DELETE_IS_THE_SERVICE = {"User", "Membership", "ApiKey", "Plan"}


@pytest.mark.parametrize(("model", "model_admin"), _ours(), ids=lambda value: getattr(value, "__name__", ""))
def test_deleting_goes_through_the_services_or_is_not_offered(rf, model, model_admin):
    request = rf.get("/admin/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    if not model_admin.has_delete_permission(request) or model.__name__ in PLAIN_DELETE_IS_THE_SERVICE:
        return
    overrides = {
        name: getattr(type(model_admin), name) is not getattr(admin.ModelAdmin, name)
        for name in ("delete_model", "delete_queryset")
    }
    assert all(overrides.values()), f"{model.__name__}: the admin would delete rows behind the services' back"


@pytest.fixture
def every_model_has_rows(settings, staff_client):
    """The demo store, plus a row of each registered model the demo leaves empty. Returns the secrets
    created on the way, which no admin page may show."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    call_command("seed_demo", stdout=io.StringIO())
    account = AccountFactory(name="Sweep Store")
    member = MembershipFactory(account=account)
    secrets = []

    place_order(account)  # a pending order: a stock reservation
    SubscriptionFactory(account=account)
    stripe_event_process(event={"id": "evt_sweep", "type": "ping", "created": 1700000000, "data": {"object": {}}})
    Group.objects.create(name="Support")

    endpoint, webhook_secret = webhook_services.endpoint_create(
        account=account, url="http://127.0.0.1:9/h", events=["*"]
    )
    event = webhook_services.event_emit(account=account, event="order.created", data={"order_id": "ord_1"})
    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    WebhookDeliveryAttempt.objects.create(account=account, delivery=delivery, attempt_number=1, status_code=500)
    secrets.append(webhook_secret)

    _, api_key = account_services.api_key_create(
        account=account, name="sweep", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
    )
    client_row, client_secret = oauth_client(account)
    secrets += [api_key, client_secret]
    application, later = client_row.application, timezone.now() + datetime.timedelta(hours=1)
    access = AccessToken.objects.create(
        user=member.user, application=application, token="", token_checksum="a" * 64, expires=later
    )
    RefreshToken.objects.create(
        user=member.user, application=application, token="", token_checksum="b" * 64, access_token=access
    )
    Grant.objects.create(
        user=member.user, application=application, code="c", expires=later, redirect_uri="https://example.com/callback"
    )
    IDToken.objects.create(user=member.user, application=application, expires=later)

    api = APIClient()  # an outstanding refresh token, and a blacklisted one after rotation
    tokens = api.post("/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json").json()
    api.post("/api/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")
    secrets.append(tokens["refresh"])

    Client(REMOTE_ADDR="10.0.0.9").post("/admin/login/", {"username": member.user.email, "password": "wrong"})

    interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.create(minute="5")
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal("1.0"), longitude=Decimal("1.0"))
    ClockedSchedule.objects.create(clocked_time=later)
    PeriodicTask.objects.create(name="sweep", task="webhooks.tasks.deliveries_enqueue_due_task", interval=interval)

    ProductImportJob.objects.create(account=account, file_name="sweep.csv", total_rows=2000)
    connection = marketplace_services.connection_create(
        account=account,
        platform="shopee",
        api_key="partner-id-sweep-0001",
        api_secret="partner-key-sweep-secret",
        shop_id="779210334",
        access_token="shopee-access-token-sweep",
        refresh_token="shopee-refresh-token-sweep",
    )
    secrets += ["partner-key-sweep-secret", "shopee-access-token-sweep", "shopee-refresh-token-sweep"]
    now = timezone.now()
    SyncJob.objects.create(
        account=account,
        connection=connection,
        start_date=now - datetime.timedelta(days=1),
        end_date=now,
        failed=1,
        errors=[{"external_id": "2401155XKQ9PT2", "code": "INVALID_ORDER", "message": "quantity 0"}],
    )
    order = Order.objects.filter(account=account).first()
    MarketplaceOrder.objects.create(
        account=account,
        connection=connection,
        external_id="2401155XKQ9PT1",
        order=order,
        platform_updated_at=now,
        synced_at=now,
    )
    MarketplaceBuyer.objects.create(account=account, platform="shopee", buyer_id="88123", customer=order.customer)
    MarketplaceListing.objects.create(
        account=account, connection=connection, sku="SWEEP-SKU", item_id="1", model_id="2"
    )
    review_settings_update(account=account, auto_approve_verified=True)
    discount = discount_code_create(account=account, code="SWEEP10", type="percentage", value=Decimal("10"))
    place_order(account, discount_code=discount.code)  # a redemption
    loyalty_points.loyalty_program_create(
        account=account, name="Sweep rewards", tiers=[{"name": "Silver", "threshold": Decimal("10")}]
    )
    loyalty_points.points_adjust(account=account, customer=order.customer, points=50, note="A member and a lot")
    return secrets


def test_every_changelist_and_change_page_renders_with_data(staff_client, every_model_has_rows):
    secrets = [secret.encode() for secret in every_model_has_rows]
    failures = []
    for model, _model_admin in _admins():
        obj = model._default_manager.order_by("pk").last()
        if obj is None:
            failures.append(f"{model._meta.label}: no row to show; create one in every_model_has_rows")
            continue
        info = (model._meta.app_label, model._meta.model_name)
        changelist = staff_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        change = staff_client.get(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
        if changelist.status_code != 200 or not changelist.context["cl"].result_count:
            failures.append(f"{model._meta.label}: changelist {changelist.status_code}")
        if change.status_code != 200:
            failures.append(f"{model._meta.label}: change page of {obj.pk} {change.status_code}")
        for page in (changelist, change):
            if any(secret in page.content for secret in secrets):
                failures.append(f"{model._meta.label}: a secret is on {page.request['PATH_INFO']}")
    assert not failures, "\n".join(failures)


def test_a_staff_member_without_the_order_permission_gets_no_figures(client, account):
    place_order(account)
    staff = User.objects.create_user(email="support@example.com", password="x-long-password", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(staff)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200 and "sales" not in page.context
    assert b'id="sales-dashboard"' not in page.content
