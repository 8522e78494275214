"""Pushing to websocket groups, always after the transaction that made the change commits."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def send_to_group(group: str, message: dict[str, Any]) -> None:
    """Send now. Redis is transport only: a failed send is logged, never raised, because the
    change is already committed and clients replay what they miss from the database."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # noqa: BLE001 - a broadcast must never undo or fail a committed write
        logger.exception("broadcast to %s failed; clients will replay from the database", group)


def push_html(group: str, html: str) -> None:
    """Push an HTML fragment (htmx out-of-band swaps) to every socket in `group`. The push
    names its group: a socket that left the group (access revoked) drops a push already on
    its way to it."""
    send_to_group(group, {"type": "push.html", "html": html, "group": group})


def push_html_on_commit(group: str, html: str) -> None:
    transaction.on_commit(lambda: push_html(group, html))


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_to_group(group, message))
