"""Replay after reconnect: each live stream registers how to render what a client missed.

A stream is a sequence numbered gap-free in the database (the lobby of a simulation, a
session's event log, a caucus channel). The client sends the last number it has seen per
stream; the replayer returns the missing fragments in order, or one fragment that reloads
the whole panel when the gap is too large to replay message by message.

What one `resume` frame may cost is bounded: only canonical stream names count (`channel-7`,
never `channel-07` or `channel-+7`, so a stream is replayed once however it is spelled), at
most MAX_STREAMS of them, and at most MAX_REPLAY_PER_FRAME fragments replayed message by
message in all; past that bound a stream gets its "reload the panel" fragment instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apps.accounts.models import User
from apps.core import policy
from apps.core.groups import group_for_presence
from apps.core.inputs import MAX_ID

MAX_REPLAY = 200  # per stream: past it, the stream's panel is reloaded in one fragment
MAX_REPLAY_PER_FRAME = 400  # per resume frame, all streams together
MAX_STREAMS = 50  # per resume frame

# The variants a stream name may carry: the projector follows "session-<id>:public".
VARIANTS = frozenset({"", ":public"})
# An id in canonical decimal form: ASCII digits, no sign, no leading zero.
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,18}")

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


def is_canonical(stream: object) -> bool:
    """A registered name ("lobby"), or `<prefix><id>[variant]` with the id written the one
    way it is written in pages: "channel-7", not "channel-07", "channel-+7" or "channel-٧"."""
    if not isinstance(stream, str):
        return False
    if stream in REPLAYERS:
        return True
    prefix = _prefix(stream)
    if prefix is None:
        return False
    number, colon, variant = stream[len(prefix) :].partition(":")
    return (
        colon + variant in VARIANTS
        and _CANONICAL_ID.fullmatch(number) is not None
        and int(number) <= MAX_ID
    )


def requested(streams: object) -> tuple[dict[str, int], str | None]:
    """The streams a resume frame may follow, in the client's order: canonical names with a
    readable last number, at most MAX_STREAMS of them. Anything else is ignored; the second
    value says so when the client asked for more streams than that."""
    if not isinstance(streams, dict):
        return {}, None
    wanted: dict[str, int] = {}
    for stream, last_seen in streams.items():
        if not is_canonical(stream):
            continue
        if type(last_seen) is not int or not 0 <= last_seen <= MAX_ID:
            continue
        if len(wanted) == MAX_STREAMS:
            return wanted, f"At most {MAX_STREAMS} streams are followed at once."
        wanted[stream] = last_seen
    return wanted, None


def groups_to_join(*, user: User, simulation_id: int, streams: dict[str, Any]) -> list[str]:
    """The groups a client asking to follow `streams` may join (the policy decides)."""
    groups: list[str] = []
    for stream in requested(streams)[0]:
        prefix = _prefix(stream)
        if prefix is not None and stream not in REPLAYERS:
            groups.extend(GROUPS[prefix](user=user, simulation_id=simulation_id, stream=stream))
    return groups


def replay(*, user: User, simulation_id: int, streams: dict[str, Any]) -> list[str]:
    """What the client missed, stream by stream, within MAX_REPLAY_PER_FRAME fragments: a
    stream past that budget is asked for with `limit=0`, which answers its reload fragment
    when anything was missed (and nothing when nothing was)."""
    fragments: list[str] = []
    budget = MAX_REPLAY_PER_FRAME
    for stream, last_seen in requested(streams)[0].items():
        replayer = REPLAYERS.get(stream)
        extra: dict[str, Any] = {}
        if replayer is None:
            prefix = _prefix(stream)
            if prefix is None:
                continue
            replayer = PREFIX_REPLAYERS[prefix]
            extra["stream"] = stream
        found = replayer(
            user=user,
            simulation_id=simulation_id,
            after=last_seen,
            limit=min(MAX_REPLAY, budget),
            **extra,
        )
        fragments.extend(found)
        budget = max(0, budget - len(found))
    return fragments


def _presence_groups(*, user: User, simulation_id: int, stream: str) -> list[str]:
    if stream != f"presence-{simulation_id}" or not policy.can(
        user, "simulation.view", policy.SimulationRef(simulation_id)
    ):
        return []
    return [group_for_presence(simulation_id)]


def _presence_replay(**kwargs: Any) -> list[str]:
    return []  # presence is pushed (a snapshot) when the group is joined


register_prefix("presence-", _presence_replay, _presence_groups)
