"""The live consumer through the real Redis channel layer (no in-memory layer)."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from apps.accounts.models import User
from apps.core.groups import group_for_user
from apps.delegations.models import Membership, Simulation
from apps.lobby import services as lobby
from tests.sockets import communicator_for, open_socket, settle

pytestmark = pytest.mark.django_db(transaction=True)


post = database_sync_to_async(lobby.message_post)


async def test_a_member_receives_a_message_posted_by_another(
    simulation: Simulation, student: User, instructor: User
) -> None:
    socket = await open_socket(student, simulation)
    await post(simulation=simulation, by=instructor, body="Welcome, delegates!")
    html = await socket.receive_from(timeout=5)
    assert 'data-stream="lobby"' in html and 'data-seq="1"' in html
    assert "Welcome, delegates!" in html
    await socket.disconnect()


async def test_message_text_is_escaped_in_the_push(
    simulation: Simulation, student: User, instructor: User
) -> None:
    socket = await open_socket(student, simulation)
    await post(
        simulation=simulation, by=instructor, body="<script>alert(1)</script> see https://un.org"
    )
    html = await socket.receive_from(timeout=5)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://un.org"' in html
    await socket.disconnect()


async def test_an_outsider_cannot_connect(simulation: Simulation, outsider: User) -> None:
    communicator = communicator_for(outsider, simulation)
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code == 4403


async def test_an_anonymous_visitor_cannot_connect(simulation: Simulation) -> None:
    from django.contrib.auth.models import AnonymousUser

    communicator = communicator_for(AnonymousUser(), simulation)
    connected, _ = await communicator.connect(timeout=5)
    assert not connected


async def test_every_client_message_is_authorised_not_only_the_connect(
    simulation: Simulation, student: User
) -> None:
    socket = await open_socket(student, simulation)
    await database_sync_to_async(Membership.objects.filter(user=student).delete)()
    await socket.send_json_to({"type": "ping"})
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4403}


async def test_revoked_access_closes_the_socket_at_once(
    simulation: Simulation, student: User
) -> None:
    from apps.core.broadcast import send_to_group

    socket = await open_socket(student, simulation)
    await database_sync_to_async(send_to_group)(
        group_for_user(student.pk), {"type": "access.revoked", "simulation_id": simulation.pk}
    )
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4403}


async def test_resume_replays_exactly_the_missed_messages_in_order(
    simulation: Simulation, student: User, instructor: User
) -> None:
    for i in range(1, 8):
        await post(simulation=simulation, by=instructor, body=f"message {i}")
    socket = await open_socket(student, simulation)
    await socket.send_json_to({"type": "resume", "streams": {"lobby": 3}})
    received = [await socket.receive_from(timeout=5) for _ in range(4)]
    assert [f'data-seq="{n}"' in html for n, html in zip(range(4, 8), received, strict=True)] == [
        True
    ] * 4
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_resume_after_a_large_gap_reloads_the_whole_panel(
    simulation: Simulation, student: User, instructor: User
) -> None:
    from apps.core import replay

    await database_sync_to_async(_bulk_messages)(simulation, instructor, replay.MAX_REPLAY + 5)
    socket = await open_socket(student, simulation)
    await socket.send_json_to({"type": "resume", "streams": {"lobby": 0}})
    html = await socket.receive_from(timeout=5)
    assert 'id="lobby-messages"' in html and 'hx-swap-oob="outerHTML"' in html
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


def _bulk_messages(simulation: Simulation, author: User, count: int) -> None:
    from apps.lobby.models import LobbyMessage

    LobbyMessage.objects.bulk_create(
        LobbyMessage(simulation=simulation, seq=i, author=author, body=f"m{i}")
        for i in range(1, count + 1)
    )


async def test_malformed_client_messages_get_an_error_not_a_crash(
    simulation: Simulation, student: User
) -> None:
    socket = await open_socket(student, simulation)
    for bad in [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"type": "join", "group": "sim.999"}),
        "x" * 5000,
    ]:
        await socket.send_to(text_data=bad)
        reply = await socket.receive_json_from(timeout=5)
        assert reply["type"] == "error"
    assert await settle(socket) == []  # nothing else was sent
    await socket.disconnect()


async def test_a_rolled_back_post_pushes_nothing(
    simulation: Simulation, student: User, instructor: User
) -> None:
    socket = await open_socket(student, simulation)

    def post_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            lobby.message_post(simulation=simulation, by=instructor, body="never sent")
            raise RuntimeError("the request failed after the write")

    await database_sync_to_async(post_then_fail)()
    assert await socket.receive_nothing(timeout=0.5)
    await post(simulation=simulation, by=instructor, body="sent")
    html = await socket.receive_from(timeout=5)
    assert "sent" in html and 'data-seq="1"' in html  # the rolled-back one took no number
    await socket.disconnect()


async def test_two_sockets_of_one_simulation_both_receive(
    simulation: Simulation, student: User, instructor: User
) -> None:
    sockets = [await open_socket(student, simulation), await open_socket(instructor, simulation)]
    await post(simulation=simulation, by=student, body="hello all")
    results = await asyncio.gather(*(s.receive_from(timeout=5) for s in sockets))
    assert all("hello all" in html for html in results)
    for s in sockets:
        await s.disconnect()


# --- what a client may send, and how fast --------------------------------------------------


async def replies_until_closed(socket: WebsocketCommunicator) -> tuple[list[str], int | None]:
    """Every frame the socket sent, and the close code if it closed (None if it went quiet)."""
    frames: list[str] = []
    while True:
        if await socket.receive_nothing(timeout=1.0):
            return frames, None
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return frames, int(output["code"])
        frames.append(output["text"])


async def test_a_hundred_messages_a_second_from_one_socket_are_held_to_the_limit(
    simulation: Simulation, student: User, instructor: User
) -> None:
    from apps.core import consumers

    flooder = await open_socket(student, simulation)  # one ping spent on settling
    bystander = await open_socket(instructor, simulation)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(100):
        await flooder.send_json_to({"type": "ping"})
        await asyncio.sleep(0.01)
    elapsed = loop.time() - started

    frames, code = await replies_until_closed(flooder)
    pongs = frames.count('{"type": "pong"}')
    refill = consumers.CLIENT_MESSAGES_PER_WINDOW / consumers.CLIENT_WINDOW_SECONDS
    assert pongs <= consumers.CLIENT_MESSAGES_PER_WINDOW - 1 + refill * elapsed + 1, pongs
    assert pongs >= consumers.CLIENT_MESSAGES_PER_WINDOW - 1
    refusals = [f for f in frames if f.startswith("{") and json.loads(f)["type"] == "error"]
    assert refusals and all("Slow down" in json.loads(f)["message"] for f in refusals)
    # It kept flooding: closed, with a notice, and with a code the page does not reconnect on.
    assert code == consumers.CLOSE_FLOODING
    assert "sent too many messages" in frames[-1]
    # Another socket is not slowed by it.
    for _ in range(10):
        await bystander.send_json_to({"type": "ping"})
    assert [await bystander.receive_json_from(timeout=5) for _ in range(10)] == [
        {"type": "pong"}
    ] * 10
    await bystander.disconnect()


async def test_a_page_at_its_normal_pace_is_never_refused(
    simulation: Simulation, student: User
) -> None:
    from apps.core import consumers

    socket = await open_socket(student, simulation)
    burst = consumers.CLIENT_MESSAGES_PER_WINDOW - 1  # the settling ping took one
    for _ in range(burst):
        await socket.send_json_to({"type": "ping"})
    assert [await socket.receive_json_from(timeout=5) for _ in range(burst)] == [
        {"type": "pong"}
    ] * burst
    await socket.disconnect()


async def test_a_short_burst_past_the_limit_is_refused_but_the_socket_stays_open(
    simulation: Simulation, student: User
) -> None:
    from apps.core import consumers

    socket = await open_socket(student, simulation)
    for _ in range(consumers.CLIENT_MESSAGES_PER_WINDOW + 5):
        await socket.send_json_to({"type": "ping"})
    frames, code = await replies_until_closed(socket)
    assert code is None
    assert any("Slow down" in f for f in frames)
    await asyncio.sleep(1.0)  # the bucket refills: the page goes on
    assert await settle(socket) == []  # nothing else was sent
    await socket.disconnect()


async def test_only_the_listed_client_message_types_are_handled(
    simulation: Simulation, student: User
) -> None:
    from apps.core import consumers

    assert consumers.CLIENT_MESSAGE_TYPES == ("ping", "resume")
    for kind in consumers.CLIENT_MESSAGE_TYPES:
        assert callable(getattr(consumers.LiveConsumer, f"client_{kind}"))
    socket = await open_socket(student, simulation)
    # Delivery handlers and other methods are not reachable from the client.
    for kind in ("push.html", "push_html", "channel.revoked", "channels.revoked", "disconnect"):
        await socket.send_json_to({"type": kind, "html": "<p>forged</p>", "channel_ids": [1]})
        reply = await socket.receive_json_from(timeout=5)
        assert reply["type"] == "error" and "Unknown message type" in reply["message"]
    assert await settle(socket) == []  # nothing else was sent
    await socket.disconnect()
