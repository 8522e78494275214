"""Rate limits shared by every server process, counted in Redis.

A fixed window per key: the first hit starts a window of `window_s` seconds; hits past
`limit` inside it are refused. Counting is one atomic pipeline (SET NX EX + INCR). If Redis
is unreachable the limit fails open: Redis is transport, and losing it must not stop a class.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def key_name(key: str) -> str:
    """The Redis key of a limit (RATELIMIT_PREFIX keeps parallel test runs apart)."""
    return f"{settings.RATELIMIT_PREFIX}:rl:{key}"


def hit(key: str, *, limit: int, window_s: int) -> bool:
    """Count one hit on `key`; True if it is within the limit. A refused hit is given back
    at once: refusals do not count, so only what was let through fills the window."""
    name = key_name(key)
    try:
        # SET NX EX starts the window (Redis 6 has no EXPIRE NX); INCR keeps the expiry.
        pipe = _client(settings.REDIS_URL).pipeline(transaction=True)
        pipe.set(name, 0, ex=window_s, nx=True)
        pipe.incr(name)
        _, count = pipe.execute()
    except redis.RedisError:
        logger.warning("rate limit %s not counted: Redis unreachable", key)
        return True
    if int(count) > limit:
        undo(key)
        return False
    return True


# DECR on a key whose window just expired would recreate it at -1 with no expiry: a counter
# that never resets, locking its user out for good. Only a live window is given a hit back.
_UNDO = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


def undo(key: str) -> None:
    """Give back a hit that was refused by a later check (so refusals do not count)."""
    with contextlib.suppress(redis.RedisError):
        _client(settings.REDIS_URL).eval(_UNDO, 1, key_name(key))
