from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("billing/plans", views.PlanViewSet, basename="plan")
router.register("billing/user-subscriptions", views.UserSubscriptionViewSet, basename="user-subscription")

urlpatterns = [
    path("payments/webhook", views.StripeWebhookView.as_view(), name="payment-webhook"),
    path("billing/checkout", views.CheckoutView.as_view(), name="billing-checkout"),
    path(
        "billing/subscriptions/<str:subscriptionId>/cancel",
        views.SubscriptionCancelView.as_view(),
        name="subscription-cancel",
    ),
    *router.urls,
]
