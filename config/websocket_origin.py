"""Websocket handshakes are accepted from this site's own pages only."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": "80", "https": "443"}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SameOriginWebsocket:
    """Refuses a websocket handshake unless its Origin is the site the handshake reached.

    Browsers apply no same-origin rule to websockets: any page may open one to this server,
    and the browser sends the visitor's session cookie with it. The Origin header is the only
    thing that tells a page of this site from a page elsewhere, so it must be checked exactly.
    Channels' `AllowedHostsOriginValidator` is not enough: it compares only the Origin's host
    name with ALLOWED_HOSTS, so under `make run` (ALLOWED_HOSTS = ["*"]) it lets every Origin
    through, "null" and none at all included; and whatever ALLOWED_HOSTS says, it ignores the
    scheme and the port, so a page served from another port of the same machine (any other
    program on the teacher's laptop) read a logged-in student's private channels.

    Accepted: an Origin with the scheme, host and port of the handshake itself (its Host
    header, ws→http and wss→https; behind a proxy, `SECURE_PROXY_SSL_HEADER` says https as it
    does for Django's views), or one listed in CSRF_TRUSTED_ORIGINS (exactly, or
    `https://*.example.org` as Django reads that list). The Host must be one of ALLOWED_HOSTS.
    A missing or "null" Origin is refused. Settings are read per handshake (a dict lookup),
    so tests can change them.
    """

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            raise ValueError("SameOriginWebsocket only guards websocket connections.")
        headers = _headers(scope)
        origin = headers.get("origin", "")
        if allowed_origin(origin, host=headers.get("host", ""), secure=_secure(scope, headers)):
            await self.application(scope, receive, send)
            return
        logger.warning(
            "websocket refused: Origin %r is not this site (Host %r)",
            origin[:200],
            headers.get("host", "")[:200],
        )
        # Closing before accepting makes the server answer the handshake with 403.
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 1008, "reason": ""})


def allowed_origin(origin: str, *, host: str, secure: bool) -> bool:
    """Whether a page at `origin` may open a websocket that reached `host` (the Host header)."""
    mine = _normalise(origin)
    if mine is None:
        return False  # missing, "null" (sandboxed pages, file:), or not a URL
    domain, port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        scheme = "https" if secure else "http"
        if mine == _normalise(f"{scheme}://{host}"):
            return True
    return _trusted(mine)


def _normalise(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case with the scheme's default port left out, or None."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in {"", "/"}:
        return None
    if parts.username is not None or parts.query or parts.fragment:
        return None
    netloc = parts.netloc
    if port is not None and str(port) == DEFAULT_PORTS[parts.scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    return f"{parts.scheme}://{netloc}"


def _trusted(origin: str) -> bool:
    """CSRF_TRUSTED_ORIGINS, read as Django's CSRF check reads it."""
    scheme, _, netloc = origin.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if "*" not in trusted:
            if _normalise(trusted) == origin:
                return True
            continue
        parts = urlsplit(trusted.lower())
        if parts.scheme == scheme and is_same_domain(netloc, parts.netloc.lstrip("*")):
            return True
    return False


def _headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in scope.get("headers", []):
        key = bytes(name).decode("latin1").lower()
        if key in found:
            repeated.add(key)
        found[key] = bytes(value).decode("latin1")
    for key in repeated & {"origin", "host"}:
        found[key] = ""  # two Origins or Hosts are not one site: refused
    return found


def _secure(scope: Scope, headers: dict[str, str]) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    name, secure_value = proxy_header
    header = name.removeprefix("HTTP_").replace("_", "-").lower()
    value = headers.get(header, "")
    return value.split(",", 1)[0].strip() == secure_value
