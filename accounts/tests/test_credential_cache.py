"""The credential cache: API keys and JWT members authenticate without a query once warm, equal to a
fresh read, and every change to a key, membership, account or user is refused on the very next request.

Runs against whatever cache the settings name (Redis when REDIS_URL is set, as in CI). Every test uses
fresh keys, users and accounts, so nothing is flushed from a cache other test workers share.
"""

import json
import os
import pickle
import select
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from accounts import credential_cache
from accounts.models import Account, ApiKey, Membership, Role
from accounts.services import api_key_create, api_key_revoke, oauth_application_create, tokens_for
from omnisales.api import scopes
from omnisales.testing.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

AUTH_TABLES = ('"accounts_apikey"', '"accounts_user"', '"accounts_membership"', '"accounts_account"')
ROOT = Path(__file__).resolve().parents[2]
NEW_KEY = {"name": "minted", "scopes": ["read:orders"]}


def call(client, method="get", path="/api/auth/me", data=None):
    """(response, the statements it ran on the authentication tables)."""
    with CaptureQueriesContext(connection) as queries:
        send = getattr(client, method)
        response = send(path) if data is None else send(path, data, format="json")
        statements = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in AUTH_TABLES)]
    return response, statements


def warm(client, path="/api/auth/me"):
    """Fills the cache, then proves it is warm: the next request authenticates without a query."""
    assert call(client, path=path)[0].status_code == 200
    response, statements = call(client, path=path)
    assert response.status_code == 200
    assert statements == []
    return response


def refused(client, method="get", path="/api/auth/me", data=None, status=401):
    response, _ = call(client, method, path, data)
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def member(account):
    return MembershipFactory(account=account, role=Role.OWNER)


@pytest.fixture
def jwt_client(member):
    def build(membership=member):
        client = APIClient()
        access = tokens_for(user=membership.user, account=membership.account)["access"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return build


def key_row(client) -> ApiKey:
    return ApiKey.objects.get(prefix=client.api_key.partition(".")[0])


# --- the hot path ------------------------------------------------------------------------------


class TestHotPath:
    def test_a_warm_api_key_makes_no_query_and_answers_as_a_fresh_read(self, api, settings):
        cached = warm(api).json()
        settings.AUTH_CACHE_SECONDS = 0
        fresh, statements = call(api)
        assert statements  # without the cache the key is read every time
        assert cached == fresh.json()

    def test_a_warm_jwt_makes_no_query_and_answers_as_a_fresh_read(self, jwt_client, settings):
        client = jwt_client()
        cached = warm(client).json()
        assert cached["authMethod"] == "jwt" and cached["role"] == "owner"
        settings.AUTH_CACHE_SECONDS = 0
        fresh, statements = call(client)
        assert len(statements) == 2  # the user and the membership
        assert cached == fresh.json()

    def test_a_cached_key_rebuilds_the_rows_a_fresh_read_gives(self, make_client):
        store = Account.objects.create(name="Plan store", product_limit=7, tax_rate="8.500", currency="EUR")
        client = make_client(store)
        warm(client)
        cached, _ = credential_cache.api_key_lookup(client.api_key.partition(".")[0])
        fresh = ApiKey.objects.select_related("account").get(pk=cached.pk)
        for cached_row, fresh_row in ((cached, fresh), (cached.account, fresh.account)):
            fields = type(fresh_row)._meta.concrete_fields
            assert [getattr(cached_row, f.attname) for f in fields] == [getattr(fresh_row, f.attname) for f in fields]
            assert not cached_row._state.adding and cached_row._state.db == fresh_row._state.db
        assert cached.account.product_limit == 7 and str(cached.account.tax_rate) == "8.500"

    def test_a_cached_member_rebuilds_the_user_without_its_password(self, jwt_client, member):
        warm(jwt_client())
        user, account, role = credential_cache.member_lookup(member.user_id, member.account_id)
        assert (user, account, role) == (member.user, member.account, "owner")
        assert user.get_deferred_fields() == {"password"}  # loaded from the database only if asked for
        with CaptureQueriesContext(connection) as queries:
            assert user.check_password("correct-horse-battery")
        assert len(queries) == 1

    def test_a_wrong_secret_with_a_cached_prefix_is_refused(self, api):
        warm(api)
        prefix = api.api_key.partition(".")[0]
        forged = APIClient()
        forged.credentials(HTTP_X_API_KEY=f"{prefix}.{'x' * 32}")
        response, statements = call(forged)
        assert response.status_code == 401 and statements == []  # refused against the cached hash

    def test_zero_seconds_turns_the_cache_off(self, api, settings):
        settings.AUTH_CACHE_SECONDS = 0
        assert call(api)[0].status_code == 200
        response, statements = call(api)
        assert response.status_code == 200 and statements
        assert credential_cache.api_key_lookup(api.api_key.partition(".")[0]) == (None, False)


# --- refused on the very next request ---------------------------------------------------------


class TestApiKeyChanges:
    def test_revoked_through_the_api(self, api, make_client, account):
        victim = make_client(account, scopes=["read:orders"])
        warm(victim)
        assert api.delete(f"/api/auth/api-keys/key_{key_row(victim).prefix}").status_code == 204
        assert "revoked" in refused(victim)["error"]

    def test_revoked_by_the_service(self, api):
        warm(api)
        api_key_revoke(api_key=key_row(api))
        assert "revoked" in refused(api)["error"]

    def test_revoked_by_a_save(self, api):
        warm(api)
        row = key_row(api)
        row.revoked = True
        row.save()
        assert "revoked" in refused(api)["error"]

    def test_deleted(self, api):
        warm(api)
        key_row(api).delete()
        assert refused(api)["error"] == "Invalid API key"

    def test_revoked_by_the_admin_action(self, api, admin_client):
        warm(api)
        row = key_row(api)
        response = admin_client.post(
            "/admin/accounts/apikey/?revoked__exact=0", {"action": "revoke", "_selected_action": [row.pk]}
        )
        assert response.status_code == 302
        assert "revoked" in refused(api)["error"]

    def test_scopes_narrowed(self, api):
        warm(api)
        row = key_row(api)
        row.scopes = ["read:orders"]
        row.save()
        body = refused(api, "post", "/api/auth/api-keys", NEW_KEY, status=403)
        assert body["code"] == "INSUFFICIENT_SCOPE"
        assert ApiKey.objects.filter(name="minted").count() == 0

    def test_expiry_is_honoured_from_the_cached_row(self, account):
        _, key = api_key_create(
            account=account,
            name="expiring",
            scopes=["read:orders"],
            grantor_scopes=scopes.expand(["admin"]),
            expires_at=timezone.now() + timedelta(seconds=20),  # well inside the entry's minute
        )
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=key)
        warm(client)
        with freeze_time(timezone.now() + timedelta(seconds=30)):
            response, statements = call(client)
        assert response.status_code == 401 and "expired" in response.json()["error"]
        assert statements == []  # refused from the cache, without reading the row

    def test_expiry_brought_forward(self, api):
        warm(api)
        row = key_row(api)
        row.expiry_date = timezone.now() - timedelta(seconds=1)
        row.save()
        assert "expired" in refused(api)["error"]


class TestMemberChanges:
    def test_removed_member(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.delete()
        refused(client)

    def test_role_narrowed_refuses_a_write_the_old_role_allowed(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.role = Role.STAFF
        member.save()
        body = refused(client, "post", "/api/auth/api-keys", NEW_KEY, status=403)
        assert body["code"] == "INSUFFICIENT_SCOPE"
        assert ApiKey.objects.filter(name="minted").count() == 0

    def test_membership_moved_to_another_account(self, jwt_client, member, other_account):
        client = jwt_client()
        warm(client)
        member.account = other_account
        member.save()
        refused(client)

    def test_deactivated_user(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.user.is_active = False
        member.user.save()
        refused(client)

    def test_deleted_user(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.user.delete()
        refused(client)

    def test_password_change_forgets_the_user(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.user.set_password("another-horse-battery")
        member.user.save()
        response, statements = call(client)
        assert response.status_code == 200  # access tokens outlive a password change, as before
        assert statements  # read again from the database

    def test_a_login_does_not_forget_the_user(self, jwt_client, member):
        client = jwt_client()
        warm(client)
        member.user.last_login = timezone.now()
        member.user.save(update_fields=["last_login"])
        assert call(client)[1] == []


class TestAccountChanges:
    @pytest.fixture
    def clients(self, api, jwt_client):
        clients = [api, jwt_client()]
        for client in clients:
            warm(client)
        return clients

    def test_deactivated_by_a_save(self, clients, account):
        account.is_active = False
        account.save()
        for client in clients:
            refused(client)

    def test_deactivated_by_the_admin_action(self, clients, account, admin_client):
        response = admin_client.post(
            "/admin/accounts/account/?is_active__exact=1", {"action": "deactivate", "_selected_action": [account.pk]}
        )
        assert response.status_code == 302
        for client in clients:
            refused(client)

    def test_deleted(self, clients, account):
        account.delete()
        for client in clients:
            refused(client)

    def test_a_plan_change_is_seen_at_once(self, api, account):
        warm(api)
        account.product_limit = 500
        account.save(update_fields=["product_limit"])
        assert call(api)[0].json()["account"]["productLimit"] == 500


class TestOAuth:
    @pytest.fixture
    def oauth_client(self, account, member):
        client_row, _ = oauth_application_create(
            account=account,
            name="Partner app",
            redirect_uris=["https://partner.example.com/callback"],
            scopes=["read:orders", "write:products"],
            grantor_scopes=scopes.expand(["admin"]),
        )
        raw = f"oauth-{os.urandom(16).hex()}"
        AccessToken.objects.create(
            user=member.user,
            application=client_row.application,
            token=raw,
            expires=timezone.now() + timedelta(hours=1),
            scope="read:orders write:products",
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    def warm_membership(self, client):
        assert call(client)[0].status_code == 200
        response, statements = call(client)
        assert response.status_code == 200 and response.json()["authMethod"] == "oauth2"
        assert not any('"accounts_membership"' in sql for sql in statements)  # the token is still read

    def test_role_narrowed(self, oauth_client, member):
        self.warm_membership(oauth_client)
        member.role = Role.VIEWER
        member.save()
        assert call(oauth_client)[0].json()["scopes"] == ["read:orders"]

    def test_removed_member(self, oauth_client, member):
        self.warm_membership(oauth_client)
        member.delete()
        refused(oauth_client)

    def test_deactivated_user(self, oauth_client, member):
        self.warm_membership(oauth_client)
        member.user.is_active = False
        member.user.save()
        refused(oauth_client)


# --- what is stored, and races -----------------------------------------------------------------


def stored_bytes(key: str) -> bytes:
    """The value as the cache holds it: the raw bytes in Redis, the pickle elsewhere."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        raw = cache._cache.get_client(key).get(cache.make_and_validate_key(key))
        assert raw is not None
        return raw
    value = cache.get(key)
    assert value is not None
    return pickle.dumps(value)


def test_a_cached_key_never_holds_the_raw_key(api):
    warm(api)
    prefix, _, secret = api.api_key.partition(".")
    stored = stored_bytes(credential_cache.api_key_cache_key(prefix))
    assert secret.encode() not in stored and api.api_key.encode() not in stored
    assert key_row(api).hashed_key.encode() in stored  # the hash, as the database holds it


def test_a_cached_member_never_holds_the_password_hash(jwt_client, member):
    warm(jwt_client())
    stored = stored_bytes(credential_cache.member_cache_key(member.user_id, member.account_id))
    assert member.user.password.encode() not in stored and b"password" not in stored
    assert member.user.email.encode() in stored


def test_a_reader_holding_the_old_row_cannot_cache_it_after_the_change(api):
    warm(api)
    old_row = ApiKey.objects.select_related("account").get(prefix=key_row(api).prefix)
    api_key_revoke(api_key=key_row(api))
    credential_cache.api_key_remember(old_row)  # a request that read the row before the revocation
    assert "revoked" in refused(api)["error"]


def test_a_row_cached_while_a_long_transaction_ran_is_forgotten_when_it_commits(
    api, django_capture_on_commit_callbacks
):
    warm(api)
    old_row = ApiKey.objects.select_related("account").get(prefix=key_row(api).prefix)
    cache_key = credential_cache.api_key_cache_key(old_row.prefix)
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(api_key=key_row(api))
        cache.delete(cache_key)  # the first tombstone ran out before the transaction ended
        credential_cache.api_key_remember(old_row)  # and a reader cached the committed, unrevoked row
        assert isinstance(cache.get(cache_key), dict)
    assert "revoked" in refused(api)["error"]


def test_last_use_is_written_once_a_minute_not_on_every_hit(api):
    assert call(api)[0].status_code == 200
    first = key_row(api).last_used_at
    assert first is not None
    response, statements = call(api)
    assert response.status_code == 200 and statements == []  # no write on a hit within the minute
    with freeze_time(timezone.now() + timedelta(seconds=61)):
        cache.delete(f"auth:v1:api-key-used:{key_row(api).prefix}")  # as the marker's minute runs out
        assert call(api)[0].status_code == 200
    assert key_row(api).last_used_at > first


# --- two processes sharing Redis ---------------------------------------------------------------


class Peer:
    """Another web process (credential_cache_peer.py) on the same database and cache."""

    def __init__(self):
        db = connection.settings_dict
        login = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        database_url = f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,  # pytest-django's test database, not the one DATABASE_URL names
            "REDIS_URL": os.environ["REDIS_URL"],
            "DEBUG": "true",
            "SECRET_KEY": settings.SECRET_KEY,
            "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "accounts.tests.credential_cache_peer"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.process.kill()
            pytest.fail(f"the peer process did not answer: {self.process.stderr.read()[-3000:]}")
        return line.strip()

    def get(self, **headers) -> dict:
        self.process.stdin.write(json.dumps({"headers": headers}) + "\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def start_peer():
    started = []
    yield lambda: started.append(Peer()) or started[-1]
    for peer in started:
        peer.close()


@pytest.mark.postgres  # the peer must open the same test database, which SQLite keeps in memory
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a cache shared by processes: set REDIS_URL")
# Committed, or the peer cannot see the rows; serialized_rollback like the other transactional tests (a
# plain flush would recreate the content types under new ids, which the next one could not restore).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_in_one_process_is_refused_at_once_in_another(start_peer):
    account = Account.objects.create(name="Cross-process store")
    _, key = api_key_create(account=account, name="peer", scopes=["admin"], grantor_scopes=scopes.expand(["admin"]))
    owner = MembershipFactory(account=account, user=UserFactory(), role=Role.OWNER)
    access = tokens_for(user=owner.user, account=account)["access"]
    credentials = {"HTTP_X_API_KEY": key}, {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    peer = start_peer()

    for headers in credentials:
        assert peer.get(**headers)["status"] == 200
        assert peer.get(**headers) == {"status": 200, "code": None, "auth_queries": 0}  # the peer is warm
        with CaptureQueriesContext(connection) as queries:
            assert Client(**headers).get("/api/auth/me").status_code == 200
        assert not [q for q in queries.captured_queries if any(t in q["sql"] for t in AUTH_TABLES)]  # shared

    api_key_revoke(api_key=ApiKey.objects.get(prefix=key.partition(".")[0]))
    Membership.objects.filter(pk=owner.pk).delete()

    for headers in credentials:
        assert peer.get(**headers)["status"] == 401
    late = start_peer()  # and a process that starts afterwards
    for headers in credentials:
        assert late.get(**headers)["status"] == 401
