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
GroupsFor = Callable[..., list[str]]
REPLAYERS: dict[str, Replayer] = {}
GROUPS: dict[str, GroupsFor] = {}


PREFIX_REPLAYERS: dict[str, Replayer] = {}


def register(stream: str, replayer: Replayer) -> None:
    REPLAYERS[stream] = replayer


def register_prefix(prefix: str, replayer: Replayer, groups: GroupsFor) -> None:
    """Streams named `<prefix><id>` (one per session, per channel...), which a page asks to
    follow: `groups(user=, simulation_id=, stream=)` asks the policy which channel-layer
    groups the user may join for it ([] if none); the replayer gets `stream=` too."""
    PREFIX_REPLAYERS[prefix] = replayer
    GROUPS[prefix] = groups


def _prefix(stream: str) -> str | None:
    return next((p for p in PREFIX_REPLAYERS if stream.startswith(p)), None)


def groups_to_join(*, user: User, simulation_id: int, streams: dict[str, Any]) -> list[str]:
    """The groups a client asking to follow `streams` may join (the policy decides)."""
    groups: list[str] = []
    for stream in list(streams)[:50]:
        prefix = _prefix(stream) if isinstance(stream, str) else None
        if prefix is not None:
            groups.extend(GROUPS[prefix](user=user, simulation_id=simulation_id, stream=stream))
    return groups


def replay(*, user: User, simulation_id: int, streams: dict[str, Any]) -> list[str]:
    fragments: list[str] = []
    for stream, last_seen in list(streams.items())[:50]:
        if not isinstance(stream, str) or not isinstance(last_seen, int) or last_seen < 0:
            continue
        replayer = REPLAYERS.get(stream)
        extra: dict[str, Any] = {}
        if replayer is None:
            prefix = _prefix(stream)
            if prefix is None:
                continue
            replayer = PREFIX_REPLAYERS[prefix]
            extra["stream"] = stream
        fragments.extend(
            replayer(
                user=user, simulation_id=simulation_id, after=last_seen, limit=MAX_REPLAY, **extra
            )
        )
    return fragments


def _presence_groups(*, user: User, simulation_id: int, stream: str) -> list[str]:
    from apps.core import policy
    from apps.core.groups import group_for_presence

    if stream != f"presence-{simulation_id}" or not policy.can(
        user, "simulation.view", policy.SimulationRef(simulation_id)
    ):
        return []
    return [group_for_presence(simulation_id)]


def _presence_replay(**kwargs: Any) -> list[str]:
    return []  # presence is pushed (a snapshot) when the group is joined


register_prefix("presence-", _presence_replay, _presence_groups)
