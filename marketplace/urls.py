from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("marketplace/connections", views.ConnectionViewSet, basename="marketplace-connection")
router.register("marketplace/sync-jobs", views.SyncJobViewSet, basename="marketplace-sync-job")

urlpatterns = [
    path("marketplace/platforms", views.PlatformListView.as_view(), name="marketplace-platforms"),
    path("marketplace/sync-orders", views.SyncOrdersView.as_view(), name="marketplace-sync-orders"),
    path("marketplace/callback/<str:platform>", views.CallbackView.as_view(), name="marketplace-callback"),
    *router.urls,
]
