"""Pushing to websocket groups, always after the transaction that made the change commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# A caller whose thread already runs an event loop (Playwright's sync API in the browser
# tests; a script driving asyncio) cannot use async_to_sync there: its sends go through
# this one thread instead. Views, tasks and consumers' database_sync_to_async calls run in
# threads without a loop and send directly.
_loop_free_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="broadcast")


def _running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send_to_group(group: str, message: dict[str, Any]) -> None:
    """Send now. Redis is transport only: a failed send is logged with its traceback, never
    raised, because the change is already committed and clients replay what they miss from
    the database. (The test suite fails any test during which a broadcast failed, unless the
    test breaks Redis on purpose: tests/conftest.py.)"""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if _running_loop():
            _loop_free_thread.submit(async_to_sync(layer.group_send), group, message).result()
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - a broadcast must never undo or fail a committed write
        logger.exception("broadcast to %s failed; clients will replay from the database", group)


def push_html(group: str, html: str) -> None:
    """Push an HTML fragment (htmx out-of-band swaps) to every socket in `group`. The push
    names its group: a socket that left the group (access revoked) drops a push already on
    its way to it."""
    send_to_group(group, {"type": "push.html", "html": html, "group": group})


def push_many(messages: Sequence[tuple[str, str]]) -> None:
    """Push several fragments, each to its group, in this order, in one trip to the event
    loop: a send on its own pays for the trip (a few ms from a thread without a loop), so a
    change that updates a floor and a few dozen delegations' screens sends them together.
    Failures are logged as in `send_to_group` (one group's failure does not stop the rest)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, html in messages:
            try:
                await layer.group_send(group, {"type": "push.html", "html": html, "group": group})
            except Exception:  # noqa: BLE001 - committed already: clients replay what they miss
                logger.exception("broadcast to %s failed; clients will replay it", group)

    if _running_loop():
        _loop_free_thread.submit(async_to_sync(send_all)).result()
    else:
        async_to_sync(send_all)()


def push_html_on_commit(group: str, html: str) -> None:
    transaction.on_commit(lambda: push_html(group, html))


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_to_group(group, message))
