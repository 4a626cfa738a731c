"""Rate limits for the OAuth 2.0 endpoints that authenticate clients (token, revoke, introspect).

Counted per client address in the shared cache, in fixed windows like the API's per-credential
limits (the client address from `omnisales.api.throttling.client_address`, which trusts only the
configured proxies): every request counts against OAUTH_TOKEN_RATE_LIMIT, and a failed client authentication
(a 401: wrong client id or secret) also counts against the much lower OAUTH_TOKEN_FAILURE_RATE_LIMIT,
so the token endpoint is no oracle for guessing client secrets.
"""

import time

from django.conf import settings
from django.core.cache import cache

from omnisales.api import throttling


def _window(rate: str, kind: str, address: str) -> tuple[str, int, int, int]:
    """(cache key, limit, window length, seconds until the window resets) for this address now."""
    limit, period = throttling.parse_rate(rate)
    now = time.time()
    window_start = int(now // period * period)
    key = f"oauth-ratelimit:{kind}:{address}:{window_start}"
    return key, limit, period, max(int(window_start + period - now), 1)


def _increment(key: str, period: int) -> int:
    return throttling.count_request(key, period + 5)  # one round trip on Redis


def token_request_wait(request) -> int | None:
    """Counts this request; returns the seconds to wait when the address is over a limit, else None."""
    address = throttling.client_address(request)
    failure_key, failure_limit, _, failure_wait = _window(settings.OAUTH_TOKEN_FAILURE_RATE_LIMIT, "failed", address)
    if (cache.get(failure_key) or 0) >= failure_limit:
        return failure_wait
    key, limit, period, wait = _window(settings.OAUTH_TOKEN_RATE_LIMIT, "all", address)
    return wait if _increment(key, period) > limit else None


def record_failed_client_authentication(request) -> None:
    key, _, period, _ = _window(settings.OAUTH_TOKEN_FAILURE_RATE_LIMIT, "failed", throttling.client_address(request))
    _increment(key, period)
