"""A broadcast that fails is logged with its traceback and never undoes the committed write;
and the suite notices it (tests/conftest.py fails a test during which one failed)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from django.test import override_settings

from apps.core.broadcast import send_to_group
from tests.conftest import watch_broadcasts

UNREACHABLE = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        # Nothing listens on port 1: every send fails at once with a connection error.
        "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "plenary-unreachable"},
    }
}


def _unreachable_layer() -> None:
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.mark.redis_outage
def test_a_failed_broadcast_is_logged_with_its_traceback_and_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with override_settings(CHANNEL_LAYERS=UNREACHABLE), caplog.at_level(logging.ERROR):
        _unreachable_layer()
        try:
            send_to_group("probe.unreachable", {"type": "push.html", "html": "<p></p>"})
        finally:
            _unreachable_layer()
    failures = [r for r in caplog.records if r.name == "apps.core.broadcast"]
    assert len(failures) == 1
    assert "probe.unreachable" in failures[0].getMessage()
    assert failures[0].exc_info is not None  # the traceback is kept


def test_a_broadcast_from_a_thread_running_an_event_loop_is_delivered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Playwright's sync API runs a loop in the test thread: setup code that broadcasts
    from there failed with "AsyncToSync in the same thread as an async event loop"."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None

    async def scenario() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add("probe.loop", channel)
        try:
            send_to_group("probe.loop", {"type": "push.html", "html": "<p>hello</p>"})
            return await asyncio.wait_for(layer.receive(channel), 5)
        finally:
            await layer.group_discard("probe.loop", channel)

    with caplog.at_level(logging.ERROR):
        message = asyncio.run(scenario())
    assert message["html"] == "<p>hello</p>"
    assert not [r for r in caplog.records if r.name == "apps.core.broadcast"]


@pytest.mark.redis_outage
def test_the_suites_watch_reports_a_failed_broadcast() -> None:
    """The autouse fixture of tests/conftest.py fails a test from this report."""
    with override_settings(CHANNEL_LAYERS=UNREACHABLE), watch_broadcasts() as watch:
        _unreachable_layer()
        try:
            send_to_group("probe.watched", {"type": "push.html", "html": "<p></p>"})
        finally:
            _unreachable_layer()
    report = watch.failure_report()
    assert report is not None
    assert "1 broadcast(s) failed" in report
    assert "probe.watched" in report
    assert "Traceback" in report


def test_the_suites_watch_is_quiet_when_broadcasts_succeed() -> None:
    with watch_broadcasts() as watch:
        send_to_group("probe.quiet", {"type": "push.html", "html": "<p></p>"})
    assert watch.failure_report() is None
