"""Who is connected, per delegation: a Redis sorted set per simulation, scored by the last
sign of life of each socket. A socket arriving or leaving triggers a push of the online
delegations to the simulation's presence group; leaving waits a short grace period first,
so a phone switching networks does not flicker offline. Pure Redis, no database.
"""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from apps.core.groups import group_for_presence

GRACE_SECONDS = 5.0
STALE_SECONDS = 90.0  # a socket silent this long (its process died) no longer counts

_client: aioredis.Redis | None = None


def _redis() -> aioredis.Redis:
    global _client
    if _client is None:
        _client = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
    return _client


def _set(simulation_id: int) -> str:
    # Under the channel layer's prefix ("plenary" in production): test runs and xdist
    # workers sharing one Redis each have their own, as they have their own groups.
    return f"{settings.CHANNEL_LAYER_PREFIX}:presence:{simulation_id}"


async def arrive(
    *, simulation_id: int, delegation_id: int | None, user_id: int, channel_name: str
) -> str | None:
    key = f"{delegation_id or 0}:{user_id}:{channel_name}"
    try:
        await _redis().zadd(_set(simulation_id), {key: time.time()})
    except Exception:  # noqa: BLE001 - presence is a courtesy; Redis trouble must not block a socket
        return None
    await publish(simulation_id)
    return key


async def refresh(*, simulation_id: int, key: str) -> None:
    try:
        await _redis().zadd(_set(simulation_id), {key: time.time()})
    except Exception:  # noqa: BLE001
        return


async def leave(*, simulation_id: int, key: str) -> None:
    try:
        await _redis().zrem(_set(simulation_id), key)
    except Exception:  # noqa: BLE001
        return

    async def later() -> None:
        await asyncio.sleep(GRACE_SECONDS)
        await publish(simulation_id)

    asyncio.get_running_loop().create_task(later())


async def online_delegations(simulation_id: int) -> set[int]:
    cutoff = time.time() - STALE_SECONDS
    name = _set(simulation_id)
    client = _redis()
    await client.zremrangebyscore(name, 0, cutoff)
    members = await client.zrange(name, 0, -1)
    online: set[int] = set()
    for raw in members:
        delegation = (raw.decode() if isinstance(raw, bytes) else str(raw)).split(":", 1)[0]
        if delegation.isdigit() and int(delegation):
            online.add(int(delegation))
    return online


async def publish(simulation_id: int) -> None:
    try:
        online = await online_delegations(simulation_id)
    except Exception:  # noqa: BLE001
        return
    html = (
        f'<div id="presence-{simulation_id}" class="presence" data-stream="presence-{simulation_id}" hx-swap-oob="true" '
        f'data-online="{",".join(str(i) for i in sorted(online))}"></div>'
    )
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(
            group_for_presence(simulation_id), {"type": "push.html", "html": html}
        )
