"""The client address behind rate limits and login lockouts: X-Forwarded-For counts only as far as
the deployment's own proxies (TRUSTED_PROXY_COUNT) vouch for it."""

import pytest
from django.test import RequestFactory

from omnisales.api.throttling import client_address

pytestmark = pytest.mark.django_db


def request_from(remote_address, forwarded=None):
    headers = {"REMOTE_ADDR": remote_address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/auth/me", **headers)


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "198.51.100.7", "10.0.0.1"),  # no proxy of ours: the header is the client's own words
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the right-most entry is what our proxy saw
        (2, "6.6.6.6, 198.51.100.7, 172.16.0.2", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies: the chain was not ours
        (1, "", "10.0.0.1"),
        (1, None, "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),
        (1, "198.51.100.7, ", "198.51.100.7"),
    ],
)
def test_client_address(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    assert client_address(request_from("10.0.0.1", forwarded)) == expected


class TestAnonymousRateLimitByAddress:
    @pytest.fixture(autouse=True)
    def _tight_limit(self, settings, fresh_address):
        settings.API_RATE_LIMITS = {"read": "3/hour", "write": "3/hour"}
        # Addresses of this test only: the counters live in a cache other test workers share.
        self.client_ip, self.victim, self.proxy = fresh_address(), fresh_address(), fresh_address()

    def test_rotating_x_forwarded_for_does_not_reset_the_limit(self, anonymous_client):
        statuses = [
            anonymous_client.get(
                "/api/auth/me", REMOTE_ADDR=self.client_ip, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
            ).status_code
            for n in range(4)
        ]
        assert statuses == [401, 401, 401, 429]

    def test_a_forged_victim_address_does_not_use_up_the_victims_limit(self, anonymous_client):
        for _ in range(4):
            anonymous_client.get("/api/auth/me", REMOTE_ADDR=self.client_ip, HTTP_X_FORWARDED_FOR=self.victim)
        assert anonymous_client.get("/api/auth/me", REMOTE_ADDR=self.victim).status_code == 401

    def test_behind_one_trusted_proxy_the_right_most_address_counts(self, anonymous_client, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        proxy = self.proxy
        for n in range(3):
            anonymous_client.get("/api/auth/me", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, {self.client_ip}")
        blocked = anonymous_client.get("/api/auth/me", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=self.client_ip)
        assert blocked.status_code == 429
        # Another client behind the same proxy has its own count.
        other = anonymous_client.get("/api/auth/me", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=self.victim)
        assert other.status_code == 401

    def test_login_lockout_follows_the_same_address(self, anonymous_client, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        settings.API_RATE_LIMITS = {"read": "1000/hour", "write": "1000/hour"}
        proxy = "10.0.0.2"
        limit = settings.AXES_FAILURE_LIMIT
        statuses = [
            anonymous_client.post(
                "/api/auth/token",
                {"email": f"guess{n}@example.com", "password": "wrong-password"},
                format="json",
                REMOTE_ADDR=proxy,
                HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.7",
            ).status_code
            for n in range(limit)
        ]
        assert statuses[-1] == 429
        elsewhere = anonymous_client.post(
            "/api/auth/token",
            {"email": "guess0@example.com", "password": "wrong-password"},
            format="json",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.8",
        )
        assert elsewhere.status_code == 401
