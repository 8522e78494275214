"""Replay after reconnect: each live stream registers how to render what a client missed.

A stream is a sequence numbered gap-free in the database (the lobby of a simulation, a
session's event log, a caucus channel). The client sends the last number it has seen per
stream; the replayer returns the missing fragments in order, or one fragment that reloads
the whole panel when the gap is too large to replay message by message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.accounts.models import User

MAX_REPLAY = 200

Replayer = Callable[..., list[str]]
REPLAYERS: dict[str, Replayer] = {}


def register(stream: str, replayer: Replayer) -> None:
    REPLAYERS[stream] = replayer


def replay(*, user: User, simulation_id: int, streams: dict[str, Any]) -> list[str]:
    fragments: list[str] = []
    for stream, last_seen in streams.items():
        replayer = REPLAYERS.get(stream)
        if replayer is None or not isinstance(last_seen, int) or last_seen < 0:
            continue
        fragments.extend(
            replayer(user=user, simulation_id=simulation_id, after=last_seen, limit=MAX_REPLAY)
        )
    return fragments
