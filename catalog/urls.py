from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("categories", views.CategoryViewSet, basename="category")
router.register("products", views.ProductViewSet, basename="product")

urlpatterns = [
    path(
        "categories/<str:categoryId>/products",
        views.CategoryProductViewSet.as_view({"get": "list"}),
        name="category-products",
    ),
    *router.urls,
]
