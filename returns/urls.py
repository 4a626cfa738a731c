from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("returns", views.ReturnViewSet, basename="return")
router.register("reviews", views.ReviewViewSet, basename="review")

urlpatterns = [
    path("returns/refund", views.ReturnRefundView.as_view(), name="return-refund"),
    path("reviews/product", views.ProductReviewsViewSet.as_view({"get": "summary"}), name="review-product"),
    path("reviews/settings", views.ReviewSettingsView.as_view(), name="review-settings"),
    *router.urls,
]
