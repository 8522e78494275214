"""Websockets for tests: the real ASGI application over the real Redis channel layer.

One helper for every test module that opens a live socket (caucus, proceedings, lobby,
delegations, core): connect as a user, then `settle` so its group subscriptions are live.
"""

from __future__ import annotations

from channels.testing import WebsocketCommunicator

from apps.accounts.models import User
from apps.delegations.models import Simulation
from config.asgi import application

# The origin and host a browser on the site sends (the consumer refuses other origins).
HEADERS = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
PONG = '{"type": "pong"}'


def communicator_for(user: object, simulation: Simulation) -> WebsocketCommunicator:
    """A socket to the simulation's live endpoint as `user`, not yet connected."""
    communicator = WebsocketCommunicator(
        application, f"/ws/sim/{simulation.pk}/", headers=list(HEADERS)
    )
    communicator.scope["user"] = user
    return communicator


async def open_socket(user: User, simulation: Simulation) -> WebsocketCommunicator:
    """A connected, settled socket: whatever is sent after this reaches it."""
    communicator = communicator_for(user, simulation)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await settle(communicator)
    return communicator


async def settle(communicator: WebsocketCommunicator) -> list[str]:
    """A ping round trip: everything the socket was asked before has been handled (the
    consumer handles its messages in order), so its groups are subscribed in Redis.
    Returns the frames that came before the pong (`== []` when nothing else was sent)."""
    await communicator.send_json_to({"type": "ping"})
    before: list[str] = []
    while True:
        text = await communicator.receive_from(timeout=5)
        if text == PONG:
            return before
        before.append(text)
