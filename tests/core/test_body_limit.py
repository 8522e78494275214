"""Request bodies are capped while they arrive (config/body_limit.py), through the real ASGI
application: a declared length over the cap and a chunked body that grows past it are both
answered 413 before Django spools them; ordinary posts pass."""

from __future__ import annotations

import pytest
from channels.testing import ApplicationCommunicator
from django.test import override_settings

from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def scope(path: str = "/join/", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def response_of(communicator: ApplicationCommunicator) -> tuple[int, bytes]:
    start = await communicator.receive_output(10)
    body = await communicator.receive_output(10)
    return start["status"], body.get("body", b"")


@override_settings(MAX_REQUEST_BODY_BYTES=1000)
async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    communicator = ApplicationCommunicator(
        application, scope(headers=[(b"content-length", b"5000000000")])
    )
    status, body = await response_of(communicator)
    assert status == 413
    assert b"too large" in body


@override_settings(MAX_REQUEST_BODY_BYTES=1000)
async def test_a_chunked_body_growing_past_the_cap_is_refused() -> None:
    communicator = ApplicationCommunicator(application, scope())
    for _ in range(5):
        await communicator.send_input(
            {"type": "http.request", "body": b"x" * 400, "more_body": True}
        )
    status, _ = await response_of(communicator)
    assert status == 413


@override_settings(MAX_REQUEST_BODY_BYTES=1000)
async def test_a_post_under_the_cap_reaches_django() -> None:
    body = b"code=ABCDEFGH&display_name=Amina"
    communicator = ApplicationCommunicator(
        application,
        scope(
            headers=[
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/x-www-form-urlencoded"),
            ]
        ),
    )
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    status, _ = await response_of(communicator)
    assert status == 403  # Django answered: CSRF refuses a post without a token


@pytest.mark.parametrize("length", [b"-1", b"12abc", b"9" * 40])
async def test_an_unreadable_length_is_refused(length: bytes) -> None:
    communicator = ApplicationCommunicator(
        application, scope(headers=[(b"content-length", length)])
    )
    status, _ = await response_of(communicator)
    assert status == 413
