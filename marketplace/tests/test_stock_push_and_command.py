"""The periodic stock push (debounced: only changed quantities go out) and the shell command."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from inventory import services as inventory_services
from inventory.models import Warehouse
from marketplace import services, tasks
from marketplace.models import MarketplaceListing, SyncJob, SyncStatus
from omnisales.testing.shopee_server import listing_ids
from orders.models import Order

from .conftest import NOW, connect

pytestmark = pytest.mark.django_db

WEEK_AGO = NOW - datetime.timedelta(days=7)


def _synced(account, connection, fake, quantity=2):
    fake.add_order(lines=[{"sku": "SKU-A", "name": "A", "quantity": quantity, "price": "59.9"}], created_at=WEEK_AGO)
    job = services.sync_job_create(account=account, connection=connection, start_date=WEEK_AGO)
    return services.sync_job_run(job_id=job.pk)


def test_the_periodic_push_sends_only_what_changed(account, catalog, shopee_fake, django_capture_on_commit_callbacks):
    connection = connect(account, "shopee", shopee_fake, stock_buffer=1)
    _synced(account, connection, shopee_fake)  # SKU-A: 10 on hand, 2 reserved
    listing = MarketplaceListing.objects.get(connection=connection, sku="SKU-A")
    assert (listing.item_id, listing.model_id) == tuple(str(value) for value in listing_ids("SKU-A"))

    assert tasks.stock_push_all_task() == 1  # in-process here: the push runs at once
    assert shopee_fake.stock[listing_ids("SKU-A")] == 7  # 10 - 2 reserved - 1 held back
    calls = len([r for r in shopee_fake.requests if r["path"] == "/api/v2/product/update_stock"])

    tasks.stock_push_all_task()  # nothing changed: nothing sent
    assert len([r for r in shopee_fake.requests if r["path"] == "/api/v2/product/update_stock"]) == calls

    inventory_services.stock_adjust(
        account=account,
        product=catalog["SKU-A"],
        warehouse=Warehouse.objects.get(account=account),
        quantity=-4,
        reason="damaged",
    )
    tasks.stock_push_all_task()
    assert shopee_fake.stock[listing_ids("SKU-A")] == 3
    listing.refresh_from_db()
    assert (listing.pushed_quantity, listing.push_error) == (3, "")


def test_a_disabled_connection_or_one_without_push_is_left_alone(account, catalog, lazada_fake):
    connection = connect(account, "lazada", lazada_fake)
    _synced(account, connection, lazada_fake)
    services.connection_update(connection=connection, changes={"push_stock": False})
    assert services.connections_to_push() == []
    services.connection_update(connection=connection, changes={"push_stock": True, "is_active": False})
    assert services.connections_to_push() == []


def test_the_command_syncs_with_a_progress_line(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    for hour in range(3):
        moment = WEEK_AGO + datetime.timedelta(hours=hour)
        shopee_fake.add_order(lines=[{"sku": "SKU-B", "name": "B", "quantity": 1, "price": "12.5"}], created_at=moment)
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "marketplace_sync",
        "--connection",
        connection.pk,
        "--start",
        WEEK_AGO.date().isoformat(),
        stdout=out,
        stderr=err,
    )

    assert "%" in err.getvalue() and "created 3" in err.getvalue()
    report = json.loads(out.getvalue().split("\n}\n")[0] + "\n}")
    assert (report["status"], report["created"], report["fetched"]) == ("succeeded", 3, 3)
    job = SyncJob.objects.get(pk=report["syncJobId"])
    assert job.trigger == "command"
    assert Order.objects.filter(account=account, channel="shopee").count() == 3


def test_the_command_resumes_a_job_and_refuses_what_it_cannot_run(account, catalog, shopee_fake):
    connection = connect(account, "shopee", shopee_fake)
    shopee_fake.add_order(lines=[{"sku": "SKU-B", "name": "B", "quantity": 1, "price": "12.5"}], created_at=WEEK_AGO)
    job = services.sync_job_create(account=account, connection=connection, start_date=WEEK_AGO)
    SyncJob.objects.filter(pk=job.pk).update(status=SyncStatus.RUNNING, heartbeat_at=NOW)  # a worker died on it

    call_command("marketplace_sync", "--job", job.pk, stdout=io.StringIO(), stderr=io.StringIO())

    job.refresh_from_db()
    assert (job.status, job.created) == (SyncStatus.SUCCEEDED, 1)
    with pytest.raises(CommandError, match="No connection"):
        call_command("marketplace_sync", "--connection", "conn_missing", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--start"):
        call_command("marketplace_sync", "--connection", connection.pk, "--start", "yesterday", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No sync job"):
        call_command("marketplace_sync", "--job", job.pk, stdout=io.StringIO(), stderr=io.StringIO())
