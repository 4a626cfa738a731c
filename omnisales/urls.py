from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView

from omnisales.api import exception_handler, system_views

API_APPS = [app.split(".")[-1] for app in settings.LOCAL_APPS if app != "omnisales.api"]

urlpatterns = [
    path("healthz", system_views.healthz, name="healthz"),
    path("swagger.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("api-docs", system_views.ApiDocsView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("postman-collection.json", system_views.PostmanCollectionView.as_view(), name="postman-collection"),
    path("admin/", admin.site.urls),
    path("accounts/login", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout", auth_views.LogoutView.as_view(), name="logout"),
    path("o/", include("accounts.oauth_urls", namespace="oauth2_provider")),
    *[path("api/", include(f"{app}.urls")) for app in API_APPS],
    path("messaging/", include("messaging.public_urls")),  # unsubscribe links, SMS status callbacks
]

handler400 = exception_handler.handler400
handler403 = exception_handler.handler403
handler404 = exception_handler.handler404
handler500 = exception_handler.handler500
