"""Enumerates every URL pattern under /api, for the tenant-isolation sweep."""

import importlib
from dataclasses import dataclass

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters.rest_framework import DjangoFilterBackend


@dataclass(frozen=True)
class ApiRoute:
    name: str | None
    regex: str
    params: tuple[str, ...]
    public: bool = False  # no credentials: a platform's redirect or webhook, owned by no account


def _walk(patterns, prefix=""):
    for entry in patterns:
        regex = prefix + str(entry.pattern.regex.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, regex)
        elif isinstance(entry, URLPattern):
            yield entry, regex


def api_routes() -> list[ApiRoute]:
    routes = []
    for pattern, regex in _walk(get_resolver().url_patterns):
        if not regex.startswith("api/"):
            continue
        params = tuple(pattern.pattern.regex.groupindex)
        public = bool(getattr(getattr(pattern.callback, "cls", None), "public", False))
        routes.append(ApiRoute(name=pattern.name, regex=regex, params=params, public=public))
    return routes


def sweep_registry() -> dict:
    """Merges SWEEP from every local app's tests/sweep.py: route name -> factory(account) -> path kwargs."""
    registry = {}
    for app in settings.LOCAL_APPS:
        try:
            module = importlib.import_module(f"{app}.tests.sweep")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{app}.tests", f"{app}.tests.sweep"):
                raise
            continue
        overlap = set(registry) & set(module.SWEEP)
        assert not overlap, f"Route names registered twice in the sweep: {overlap}"
        registry.update(module.SWEEP)
    return registry


def filtered_get_views() -> dict:
    """(route name, filterset class) of every /api route whose GET runs a django-filter FilterSet."""
    found = {}
    for pattern, regex in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not regex.startswith("api/") or view_class is None:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if actions is not None and "get" not in actions:
            continue
        if actions is None and not hasattr(view_class, "get"):
            continue
        initkwargs = getattr(pattern.callback, "initkwargs", {})
        backends = initkwargs.get("filter_backends", getattr(view_class, "filter_backends", ()))
        filterset_class = initkwargs.get("filterset_class", getattr(view_class, "filterset_class", None))
        if filterset_class is not None and any(issubclass(backend, DjangoFilterBackend) for backend in backends):
            found[pattern.name] = filterset_class
    return found


def get_routes() -> list[str]:
    """Names of every /api route that answers GET to an account's credentials (not the public ones)."""
    names = []
    for pattern, regex in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not regex.startswith("api/") or view_class is None:
            continue
        actions = getattr(pattern.callback, "actions", None)
        if getattr(view_class, "public", False):
            continue
        if (actions is not None and "get" in actions) or (actions is None and hasattr(view_class, "get")):
            names.append(pattern.name)
    return names
