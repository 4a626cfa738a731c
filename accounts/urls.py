from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("auth/api-keys", views.ApiKeyViewSet, basename="api-key")
router.register("oauth/applications", views.OAuthApplicationViewSet, basename="oauth-application")

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token", views.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh", views.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/me", views.MeView.as_view(), name="auth-me"),
    *router.urls,
]
