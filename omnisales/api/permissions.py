"""Scope permission. Each view declares its scope in one place:

scope_area = "orders"                         # read:orders for safe methods, write:orders otherwise
action_scopes = {"rfm": "read:analytics"}     # optional per-action override
required_scope = "admin"                      # or one scope for the whole view
"""

from rest_framework import exceptions, permissions

from .auth import get_auth_context


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "INSUFFICIENT_SCOPE"

    def __init__(self, scope: str | None):
        self.required_scope = scope
        if scope:
            super().__init__(f"This request needs the '{scope}' scope.")
        else:
            super().__init__("This endpoint declares no scope.")


def required_scope_for(view, method: str) -> str | None:
    action = getattr(view, "action", None)
    action_scopes = getattr(view, "action_scopes", None) or {}
    if action and action in action_scopes:
        return action_scopes[action]
    method_scopes = getattr(view, "method_scopes", None) or {}
    if method in method_scopes:
        return method_scopes[method]
    if getattr(view, "required_scope", None):
        return view.required_scope
    area = getattr(view, "scope_area", None)
    if area:
        kind = "read" if method in permissions.SAFE_METHODS else "write"
        return f"{kind}:{area}"
    return None


class HasRequiredScope(permissions.BasePermission):
    """Authenticated, and holding the scope the view declares. A view that declares none is closed."""

    def has_permission(self, request, view):
        if getattr(view, "public", False):
            return True
        context = get_auth_context(request)
        if context is None:
            raise exceptions.NotAuthenticated()
        if getattr(view, "any_scope", False):
            return True
        scope = required_scope_for(view, request.method)
        if scope is None:
            raise InsufficientScope(None)
        if not context.has_scope(scope):
            raise InsufficientScope(scope)
        return True
