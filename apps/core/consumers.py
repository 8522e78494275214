"""The one websocket a browser tab opens: server push only (writes go over HTTP).

At connect the consumer asks the policy which groups the user may see and joins them. Every
message a client sends is authorised again (Channels itself checks only at connect). What it
delivers was decided when it joined a group: a delivery handler only sends, with no query
and no thread hop, so one broadcast to a thousand sockets stays cheap (BASELINES.md §1).
Access that ends while the socket is open arrives as an event on the user's own group.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, NoReturn

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core import policy, presence
from apps.core.groups import (
    group_for_channel,
    group_for_channel_chair,
    group_for_presence,
    group_for_simulation,
    group_for_user,
)
from apps.core.replay import groups_to_join, replay, requested

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_RECONNECT = 1012
CHANNELS_CHANGED_HTML = (
    '<div id="channels-refresh" hx-swap-oob="true" data-refresh-committee="{committee_id}"></div>'
)
CHANNEL_GONE_HTML = (
    '<div id="channel-box-{channel_id}" hx-swap-oob="delete"></div>'
    '<li id="channel-tab-{channel_id}" hx-swap-oob="delete"></li>'
)
CHANNEL_REVOKED_HTML = (
    CHANNEL_GONE_HTML + '<div id="access-notice" hx-swap-oob="true" role="alert" class="notice">'
    "You are no longer in one of your channels.</div>"
)
ACCESS_CHANGED_HTML = (
    '<div id="access-notice" role="alert" class="notice">Your seat or role has changed. '
    '<a href="">Reload the page</a> to see it.</div>'
)
STAFF_READING_ENDED_HTML = (
    '<div id="access-notice" hx-swap-oob="true" role="alert" class="notice">'
    "Staff no longer read private channels in this simulation.</div>"
)
FLOODING_HTML = (
    '<div id="access-notice" hx-swap-oob="true" role="alert" class="notice">'
    'This page sent too many messages and was disconnected. <a href="">Reload the page</a>.</div>'
)
MAX_CLIENT_MESSAGE_BYTES = 4096
CLOSE_FLOODING = 4429  # not one the client's extension reconnects after

# Every message type a client may send; each has a handler `client_<type>`. (A permission
# test enumerates this tuple: a new type needs its rule there.)
CLIENT_MESSAGE_TYPES: tuple[str, ...] = ("ping", "resume")

# Per socket, in the consumer's memory (no Redis round trip per message): a page sends a
# ping every 25 s and a resume when it connects, follows a new panel or sees a gap.
CLIENT_MESSAGES_PER_WINDOW = 30
CLIENT_WINDOW_SECONDS = 10.0
# Messages refused for going too fast (refilled at the same rate) before the socket is closed.
FLOOD_REFUSALS_BEFORE_CLOSE = 30


class TokenBucket:
    """`capacity` messages at once, refilled at capacity / `window_s` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: int, window_s: float) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / window_s
        self.tokens = float(capacity)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class LiveConsumer(AsyncWebsocketConsumer):
    simulation_id: int
    groups_joined: set[str]
    pace: TokenBucket
    refusals: TokenBucket
    delegation_id: int | None = None
    presence_key: str | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without `aclose_old_connections()` before every handler.

        Stock Channels hops to the single thread-sensitive executor before *each* message,
        a fifth of all CPU when fanning out to 1,000 sockets (BASELINES.md §1). It is safe
        to skip because this consumer touches the database only through
        `database_sync_to_async`, which closes stale connections itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.groups_joined = set()
        self.pace = TokenBucket(CLIENT_MESSAGES_PER_WINDOW, CLIENT_WINDOW_SECONDS)
        self.refusals = TokenBucket(FLOOD_REFUSALS_BEFORE_CLOSE, CLIENT_WINDOW_SECONDS)
        self.simulation_id = int(self.scope["url_route"]["kwargs"]["simulation_id"])
        user = self.scope["user"]
        if not await self.allowed("simulation.view"):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        await self.join(group_for_simulation(self.simulation_id))
        await self.join(group_for_user(user.pk))
        self.presence_key = await presence.arrive(
            simulation_id=self.simulation_id,
            delegation_id=self.delegation_id,
            user_id=user.pk,
            channel_name=self.channel_name,
        )

    async def disconnect(self, code: int) -> None:
        if self.presence_key:
            await presence.leave(simulation_id=self.simulation_id, key=self.presence_key)
            self.presence_key = None
        for group in list(getattr(self, "groups_joined", ())):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = set()

    async def join(self, group: str) -> None:
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except RedisConnectionError:
            # After a Redis restart the layer's idle subscriber connection is dead, and only
            # a command failing on it drops it: the first socket to arrive would crash. Once.
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

    async def allowed(self, action: str) -> bool:
        user = self.scope["user"]

        def check() -> tuple[bool, int | None]:
            policy.forget(user)  # a role may have changed since the last message
            allowed = policy.can(user, action, self.simulation_id_obj())
            if not user.is_authenticated:
                return allowed, None
            return allowed, policy.standing(user, self.simulation_id).delegation_id

        allowed, self.delegation_id = await database_sync_to_async(check)()
        return bool(allowed)

    def simulation_id_obj(self) -> Any:
        return policy.SimulationRef(self.simulation_id)

    # --- what the client sends ------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Counted before anything else (parsing, the policy's query): a flood costs nothing.
        if not self.pace.take():
            if not self.refusals.take():
                await self.send(text_data=FLOODING_HTML)
                await self.shut(CLOSE_FLOODING)
            await self.send_error(
                "Slow down: this page is sending too many messages. Wait a few seconds."
            )
            return
        if text_data is None or len(text_data) > MAX_CLIENT_MESSAGE_BYTES:
            await self.send_error("Messages must be JSON text under 4 KB.")
            return
        try:
            data = json.loads(text_data)
        except (json.JSONDecodeError, RecursionError):  # RecursionError: nested too deep
            await self.send_error("Messages must be JSON.")
            return
        if not isinstance(data, dict):
            await self.send_error("Messages must be JSON objects.")
            return
        # Every message is authorised: membership may have ended since connect.
        if not await self.allowed("simulation.view"):
            await self.shut(CLOSE_FORBIDDEN)
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in CLIENT_MESSAGE_TYPES:
            await self.send_error(f"Unknown message type {str(kind)[:40]!r}.")
            return
        await getattr(self, f"client_{kind}")(data)

    async def shut(self, code: int) -> NoReturn:
        """Close the socket and stop now: leave every group (no further delivery)."""
        await self.close(code=code)
        await self.disconnect(code)
        raise StopConsumer

    async def client_ping(self, data: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "pong"}))
        if self.presence_key:
            await presence.refresh(simulation_id=self.simulation_id, key=self.presence_key)

    async def client_resume(self, data: dict[str, Any]) -> None:
        """Replay what the client missed, from the database, for the streams it may read:
        canonical names only, each once, within the bounds of `apps.core.replay`."""
        if not isinstance(data.get("streams"), dict):
            await self.send_error("resume needs an object of stream → last sequence seen.")
            return
        streams, problem = requested(data["streams"])
        if problem:
            await self.send_error(problem)
        if not streams:
            return
        user = self.scope["user"]
        # Join first, then read the database: nothing committed in between is missed.
        allowed = await database_sync_to_async(groups_to_join)(
            user=user, simulation_id=self.simulation_id, streams=streams
        )
        for group in allowed:
            if group not in self.groups_joined:
                await self.join(group)
                if group == group_for_presence(self.simulation_id):
                    await presence.publish(self.simulation_id)
        fragments = await database_sync_to_async(replay)(
            user=user, simulation_id=self.simulation_id, streams=streams
        )
        for html in fragments:
            await self.send(text_data=html)

    async def send_error(self, text: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "message": text}))

    # --- deliveries from the channel layer: send only, no query ------------------------------
    async def push_html(self, event: dict[str, Any]) -> None:
        # A push the layer queued for this socket just before it left the group (a message
        # posted right after the delegation was removed) is not delivered.
        group = event.get("group")
        if group is not None and group not in self.groups_joined:
            return
        await self.send(text_data=event["html"])

    async def access_changed(self, event: dict[str, Any]) -> None:
        """The user's seat or role changed: tell the page, then reconnect (close code 1012,
        which the htmx extension retries) so the new connection joins the right groups."""
        if event.get("simulation_id") == self.simulation_id:
            await self.send(text_data=ACCESS_CHANGED_HTML)
            await self.close(code=CLOSE_RECONNECT)

    async def channels_changed(self, event: dict[str, Any]) -> None:
        """The user's channels changed (gained one, a setting moved): the caucus page reloads
        its channel list (and then follows any new channel's stream, which the policy checks
        again). Sent to a user's group, or to the whole simulation's."""
        committee_id = event.get("committee_id")
        await self.send(
            text_data=CHANNELS_CHANGED_HTML.format(
                committee_id=int(committee_id) if committee_id is not None else ""
            )
        )

    async def channel_revoked(self, event: dict[str, Any]) -> None:
        """The user's delegation left or was removed from a channel: stop receiving it now
        (leave its group) and take it off the page. No query: the event says it all."""
        channel_id = int(event["channel_id"])
        await self.leave(group_for_channel(channel_id))
        await self.send(text_data=CHANNEL_REVOKED_HTML.format(channel_id=channel_id))

    async def channels_revoked(self, event: dict[str, Any]) -> None:
        """Staff may no longer read private channels (the simulation's setting was switched
        off): leave the group of every channel the event names and take those this socket
        follows off the page, in one frame. No query: the event lists the channels."""
        if event.get("simulation_id") != self.simulation_id:
            return
        dropped: list[int] = []
        for raw in event.get("channel_ids", ()):
            channel_id = int(raw)
            for group in (group_for_channel(channel_id), group_for_channel_chair(channel_id)):
                if group in self.groups_joined:
                    await self.leave(group)
                    dropped.append(channel_id)
        if dropped:
            html = "".join(
                CHANNEL_GONE_HTML.format(channel_id=channel_id) for channel_id in dropped
            )
            await self.send(text_data=html + STAFF_READING_ENDED_HTML)

    async def leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)

    async def access_revoked(self, event: dict[str, Any]) -> None:
        """The user lost access to this simulation (unseated, removed): stop at once."""
        if event.get("simulation_id") == self.simulation_id:
            await self.close(code=CLOSE_FORBIDDEN)
            await self.disconnect(CLOSE_FORBIDDEN)
