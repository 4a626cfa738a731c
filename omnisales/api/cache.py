"""The Redis cache backend, with one Redis client per process instead of one per cache call.

Django's RedisCache builds a new `redis.Redis` object around its connection pool on every get, set or
delete. The connections were already pooled; the client object is not free to build and is safe to
share between threads (each command borrows a pooled connection), so it is made once per pool here.
The rate limiter's Lua script, the credential cache and idempotency locks all go through it.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
