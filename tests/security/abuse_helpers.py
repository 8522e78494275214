"""Shared by the leak, XSS and flood tests: committed worlds, sockets that record everything
they receive (closes included), logged-in clients and marked messages.

A "committed world" is built once per test module through the real services and committed,
so the test client and the websocket consumer (its own database connection, in another
thread) both see it; the database is flushed when the module is done, as a transactional
test would, so no other module ever sees it. Tests that change the world undo the change.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import User

T = TypeVar("T")

# The browser's Origin matches the Host it talks to (the consumer may check one against the
# other): what a page served by the test server would send.
HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
PONG = '{"type": "pong"}'
PING = '{"type": "ping"}'


def mark(label: str) -> str:
    """A string found nowhere else: letters, digits and hyphens only, so HTML escaping and
    `urlize` leave it as it is."""
    return f"mk-{label}-{secrets.token_hex(5)}"


def flush_database() -> None:
    call_command("flush", interactive=False, verbosity=0)


def on_the_test_database() -> None:
    """A committed world is written, and flushed, on the test database only: never on the
    database DATABASE_URL names (pytest-django sets the test database up only for a run
    with a test asking for the database: the `live` fixtures ask for `db`)."""
    from django.db import connection

    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    if not test_name or connection.settings_dict["NAME"] != test_name:
        raise RuntimeError(f"Not on the test database ({connection.settings_dict['NAME']}).")


@contextlib.contextmanager
def committed_world(django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    """Build with the database unblocked and no transaction around it; flush afterwards."""
    on_the_test_database()
    with django_db_blocker.unblock():
        try:
            built = build()
        except BaseException:
            flush_database()
            raise
    try:
        yield built
    finally:
        on_the_test_database()
        with django_db_blocker.unblock():
            flush_database()


def client_of(user: User | None) -> Client:
    """A test client logged in as `user` (None: a visitor who is not logged in)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- websockets --------------------------------------------------------------------------------


@dataclass
class Socket:
    """One browser tab's websocket, through the real Redis channel layer. Every text frame
    received before the server closed the socket is kept in `frames`; what a server would
    send after its close never reaches a browser and is not kept."""

    communicator: WebsocketCommunicator
    frames: list[str] = field(default_factory=list)
    closed: int | None = None

    async def _take(self) -> None:
        message = await self.communicator.receive_output(timeout=10)
        if message["type"] == "websocket.close":
            if self.closed is None:
                self.closed = int(message.get("code", 1000))
        elif message["type"] == "websocket.send" and self.closed is None:
            self.frames.append(message.get("text") or "")

    async def drain(self, quiet: float = 0.5) -> list[str]:
        """What arrives until the socket stays quiet for `quiet` seconds."""
        start = len(self.frames)
        while not await self.communicator.receive_nothing(timeout=quiet):
            await self._take()
        return self.frames[start:]

    async def wait_for(self, markers: Any, timeout: float = 15.0) -> list[str]:
        """What arrives until every marker has been seen (or the socket closes, or the
        timeout): for what must arrive, however slow the machine is."""
        start, deadline = len(self.frames), time.monotonic() + timeout
        wanted = list(markers)
        while self.closed is None and time.monotonic() < deadline:
            if all(any(m in f for f in self.frames[start:]) for m in wanted):
                break
            if not await self.communicator.receive_nothing(timeout=0.05):
                await self._take()
        return self.frames[start:]

    async def ask(self, message: dict[str, Any] | str) -> list[str]:
        """Send a frame, then a ping: what came back before the pong (the consumer handles a
        socket's frames in order), or before the server closed the socket."""
        start = len(self.frames)
        text = message if isinstance(message, str) else json.dumps(message)
        await self.communicator.send_to(text_data=text)
        if text != PING:
            await self.communicator.send_to(text_data=PING)
        while self.closed is None:
            await self._take()
            if self.frames[start:] and self.frames[-1] == PONG:
                self.frames.pop()
                break
        return self.frames[start:]

    async def resume(self, streams: Any) -> list[str]:
        return await self.ask({"type": "resume", "streams": streams})

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.communicator.disconnect(timeout=2)


async def connect(user: User | None, simulation_id: int) -> Socket | None:
    """Open a socket on a simulation as `user` (None: logged out); None when refused."""
    from config.asgi import application

    communicator = WebsocketCommunicator(application, f"/ws/sim/{simulation_id}/", headers=HEADERS)
    communicator.scope["user"] = user if user is not None else AnonymousUser()
    connected, _ = await communicator.connect(timeout=10)
    if not connected:
        return None
    socket = Socket(communicator)
    await socket.ask(PING)  # its groups are subscribed in Redis once this returns
    return socket


class Sockets:
    """Sockets opened in a test, all closed when it ends (also when it fails)."""

    def __init__(self) -> None:
        self.opened: list[Socket] = []

    async def open(self, user: User | None, simulation_id: int) -> Socket | None:
        socket = await connect(user, simulation_id)
        if socket is not None:
            self.opened.append(socket)
        return socket

    async def __aenter__(self) -> Sockets:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for socket in self.opened:
            await socket.close()


def found(markers: Any, texts: Any) -> list[str]:
    """The markers that occur in any of the texts."""
    joined = "\n".join(texts)
    return sorted({m for m in markers if m in joined})
