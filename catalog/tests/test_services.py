"""Service rules that hold for every entry point, including under concurrency (PostgreSQL)."""

from decimal import Decimal

import pytest

from catalog import selectors, services
from catalog.exceptions import CategoryCycle, PlanLimitReached
from catalog.models import Category, Product, ProductStatus
from omnisales.testing.concurrency import race
from omnisales.testing.factories import CategoryFactory, ProductFactory
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_a_failed_create_rolls_back_its_event(account):
    account.product_limit = 0
    account.save()
    with pytest.raises(PlanLimitReached):
        services.product_create(account=account, sku="A", name="A", price=Decimal("1"))
    assert not Product.objects.exists() and not WebhookEvent.objects.exists()


def test_attributes_with_nul_characters_are_rejected(api):
    response = api.post(
        "/api/products", {"sku": "N-1", "name": "Nul", "price": 1, "attributes": {"a": "x\u0000y"}}, format="json"
    )
    assert response.status_code == 422 and "attributes" in response.json()["details"]
    response = api.post("/api/products", {"sku": "N-1", "name": "x\u0000y", "price": 1}, format="json")
    assert response.status_code == 422 and "name" in response.json()["details"]
    assert not Product.objects.exists()


def test_subtree_and_cycle_checks_read_the_tree_in_one_query(account, django_assert_num_queries):
    top = CategoryFactory(account=account)
    chain = [top]
    for _ in range(20):
        chain.append(CategoryFactory(account=account, parent=chain[-1]))
    with django_assert_num_queries(1):
        assert selectors.category_subtree_ids(account=account, category_id=top.id) == {c.id for c in chain}
    with django_assert_num_queries(1):
        assert selectors.category_is_in_subtree(account=account, category_id=chain[-1].id, root_id=top.id)
    with pytest.raises(CategoryCycle):
        services.category_update(category=top, data={"parent": chain[-1]})


def test_category_depths_name_the_path(account):
    top = CategoryFactory(account=account, name="Apparel")
    child = CategoryFactory(account=account, name="Men", parent=top)
    grandchild = CategoryFactory(account=account, name="Shirts", parent=child)
    depths = selectors.category_depths(account_ids=[account.id])
    assert depths[top.id] == (0, "Apparel")
    assert depths[grandchild.id] == (2, "Apparel › Men › Shirts")


def test_updating_with_an_unknown_field_is_a_programming_error(account):
    product = ProductFactory(account=account)
    with pytest.raises(ValueError, match="Not product fields"):
        services.product_update(product=product, data={"order_count": 5})
    with pytest.raises(ValueError, match="Not category fields"):
        services.category_update(category=CategoryFactory(account=account), data={"account": None})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creates_cannot_exceed_the_plan_limit(account):
    account.product_limit = 3
    account.save()
    ProductFactory(account=account, status=ProductStatus.ACTIVE)
    ProductFactory(account=account, status=ProductStatus.ACTIVE)

    def create(index):
        return services.product_create(account=account, sku=f"RACE-{index}", name="Race", price=Decimal("1"))

    results = race(create, 6)
    assert sum(isinstance(r, Product) for r in results) == 1
    assert sum(isinstance(r, PlanLimitReached) for r in results) == 5
    assert Product.objects.filter(account=account).exclude(status=ProductStatus.ARCHIVED).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_skus_give_one_product_and_409s(account):
    from catalog.exceptions import DuplicateSku

    def create(index):
        return services.product_create(account=account, sku="SAME", name=f"Race {index}", price=Decimal("1"))

    results = race(create, 4)
    assert sum(isinstance(r, Product) for r in results) == 1
    assert all(isinstance(r, (Product, DuplicateSku)) for r in results), results
    assert Product.objects.filter(account=account, sku="SAME").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_moves_cannot_make_a_cycle(account):
    first = CategoryFactory(account=account)
    second = CategoryFactory(account=account)

    def move(index):
        child, parent = (first, second) if index == 0 else (second, first)
        return services.category_update(category=child, data={"parent": parent})

    results = race(move, 2)
    assert sum(isinstance(r, Category) for r in results) == 1
    assert sum(isinstance(r, CategoryCycle) for r in results) == 1
    parents = dict(Category.objects.filter(account=account).values_list("id", "parent_id"))
    assert not (parents[first.id] == second.id and parents[second.id] == first.id)
