"""django-oauth-toolkit glue: the scopes an application may ask for are the ones its account allowed."""

from oauth2_provider.scopes import BaseScopes

from omnisales.api import scopes


class ScopesBackend(BaseScopes):
    def get_all_scopes(self):
        return dict(scopes.DESCRIPTIONS)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "omnisales_client", None) if application is not None else None
        if client is None:
            return []
        return list(client.allowed_scopes)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return [scope for scope in self.get_available_scopes(application, request) if scope.startswith("read:")]
