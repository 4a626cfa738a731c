"""Accounts admin: credentials never move between accounts or gain scopes, and merchants are deactivated,
never deleted."""

import pytest
from django.urls import reverse
from oauth2_provider.models import Application

from accounts import services
from accounts.models import Account, ApiKey, OAuthClient
from omnisales.api import scopes
from omnisales.testing.factories import oauth_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(account):
    row, _ = services.api_key_create(
        account=account, name="shop", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
    )
    return row


def test_an_api_keys_account_and_scopes_cannot_be_changed(admin_client, api_key, other_account):
    url = reverse("admin:accounts_apikey_change", args=[api_key.pk])
    form = admin_client.get(url).context["adminform"].form
    assert set(form.fields) == {"name", "revoked", "expiry_date"}

    response = admin_client.post(
        url, {"name": "renamed", "account": other_account.pk, "scopes": '["admin"]', "revoked": "on"}
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.name, api_key.account_id, api_key.scopes, api_key.revoked) == (
        "renamed",
        api_key.account_id,
        ["read:orders"],
        True,
    )
    assert "revoked" not in admin_client.get(url).context["adminform"].form.fields  # and it stays revoked


def test_accounts_are_deactivated_never_deleted(admin_client, account):
    assert admin_client.get(reverse("admin:accounts_account_delete", args=[account.pk])).status_code == 403
    response = admin_client.get(reverse("admin:accounts_account_changelist"))
    assert "delete_selected" not in dict(response.context["action_form"].fields["action"].choices)
    assert Account.objects.filter(pk=account.pk).exists()


def test_deleting_an_oauth_application_removes_the_toolkits_application(admin_client, account):
    client_row, _ = oauth_client(account)
    url = reverse("admin:accounts_oauthclient_change", args=[client_row.pk])
    assert b'type="submit" value="Save"' not in admin_client.get(url).content
    response = admin_client.post(reverse("admin:accounts_oauthclient_delete", args=[client_row.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not OAuthClient.objects.exists() and not Application.objects.exists()


def test_memberships_and_keys_filter_by_account(admin_client, api_key, other_account):
    services.api_key_create(
        account=other_account, name="other", scopes=["read:orders"], grantor_scopes=scopes.expand(["admin"])
    )
    response = admin_client.get(reverse("admin:accounts_apikey_changelist"), {"account__id__exact": api_key.account_id})
    assert [row.pk for row in response.context["cl"].result_list] == [api_key.pk]
    assert ApiKey.objects.count() == 2
