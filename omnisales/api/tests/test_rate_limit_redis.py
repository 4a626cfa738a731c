"""Rate-limit counters in Redis: one round trip per request, counted exactly once however many
processes (cache clients) share a credential, with the same X-RateLimit-* headers as ever."""

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from omnisales.api import throttling

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL (CI sets it)"),
]

LIMIT = 5


@pytest.fixture(autouse=True)
def _tight_limit(settings):
    # Every test's API key is new, so its counters are too: no need to clear a Redis database the
    # other test workers share.
    settings.API_RATE_LIMITS = {"read": f"{LIMIT}/hour", "write": f"{LIMIT}/hour"}


@pytest.fixture
def counter_commands(monkeypatch):
    """The name of every Redis command sent about a rate-limit counter, one list per request."""
    sent = []
    original = redis.Redis.execute_command

    def record(self, *args, **options):
        if any(b"ratelimit:" in (arg if isinstance(arg, bytes) else str(arg).encode()) for arg in args[1:]):
            sent.append(str(args[0]).upper())
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", record)
    return sent


def test_the_shared_cache_is_redis():
    assert isinstance(caches["default"], RedisCache)


def test_each_request_costs_one_redis_round_trip(api, counter_commands):
    api.get("/api/auth/me")  # the window's counter exists from here on
    for _ in range(3):
        counter_commands.clear()
        assert api.get("/api/auth/me").status_code == 200
        assert counter_commands == ["EVALSHA"]


def test_two_clients_of_one_credential_count_each_request_once(api, other_api):
    from rest_framework.test import APIClient

    twin = APIClient()
    twin.credentials(HTTP_X_API_KEY=api.api_key)
    responses = [(api if n % 2 else twin).get("/api/auth/me") for n in range(LIMIT + 1)]
    assert [response.status_code for response in responses] == [200] * LIMIT + [429]
    assert [response["X-RateLimit-Remaining"] for response in responses] == ["4", "3", "2", "1", "0", "0"]
    assert {response["X-RateLimit-Limit"] for response in responses} == {str(LIMIT)}
    assert len({response["X-RateLimit-Reset"] for response in responses}) == 1
    assert int(responses[-1]["Retry-After"]) >= 1
    assert responses[-1].json()["code"] == "RATE_LIMITED"
    # Another credential has its own counter.
    assert other_api.get("/api/auth/me")["X-RateLimit-Remaining"] == str(LIMIT - 1)


def test_the_counter_is_the_caches_own_key_and_expires_with_the_window(api):
    api.get("/api/auth/me")
    response = api.get("/api/auth/me")
    backend = caches["default"]
    client = backend._cache.get_client(write=False)
    prefix = api.api_key.partition(".")[0]
    (cache_key,) = client.keys(f"*ratelimit:read:api_key:key_{prefix}:*")
    key = cache_key.decode().split(":", 2)[2]  # the cache's "<prefix>:<version>:" taken off
    assert backend.get(key) == 2
    reset = int(response["X-RateLimit-Reset"])
    assert 0 < client.ttl(cache_key) <= 3600 + 5
    assert reset % 3600 == 0


def test_counts_are_exact_across_processes_and_threads():
    """Eight threads, each with its own cache client and connection pool, increment one counter."""
    key = f"ratelimit:read:test-{uuid.uuid4().hex}:0"  # Redis outlives test runs: a key of this run only
    start = threading.Barrier(8)

    def increment(_):
        backend = RedisCache(os.environ["REDIS_URL"], {})
        start.wait()
        try:
            return [throttling.redis_count(backend, key, timeout=65) for _ in range(25)]
        finally:
            backend.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = [result for results in pool.map(increment, range(8)) for result in results]
    assert sorted(count for count, _ in counts) == list(range(1, 201))
    assert all(0 < ttl <= 65 for _, ttl in counts)
    assert caches["default"].get(key) == 200


def test_a_counter_left_without_expiry_gets_one(api):
    backend = caches["default"]
    key = "ratelimit:read:test:1"
    backend._cache.get_client(write=True).set(backend.make_and_validate_key(key), 3)
    assert throttling.redis_count(backend, key, timeout=65) == (4, 65)


def test_the_script_is_loaded_again_after_redis_forgot_it(api):
    assert api.get("/api/auth/me")["X-RateLimit-Remaining"] == str(LIMIT - 1)
    caches["default"]._cache.get_client(write=True).script_flush()
    assert api.get("/api/auth/me")["X-RateLimit-Remaining"] == str(LIMIT - 2)
