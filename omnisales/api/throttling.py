"""Per-credential rate limits: reads and writes counted separately in the shared cache.

A fixed window per (credential, kind) keeps one atomic cache increment per request, so limits hold
across processes. With Redis that increment is one round trip: a Lua script increments the window's
counter and gives a new one its expiry together. Other caches (local memory in development and tests)
use the cache API's add/incr. The numbers for the X-RateLimit-* headers are stashed on
the request; ApiResponseHeadersMiddleware writes them onto every /api response, errors included.
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from .auth import get_auth_context

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def client_address(request) -> str:
    """The caller's IP address, as far as the deployment's own proxies vouch for it.

    With TRUSTED_PROXY_COUNT = 0 the app faces clients directly and X-Forwarded-For is ignored: any
    client can write it. With n trusted proxies, each appends the address it received the request
    from, so the n-th entry from the right was written by our outermost proxy; entries further left
    came from the client. A header too short for n hops, or an entry that is not an IP address,
    falls back to REMOTE_ADDR.
    """
    remote_address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote_address
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote_address
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_address


def credential_key(request) -> str:
    context = get_auth_context(request) if hasattr(request, "_request") else None
    if context is not None:
        return f"{context.method}:{context.credential_id}"
    return f"anon:{client_address(request)}"


# KEYS[1]: the window's counter. ARGV[1]: its lifetime in seconds. Returns {count, seconds to live}.
# A counter found without an expiry (only possible if something else wrote it) gets one too.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
_count_script = None  # redis-py Script, made once per process; it runs by EVALSHA (EVAL once if unknown)


def redis_count(cache_backend: RedisCache, key: str, timeout: int) -> tuple[int, int]:
    """Increments `key` in Redis in one round trip; returns (count, seconds the counter still lives).

    The key is the cache's own form of `key` (prefix and version), so `cache.get(key)` reads the same
    counter; the client comes from the cache's connection pool.
    """
    global _count_script
    cache_key = cache_backend.make_and_validate_key(key)
    client = cache_backend._cache.get_client(cache_key, write=True)
    if _count_script is None:
        _count_script = client.register_script(_COUNT_SCRIPT)
    count, ttl = _count_script(keys=[cache_key], args=[timeout], client=client)
    return int(count), int(ttl)


def count_request(key: str, timeout: int) -> int:
    """Adds one to the counter `key` (created with `timeout` seconds to live); returns the new count."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return redis_count(backend, key, timeout)[0]
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        backend.add(key, 1, timeout=timeout)
        return 1


def check_rate(request, kind: str) -> tuple[bool, int]:
    """Counts this request; returns (allowed, seconds until the window resets)."""
    limit, period = parse_rate(settings.API_RATE_LIMITS[kind])
    now = time.time()
    window_start = int(now // period * period)
    reset = window_start + period
    key = f"ratelimit:{kind}:{credential_key(request)}:{window_start}"
    used = count_request(key, timeout=period + 5)
    allowed = used <= limit
    django_request = getattr(request, "_request", request)
    django_request.rate_limit = {"limit": limit, "remaining": max(limit - used, 0), "reset": reset}
    return allowed, max(int(reset - now), 1)


class CredentialRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        kind = "read" if request.method in SAFE_METHODS else "write"
        allowed, self._wait = check_rate(request, kind)
        return allowed

    def wait(self):
        return self._wait
