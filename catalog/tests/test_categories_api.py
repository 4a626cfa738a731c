"""Category endpoints: the tree, slugs, cycles, deleting with and without reassigning."""

import pytest

from catalog.models import Category, Product

from .test_products_api import assert_error, events

pytestmark = pytest.mark.django_db


def test_create_makes_a_slug_from_the_name_and_appends_to_siblings(api, account, make_category):
    parent = make_category(name="Apparel", slug="apparel")
    make_category(name="Shirts", slug="shirts", parent=parent, position=4)
    response = api.post("/api/categories", {"name": "Men's Shoes & Boots", "parentId": parent.id}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("cat_")
    assert body["slug"] == "mens-shoes-boots"
    assert body["parentId"] == parent.id
    assert body["position"] == 5
    assert body["productCount"] == 0
    assert set(body) == {
        "id",
        "name",
        "slug",
        "parentId",
        "description",
        "position",
        "productCount",
        "createdAt",
        "updatedAt",
    }


def test_generated_slugs_are_made_unique(api):
    first = api.post("/api/categories", {"name": "Sale"}, format="json").json()
    second = api.post("/api/categories", {"name": "SALE!"}, format="json").json()
    assert (first["slug"], second["slug"]) == ("sale", "sale-2")


def test_a_name_without_latin_letters_still_gets_a_slug(api):
    assert api.post("/api/categories", {"name": "Ürün"}, format="json").json()["slug"] == "urun"
    assert api.post("/api/categories", {"name": "鞋子"}, format="json").json()["slug"] == "category"
    assert api.post("/api/categories", {"name": "!!!"}, format="json").json()["slug"] == "category-2"


def test_an_explicit_slug_already_used_is_409(api, other_api, make_category):
    make_category(slug="shoes")
    body = assert_error(
        api.post("/api/categories", {"name": "Shoes", "slug": "Shoes"}, format="json"), 409, "DUPLICATE_CATEGORY_SLUG"
    )
    assert "slug" in body["details"]
    assert Category.objects.count() == 1
    assert other_api.post("/api/categories", {"name": "Shoes", "slug": "shoes"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 121}, "name"),
        ({"name": "Ok", "slug": "not a slug!"}, "slug"),
        ({"name": "Ok", "slug": "s" * 141}, "slug"),
        ({"name": "Ok", "description": "d" * 5001}, "description"),
        ({"name": "Ok", "position": -1}, "position"),
        ({"name": "Ok", "position": "first"}, "position"),
        ({"name": "Ok", "parentId": 7}, "parentId"),
    ],
)
def test_create_rejects_bad_input(api, payload, field):
    body = assert_error(api.post("/api/categories", payload, format="json"), 422, "VALIDATION_ERROR")
    assert field in body["details"]
    assert not Category.objects.exists()


@pytest.mark.parametrize("whose", ["unknown", "other"])
def test_create_under_a_parent_outside_the_account_is_404(api, other_account, make_category, whose):
    parent_id = "cat_missing" if whose == "unknown" else make_category(account=other_account).id
    assert_error(
        api.post("/api/categories", {"name": "X", "parentId": parent_id}, format="json"), 404, "CATEGORY_NOT_FOUND"
    )
    assert Category.objects.count() == (0 if whose == "unknown" else 1)


def test_list_is_ordered_by_position_with_product_counts_and_filters(api, make_category, make_product):
    root = make_category(name="Root", slug="root-cat", position=1)
    first = make_category(name="Zeta", slug="zeta", position=0)
    child = make_category(name="Child", slug="child", parent=root)
    make_product(category=root)
    make_product(category=root)
    response = api.get("/api/categories")
    assert response["X-Total-Count"] == "3"
    body = response.json()
    assert [c["id"] for c in body] == [child.id, first.id, root.id]  # position, then name
    assert {c["id"]: c["productCount"] for c in body}[root.id] == 2
    assert [c["id"] for c in api.get(f"/api/categories?parentId={root.id}").json()] == [child.id]
    assert {c["id"] for c in api.get("/api/categories?parentId=root").json()} == {root.id, first.id}
    assert [c["id"] for c in api.get("/api/categories?search=zet").json()] == [first.id]
    assert [c["id"] for c in api.get("/api/categories?ordering=-name").json()] == [first.id, root.id, child.id]


def test_list_rejects_unknown_ordering_with_400(api):
    assert_error(api.get("/api/categories?ordering=slug"), 400, "INVALID_PARAMETER")


def test_list_query_count_does_not_grow_with_rows(api, account, make_category, django_assert_max_num_queries):
    make_category()
    api.get("/api/categories")  # warm the credential's last-used stamp
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/categories").json()) == 1
    for _ in range(30):
        make_category()
    api.get("/api/categories")  # warm the credential's last-used stamp
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/categories").json()) == 31


def test_list_shows_only_the_accounts_categories(api, other_account, make_category):
    make_category(account=other_account)
    assert api.get("/api/categories").json() == []


def test_retrieve_and_404s(api, other_account, make_category):
    category = make_category(name="Shoes")
    assert api.get(f"/api/categories/{category.id}").json()["name"] == "Shoes"
    assert_error(api.get("/api/categories/cat_missing"), 404, "CATEGORY_NOT_FOUND")
    foreign = make_category(account=other_account)
    assert_error(api.get(f"/api/categories/{foreign.id}"), 404, "CATEGORY_NOT_FOUND")


def test_patch_renames_without_changing_the_slug(api, make_category):
    category = make_category(name="Shoes", slug="shoes")
    body = api.patch(f"/api/categories/{category.id}", {"name": "Footwear"}, format="json").json()
    assert (body["name"], body["slug"]) == ("Footwear", "shoes")


def test_patch_moves_a_category_and_back_to_the_top(api, make_category):
    apparel, shirts = make_category(), make_category()
    assert (
        api.patch(f"/api/categories/{shirts.id}", {"parentId": apparel.id}, format="json").json()["parentId"]
        == apparel.id
    )
    assert api.patch(f"/api/categories/{shirts.id}", {"parentId": None}, format="json").json()["parentId"] is None


@pytest.mark.parametrize("target", ["self", "child", "grandchild"])
def test_moving_under_itself_or_a_descendant_is_422(api, make_category, target):
    top = make_category()
    child = make_category(parent=top)
    grandchild = make_category(parent=child)
    parent_id = {"self": top.id, "child": child.id, "grandchild": grandchild.id}[target]
    body = assert_error(
        api.patch(f"/api/categories/{top.id}", {"parentId": parent_id}, format="json"), 422, "CATEGORY_CYCLE"
    )
    assert "parentId" in body["details"]
    top.refresh_from_db()
    assert top.parent_id is None


def test_patch_to_a_used_slug_is_409(api, make_category):
    make_category(slug="taken")
    category = make_category(slug="mine")
    assert_error(
        api.patch(f"/api/categories/{category.id}", {"slug": "taken"}, format="json"), 409, "DUPLICATE_CATEGORY_SLUG"
    )


def test_patch_to_another_accounts_parent_is_404(api, other_account, make_category):
    category = make_category()
    foreign = make_category(account=other_account)
    assert_error(
        api.patch(f"/api/categories/{category.id}", {"parentId": foreign.id}, format="json"), 404, "CATEGORY_NOT_FOUND"
    )
    category.refresh_from_db()
    assert category.parent_id is None


def test_put_replaces_fields_and_keeps_slug_and_position_when_omitted(api, make_category):
    parent = make_category()
    category = make_category(slug="keep", parent=parent, description="Old", position=3)
    body = api.put(f"/api/categories/{category.id}", {"name": "New"}, format="json").json()
    assert body["name"] == "New" and body["description"] == "" and body["parentId"] is None
    assert body["slug"] == "keep" and body["position"] == 3
    assert_error(api.put(f"/api/categories/{category.id}", {}, format="json"), 422, "VALIDATION_ERROR")


def test_delete_an_empty_category(api, make_category):
    category = make_category()
    assert api.delete(f"/api/categories/{category.id}").status_code == 204
    assert not Category.objects.filter(pk=category.id).exists()


@pytest.mark.parametrize("content", ["product", "child"])
def test_delete_a_category_with_products_or_children_is_409(api, make_category, make_product, content):
    category = make_category()
    if content == "product":
        make_product(category=category)
    else:
        make_category(parent=category)
    body = assert_error(api.delete(f"/api/categories/{category.id}"), 409, "CATEGORY_NOT_EMPTY")
    assert body["details"] == {"products": int(content == "product"), "children": int(content == "child")}
    assert Category.objects.filter(pk=category.id).exists()


def test_delete_with_reassign_to_moves_products_and_children(api, account, make_category, make_product):
    doomed, target = make_category(), make_category()
    child = make_category(parent=doomed)
    products = [make_product(category=doomed), make_product(category=doomed)]
    untouched = make_product(category=child)
    assert api.delete(f"/api/categories/{doomed.id}?reassignTo={target.id}").status_code == 204
    assert not Category.objects.filter(pk=doomed.id).exists()
    assert set(Product.objects.filter(category=target).values_list("pk", flat=True)) == {p.id for p in products}
    child.refresh_from_db()
    untouched.refresh_from_db()
    assert child.parent_id == target.id and untouched.category_id == child.id
    updated = events(account, "product.updated")
    assert {e.payload["data"]["id"] for e in updated} == {p.id for p in products}
    assert all(e.payload["data"]["categoryId"] == target.id for e in updated)
    assert all(e.payload["data"]["changedFields"] == ["categoryId"] for e in updated)


@pytest.mark.parametrize("target", ["self", "child"])
def test_reassigning_into_the_deleted_subtree_is_422(api, make_category, make_product, target):
    doomed = make_category()
    child = make_category(parent=doomed)
    make_product(category=doomed)
    target_id = doomed.id if target == "self" else child.id
    body = assert_error(
        api.delete(f"/api/categories/{doomed.id}?reassignTo={target_id}"), 422, "INVALID_REASSIGN_TARGET"
    )
    assert "reassignTo" in body["details"]
    assert Category.objects.filter(pk=doomed.id).exists()
    assert Product.objects.filter(category=doomed).count() == 1


@pytest.mark.parametrize("whose", ["unknown", "other"])
def test_reassigning_to_a_category_outside_the_account_is_404(api, other_account, make_category, make_product, whose):
    doomed = make_category()
    product = make_product(category=doomed)
    target_id = "cat_missing" if whose == "unknown" else make_category(account=other_account).id
    assert_error(api.delete(f"/api/categories/{doomed.id}?reassignTo={target_id}"), 404, "CATEGORY_NOT_FOUND")
    product.refresh_from_db()
    assert product.category_id == doomed.id


def test_category_writes_need_write_products(account, make_client, make_category):
    category = make_category(name="Before")
    reader = make_client(account, scopes=["read:products"])
    assert reader.get("/api/categories").status_code == 200
    assert_error(reader.post("/api/categories", {"name": "x"}, format="json"), 403, "INSUFFICIENT_SCOPE")
    assert_error(
        reader.patch(f"/api/categories/{category.id}", {"name": "x"}, format="json"), 403, "INSUFFICIENT_SCOPE"
    )
    assert_error(reader.delete(f"/api/categories/{category.id}"), 403, "INSUFFICIENT_SCOPE")
    assert_error(make_client(account, scopes=["read:orders"]).get("/api/categories"), 403, "INSUFFICIENT_SCOPE")
    category.refresh_from_db()
    assert category.name == "Before" and Category.objects.count() == 1


def test_category_products_include_subcategories_and_take_product_filters(api, make_category, make_product):
    top = make_category()
    child = make_category(parent=top)
    grandchild = make_category(parent=child)
    elsewhere = make_category()
    in_top = make_product(category=top, price=5)
    in_grandchild = make_product(category=grandchild, price=50)
    make_product(category=elsewhere)
    make_product()
    response = api.get(f"/api/categories/{top.id}/products")
    assert response["X-Total-Count"] == "2"
    assert {p["id"] for p in response.json()} == {in_top.id, in_grandchild.id}
    assert [p["id"] for p in api.get(f"/api/categories/{child.id}/products").json()] == [in_grandchild.id]
    assert [p["id"] for p in api.get(f"/api/categories/{top.id}/products?maxPrice=10").json()] == [in_top.id]
    assert_error(api.get(f"/api/categories/{top.id}/products?minPrice=cheap"), 400, "INVALID_PARAMETER")


def test_category_products_404s(api, other_account, make_category, make_client, account):
    assert_error(api.get("/api/categories/cat_missing/products"), 404, "CATEGORY_NOT_FOUND")
    foreign = make_category(account=other_account)
    assert_error(api.get(f"/api/categories/{foreign.id}/products"), 404, "CATEGORY_NOT_FOUND")
    assert_error(
        make_client(account, scopes=["read:orders"]).get(f"/api/categories/{foreign.id}/products"),
        403,
        "INSUFFICIENT_SCOPE",
    )
