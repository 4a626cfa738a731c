"""The admin goes through the services: events fire, the plan limit holds, ordered products are archived."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Category, Product, ProductStatus
from catalog.services import product_mark_ordered
from omnisales.testing.factories import CategoryFactory, ProductFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_product_changelist_filters_and_searches(admin_client, account):
    category = CategoryFactory(account=account, name="Boots")
    ProductFactory(account=account, name="Chelsea Boot", sku="BOOT-1", category=category)
    ProductFactory(account=account, name="Beanie", sku="HAT-1", status=ProductStatus.DRAFT)
    url = reverse("admin:catalog_product_changelist")
    assert admin_client.get(url).status_code == 200
    assert b"BOOT-1" in admin_client.get(url, {"q": "chelsea"}).content
    response = admin_client.get(url, {"status__exact": "draft"})
    assert b"HAT-1" in response.content and b"BOOT-1" not in response.content
    response = admin_client.get(url, {"category__id__exact": category.id})
    assert b"BOOT-1" in response.content and b"HAT-1" not in response.content


def test_list_editable_price_goes_through_the_service(admin_client, account):
    product = ProductFactory(account=account, price=Decimal("10.00"))
    url = reverse("admin:catalog_product_changelist")
    response = admin_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": product.id,
            "form-0-price": "12.00",
            "form-0-status": "active",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    product.refresh_from_db()
    assert product.price == Decimal("12.00")
    event = WebhookEvent.objects.get(event_type="product.updated")
    assert event.payload["data"]["changedFields"] == ["price"]


def test_list_editable_cannot_break_the_compare_at_rule(admin_client, account):
    product = ProductFactory(account=account, price=Decimal("10.00"), compare_at_price=Decimal("12.00"))
    response = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": product.id,
            "form-0-price": "20.00",
            "form-0-status": "active",
            "_save": "Save",
        },
    )
    assert response.status_code == 200  # the changelist again, with the error
    product.refresh_from_db()
    assert product.price == Decimal("10.00")


def test_admin_add_respects_the_plan_limit(admin_client, account):
    account.product_limit = 1
    account.save()
    ProductFactory(account=account)
    data = {
        "account": account.id,
        "sku": "NEW-1",
        "name": "New",
        "status": "active",
        "price": "5.00",
        "currency": "USD",
        "tags": "[]",
        "images": "[]",
        "attributes": "{}",
        "track_inventory": "on",
    }
    response = admin_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 200 and b"plan allows 1 products" in response.content
    assert not Product.objects.filter(sku="NEW-1").exists()
    account.product_limit = 2
    account.save()
    assert admin_client.post(reverse("admin:catalog_product_add"), data).status_code == 302
    assert WebhookEvent.objects.filter(event_type="product.created").count() == 1


def test_admin_delete_archives_an_ordered_product(admin_client, account):
    ordered, fresh = ProductFactory(account=account), ProductFactory(account=account)
    product_mark_ordered(account=account, product_ids=[ordered.id])
    response = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "delete_selected", "_selected_action": [ordered.id, fresh.id], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(Product.objects.values_list("pk", "status")) == [(ordered.id, ProductStatus.ARCHIVED)]


def test_admin_export_action_returns_csv(admin_client, account):
    product = ProductFactory(account=account, sku="CSV-1")
    response = admin_client.post(
        reverse("admin:catalog_product_changelist"), {"action": "export_csv", "_selected_action": [product.id]}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"CSV-1" in b"".join(response.streaming_content)


def test_admin_archive_action(admin_client, account):
    product = ProductFactory(account=account)
    admin_client.post(
        reverse("admin:catalog_product_changelist"), {"action": "archive", "_selected_action": [product.id]}
    )
    product.refresh_from_db()
    assert product.status == ProductStatus.ARCHIVED
    assert WebhookEvent.objects.filter(event_type="product.archived").count() == 1


def test_category_changelist_shows_the_tree(admin_client, account):
    top = CategoryFactory(account=account, name="Apparel")
    CategoryFactory(account=account, name="Shirts", parent=top)
    response = admin_client.get(reverse("admin:catalog_category_changelist"))
    assert response.status_code == 200
    assert 'title="Apparel › Shirts"' in response.content.decode()
    assert b"padding-left:1.5em" in response.content
    assert b"Shirts" in admin_client.get(reverse("admin:catalog_category_changelist"), {"q": "shir"}).content


def test_category_admin_refuses_a_cycle(admin_client, account):
    top = CategoryFactory(account=account, name="Top", slug="top")
    child = CategoryFactory(account=account, name="Child", parent=top)
    response = admin_client.post(
        reverse("admin:catalog_category_change", args=[top.id]),
        {"name": "Top", "slug": "top", "parent": child.id, "description": "", "position": 0},
    )
    assert response.status_code == 200 and b"cannot be moved under itself" in response.content
    top.refresh_from_db()
    assert top.parent_id is None


def test_category_admin_add_goes_through_the_service(admin_client, account):
    response = admin_client.post(
        reverse("admin:catalog_category_add"),
        {"account": account.id, "name": "Outdoor", "slug": "outdoor", "description": "", "position": 0},
    )
    assert response.status_code == 302
    assert Category.objects.get(account=account).slug == "outdoor"
