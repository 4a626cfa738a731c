"""A per-provider send rate shared by every worker: a counter per second in the cache (Redis in production)."""

import time

from django.core.cache import cache


def wait_for_slot(provider: str, per_second: int, *, sleep=time.sleep, clock=time.time) -> None:
    """Returns when one more message to `provider` fits in the current second; 0 means no limit."""
    if per_second <= 0:
        return
    while True:
        now = clock()
        key = f"messaging:rate:{provider}:{int(now)}"
        cache.add(key, 0, timeout=5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            continue
        if count <= per_second:
            return
        sleep(max(0.0, int(now) + 1 - now))
