"""Routes of this app that take an id, and how to make such an object for an account."""

from decimal import Decimal

from catalog import services
from catalog.models import ImportJobStatus, ProductImportJob
from omnisales.testing.factories import CategoryFactory, ProductFactory


def _category(account):
    category = CategoryFactory(account=account)
    ProductFactory(account=account, category=category)
    return {"categoryId": category.id}


def _product(account):
    return {"productId": ProductFactory(account=account).id}


def _variants(account):
    return {"productId": _variant(account)["productId"]}


def _variant(account):
    """A product with an option and two variants (the first one it was made with, and one added)."""
    product = ProductFactory(account=account)
    services.product_update(product=product, data={"options": [{"name": "Size", "values": ["S", "M"]}]})
    variant = services.variant_create(
        product=product, sku=f"{product.sku}-M", option_values=["M"], price=Decimal("21.00")
    )
    return {"productId": product.id, "variantId": variant.id}


def _import_job(account):
    job = ProductImportJob.objects.create(account=account, total_rows=2000, status=ImportJobStatus.SUCCEEDED)
    return {"importId": job.id}


SWEEP = {
    "category-detail": _category,
    "category-products": _category,
    "product-detail": _product,
    "product-variant-list": _variants,
    "product-variant-detail": _variant,
    "product-import-detail": _import_job,
}
