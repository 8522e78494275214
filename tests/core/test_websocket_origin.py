"""The websocket handshake is accepted only from this site's own pages (config/websocket_origin.py).

Test settings allow every host (ALLOWED_HOSTS = ["*"]) as `make run` does: the Origin is
checked against the host the handshake reached, not against ALLOWED_HOSTS.
"""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from apps.accounts.models import User
from apps.delegations.models import Simulation
from config.asgi import application
from config.websocket_origin import allowed_origin

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(
    user: User,
    simulation: Simulation,
    *,
    origin: str | None,
    host: str = "localhost:8000",
    scheme: str = "ws",
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> bool:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/sim/{simulation.pk}/", headers=[*headers, *extra]
    )
    communicator.scope["user"] = user
    communicator.scope["scheme"] = scheme
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "null",
        None,
        "http://localhost:8001",  # another port of the same host
        "http://localhost",  # port 80, not 8000
        "https://localhost:8000",  # another scheme
        "http://localhost:8000.evil.example",
        "",
    ],
)
async def test_a_socket_from_a_page_of_another_origin_is_refused(
    student: User, simulation: Simulation, origin: str | None
) -> None:
    assert not await handshake(student, simulation, origin=origin)


async def test_a_socket_from_a_page_of_this_site_is_accepted(
    student: User, simulation: Simulation
) -> None:
    assert await handshake(student, simulation, origin="http://localhost:8000")
    assert await handshake(student, simulation, origin="http://LOCALHOST:8000")
    assert await handshake(student, simulation, origin="http://localhost", host="localhost")
    assert await handshake(
        student, simulation, origin="http://192.168.1.20:8000", host="192.168.1.20:8000"
    )


async def test_two_origin_headers_are_refused(student: User, simulation: Simulation) -> None:
    assert not await handshake(
        student,
        simulation,
        origin="http://localhost:8000",
        extra=((b"origin", b"http://evil.example"),),
    )


async def test_a_secure_socket_needs_an_https_origin(student: User, simulation: Simulation) -> None:
    host = "plenary.example.org"
    assert await handshake(student, simulation, origin=f"https://{host}", host=host, scheme="wss")
    assert not await handshake(
        student, simulation, origin=f"http://{host}", host=host, scheme="wss"
    )


async def test_behind_the_proxy_the_forwarded_scheme_decides(
    student: User, simulation: Simulation
) -> None:
    host = "plenary.example.org"
    https = ((b"x-forwarded-proto", b"https"),)
    with override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")):
        assert await handshake(
            student, simulation, origin=f"https://{host}", host=host, extra=https
        )
        assert not await handshake(
            student, simulation, origin=f"http://{host}", host=host, extra=https
        )
    # Without the setting the header is not trusted.
    assert not await handshake(
        student, simulation, origin=f"https://{host}", host=host, extra=https
    )


async def test_an_origin_listed_in_csrf_trusted_origins_is_accepted(
    student: User, simulation: Simulation
) -> None:
    with override_settings(
        CSRF_TRUSTED_ORIGINS=["https://projector.example.org", "https://*.school.example"]
    ):
        assert await handshake(student, simulation, origin="https://projector.example.org")
        assert await handshake(student, simulation, origin="https://room4.school.example")
        assert not await handshake(student, simulation, origin="http://projector.example.org")
        assert not await handshake(student, simulation, origin="https://school.example.evil")


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_page(
    student: User, simulation: Simulation
) -> None:
    with override_settings(ALLOWED_HOSTS=["plenary.example.org"]):
        assert not await handshake(
            student, simulation, origin="http://rebound.example", host="rebound.example"
        )
        assert await handshake(
            student, simulation, origin="http://plenary.example.org", host="plenary.example.org"
        )


def test_the_default_port_written_out_is_the_same_origin() -> None:
    assert allowed_origin("http://localhost:80", host="localhost", secure=False)
    assert allowed_origin(
        "https://plenary.example.org", host="plenary.example.org:443", secure=True
    )
    assert allowed_origin("http://[::1]:8000", host="[::1]:8000", secure=False)
    assert not allowed_origin("http://[::1]:8001", host="[::1]:8000", secure=False)
    assert not allowed_origin("http://localhost:8000", host="", secure=False)
    assert not allowed_origin("file://", host="localhost", secure=False)
