from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")

variants = views.ProductVariantViewSet
imports = views.ProductImportJobViewSet
urlpatterns = [
    path("products/imports", imports.as_view({"get": "list"}), name="product-import-list"),
    path("products/imports/<str:importId>", imports.as_view({"get": "retrieve"}), name="product-import-detail"),
    path(
        "products/<str:productId>/variants",
        variants.as_view({"get": "list", "post": "create"}),
        name="product-variant-list",
    ),
    path(
        "products/<str:productId>/variants/<str:variantId>",
        variants.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
        name="product-variant-detail",
    ),
    path(
        "categories/<str:categoryId>/products",
        views.CategoryProductViewSet.as_view({"get": "list"}),
        name="category-products",
    ),
    *router.urls,
]
