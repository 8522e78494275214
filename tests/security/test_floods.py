"""Floods: one client sending too much is held back and never slows the others down.

A socket sending 100 messages a second gets errors, then is closed; one `resume` frame costs
a bounded replay however it names its streams; posting over HTTP is held to the Redis limits
(20 in 10 s per user); frames and bodies that are too big are refused with an answer, never a
500; and with a real server process, another client's messages arrive on time while a
socket floods.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import websockets
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel, ChannelMember, Message
from apps.delegations import services as delegation_services
from apps.lobby.models import LobbyMessage
from tests import live as processes
from tests.caucus.helpers import open_channel, reload_user, seqs_of
from tests.proceedings.helpers import Floor, build_floor
from tests.security.abuse_helpers import PING, PONG, Sockets, client_of, committed_world

db = database_sync_to_async


@dataclass
class Drill:
    floor: Floor
    plenary: Channel
    bilateral: Channel  # Veridia and Calvia

    @property
    def simulation_id(self) -> int:
        return int(self.floor.simulation.pk)


def build_drill() -> Drill:
    instructor = User.objects.create_user(
        username="okafor", password="a-long-test-password", is_instructor=True
    )
    simulation = delegation_services.simulation_create(owner=instructor, title="Flood drill")
    floor = build_floor(simulation, instructor)
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    return Drill(floor, services.plenary_ensure(committee=floor.committee), bilateral)


@pytest.fixture(scope="module")
def drill(django_db_setup: None, django_db_blocker: Any) -> Iterator[Drill]:
    with committed_world(django_db_blocker, build_drill) as built:
        yield built


@pytest.fixture
def live(drill: Drill, db: None) -> Drill:
    """For tests whose writes run in other threads or processes (committed by their own
    connections); what the test itself writes is rolled back."""
    return drill


def user(drill: Drill, name: str) -> User:
    return reload_user(drill.floor.delegate(name))


def errors_in(frames: list[str]) -> list[str]:
    out = []
    for frame in frames:
        if frame.startswith("{") and json.loads(frame).get("type") == "error":
            out.append(json.loads(frame)["message"])
    return out


def backlog(channel: Channel, author: User, count: int) -> None:
    """`count` messages already in a channel (written in bulk: the replay is under test)."""
    Message.objects.bulk_create(
        Message(channel=channel, seq=n, author=author, body=f"message {n}")
        for n in range(1, count + 1)
    )
    Channel.objects.filter(pk=channel.pk).update(last_seq=count)


# --- one socket flooding -----------------------------------------------------------------------


async def test_a_socket_sending_100_messages_a_second_gets_errors_then_is_closed(
    live: Drill,
) -> None:
    norbek, veridia = await db(user)(live, "Norbek"), await db(user)(live, "Veridia")
    async with Sockets() as sockets:
        flooder = await sockets.open(norbek, live.simulation_id)
        bystander = await sockets.open(veridia, live.simulation_id)
        assert flooder is not None and bystander is not None
        for _ in range(100):
            await flooder.communicator.send_to(text_data=PING)
            await asyncio.sleep(0.01)
        await flooder.drain(1.0)

        answered = flooder.frames.count(PONG)
        refused = errors_in(flooder.frames)
        assert answered <= 40, f"{answered} of 100 pings answered in one second"
        assert len(refused) >= 10 and all("Slow down" in e for e in refused), refused[:3]
        assert flooder.closed is not None, "the flooding socket was never closed"
        # The server goes on serving everyone else.
        assert await bystander.ask(PING) == [] and bystander.closed is None


async def test_one_resume_frame_replays_a_channel_once_however_it_is_spelled(
    live: Drill,
) -> None:
    calvia = await db(user)(live, "Calvia")
    channel = await db(open_channel)(
        live.floor.committee,
        live.floor.delegate("Calvia"),
        "note",
        live.floor.delegation("Norbek"),
    )
    await db(backlog)(channel, calvia, 60)
    pk = channel.pk
    spellings = {f"channel-{pk}": 0, **{f"channel-{'0' * k}{pk}": 0 for k in range(1, 45)}}
    async with Sockets() as sockets:
        socket = await sockets.open(calvia, live.simulation_id)
        assert socket is not None
        replayed = await socket.resume(spellings)

    counts = Counter(seqs_of(replayed, channel))
    assert sorted(counts) == list(range(1, 61)) and set(counts.values()) == {1}, (
        f"{len(replayed)} fragments for 60 messages"
    )


def rooms_with_backlog(drill: Drill, rooms: int, messages: int) -> list[Channel]:
    veridia, calvia = drill.floor.delegation("Veridia"), drill.floor.delegation("Calvia")
    created = Channel.objects.bulk_create(
        Channel(
            committee=drill.floor.committee,
            kind="bloc",
            name=f"Backlog {n}",
            created_by=veridia,
            last_seq=messages,
        )
        for n in range(rooms)
    )
    ChannelMember.objects.bulk_create(
        ChannelMember(channel=room, delegation=d) for room in created for d in (veridia, calvia)
    )
    author = drill.floor.delegate("Calvia")
    Message.objects.bulk_create(
        Message(channel=room, seq=n, author=author, body=f"message {n}")
        for room in created
        for n in range(1, messages + 1)
    )
    return created


async def test_one_resume_frame_costs_a_bounded_replay_and_every_stream_can_catch_up(
    live: Drill,
) -> None:
    """25 rooms of 150 missed messages each: 3,750 fragments for a 2 KB frame, unbounded."""
    rooms = await db(rooms_with_backlog)(live, 25, 150)
    calvia = await db(user)(live, "Calvia")
    async with Sockets() as sockets:
        socket = await sockets.open(calvia, live.simulation_id)
        assert socket is not None
        replayed = await socket.resume({f"channel-{room.pk}": 0 for room in rooms})

    assert len(replayed) <= 1000, f"{len(replayed)} fragments for one resume frame"
    assert sum(len(f) for f in replayed) <= 2_000_000
    joined = "\n".join(replayed)
    behind = [
        room.pk
        for room in rooms
        if not seqs_of(replayed, room) and f'id="messages-{room.pk}"' not in joined
    ]
    assert behind == [], "streams neither replayed nor reloaded: the client cannot catch up"


async def test_an_oversize_or_binary_frame_is_answered_with_an_error_and_the_socket_stays(
    live: Drill,
) -> None:
    veridia = await db(user)(live, "Veridia")
    async with Sockets() as sockets:
        socket = await sockets.open(veridia, live.simulation_id)
        assert socket is not None
        for frame in (
            json.dumps({"type": "ping", "pad": "x" * 4100}),
            json.dumps({"type": "resume", "streams": {"lobby": 0}, "pad": "y" * 5_000_000}),
        ):
            refused = errors_in(await socket.ask(frame))
            assert len(refused) == 1 and "4 KB" in refused[0], refused
        await socket.communicator.send_to(bytes_data=b"\x00" * 10_000)
        assert len(errors_in(await socket.ask(PING))) == 1
        assert socket.closed is None


# --- posting floods over HTTP ------------------------------------------------------------------


def flood_posts(client: Client, url: str, count: int) -> tuple[Counter[int], float, list[str]]:
    """`count` posts as fast as one client goes: status counts, seconds taken, refusals."""
    statuses: Counter[int] = Counter()
    refusals: list[str] = []
    start = time.monotonic()
    for n in range(count):
        response = client.post(url, {"body": f"flood {n}"}, HTTP_HX_REQUEST="true")
        statuses[response.status_code] += 1
        if response.status_code >= 400:
            refusals.append(response.content.decode())
    return statuses, time.monotonic() - start, refusals


@pytest.mark.parametrize("where", ["caucus", "lobby"])
def test_100_posts_from_one_user_are_held_to_the_redis_limit(live: Drill, where: str) -> None:
    limit, window = settings.CAUCUS_USER_LIMIT, settings.CAUCUS_WINDOW_SECONDS
    assert (limit, window) == (20, 10)  # the limits this test holds the app to
    client = client_of(live.floor.delegate("Veridia"))
    stored: QuerySet[Any]
    if where == "caucus":
        url = f"/channels/{live.plenary.pk}/post/"
        stored = Message.objects.filter(channel=live.plenary, body__startswith="flood ")
    else:
        url = f"/sims/{live.simulation_id}/lobby/post/"
        stored = LobbyMessage.objects.filter(body__startswith="flood ")
    before = stored.count()

    statuses, seconds, refusals = flood_posts(client, url, 100)

    accepted = sum(n for status, n in statuses.items() if 200 <= status < 300)
    windows = 1 + math.floor(seconds / window)
    assert limit <= accepted <= limit * windows, (statuses, seconds)
    # Refused with a message a student understands; 429 or the form's 422 (htmx swaps 422).
    assert set(statuses) - {200} <= {422, 429}, statuses
    assert all("Slow down" in html for html in refusals)
    assert stored.count() - before == accepted


# --- bodies too large for the server ---------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_with_400_not_500(drill: Drill) -> None:
    """Over DATA_UPLOAD_MAX_MEMORY_SIZE, or with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS,
    a request is refused before any view reads it: 400, never a 500."""
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    sim, session = drill.simulation_id, drill.floor.committee.pk
    targets = {
        f"/channels/{drill.plenary.pk}/post/": {"body": big},
        f"/sims/{sim}/lobby/post/": {"body": big},
        "/join/": {"code": "ABCDEF", "display_name": big},
        f"/committees/{session}/caucus/open/": {"kind": "bloc", "name": big},
    }
    client = client_of(drill.floor.delegate("Veridia"))
    client.raise_request_exception = False
    answers: dict[str, int] = {}
    for url, data in targets.items():
        answers[f"{url} multipart"] = client.post(url, data).status_code
        answers[f"{url} urlencoded"] = client.post(
            url, urllib.parse.urlencode(data), content_type="application/x-www-form-urlencoded"
        ).status_code
    many = urllib.parse.urlencode([("with", str(n)) for n in range(fields)] + [("kind", "bloc")])
    answers["too many fields"] = client.post(
        f"/committees/{session}/caucus/open/",
        many,
        content_type="application/x-www-form-urlencoded",
    ).status_code

    assert {where: status for where, status in answers.items() if status != 400} == {}
    assert not Message.objects.filter(body__startswith="xxxx").exists()


# --- a real server process ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(drill: Drill) -> Iterator[str]:
    """One uvicorn process for this module, started as tests/live.py starts it."""
    with processes.asgi_server() as base:
        yield base


def committed_session(who: User) -> str:
    """A logged-in session the server process can read: made in a thread of its own, whose
    connection commits at once (the test's own writes are in its transaction)."""

    def log_in() -> str:
        try:
            return str(client_of(who).cookies[settings.SESSION_COOKIE_NAME].value)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(log_in).result()


def browser_for(base: str, who: User) -> processes.Browserless:
    browser = processes.Browserless(base)
    browser.use_session(committed_session(who))
    return browser


async def open_ws(base: str, simulation_id: int, browser: processes.Browserless) -> Any:
    socket = await websockets.connect(
        processes.ws_url(base, f"/ws/sim/{simulation_id}/"),
        additional_headers=browser.ws_headers(),
        origin=websockets.Origin(base),
        compression=None,
        max_size=None,
    )
    await socket.send(PING)
    assert await asyncio.wait_for(socket.recv(), 10) == PONG
    return socket


@pytest.mark.slow
@pytest.mark.xdist_group("security-live-server")  # one server for this module's live tests
def test_the_server_refuses_a_websocket_frame_of_several_megabytes(
    live: Drill, server: str
) -> None:
    """The ASGI server bounds a frame before the application ever holds it in memory: a
    5 MB frame closes the connection (1009, message too big). uvicorn's default bound is
    16 MB per frame (--ws-max-size): several 16 MB frames from a few tabs cost the server
    hundreds of MB before the consumer's 4 KB check runs."""
    browser = browser_for(server, live.floor.delegate("Norbek"))

    async def scenario() -> object:
        socket = await open_ws(server, live.simulation_id, browser)
        try:
            await socket.send("x" * (5 * 1024 * 1024))
            return await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else "closed"
        finally:
            await socket.close()

    outcome = asyncio.run(scenario())
    assert outcome == 1009, f"a 5 MB frame reached the application, which answered {outcome!r}"
    assert browser.get("/healthz")[0] == 200


@pytest.mark.slow
@pytest.mark.xdist_group("security-live-server")
def test_another_clients_messages_arrive_on_time_while_one_socket_floods(
    live: Drill, server: str
) -> None:
    floor = live.floor
    listener_browser = browser_for(server, floor.delegate("Calvia"))
    flooder_browser = browser_for(server, floor.delegate("Norbek"))
    teacher = browser_for(server, floor.instructor)
    stats: Counter[str] = Counter()

    async def flood(stop: asyncio.Event) -> None:
        """Pings as fast as the connection takes them; reconnect whenever closed."""
        while not stop.is_set():
            try:
                socket = await open_ws(server, live.simulation_id, flooder_browser)
                stats["connections"] += 1
                while not stop.is_set():
                    await socket.send(PING)
                    stats["sent"] += 1
                    if stats["sent"] % 20 == 0:
                        await asyncio.sleep(0.01)  # 20 pings per 10 ms: up to 2,000 a second
            except (websockets.ConnectionClosed, AssertionError, TimeoutError, OSError):
                stats["closed"] += 1
                await asyncio.sleep(0.05)

    async def receive_body(socket: Any, text: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while True:
            message = str(await asyncio.wait_for(socket.recv(), deadline - time.monotonic()))
            if text in message:
                return

    async def scenario() -> list[float]:
        listener = await open_ws(server, live.simulation_id, listener_browser)
        stop = asyncio.Event()
        flooding = asyncio.create_task(flood(stop))
        await asyncio.sleep(1.0)  # the flood is under way
        delays: list[float] = []
        try:
            for n in range(15):
                body = f"Session resumes in {n} minutes"
                start = time.monotonic()
                status, _ = await asyncio.to_thread(
                    teacher.post, f"/sims/{live.simulation_id}/lobby/post/", {"body": body}
                )
                assert status == 200
                await receive_body(listener, body)
                delays.append(time.monotonic() - start)
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await flooding
            await listener.close()
        return delays

    delays = sorted(asyncio.run(scenario()))
    p95 = delays[math.ceil(0.95 * len(delays)) - 1]
    assert stats["sent"] >= 500, stats  # the flood was real
    assert p95 < 1.0, f"p95 {p95:.2f} s while one socket flooded ({dict(stats)}); {delays}"
    assert teacher.get("/healthz")[0] == 200
