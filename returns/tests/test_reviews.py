"""POST /api/reviews/create, GET /api/reviews/product, GET /api/reviews(/{id}), moderation and settings."""

import pytest
from django.db import IntegrityError, transaction

from omnisales.testing.factories import CustomerFactory, ProductFactory, place_order
from returns.models import Review, ReviewSettings

from .conftest import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def bought(account, delivered, lines):
    """(customer, product) of a delivered order."""
    return delivered.customer, lines[0].product


def _write(api, product, **fields):
    body = {"productId": product.pk, "rating": 4, "title": "Good", "body": "Works.", **fields}
    return api.post("/api/reviews/create", body, format="json")


def test_a_verified_review_waits_for_moderation(api, bought, delivered):
    customer, product = bought
    response = _write(api, product, customerId=customer.pk, orderId=delivered.pk, rating=5)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("rev_")
    assert (body["productId"], body["customerId"], body["orderId"]) == (product.pk, customer.pk, delivered.pk)
    assert (body["rating"], body["verified"], body["status"], body["moderatedAt"]) == (5, True, "pending", None)
    assert api.get(f"/api/reviews/{body['id']}").json() == body


def test_the_order_alone_names_the_customer(api, bought, delivered):
    _, product = bought
    body = _write(api, product, orderId=delivered.pk).json()
    assert (body["customerId"], body["verified"]) == (delivered.customer_id, True)


def test_not_bought_or_not_delivered_is_not_verified(api, account, bought):
    customer, _ = bought
    other_product = ProductFactory(account=account)
    assert _write(api, other_product, customerId=customer.pk).json()["verified"] is False
    pending_order = place_order(account)
    line = pending_order.items.get()
    assert _write(api, line.product, customerId=pending_order.customer_id).json()["verified"] is False
    assert _write(api, other_product).json()["verified"] is False  # anonymous


def test_auto_approval_of_verified_reviews(api, account, bought):
    customer, product = bought
    assert api.get("/api/reviews/settings").json() == {"autoApproveVerified": False}
    changed = api.patch("/api/reviews/settings", {"autoApproveVerified": True}, format="json")
    assert changed.json() == {"autoApproveVerified": True}
    assert ReviewSettings.objects.get(account=account).auto_approve_verified is True
    approved = _write(api, product, customerId=customer.pk).json()
    assert (approved["status"], approved["verified"]) == ("approved", True)
    unverified = _write(api, ProductFactory(account=account), customerId=customer.pk).json()
    assert unverified["status"] == "pending"
    bad = api.patch("/api/reviews/settings", {"autoApproveVerified": "yes please"}, format="json")
    assert bad.status_code == 422 and "autoApproveVerified" in bad.json()["details"]
    unknown = api.patch("/api/reviews/settings", {"autoApprove": True}, format="json")
    assert unknown.status_code == 422 and unknown.json()["details"] == {"autoApprove": ["Unknown field."]}


def test_one_review_per_customer_and_product(api, bought):
    customer, product = bought
    first = _write(api, product, customerId=customer.pk).json()
    again = _write(api, product, customerId=customer.pk, rating=1)
    assert (again.status_code, again.json()["code"]) == (409, "DUPLICATE_REVIEW")
    assert again.json()["details"] == {"reviewId": first["id"]}
    assert Review.objects.count() == 1
    # Anonymous reviews are not limited.
    assert _write(api, product).status_code == 201
    assert _write(api, product).status_code == 201


def test_the_database_refuses_a_second_review_too(account, bought):
    customer, product = bought
    Review.objects.create(account=account, product=product, customer=customer, rating=3, title="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(account=account, product=product, customer=customer, rating=4, title="b")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"title": ""}, "title"),
        ({"title": 5}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"stars": 5}, "stars"),
        ({"verified": True}, "verified"),
    ],
)
def test_bad_input_is_422(api, bought, fields, field):
    _, product = bought
    response = _write(api, product, **fields)
    assert response.status_code == 422, response.content
    assert field in response.json()["details"]
    assert Review.objects.count() == 0


def test_an_order_of_someone_else_or_without_the_product_is_422(api, account, bought, delivered):
    _, product = bought
    stranger = CustomerFactory(account=account)
    response = _write(api, product, customerId=stranger.pk, orderId=delivered.pk)
    assert response.status_code == 422 and "orderId" in response.json()["details"]
    response = _write(api, ProductFactory(account=account), orderId=delivered.pk)
    assert response.status_code == 422 and "orderId" in response.json()["details"]
    assert Review.objects.count() == 0


def test_other_accounts_ids_are_404(other_api, api, bought):
    customer, product = bought
    response = _write(other_api, product)
    assert (response.status_code, response.json()["code"]) == (404, "PRODUCT_NOT_FOUND")
    review = _write(api, product, customerId=customer.pk).json()
    assert other_api.get(f"/api/reviews/{review['id']}").json()["code"] == "REVIEW_NOT_FOUND"
    moderate = other_api.post(f"/api/reviews/{review['id']}/moderate", {"status": "approved"}, format="json")
    assert (moderate.status_code, moderate.json()["code"]) == (404, "REVIEW_NOT_FOUND")
    assert other_api.get("/api/reviews").json() == []
    assert other_api.get("/api/reviews/product", {"productId": product.pk}).json()["summary"]["count"] == 0
    assert Review.objects.get().status == "pending"


def test_moderation(api, bought):
    customer, product = bought
    review = _write(api, product, customerId=customer.pk).json()
    url = f"/api/reviews/{review['id']}/moderate"
    approved = api.post(url, {"status": "approved", "reply": "Thanks!"}, format="json").json()
    assert (approved["status"], approved["reply"]) == ("approved", "Thanks!") and approved["moderatedAt"]
    rejected = api.post(url, {"status": "rejected"}, format="json").json()
    assert (rejected["status"], rejected["reply"]) == ("rejected", "Thanks!")
    for body, field in (({"status": "pending"}, "status"), ({"status": "approved", "reply": 3}, "reply")):
        bad = api.post(url, body, format="json")
        assert bad.status_code == 422 and field in bad.json()["details"]
    assert Review.objects.get().status == "rejected"


def test_product_reviews_show_approved_ones_with_the_summary(api, account, bought):
    _, product = bought
    other_product = ProductFactory(account=account)
    ratings = [5, 4, 4, 2, 1]
    made = [_write(api, product, rating=rating, title=f"R{rating}").json() for rating in ratings]
    _write(api, other_product, rating=5)
    for review in made[:4]:
        api.post(f"/api/reviews/{review['id']}/moderate", {"status": "approved"}, format="json")
    response = api.get("/api/reviews/product", {"productId": product.pk, "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["productId"] == product.pk
    assert body["summary"] == {"average": 3.75, "count": 4, "histogram": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 1}}
    assert [review["title"] for review in body["reviews"]] == ["R2", "R4"]
    assert response["X-Total-Count"] == "4"
    assert 'rel="next"' in response["Link"]
    second = api.get("/api/reviews/product", {"productId": product.pk, "limit": 2, "offset": 2}).json()
    assert [review["title"] for review in second["reviews"]] == ["R4", "R5"]
    empty = api.get("/api/reviews/product", {"productId": other_product.pk}).json()
    assert empty["summary"] == {"average": None, "count": 0, "histogram": {str(n): 0 for n in range(1, 6)}}
    store = api.get("/api/reviews/product").json()
    assert (store["productId"], store["summary"]["count"]) == (None, 4)


def test_the_summary_is_one_statement(api, account, bought, django_assert_num_queries):
    from returns import selectors

    _, product = bought
    for rating in (1, 5):
        Review.objects.create(account=account, product=product, rating=rating, title="t", status="approved")
    with django_assert_num_queries(1):
        summary = selectors.review_summary(selectors.approved_reviews(Review.objects.filter(product=product)))
    assert summary["average"] == 3.0


def test_review_list_filters(api, account, bought):
    customer, product = bought
    verified = _write(api, product, customerId=customer.pk, rating=5).json()
    anonymous = _write(api, product, rating=2).json()
    api.post(f"/api/reviews/{anonymous['id']}/moderate", {"status": "approved"}, format="json")

    def ids(**params):
        return [review["id"] for review in api.get("/api/reviews", params).json()]

    assert ids() == [anonymous["id"], verified["id"]]
    assert ids(status="approved") == [anonymous["id"]]
    assert ids(rating="5") == [verified["id"]]
    assert ids(verified="true") == [verified["id"]]
    assert ids(verified="false") == [anonymous["id"]]
    assert ids(productId=product.pk, customerId=customer.pk) == [verified["id"]]
    for params in ({"rating": "6"}, {"verified": "maybe"}, {"status": "hidden"}):
        assert api.get("/api/reviews", params).json()["code"] == "INVALID_PARAMETER"


def test_review_scopes(make_client, account, bought):
    _, product = bought
    reader = make_client(account, scopes=["read:reviews"])
    assert reader.get("/api/reviews").status_code == 200
    assert reader.get("/api/reviews/product").status_code == 200
    response = _write(reader, product)
    assert (response.status_code, response.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    assert reader.patch("/api/reviews/settings", {"autoApproveVerified": True}, format="json").status_code == 403
    returns_only = make_client(account, scopes=["write:returns"])
    assert returns_only.get("/api/reviews").status_code == 403
    assert Review.objects.count() == 0


def test_delivered_later_orders_verify_new_reviews(api, account):
    order = place_order(account)
    line = order.items.get()
    assert _write(api, line.product, customerId=order.customer_id).json()["verified"] is False
    deliver(order)
    second = place_order(account, customer=order.customer, products=[line.product])
    deliver(second)
    assert (
        _write(api, line.product, orderId=second.pk, customerId=CustomerFactory(account=account).pk).status_code == 422
    )
