"""The stack as real processes: uvicorn servers, a Celery worker, Redis, the test database."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
import websockets
from django.test import Client
from websockets.exceptions import InvalidStatus

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.lobby import services as lobby
from apps.lobby.models import Announcement, LobbyMessage
from tests import live

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def session_key(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def client_for(base: str, user: User) -> live.Browserless:
    browser = live.Browserless(base)
    browser.use_session(session_key(user))
    return browser


async def open_ws(
    base: str, simulation: Simulation, browser: live.Browserless
) -> websockets.ClientConnection:
    socket = await websockets.connect(
        live.ws_url(base, f"/ws/sim/{simulation.pk}/"),
        additional_headers=browser.ws_headers(),
        origin=websockets.Origin(base),
        compression=None,
    )
    await socket.send('{"type": "ping"}')
    assert await asyncio.wait_for(socket.recv(), 5) == '{"type": "pong"}'
    return socket


async def receive_html(socket: websockets.ClientConnection, timeout: float = 10) -> str:
    while True:
        message = await asyncio.wait_for(socket.recv(), timeout)
        if not str(message).startswith("{"):
            return str(message)


def test_a_post_over_http_reaches_a_websocket_client_through_a_real_server(
    simulation: Simulation, student: User, instructor: User
) -> None:
    with live.asgi_server() as base:
        teacher, amina = client_for(base, instructor), client_for(base, student)

        async def scenario() -> str:
            socket = await open_ws(base, simulation, amina)
            status, _ = await asyncio.to_thread(
                teacher.post,
                f"/sims/{simulation.pk}/lobby/post/",
                {"body": "Session opens at 10:00"},
            )
            assert status == 200
            html = await receive_html(socket)
            await socket.close()
            return html

        html = asyncio.run(scenario())
    assert "Session opens at 10:00" in html and 'data-seq="1"' in html


def test_a_message_posted_through_server_a_reaches_a_client_of_server_b(
    simulation: Simulation, student: User, instructor: User
) -> None:
    with live.asgi_server() as server_a, live.asgi_server() as server_b:
        teacher_on_a, amina_on_b = client_for(server_a, instructor), client_for(server_b, student)

        async def scenario() -> str:
            socket = await open_ws(server_b, simulation, amina_on_b)
            status, _ = await asyncio.to_thread(
                teacher_on_a.post,
                f"/sims/{simulation.pk}/lobby/post/",
                {"body": "across processes"},
            )
            assert status == 200
            html = await receive_html(socket)
            await socket.close()
            return html

        assert "across processes" in asyncio.run(scenario())


def test_an_outsider_is_refused_by_the_real_server(simulation: Simulation, outsider: User) -> None:
    with live.asgi_server() as base:
        stranger = client_for(base, outsider)

        async def scenario() -> None:
            with pytest.raises(InvalidStatus):
                await open_ws(base, simulation, stranger)

        asyncio.run(scenario())
        status, _ = stranger.post(f"/sims/{simulation.pk}/lobby/post/", {"body": "let me in"})
    assert status == 403
    assert not LobbyMessage.objects.exists()


def test_a_real_worker_posts_a_scheduled_announcement_and_it_is_pushed(
    simulation: Simulation, student: User, instructor: User
) -> None:
    with live.asgi_server() as base, live.celery_worker():
        amina = client_for(base, student)

        async def scenario() -> tuple[str, float]:
            socket = await open_ws(base, simulation, amina)
            announcement = await asyncio.to_thread(
                lobby.announcement_schedule,
                simulation=simulation,
                by=instructor,
                body="Caucus is over: back to your seats",
                delay=dt.timedelta(seconds=1),
            )
            html = await receive_html(socket, timeout=20)
            late = time.time() - announcement.due_at.timestamp()
            await socket.close()
            return html, late

        html, late = asyncio.run(scenario())
    assert "Caucus is over" in html and "announcement" in html
    assert late >= 0  # not before its time
    announcement = Announcement.objects.get()
    assert announcement.message is not None and announcement.message.kind == "announcement"


def test_a_duplicate_announcement_task_posts_nothing_twice(
    simulation: Simulation, instructor: User
) -> None:
    from apps.lobby.tasks import post_due_announcement

    announcement = lobby.announcement_schedule(
        simulation=simulation, by=instructor, body="Once only", delay=dt.timedelta(0)
    )
    with live.celery_worker():
        results = [post_due_announcement.delay(announcement.pk) for _ in range(5)]
        outcomes = [r.get(timeout=20) for r in results]
    # The on-commit task and five duplicates: exactly one of them posted.
    assert LobbyMessage.objects.filter(kind="announcement").count() == 1
    assert outcomes.count(True) <= 1


def test_the_sweep_posts_an_announcement_whose_task_was_lost(
    simulation: Simulation, instructor: User
) -> None:
    from apps.lobby.tasks import sweep_due_announcements

    # Written straight to the table, as if the broker had lost the ETA message.
    Announcement.objects.create(
        simulation=simulation,
        author=instructor,
        body="lost timer",
        due_at=simulation.created_at - dt.timedelta(seconds=5),
    )
    with live.celery_worker():
        for _ in range(3):  # beat ticks again before, during and after the first sweep
            sweep_due_announcements.delay()
        deadline = time.monotonic() + 20
        while not LobbyMessage.objects.filter(body="lost timer").exists():
            assert time.monotonic() < deadline, "the sweep never posted the overdue announcement"
            time.sleep(0.1)
        time.sleep(1)
    assert LobbyMessage.objects.filter(body="lost timer").count() == 1
