"""A cap on the size of an HTTP request body, enforced while it is received.

Django's ASGI handler reads the whole body (into memory, then a temporary file) before any
setting applies: `DATA_UPLOAD_MAX_MEMORY_SIZE` is checked later and skips file parts, and
uvicorn has no body limit. Behind the compose file's nginx, `client_max_body_size` caps it;
`HOST=0.0.0.0 make run` has no proxy, so without this a single post of gigabytes would fill
the laptop's disk. Plenary takes no uploads: its largest form (the advanced rules JSON, a
brief) is far below the cap.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

Scope = dict[str, Any]
Receive = Any
Send = Any

TOO_LARGE_BODY = b"The request is too large."


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: Any, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit(self) -> int:
        return self.max_bytes if self.max_bytes is not None else settings.MAX_REQUEST_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or len(declared) > 18 or int(declared) > limit
        ):
            await _refuse(send)
            return
        received = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body, with no length declared
                    raise _TooLarge
            return message

        async def tracked_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _refuse(send)


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(TOO_LARGE_BODY)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE_BODY})
