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
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core import policy, presence
from apps.core.groups import (
    group_for_channel,
    group_for_presence,
    group_for_simulation,
    group_for_user,
)

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_RECONNECT = 1012
CHANNELS_CHANGED_HTML = (
    '<div id="channels-refresh" hx-swap-oob="true" data-refresh-committee="{committee_id}"></div>'
)
CHANNEL_REVOKED_HTML = (
    '<div id="channel-box-{channel_id}" hx-swap-oob="delete"></div>'
    '<li id="channel-tab-{channel_id}" hx-swap-oob="delete"></li>'
    '<div id="access-notice" hx-swap-oob="true" role="alert" class="notice">'
    "You are no longer in one of your channels.</div>"
)
ACCESS_CHANGED_HTML = (
    '<div id="access-notice" role="alert" class="notice">Your seat or role has changed. '
    '<a href="">Reload the page</a> to see it.</div>'
)
MAX_CLIENT_MESSAGE_BYTES = 4096


class LiveConsumer(AsyncWebsocketConsumer):
    simulation_id: int
    groups_joined: set[str]
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
            await self.close(code=CLOSE_FORBIDDEN)
            raise StopConsumer
        kind = data.get("type")
        if kind == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            if self.presence_key:
                await presence.refresh(simulation_id=self.simulation_id, key=self.presence_key)
        elif kind == "resume":
            await self.resume(data.get("streams"))
        else:
            await self.send_error(f"Unknown message type {kind!r}.")

    async def resume(self, streams: Any) -> None:
        """Replay what the client missed, from the database, for the streams it may read."""
        from apps.core.replay import groups_to_join, replay

        if not isinstance(streams, dict):
            await self.send_error("resume needs an object of stream → last sequence seen.")
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
        """The user gained a channel: the caucus page reloads its channel list (and then
        follows the new channel's stream, which the policy checks again)."""
        await self.send(
            text_data=CHANNELS_CHANGED_HTML.format(committee_id=int(event["committee_id"]))
        )

    async def channel_revoked(self, event: dict[str, Any]) -> None:
        """The user's delegation left or was removed from a channel: stop receiving it now
        (leave its group) and take it off the page. No query: the event says it all."""
        channel_id = int(event["channel_id"])
        group = group_for_channel(channel_id)
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)
        await self.send(text_data=CHANNEL_REVOKED_HTML.format(channel_id=channel_id))

    async def access_revoked(self, event: dict[str, Any]) -> None:
        """The user lost access to this simulation (unseated, removed): stop at once."""
        if event.get("simulation_id") == self.simulation_id:
            await self.close(code=CLOSE_FORBIDDEN)
            await self.disconnect(CLOSE_FORBIDDEN)
