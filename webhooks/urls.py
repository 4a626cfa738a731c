from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("webhooks", views.WebhookViewSet, basename="webhook")

deliveries = views.WebhookDeliveryViewSet

urlpatterns = [
    # Before the router, so /webhooks/deliveries/... never reads "deliveries" as a webhook id.
    path(
        "webhooks/deliveries/<str:deliveryId>",
        deliveries.as_view({"get": "retrieve"}),
        name="webhook-delivery-detail",
    ),
    path(
        "webhooks/deliveries/<str:deliveryId>/redeliver",
        deliveries.as_view({"post": "redeliver"}),
        name="webhook-delivery-redeliver",
    ),
    path(
        "webhooks/<str:webhookId>/deliveries",
        deliveries.as_view({"get": "list"}),
        name="webhook-delivery-list",
    ),
    path(
        "webhooks/<str:webhookId>/test",
        views.WebhookViewSet.as_view({"post": "test"}),
        name="webhook-test",
    ),
    *router.urls,
]
