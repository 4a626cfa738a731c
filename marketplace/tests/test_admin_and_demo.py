"""The marketplace back office (no secret on any page, the service-backed actions) and the demo connection."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import demo_account
from marketplace import demo
from marketplace.models import ConnectionStatus, MarketplaceConnection, SyncJob, SyncStatus

from .conftest import connect

pytestmark = pytest.mark.django_db


def test_connection_pages_show_hints_never_credentials(admin_client, account, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    pages = [
        admin_client.get(reverse("admin:marketplace_marketplaceconnection_changelist")),
        admin_client.get(reverse("admin:marketplace_marketplaceconnection_change", args=[connection.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert connection.pk in content
        for secret in (shopee_fake.api_secret, connection.access_token, connection.refresh_token):
            assert secret not in content
    assert connection.api_secret_hint in pages[1].content.decode()


def test_sync_now_queues_a_job_per_authorized_connection_and_reports_the_others(admin_client, account, shopee_fake):
    authorized = connect(account, "shopee", shopee_fake)
    pending = MarketplaceConnection.objects.create(
        account=account, platform="lazada", api_key="key", api_secret="secret-secret-1"
    )
    url = reverse("admin:marketplace_marketplaceconnection_changelist")

    response = admin_client.post(
        url, {"action": "sync_now", "_selected_action": [authorized.pk, pending.pk]}, follow=True
    )

    assert response.status_code == 200
    job = SyncJob.objects.get(connection=authorized)
    assert (job.trigger, job.status) == ("admin", SyncStatus.QUEUED)  # enqueued once the admin's request commits
    assert not SyncJob.objects.filter(connection=pending).exists()
    content = response.content.decode()
    assert job.pk in content and "not authorized" in content


def test_a_failed_job_can_be_retried_from_the_back_office(admin_client, account, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    job = SyncJob.objects.create(
        account=account,
        connection=connection,
        start_date=connection.created_at,
        end_date=connection.created_at,
        status=SyncStatus.FAILED,
        error="The platform kept failing",
        errors=[{"external_id": "2401", "code": "INVALID_ORDER", "message": "quantity 0"}],
    )
    page = admin_client.get(reverse("admin:marketplace_syncjob_change", args=[job.pk])).content.decode()
    assert "2401" in page and "INVALID_ORDER" in page

    admin_client.post(
        reverse("admin:marketplace_syncjob_changelist"), {"action": "retry", "_selected_action": [job.pk]}
    )

    job.refresh_from_db()
    assert (job.status, job.error) == (SyncStatus.SUCCEEDED, "")  # in-process here: it ran again, and finished


def test_the_demo_has_a_shopee_connection_waiting_for_authorization(db):
    call_command("seed_demo", stdout=io.StringIO())
    account, user = demo_account()
    connection = MarketplaceConnection.objects.get(account=account)
    assert (connection.platform, connection.status, connection.auto_sync) == (
        "shopee",
        ConnectionStatus.PENDING,
        False,
    )
    logged = []
    demo.seed(account, user=user, log=logged.append)  # a second seed adds nothing
    assert MarketplaceConnection.objects.filter(account=account).count() == 1
    assert logged == ["Marketplace: a connection is already there."]
