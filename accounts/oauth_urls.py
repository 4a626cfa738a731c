"""/o/: the OAuth 2.0 authorization server endpoints (names as in django-oauth-toolkit)."""

from django.urls import path

from . import oauth_views

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", oauth_views.MemberAuthorizationView.as_view(), name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth_views.IntrospectTokenView.as_view(), name="introspect"),
]
