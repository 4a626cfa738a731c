"""Failed-login lockouts on every login surface, refresh-token rotation under concurrency,
API keys that cannot outlive their creator, and where a web login lands."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient

from accounts.models import ApiKey, Role
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
WRONG = "wrong-password"


@pytest.fixture
def member():
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def staff_user():
    user = UserFactory()
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def limit(settings):
    return settings.AXES_FAILURE_LIMIT


def api_login(email, password, address="10.0.0.1", **headers):
    return APIClient().post(
        "/api/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=address, **headers
    )


def page_login(path, email, password, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(path, {"username": email, "password": password})


def html_login_failed(response) -> bool:
    """The login form shown again with its error: the page answers 200 and logs nobody in."""
    return response.status_code == 200 and "_auth_user_id" not in response.wsgi_request.session


class TestApiLoginLockout:
    # Real commits: an error response must not roll back the failure records of its request.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_the_failure_at_the_limit_locks_and_the_right_password_is_then_refused(self, member, limit):
        email = member.user.email
        statuses = [api_login(email, WRONG).status_code for _ in range(limit - 1)]
        assert statuses == [401] * (limit - 1)

        locking = api_login(email, WRONG)
        assert locking.status_code == 429
        assert locking.json()["code"] == "TOO_MANY_LOGIN_ATTEMPTS"

        refused = api_login(email, PASSWORD)
        assert refused.status_code == 429
        body = refused.json()
        assert set(body) == {"error", "details", "code"}
        assert body["code"] == "TOO_MANY_LOGIN_ATTEMPTS"
        assert "access" not in body
        assert 0 < int(refused["Retry-After"]) <= 15 * 60

    def test_rotating_x_forwarded_for_does_not_reset_the_address_limit(self, limit, settings):
        assert settings.TRUSTED_PROXY_COUNT == 0
        # Different emails each time, so only the per-address counter can stop this.
        statuses = [
            api_login(f"guess{n}@example.com", WRONG, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
            for n in range(limit + 1)
        ]
        assert statuses[: limit - 1] == [401] * (limit - 1)
        assert statuses[limit - 1 :] == [429, 429]

    def test_a_forwarded_victim_address_is_not_locked_out_by_someone_else(self, member, limit):
        for n in range(limit):
            api_login(f"guess{n}@example.com", WRONG, address="203.0.113.66", HTTP_X_FORWARDED_FOR="10.0.0.9")
        assert api_login(member.user.email, PASSWORD, address="10.0.0.9").status_code == 200

    def test_one_email_is_locked_whatever_address_the_guesses_come_from(self, member, limit):
        for n in range(limit):
            api_login(member.user.email, WRONG, address=f"192.0.2.{n + 1}")
        assert api_login(member.user.email, PASSWORD, address="192.0.2.200").status_code == 429
        # The per-email lockout concerns that email only.
        other = MembershipFactory()
        assert api_login(other.user.email, PASSWORD, address="192.0.2.200").status_code == 200

    def test_the_email_is_matched_whatever_its_case(self, member, limit):
        for n in range(limit):
            api_login(member.user.email.upper() if n % 2 else member.user.email, WRONG, address=f"192.0.2.{n + 1}")
        assert api_login(member.user.email, PASSWORD, address="192.0.2.200").status_code == 429

    def test_the_lockout_expires(self, member, limit, settings):
        start = timezone.now()
        with freeze_time(start):
            for _ in range(limit):
                api_login(member.user.email, WRONG)
            assert api_login(member.user.email, PASSWORD).status_code == 429
        with freeze_time(start + settings.AXES_COOLOFF_TIME - timedelta(seconds=5)):
            assert api_login(member.user.email, PASSWORD).status_code == 429
        with freeze_time(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
            assert api_login(member.user.email, PASSWORD).status_code == 200

    def test_attempts_during_the_lockout_do_not_extend_it(self, member, limit, settings):
        start = timezone.now()
        with freeze_time(start):
            for _ in range(limit):
                api_login(member.user.email, WRONG)
        with freeze_time(start + settings.AXES_COOLOFF_TIME - timedelta(minutes=1)):
            assert api_login(member.user.email, WRONG).status_code == 429
        with freeze_time(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
            assert api_login(member.user.email, PASSWORD).status_code == 200

    def test_a_successful_login_forgives_that_email_from_that_address(self, member, limit):
        for _ in range(limit - 1):
            api_login(member.user.email, WRONG)
        assert api_login(member.user.email, PASSWORD).status_code == 200
        assert [api_login(member.user.email, WRONG).status_code for _ in range(limit - 1)] == [401] * (limit - 1)

    def test_logging_in_to_ones_own_account_does_not_reset_the_address_counter(self, member, limit):
        attacker = MembershipFactory()
        for _ in range(limit - 1):
            api_login(member.user.email, WRONG, address="203.0.113.5")
        assert api_login(attacker.user.email, PASSWORD, address="203.0.113.5").status_code == 200
        assert api_login(member.user.email, WRONG, address="203.0.113.5").status_code == 429


class TestLoginPagesLockout:
    @pytest.mark.parametrize("path", ["/accounts/login", "/admin/login/"])
    def test_the_page_shows_the_lockout_and_refuses_the_right_password(self, path, staff_user, limit):
        failures = [page_login(path, staff_user.email, WRONG) for _ in range(limit - 1)]
        assert all(html_login_failed(response) for response in failures)

        locking = page_login(path, staff_user.email, WRONG)
        assert locking.status_code == 429
        assert b"Too many failed login attempts" in locking.content

        refused = page_login(path, staff_user.email, PASSWORD)
        assert refused.status_code == 429
        assert b"Too many failed login attempts" in refused.content
        assert int(refused["Retry-After"]) > 0
        assert "_auth_user_id" not in refused.wsgi_request.session

    def test_failures_count_across_surfaces(self, staff_user, limit):
        api_login(staff_user.email, WRONG)
        for _ in range(limit - 2):
            page_login("/admin/login/", staff_user.email, WRONG)
        assert page_login("/accounts/login", staff_user.email, WRONG).status_code == 429
        assert api_login(staff_user.email, PASSWORD).status_code == 429

    def test_the_page_lockout_expires(self, staff_user, limit, settings):
        start = timezone.now()
        with freeze_time(start):
            for _ in range(limit):
                page_login("/admin/login/", staff_user.email, WRONG)
        with freeze_time(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
            response = page_login("/admin/login/", staff_user.email, PASSWORD)
        assert response.status_code == 302
        assert response.wsgi_request.session["_auth_user_id"] == str(staff_user.pk)

    def test_failed_attempts_are_listed_in_the_admin(self, staff_user, member, limit):
        for _ in range(limit):
            api_login(member.user.email, WRONG, address="203.0.113.7")
        admin = Client()
        admin.force_login(staff_user)
        listing = admin.get("/admin/axes/accessattempt/")
        assert listing.status_code == 200
        assert member.user.email.encode() in listing.content
        assert b"203.0.113.7" in listing.content
        history = admin.get("/admin/axes/accessfailurelog/?q=" + member.user.email)
        assert history.status_code == 200
        assert member.user.email.encode() in history.content


class TestWebLoginRedirect:
    def test_login_lands_on_a_page_that_exists(self, member):
        client = Client()
        response = client.post("/accounts/login", {"username": member.user.email, "password": PASSWORD})
        assert response.status_code == 302
        landing = client.get(response["Location"])
        assert landing.status_code == 200

    def test_an_explicit_next_is_still_followed(self, staff_user):
        client = Client()
        response = client.post(
            "/accounts/login?next=/admin/", {"username": staff_user.email, "password": PASSWORD, "next": "/admin/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/"


class TestRefreshRotationRace:
    @pytest.mark.postgres
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_one_refresh_token_sent_at_once_rotates_exactly_once(self, member):
        pair = api_login(member.user.email, PASSWORD).json()
        attempts = 6

        def refresh():
            return APIClient().post("/api/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")

        results = run_together(*[refresh] * attempts)

        assert sorted(response.status_code for response in results) == [200] + [401] * (attempts - 1)
        assert {response.json()["code"] for response in results if response.status_code == 401} == {
            "INVALID_CREDENTIALS"
        }
        winner = next(response.json() for response in results if response.status_code == 200)
        again = APIClient().post("/api/auth/token/refresh", {"refresh": winner["refresh"]}, format="json")
        assert again.status_code == 200

    def test_a_refresh_token_of_a_deleted_user_is_401(self, member):
        pair = api_login(member.user.email, PASSWORD).json()
        member.user.delete()
        response = APIClient().post("/api/auth/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert response.status_code == 401
        assert response.json()["code"] == "INVALID_CREDENTIALS"


class TestApiKeyExpiryCap:
    @pytest.fixture
    def expiring_client(self, api):
        expires = timezone.now() + timedelta(days=3)
        created = api.post(
            "/api/auth/api-keys",
            {"name": "short", "scopes": ["admin"], "expiresAt": expires.isoformat()},
            format="json",
        ).json()
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=created["key"])
        client.expires = ApiKey.objects.get(prefix=created["prefix"]).expiry_date
        return client

    def test_a_key_without_expiry_made_by_an_expiring_key_gets_the_creators_expiry(self, expiring_client):
        response = expiring_client.post(
            "/api/auth/api-keys", {"name": "child", "scopes": ["read:orders"]}, format="json"
        )
        assert response.status_code == 201
        child = ApiKey.objects.get(prefix=response.json()["prefix"])
        assert child.expiry_date == expiring_client.expires

    def test_a_later_expiry_than_the_creators_is_422(self, expiring_client):
        later = (expiring_client.expires + timedelta(days=1)).isoformat()
        before = ApiKey.objects.count()
        response = expiring_client.post(
            "/api/auth/api-keys", {"name": "child", "scopes": ["read:orders"], "expiresAt": later}, format="json"
        )
        assert response.status_code == 422
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert list(response.json()["details"]) == ["expiresAt"]
        assert ApiKey.objects.count() == before

    def test_an_earlier_expiry_is_kept(self, expiring_client):
        earlier = expiring_client.expires - timedelta(days=1)
        response = expiring_client.post(
            "/api/auth/api-keys",
            {"name": "child", "scopes": ["read:orders"], "expiresAt": earlier.isoformat()},
            format="json",
        )
        assert response.status_code == 201
        assert ApiKey.objects.get(prefix=response.json()["prefix"]).expiry_date == earlier

    def test_a_key_without_expiry_may_create_keys_without_expiry(self, api):
        response = api.post("/api/auth/api-keys", {"name": "child", "scopes": ["read:orders"]}, format="json")
        assert response.status_code == 201
        assert ApiKey.objects.get(prefix=response.json()["prefix"]).expiry_date is None
