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
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user: User, simulation: Simulation) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sim/{simulation.pk}/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    communicator.scope["user"] = user
    return communicator


async def open_socket(user: User, simulation: Simulation) -> WebsocketCommunicator:
    communicator = await connect(user, simulation)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    await settle(communicator)
    return communicator


async def settle(communicator: WebsocketCommunicator) -> None:
    """A ping round trip: once answered, the group subscriptions are live in Redis."""
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}


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
    communicator = await connect(outsider, simulation)
    connected, code = await communicator.connect(timeout=5)
    assert not connected
    assert code == 4403


async def test_an_anonymous_visitor_cannot_connect(simulation: Simulation) -> None:
    from django.contrib.auth.models import AnonymousUser

    communicator = await connect(AnonymousUser(), simulation)  # type: ignore[arg-type]
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
    await settle(socket)
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
