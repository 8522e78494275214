from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from django.conf import settings


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Caucus rate limits are counted in Redis per user and channel id, and ids repeat after
    the test database is flushed: every test starts with no hits counted."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.RATELIMIT_PREFIX  # this test process's own keys only
    for pattern in (f"{prefix}:rl:user:*", f"{prefix}:rl:channel:*"):
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    client.close()
    yield
