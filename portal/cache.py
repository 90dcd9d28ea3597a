"""The cache backend: Django's Redis cache that lets pages go on when Redis is away.

Everything kept in the cache can be made again from PostgreSQL: cached pages, sessions
(`cached_db` writes them through to the database), counters of rate limits. So when Redis
cannot be reached, a read counts as a miss and a write is skipped, with a warning in the
log, instead of failing the request. Short socket timeouts keep a hanging Redis from
holding up the page. What this gives up while Redis is away: the rate limits count nothing
(logins are still checked), and pages are made afresh each time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)
Result = TypeVar("Result")


def _or(fallback: Callable[..., Any]) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Run the operation; if Redis cannot be reached, log it and return fallback(*args)."""

    def decorator(operation: Callable[..., Result]) -> Callable[..., Result]:
        @wraps(operation)
        def wrapper(self: RedisCacheClient, *args: Any) -> Result:
            try:
                return operation(self, *args)
            except UNREACHABLE as error:
                logger.warning(
                    "Redis cannot be reached (%s): cache %s skipped", error, operation.__name__
                )
                return fallback(*args)

        return wrapper

    return decorator


class ResilientRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        # Django makes a new redis.Redis for every call, which fills its table of some 170
        # reply parsers each time: a tenth of a cached page's cost. One client per connection
        # pool serves all calls (redis-py's clients are safe to share between threads).
        # Django's own helpers, not in its type stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients_by_pool.get(pool)
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients_by_pool[pool] = client
        return client

    # As if added: allauth's rate limits take a lock with add(), and a lock that can never be
    # had would refuse every login while Redis is away.
    add = _or(lambda key, value, timeout: True)(RedisCacheClient.add)
    get = _or(lambda key, default: default)(RedisCacheClient.get)
    set = _or(lambda key, value, timeout: None)(RedisCacheClient.set)
    touch = _or(lambda key, timeout: False)(RedisCacheClient.touch)
    delete = _or(lambda key: False)(RedisCacheClient.delete)
    get_many = _or(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _or(lambda key: False)(RedisCacheClient.has_key)
    set_many = _or(lambda data, timeout: None)(RedisCacheClient.set_many)
    delete_many = _or(lambda keys: None)(RedisCacheClient.delete_many)
    # incr keeps failing: its callers must know the count was not kept.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients_by_pool: dict[redis.ConnectionPool, redis.Redis] = {}


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ResilientRedisCacheClient
