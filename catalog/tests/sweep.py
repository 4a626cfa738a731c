"""Routes of this app that take an id, and how to make such an object for an account."""

from omnisales.testing.factories import CategoryFactory, ProductFactory


def _category(account):
    category = CategoryFactory(account=account)
    ProductFactory(account=account, category=category)
    return {"categoryId": category.id}


def _product(account):
    return {"productId": ProductFactory(account=account).id}


SWEEP = {
    "category-detail": _category,
    "category-products": _category,
    "product-detail": _product,
}
