"""The admin reads the ledger and never writes it; warehouse, reorder and transfer changes go through services."""

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import StockLevel, StockMovement, StockTransfer, Warehouse
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(account, make_warehouse, make_product, receive):
    main, east = make_warehouse(code="MAIN"), make_warehouse(code="EAST")
    mug, jar = make_product(name="Mug", sku="MUG-1"), make_product(name="Jar", sku="JAR-1")
    receive(mug, main, 10)
    receive(jar, main, 1)
    services.stock_level_update(stock_level=StockLevel.objects.get(product=jar), reorder_point=3)
    services.stock_reserve(account=account, reference_id="ord_1", lines=[(mug, 2)])
    return {"main": main, "east": east, "mug": mug, "jar": jar}


def test_every_inventory_changelist_loads(admin_client, stock):
    for model in ("warehouse", "stocklevel", "stockmovement", "stockreservation", "stocktransfer"):
        response = admin_client.get(reverse(f"admin:inventory_{model}_changelist"))
        assert response.status_code == 200, model


def test_stock_levels_filter_low_stock_and_search_products(admin_client, stock):
    url = reverse("admin:inventory_stocklevel_changelist")
    response = admin_client.get(url, {"low_stock": "yes"})
    assert b"JAR-1" in response.content and b"MUG-1" not in response.content
    response = admin_client.get(url, {"q": "mug"})
    assert b"MUG-1" in response.content and b"JAR-1" not in response.content


def test_the_ledger_and_reservations_cannot_be_added_changed_or_deleted(admin_client, stock):
    movement = StockMovement.objects.first()
    assert admin_client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    assert admin_client.post(reverse("admin:inventory_stockmovement_delete", args=[movement.pk])).status_code == 403
    page = admin_client.get(reverse("admin:inventory_stockmovement_change", args=[movement.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:inventory_stockreservation_add")).status_code == 403


def test_editing_a_reorder_point_goes_through_the_service(admin_client, account, stock):
    level = StockLevel.objects.get(product=stock["mug"])
    url = reverse("admin:inventory_stocklevel_change", args=[level.pk])
    response = admin_client.post(url, {"reorder_point": "9", "reorder_quantity": "20"})
    assert response.status_code == 302, response.content[:2000]
    level.refresh_from_db()
    assert (level.reorder_point, level.reorder_quantity, level.below_reorder_point) == (9, 20, True)
    assert WebhookEvent.objects.filter(event_type="inventory.low_stock", payload__data__stockLevelId=level.pk).exists()


def test_a_transfer_added_in_the_admin_moves_stock_with_its_movements(admin_client, stock, assert_ledger):
    url = reverse("admin:inventory_stocktransfer_add")
    data = {"product": stock["mug"].pk, "from_warehouse": stock["main"].pk, "to_warehouse": stock["east"].pk}
    response = admin_client.post(url, {**data, "quantity": "9", "note": ""})
    assert response.status_code == 200 and b"Only 8 available" in response.content
    response = admin_client.post(url, {**data, "quantity": "3", "note": "shelf space"})
    assert response.status_code == 302, response.content[:2000]
    transfer = StockTransfer.objects.get()
    assert transfer.actor == "admin@example.com"
    assert StockLevel.objects.get(product=stock["mug"], warehouse=stock["east"]).on_hand == 3
    assert_ledger()


def test_deleting_a_warehouse_with_stock_is_refused_with_a_message(admin_client, stock):
    url = reverse("admin:inventory_warehouse_delete", args=[stock["main"].pk])
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    assert b"still holds stock" in response.content and b"deleted successfully" not in response.content
    assert Warehouse.objects.filter(pk=stock["main"].pk, archived_at__isnull=True).exists()


def test_deactivate_action(admin_client, stock):
    url = reverse("admin:inventory_warehouse_changelist")
    admin_client.post(url, {"action": "deactivate", "_selected_action": [stock["east"].pk]})
    stock["east"].refresh_from_db()
    assert stock["east"].is_active is False


def test_a_warehouse_created_in_the_admin_gets_an_upper_case_code(admin_client, account):
    response = admin_client.post(
        reverse("admin:inventory_warehouse_add"),
        {"account": account.pk, "name": "Annex", "code": "ANNEX", "priority": "5", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:3000]
    assert Warehouse.objects.get().code == "ANNEX"


def _page_form_data(response) -> dict:
    """What a browser would post back from a change page as served: the form's values and every inline's
    management form and hidden ids (view-only inlines render those too)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in (formset.management_form, *formset.forms):
            for name in bound.fields:
                value = bound[name].value()
                if value is not None:
                    data[bound.add_prefix(name)] = value
    return data


def test_a_products_page_shows_its_stock_per_warehouse_read_only(admin_client, stock):
    mug = stock["mug"]
    url = reverse("admin:catalog_product_change", args=[mug.pk])
    response = admin_client.get(url)

    [inline] = [each for each in response.context["inline_admin_formsets"] if each.opts.model is StockLevel]
    assert [form.instance.warehouse.code for form in inline.formset.forms] == ["MAIN"]
    assert not (inline.has_add_permission or inline.has_change_permission or inline.has_delete_permission)
    rows = [
        {field.field["name"]: str(field.contents()) for fieldset in form for line in fieldset for field in line}
        for form in inline
    ]
    assert [(row["on_hand"], row["reserved"], row["available"]) for row in rows] == [("10", "2", "8")]
    assert stock["main"].name in rows[0]["warehouse"]
    add_page = admin_client.get(reverse("admin:catalog_product_add"))
    assert [each.opts.model for each in add_page.context["inline_admin_formsets"]] == []  # no stock before it exists

    level = StockLevel.objects.get(product=mug)
    data = _page_form_data(response) | {"name": "Big Mug"}
    assert admin_client.post(url, data).status_code == 302
    mug.refresh_from_db()
    after = StockLevel.objects.get(product=mug)
    assert mug.name == "Big Mug"
    assert (after.on_hand, after.reserved, after.updated_at) == (level.on_hand, level.reserved, level.updated_at)
