"""Routes of this app that take an id, and how to make such an object for an account."""

from accounts.services import api_key_create, oauth_application_create
from omnisales.api import scopes


def _api_key(account):
    api_key, _ = api_key_create(
        account=account, name="swept", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
    )
    return {"apiKeyId": api_key.public_id}


def _oauth_application(account):
    client, _ = oauth_application_create(
        account=account,
        name="swept app",
        redirect_uris=["https://example.com/callback"],
        scopes=["read:orders"],
        grantor_scopes=scopes.expand(["admin"]),
    )
    return {"applicationId": client.id}


SWEEP = {
    "api-key-detail": _api_key,
    "oauth-application-detail": _oauth_application,
}
