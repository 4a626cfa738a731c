"""Tenancy is applied in one place: every resource view's queryset comes through
`TenantScopedMixin.get_queryset`, which subclasses extend with `super()` and never replace."""

import contextlib

import pytest
from django.urls import get_resolver
from rest_framework.test import APIRequestFactory

from omnisales.api import views as api_views

from .route_sweep import _walk

pytestmark = pytest.mark.django_db


def _tenant_views():
    found = {}
    for pattern, regex in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if regex.startswith("api/") and view_class and issubclass(view_class, api_views.TenantScopedMixin):
            found.setdefault(view_class, pattern)
    return found


def test_every_tenant_view_builds_its_queryset_on_the_scoped_base(account, make_client, monkeypatch):
    calls = []
    scoped = api_views.TenantScopedMixin.get_queryset

    def spy(self):
        calls.append(type(self))
        return scoped(self)

    monkeypatch.setattr(api_views.TenantScopedMixin, "get_queryset", spy)
    views = _tenant_views()
    assert len(views) >= 15
    key_client = make_client(account)
    api_key = key_client.api_key
    bypassing = []
    for view_class, pattern in views.items():
        request = APIRequestFactory().get("/", HTTP_X_API_KEY=api_key)
        view = view_class()
        view.setup(request, **dict.fromkeys(pattern.pattern.regex.groupindex, "x"))
        view.action_map = {"get": "list"}
        view.request = view.initialize_request(request)
        view.format_kwarg = None
        view.action = "list"
        calls.clear()
        # A path id that does not exist ("x") may end in a 404: the base must still have been asked first.
        with contextlib.suppress(Exception):
            view.get_queryset()
        if view_class not in calls:
            bypassing.append(view_class.__name__)
    assert bypassing == [], f"these views build their queryset without super().get_queryset(): {bypassing}"
