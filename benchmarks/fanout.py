"""WebSocket fan-out benchmark against the real stack: ASGI server(s) + Redis + PostgreSQL.

One instructor posts lobby messages over HTTP (the real view: CSRF, permission check, a row
written with the next sequence number, a template rendered, a group_send on commit) at a
fixed rate; N students, each with their own session and websocket on /ws/sim/<id>/, receive
the pushed fragment. Every post carries its send time (time.time()) and a sender sequence
number; every receiver reads the fragment's data-seq (from the database) and the time, so the
script measures post->received latency per delivery, deliveries/s, messages lost, and the
server processes' CPU and memory (psutil), next to the client's own CPU.

Examples (run from the project root with the venv's python; PostgreSQL and Redis running):

    .venv/bin/python benchmarks/fanout.py --clients 1000 --rate 0            # idle memory
    .venv/bin/python benchmarks/fanout.py --clients 300 --rate 5 --duration 15
    .venv/bin/python benchmarks/fanout.py --clients 1000 --rate 5 --layer core
    .venv/bin/python benchmarks/fanout.py --clients 1000 --server daphne --json -

Each run drops and recreates its own database (--database, default plenary_bench), migrates
it, seeds it (benchmarks/seed.py) and always stops the servers it started, whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psutil
import psycopg
import redis
from psycopg import sql
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEQ_RE = re.compile(r'data-seq="(\d+)"')
STAMP_RE = re.compile(r"bench k=(\d+) t=(\d+\.\d+)")
DB_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PING = json.dumps({"type": "ping"})
KEEP_ALIVE_S = 2.0
GC_RE = re.compile(r"GCPAUSE gen=(?P<gen>\d) ms=(?P<ms>[\d.]+) t=(?P<t>[\d.]+)")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, and the module docstring (with its examples) kept as written."""


# --- arguments --------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Output: a one-line summary on stdout (and --json). Latencies are in ms; CPU % "
        "is of one core (100 = one core busy), summed over the server processes.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument(
        "--target",
        choices=["lobby", "plenary"],
        default="lobby",
        help="what is posted to: the simulation's lobby, or a committee's plenary floor "
        "channel (caucus: followed with a resume message, rate limits lifted for the run)",
    )
    parser.add_argument(
        "--layer",
        choices=["pubsub", "core"],
        default="pubsub",
        help="channel layer (sets CHANNEL_LAYER for the servers)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes, each on its own port; clients and posts are spread over them "
        "round-robin, as the compose proxy would",
    )
    parser.add_argument("--clients", type=int, default=300, help="websocket clients (students)")
    parser.add_argument(
        "--rate", type=float, default=5.0, help="lobby posts per second; 0 = idle memory only"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of posting")
    parser.add_argument(
        "--drain", type=float, default=10.0, help="max seconds to wait for late deliveries"
    )
    parser.add_argument(
        "--settle", type=float, default=3.0, help="seconds idle before measuring memory"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="websocket handshakes in flight"
    )
    parser.add_argument(
        "--post-connections", type=int, default=4, help="max HTTP connections of the poster"
    )
    parser.add_argument("--database", default="plenary_bench", help="database to (re)create")
    parser.add_argument(
        "--pg-url",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without database name",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="Redis for the channel layer; the script deletes this database's plenary:* keys "
        "(left by an earlier core-layer run) before starting",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before starting, wait up to SECONDS for the machine to be quiet "
        "(busy CPU under --idle-threshold for 3 s); 0 = do not wait",
    )
    parser.add_argument(
        "--idle-threshold", type=float, default=40, help="%% of one core, for --wait-idle"
    )
    parser.add_argument(
        "--py-spy",
        metavar="PATH",
        help="profile the first server process with py-spy while posting; collapsed stacks "
        "to PATH (summarise: benchmarks/profile_summary.py PATH)",
    )
    parser.add_argument(
        "--gc-log",
        action="store_true",
        help="log the servers' garbage-collection pauses (benchmarks/gcprobe) and report "
        "those in the posting window",
    )
    parser.add_argument(
        "--gc-tune",
        choices=["none", "threshold", "freeze", "both"],
        default="none",
        help="EXPERIMENT, not the app's configuration: tune the servers' garbage collector "
        "(see benchmarks/gcprobe/sitecustomize.py)",
    )
    parser.add_argument("--base-port", type=int, default=0, help="first port (0 = free ports)")
    parser.add_argument(
        "--json",
        metavar="PATH",
        help="also append the result as one JSON line to PATH ('-' = stdout)",
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the server logs' temporary folder"
    )
    args = parser.parse_args(argv)
    if not DB_NAME_RE.fullmatch(args.database):
        parser.error("--database must be a plain lower-case identifier")
    if not 1 <= args.workers <= 8:
        parser.error("--workers must be between 1 and 8")
    if not 1 <= args.clients <= 5000:
        parser.error("--clients must be between 1 and 5000")
    if not 0 <= args.rate <= 100 or not 0 < args.duration <= 120:
        parser.error("--rate must be 0..100 and --duration 0..120 s")
    return args


# --- environment, database, seed ---------------------------------------------------------------
def database_url(args: argparse.Namespace) -> str:
    return f"{args.pg_url.rstrip('/')}/{args.database}"


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=database_url(args),
        # Set, so the local profile does not start an embedded Redis.
        REDIS_URL=args.redis_url,
        CHANNEL_LAYER=args.layer,
        # The run posts faster than one user may in a real caucus (20 per 10 s).
        CAUCUS_USER_LIMIT="1000000",
        CAUCUS_CHANNEL_LIMIT="1000000",
        # As in production: no debug query log, no autorefreshing static files.
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def server_env(args: argparse.Namespace, env: dict[str, str]) -> dict[str, str]:
    """The servers' environment: bench_env, plus the GC probe when asked for."""
    if not args.gc_log and args.gc_tune == "none":
        return env
    probe = str(ROOT / "benchmarks" / "gcprobe")
    path = os.pathsep.join(p for p in (probe, env.get("PYTHONPATH", "")) if p)
    return {
        **env,
        "PYTHONPATH": path,
        "PLENARY_BENCH_GC_LOG": "1" if args.gc_log else "",
        "PLENARY_BENCH_GC_TUNE": args.gc_tune,
    }


def gc_pauses(logs: list[str], start: float, end: float) -> dict[str, float]:
    """Sum the GCPAUSE lines (benchmarks/gcprobe) logged inside [start, end]."""
    pauses: list[tuple[int, float]] = []
    for match in GC_RE.finditer("\n".join(logs)):
        if start <= float(match["t"]) <= end:
            pauses.append((int(match["gen"]), float(match["ms"])))
    wall = max(end - start, 1e-9)
    return {
        "gc_pause_pct": round(100 * sum(ms for _, ms in pauses) / 1000 / wall, 1),
        "gc_pause_max_ms": max((ms for _, ms in pauses), default=0.0),
        "gc_full_collections": sum(gen == 2 for gen, _ in pauses),
    }


def recreate_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    with psycopg.connect(f"{args.pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
        name = sql.Identifier(args.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def seed(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    out = workdir / "seed.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "seed.py"),
            "--students",
            str(args.clients),
            "--target",
            args.target,
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def clear_layer_keys(redis_url: str) -> None:
    """Stale core-layer group members from an earlier run would receive (and slow) sends."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="plenary:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    finally:
        client.close()


def raise_fd_limit(clients: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients * 2 + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


# --- server processes -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(kind: str, port: int) -> list[str]:
    """The Procfile's command line (uvicorn), or its daphne equivalent."""
    if kind == "uvicorn":
        return [
            str(BIN / "uvicorn"),
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--ws-max-size",
            "65536",
            "--ws-ping-interval",
            "20",
            "--ws-ping-timeout",
            "20",
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    # Daphne (autobahn) negotiates no per-message compression unless told to.
    return [
        str(BIN / "daphne"),
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--ping-interval",
        "20",
        "--ping-timeout",
        "20",
        "-v",
        "0",
        "config.asgi:application",
    ]


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)


def start_server(kind: str, port: int, env: dict[str, str], workdir: Path) -> Server:
    log = workdir / f"{kind}-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            server_command(kind, port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(port, process, log)


def wait_for_health(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"server on {server.port} exited ({server.process.returncode}):\n"
                + server.log.read_text(errors="replace")[-3000:]
            )
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise TimeoutError(f"server on {server.port} not healthy within {timeout} s")


def stop_server(server: Server) -> None:
    """Terminate, then kill, the server's own process group (start_new_session=True)."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


@contextlib.contextmanager
def servers_running(
    args: argparse.Namespace, env: dict[str, str], workdir: Path
) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for i in range(args.workers):
            port = args.base_port + i if args.base_port else free_port()
            servers.append(start_server(args.server, port, env, workdir))
        for server in servers:
            wait_for_health(server)
        yield servers
    finally:
        for server in servers:
            stop_server(server)


# --- resource accounting ---------------------------------------------------------------------
def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def processes_named(name: str, arg_suffix: str = "") -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        info = proc.info
        if info["name"] != name:
            continue
        if arg_suffix and not any(a.endswith(arg_suffix) for a in info["cmdline"] or []):
            continue
        found.append(proc)
    return found


def cpu_snapshot(processes: list[psutil.Process]) -> dict[int, float]:
    snapshot: dict[int, float] = {}
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            snapshot[proc.pid] = cpu_seconds(proc)
    return snapshot


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def machine_busy() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@dataclass
class CpuWindow:
    """CPU seconds of every party over one wall-clock window."""

    servers: list[psutil.Process]
    redis_port: str
    wall: float = 0.0
    start: dict[str, Any] = field(default_factory=dict)
    result: dict[str, float] = field(default_factory=dict)

    def _take(self) -> dict[str, Any]:
        return {
            "wall": time.monotonic(),
            "server": cpu_snapshot(self.servers),
            "client": cpu_snapshot([psutil.Process()]),
            "redis": cpu_snapshot(processes_named("redis-server", f":{self.redis_port}")),
            "postgres": cpu_snapshot(processes_named("postgres")),
            "machine": machine_busy(),
        }

    def begin(self) -> None:
        self.start = self._take()

    def end(self) -> None:
        stop = self._take()
        self.wall = stop["wall"] - self.start["wall"]
        for part in ("server", "client", "redis", "postgres"):
            seconds = cpu_delta(self.start[part], stop[part])
            self.result[f"{part}_cpu_pct"] = round(100 * seconds / self.wall, 1)
        busy = stop["machine"] - self.start["machine"]
        self.result["machine_cpu_pct"] = round(100 * busy / self.wall, 1)
        ours = sum(self.result[f"{part}_cpu_pct"] for part in ("server", "client", "redis"))
        # Everything else on the (shared) machine, PostgreSQL included: other people's work.
        self.result["others_cpu_pct"] = round(self.result["machine_cpu_pct"] - ours, 1)


def wait_for_quiet(max_seconds: float, threshold: float) -> float:
    """Wait (at most max_seconds) until the machine's busy CPU stays under `threshold`
    (% of one core) for 3 s running; returns the last reading. A shared machine's other
    work competes with the server for cores and shows up directly in the latencies."""
    deadline = time.monotonic() + max_seconds
    cores = psutil.cpu_count() or 1
    quiet = 0
    busy = psutil.cpu_percent(interval=1.0) * cores
    while time.monotonic() < deadline:
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= 3:
            break
        busy = psutil.cpu_percent(interval=1.0) * cores
    return round(busy, 1)


def rss(processes: list[psutil.Process]) -> int:
    return sum(int(p.memory_info().rss) for p in processes)


# --- clients ----------------------------------------------------------------------------------
@dataclass
class Recorder:
    latencies_ms: list[float] = field(default_factory=list)
    first_post: float = 0.0
    last_delivery: float = 0.0
    duplicates: int = 0
    unparsed: int = 0
    connect_retries: int = 0
    connect_errors: list[str] = field(default_factory=list)
    # Per message (sender's k): [sent, first received, last received], to split latency into
    # the post path (post -> first socket) and the fan-out (first -> last socket).
    messages: dict[int, list[float]] = field(default_factory=dict)

    def delivered(self, k: int, sent: float, now: float) -> None:
        self.latencies_ms.append((now - sent) * 1000)
        self.last_delivery = max(self.last_delivery, now)
        times = self.messages.get(k)
        if times is None:
            self.messages[k] = [sent, now, now]
        else:
            times[1] = min(times[1], now)
            times[2] = max(times[2], now)


class Receiver:
    """One student tab: a websocket that only listens (plus one ping at the start)."""

    def __init__(
        self,
        index: int,
        port: int,
        session: str,
        sim_id: int,
        rec: Recorder,
        follow: str | None = None,
    ) -> None:
        self.follow = follow
        self.index = index
        self.port = port
        self.session = session
        self.url = f"ws://127.0.0.1:{port}/ws/sim/{sim_id}/"
        self.rec = rec
        self.seqs: set[int] = set()
        self.pong = asyncio.Event()
        self.error: BaseException | None = None
        self.ws: ClientConnection | None = None
        self.closing = False
        self.closed_early = False

    async def open(self, gate: asyncio.Semaphore, timeout: float) -> None:
        """Connect and send one ping; retry twice with jittered backoff, as the browser would."""
        for attempt in range(3):
            try:
                async with gate:
                    self.ws = await connect(
                        self.url,
                        origin=Origin(f"http://127.0.0.1:{self.port}"),
                        additional_headers={"Cookie": f"sessionid={self.session}"},
                        compression=None,
                        ping_interval=None,
                        open_timeout=timeout,
                        close_timeout=2,
                        max_queue=256,
                    )
                    if self.follow:  # a caucus channel: ask to follow it, as the page does
                        await self.ws.send(
                            json.dumps({"type": "resume", "streams": {self.follow: 0}})
                        )
                    await self.ws.send(PING)
                    return
            except (OSError, TimeoutError, InvalidHandshake) as error:
                if attempt == 2:
                    raise
                self.rec.connect_retries += 1
                self.rec.connect_errors.append(repr(error))
                await asyncio.sleep(0.5 * 2**attempt * (0.5 + random.random()))

    async def listen(self) -> None:
        assert self.ws is not None
        rec = self.rec
        try:
            async for raw in self.ws:
                now = time.time()
                text = raw if isinstance(raw, str) else raw.decode()
                if text.startswith("{"):
                    if '"pong"' in text:
                        self.pong.set()
                    continue
                match = SEQ_RE.search(text)
                if match is None:
                    rec.unparsed += 1
                    continue
                seq = int(match[1])
                if seq in self.seqs:
                    rec.duplicates += 1
                    continue
                self.seqs.add(seq)
                stamp = STAMP_RE.search(text)
                if stamp is not None:
                    rec.delivered(int(stamp[1]), float(stamp[2]), now)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            self.error = error
        if not self.closing:
            self.closed_early = True

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


# --- the poster: raw HTTP/1.1 keep-alive, no heavy client (BASELINES.md §3) -------------------
@dataclass
class HttpConnection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    last_used: float

    def usable(self) -> bool:
        """Servers close idle keep-alive connections (uvicorn after 5 s): reopen before that."""
        return not self.reader.at_eof() and time.monotonic() - self.last_used < KEEP_ALIVE_S


class Poster:
    """Posts lobby messages as the instructor; a small pool of keep-alive connections/port."""

    def __init__(
        self, ports: list[int], sim_id: int, session: str, per_port: int, path: str | None = None
    ) -> None:
        self.ports = ports
        self.path = path or f"/sims/{sim_id}/lobby/post/"
        self.csrf = secrets.token_hex(16)  # 32 alphanumerics: a valid CSRF cookie secret
        self.session = session
        # LIFO: the connection used last is reused first; the rest stay None until needed.
        self.pools: dict[int, asyncio.LifoQueue[HttpConnection | None]] = {}
        for port in ports:
            pool: asyncio.LifoQueue[HttpConnection | None] = asyncio.LifoQueue()
            for _ in range(per_port):
                pool.put_nowait(None)
            self.pools[port] = pool
        self.http_ms: list[float] = []
        self.ok = 0
        self.failed: list[str] = []

    def request(self, port: int, body: str) -> bytes:
        form = urllib.parse.urlencode({"body": body}).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n"
            f"Cookie: sessionid={self.session}; csrftoken={self.csrf}\r\n"
            f"X-CSRFToken: {self.csrf}\r\n"
            "HX-Request: true\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\n\r\n"
        )
        return head.encode() + form

    @staticmethod
    async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, chunked, keep = 0, False, True
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                keep = False
        if chunked:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readline()
        elif length:
            await reader.readexactly(length)
        return status, keep

    async def post(self, k: int, port: int, warmup: bool = False) -> None:
        pool = self.pools[port]
        conn = await pool.get()
        try:
            if conn is not None and not conn.usable():
                conn.writer.close()
                conn = None
            if conn is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                conn = HttpConnection(reader, writer, time.monotonic())
            sent = time.time()
            body = "warmup" if warmup else f"bench k={k} t={sent:.6f}"
            conn.writer.write(self.request(port, body))
            status, keep = await asyncio.wait_for(self.read_response(conn.reader), 15)
            self.http_ms.append((time.time() - sent) * 1000)
            conn.last_used = time.monotonic()
            if status == 200:
                self.ok += not warmup
            else:
                self.failed.append(f"HTTP {status}")
            if not keep:
                conn.writer.close()
                conn = None
        except (OSError, TimeoutError, ConnectionError, ValueError, IndexError) as error:
            self.failed.append(repr(error))
            if conn is not None:
                conn.writer.close()
            conn = None
        finally:
            pool.put_nowait(conn)

    async def close(self) -> None:
        for pool in self.pools.values():
            while not pool.empty():
                conn = pool.get_nowait()
                if conn is not None:
                    conn.writer.close()


# --- optional profile of the first server process (py-spy, if installed) ------------------
def start_profiler(output: str, pid: int, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy samples the server during the posting window (collapsed stacks, 100 Hz)."""
    binary = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if binary is None:
        raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds)))]
        + ["--rate", "100", "--format", "raw", "--output", output, "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_profiler(profiler: subprocess.Popen[bytes]) -> None:
    try:
        profiler.wait(timeout=15)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()


# --- the run ----------------------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def closed_count(receivers: list[Receiver]) -> int:
    """Sockets that ended before the benchmark closed them (server error, dropped)."""
    return sum(r.error is not None or r.closed_early for r in receivers)


def expected_seqs(db_url: str, sim_id: int, channel_id: int | None = None) -> set[int]:
    with psycopg.connect(db_url) as conn:
        if channel_id:
            rows = conn.execute(
                "SELECT seq FROM caucus_message WHERE channel_id = %s AND body LIKE %s",
                (channel_id, "bench k=%"),
            ).fetchall()
        else:
            rows = conn.execute(
                "SELECT seq FROM lobby_lobbymessage WHERE simulation_id = %s AND body LIKE %s",
                (sim_id, "bench k=%"),
            ).fetchall()
    return {int(row[0]) for row in rows}


async def wait_until(check: Any, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(step)
    return bool(check())


async def measure(
    args: argparse.Namespace, data: dict[str, Any], servers: list[Server]
) -> dict[str, Any]:
    sim_id = int(data["simulation_id"])
    channel_id = data.get("channel_id")
    follow = f"channel-{channel_id}" if channel_id else None
    ports = [s.port for s in servers]
    procs = [s.ps for s in servers]
    sessions: list[str] = data["student_sessions"]
    result: dict[str, Any] = {}

    # Warm-up: one socket per server (imports, DB pool, layer connection), then the baseline.
    for i, port in enumerate(ports):
        probe = Receiver(-1, port, sessions[i % len(sessions)], sim_id, Recorder(), follow)
        await probe.open(asyncio.Semaphore(1), 30)
        listener = asyncio.create_task(probe.listen())
        await asyncio.wait_for(probe.pong.wait(), 30)
        await probe.close()
        await listener
    if args.gc_tune in ("freeze", "both"):
        for proc in procs:
            proc.send_signal(signal.SIGUSR1)  # gcprobe: collect, then gc.freeze()
    await asyncio.sleep(1)
    rss_before = rss(procs)

    rec = Recorder()
    receivers = [
        Receiver(i, ports[i % len(ports)], sessions[i], sim_id, rec, follow)
        for i in range(args.clients)
    ]
    gate = asyncio.Semaphore(args.connect_concurrency)
    started = time.monotonic()
    opened = await asyncio.gather(*(r.open(gate, 60) for r in receivers), return_exceptions=True)
    failures = [repr(o) for o in opened if isinstance(o, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} websockets failed to open, e.g. {failures[:3]}")
    listeners = [asyncio.create_task(r.listen()) for r in receivers]
    poster: Poster | None = None
    profiler: subprocess.Popen[bytes] | None = None
    try:
        if not await wait_until(lambda: all(r.pong.is_set() for r in receivers), 60):
            missing = sum(not r.pong.is_set() for r in receivers)
            raise RuntimeError(f"{missing} clients got no pong within 60 s")
        result["connect_s"] = round(time.monotonic() - started, 2)
        result["connect_retries"] = rec.connect_retries
        await asyncio.sleep(args.settle)
        rss_idle = rss(procs)
        result["server_rss_mb_before"] = round(rss_before / 2**20, 1)
        result["server_rss_mb_idle"] = round(rss_idle / 2**20, 1)
        result["kb_per_connection"] = round((rss_idle - rss_before) / args.clients / 1024, 1)
        if args.rate <= 0:
            result["client_errors"] = closed_count(receivers)
            return result

        poster = Poster(
            ports,
            sim_id,
            data["instructor_session"],
            args.post_connections,
            f"/channels/{channel_id}/post/" if channel_id else None,
        )
        # Warm-up posts (template, form, pool), not measured.
        for i, port in enumerate(ports * 2):
            await poster.post(-1 - i, port, warmup=True)
        if poster.failed:
            raise RuntimeError(f"warm-up posts failed: {poster.failed[:3]}")
        await wait_until(lambda: all(len(r.seqs) >= 2 * len(ports) for r in receivers), 15)
        poster.http_ms.clear()

        window = CpuWindow(procs, str(urllib.parse.urlparse(args.redis_url).port or 6379))
        total = round(args.rate * args.duration)
        interval = 1 / args.rate
        tasks: list[asyncio.Task[None]] = []
        if args.py_spy:
            profiler = start_profiler(args.py_spy, procs[0].pid, args.duration)
        window.begin()
        first_post = time.time()
        t0 = time.monotonic()
        for k in range(total):
            delay = t0 + k * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(poster.post(k, ports[k % len(ports)])))
        _, late = await asyncio.wait(tasks, timeout=30)
        for task in late:
            task.cancel()
            poster.failed.append("no response within 30 s of the last post")
        window.end()
        posting_s = time.monotonic() - t0
        result["posting_window"] = [first_post, time.time()]

        expected = expected_seqs(database_url(args), sim_id, channel_id)
        await wait_until(lambda: all(r.seqs >= expected for r in receivers), args.drain)
        lost = sum(len(expected - r.seqs) for r in receivers)
        lat = sorted(rec.latencies_ms)
        span = max(rec.last_delivery - first_post, 1e-9)
        http = sorted(poster.http_ms)
        first = sorted((m[1] - m[0]) * 1000 for m in rec.messages.values())
        spread = sorted((m[2] - m[1]) * 1000 for m in rec.messages.values())
        result.update(
            posts_sent=total,
            posts_ok=poster.ok,
            posts_failed=len(poster.failed),
            post_errors=sorted(set(poster.failed))[:3],
            posting_s=round(posting_s, 2),
            post_http_p50_ms=round(percentile(http, 50), 1),
            post_http_p99_ms=round(percentile(http, 99), 1),
            expected_deliveries=len(expected) * args.clients,
            deliveries=len(lat),
            lost=lost,
            duplicates=rec.duplicates,
            p50_ms=round(percentile(lat, 50), 1),
            p95_ms=round(percentile(lat, 95), 1),
            p99_ms=round(percentile(lat, 99), 1),
            max_ms=round(lat[-1], 1) if lat else None,
            delivered_per_s=round(len(lat) / span),
            first_p50_ms=round(percentile(first, 50), 1),
            first_p99_ms=round(percentile(first, 99), 1),
            spread_p50_ms=round(percentile(spread, 50), 1),
            spread_p99_ms=round(percentile(spread, 99), 1),
            server_rss_mb_end=round(rss(procs) / 2**20, 1),
            client_errors=closed_count(receivers),
            **window.result,
        )
        return result
    finally:
        if poster is not None:
            await poster.close()
        if profiler is not None:
            stop_profiler(profiler)
        gate = asyncio.Semaphore(200)

        async def close(r: Receiver) -> None:
            async with gate:
                await r.close()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(close(r) for r in receivers)), 30)
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)


def summary(result: dict[str, Any]) -> str:
    head = (
        f"{result['server']}+{result['layer']} x{result['workers']} N={result['clients']} "
        f"rate={result['rate']:g}/s"
    )
    mem = (
        f"{result['kb_per_connection']} KB/conn (RSS {result['server_rss_mb_before']}"
        f"->{result['server_rss_mb_idle']} MB, connect {result['connect_s']} s)"
    )
    problems = (
        f" | SOCKETS CLOSED EARLY {result['client_errors']}" if result["client_errors"] else ""
    ) + (f" | SERVER TRACEBACKS {result['server_errors']}" if result["server_errors"] else "")
    if result["gc_tune"] != "none":
        head += f" gc-tune={result['gc_tune']}"
    if result["rate"] <= 0:
        return f"{head} idle: {mem}{problems}"
    if "gc_pause_pct" in result:
        mem += (
            f" | GC pauses {result['gc_pause_pct']}% of the time, max "
            f"{result['gc_pause_max_ms']} ms, {result['gc_full_collections']} full"
        )
    return (
        f"{head} {result['posting_s']} s: p50 {result['p50_ms']} p95 {result['p95_ms']} "
        f"p99 {result['p99_ms']} max {result['max_ms']} ms | {result['delivered_per_s']} "
        f"deliveries/s | lost {result['lost']} | post->first socket p50/p99 "
        f"{result['first_p50_ms']}/{result['first_p99_ms']} ms, first->last "
        f"{result['spread_p50_ms']}/{result['spread_p99_ms']} ms | posts {result['posts_ok']}/"
        f"{result['posts_sent']} (HTTP p50 {result['post_http_p50_ms']} ms) | "
        f"CPU server {result['server_cpu_pct']}% client {result['client_cpu_pct']}% "
        f"redis {result['redis_cpu_pct']}% pg {result['postgres_cpu_pct']}% "
        f"others {result['others_cpu_pct']}% | {mem}{problems}"
    )


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # so every finally: block runs and servers are stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    raise_fd_limit(args.clients)
    env = bench_env(args)
    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    ok = False
    try:
        recreate_database(args, env)
        data = seed(args, env, workdir)
        clear_layer_keys(args.redis_url)
        result: dict[str, Any] = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "server": args.server,
            "layer": args.layer,
            "workers": args.workers,
            "clients": args.clients,
            "rate": args.rate,
            "duration": args.duration,
            "gc_tune": args.gc_tune,
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "machine_cpu_pct_before": wait_for_quiet(args.wait_idle, args.idle_threshold),
            "cpus": os.cpu_count(),
        }
        with servers_running(args, server_env(args, env), workdir) as servers:
            result.update(asyncio.run(measure(args, data, servers)))
            logs = [s.log.read_text(errors="replace") for s in servers]
            result["server_errors"] = sum(log.count("Traceback") for log in logs)
            if args.gc_log and "posting_window" in result:
                result.update(gc_pauses(logs, *result["posting_window"]))
            args.keep_logs = args.keep_logs or bool(result["server_errors"])
        print(summary(result), flush=True)
        if args.json:
            text = json.dumps(result)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "a") as out:
                    out.write(text + "\n")
        ok = True
        return 0
    finally:
        if args.keep_logs or not ok:
            print(f"server logs: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
