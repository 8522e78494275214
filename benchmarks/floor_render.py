"""What one change to a session's floor costs the server to render and push, per kind of change.

A General Assembly (the `general-assembly` scenario: 193 member states and 2 observers) with
50 students seated, each in a member state, a session in general debate with 120 delegations
present (the 50, and others the chair marks: enough for a quorum).
The script makes changes through the real services (the chair's and the delegates'), and
measures with `time.process_time()` (the whole process's CPU, every thread) what runs after
each commit for the floor: the renders and the channel-layer sends (one PUBLISH per group on
the pub/sub layer; nobody needs to listen for it to cost what it costs). It also measures whole
htmx action requests (service, commit, pushes and the reply) through Django's test client, and
counts the bytes each audience is sent.

The changes run in a thread under a running event loop, as a view does under uvicorn: the
sends then go through the server's loop (`async_to_sync` from a worker thread), not through a
new loop per send as in a Celery worker or a plain script.

    .venv/bin/python benchmarks/floor_render.py                  # this tree
    .venv/bin/python benchmarks/floor_render.py --root /tmp/old  # another tree (e.g. `git archive`)
    .venv/bin/python benchmarks/floor_render.py --json out.jsonl

Setup: drops and recreates its own PostgreSQL database (--database, default
plenary_floor_bench), migrates it, and uses Redis database 13 on loopback as the broker of the
few timer tasks the changes schedule (no worker runs; its queue is emptied at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent

# The modules whose on-commit callbacks push the floor (renamed once; both are measured).
FLOOR_MODULES = ("apps.proceedings.events", "apps.proceedings.effects")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the project tree to measure")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="plenary_floor_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7, help="changes of each kind")
    parser.add_argument("--json", type=Path, help="append the full result to this file")
    args = parser.parse_args(argv)
    if not args.database.replace("_", "").isalnum() or not args.database.islower():
        parser.error("--database must be a plain lower-case identifier")
    if not 2 <= args.students <= 60:
        parser.error("--students must be between 2 and 60 (a simulation's default join limit)")
    return args


def environment(args: argparse.Namespace) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"{args.pg_url.rstrip('/')}/{args.database}",
        "REDIS_URL": args.redis_url,
        "CHANNEL_LAYER_PREFIX": f"plenary-floorbench-{os.getpid()}",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "2",
    }


def recreate_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{args.pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
        name = sql.Identifier(args.database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=args.root,
        env={**os.environ, **env},
        check=True,
        timeout=600,
    )


# --- measuring --------------------------------------------------------------------------------


class Meter:
    """CPU of the floor's on-commit callbacks, and what the channel layer is asked to send."""

    def __init__(self) -> None:
        self.cpu: list[float] = []
        self.sent: list[tuple[str, int]] = []  # (group, bytes of html)

    def reset(self) -> None:
        self.cpu.clear()
        self.sent.clear()

    def install(self) -> None:
        from channels.layers import get_channel_layer
        from django.db import transaction

        real_on_commit = transaction.on_commit

        def on_commit(func: Callable[[], Any], using: Any = None, robust: bool = False) -> None:
            module = getattr(func, "__module__", "") or ""
            name = getattr(func, "__qualname__", "") or ""
            if module in FLOOR_MODULES and "schedule" not in name:

                def timed() -> None:
                    start = time.process_time()
                    func()
                    self.cpu.append(time.process_time() - start)

                real_on_commit(timed, using, robust)
            else:
                real_on_commit(func, using, robust)

        transaction.on_commit = on_commit  # type: ignore[assignment]

        layer = get_channel_layer()
        real_group_send = layer.group_send

        async def group_send(group: str, message: dict[str, Any]) -> None:
            self.sent.append((group, len(str(message.get("html", "")).encode())))
            await real_group_send(group, message)

        layer.group_send = group_send  # type: ignore[method-assign]


def audience(group: str) -> str:
    if group.endswith(".staff"):
        return "chair"
    if ".delegation." in group or ".seats." in group:
        return "delegation"
    return "public"


# --- the class ---------------------------------------------------------------------------------


def build(students: int) -> dict[str, Any]:
    from apps.accounts.models import User
    from apps.delegations import services as delegations
    from apps.proceedings import services

    instructor = User.objects.create_user(
        username="bench-teacher", password=None, is_instructor=True
    )
    simulation = delegations.simulation_from_scenario(owner=instructor, slug="general-assembly")
    committee = simulation.committees.get()
    states = [d for d in committee.delegations.order_by("position") if d.kind == "member_state"]
    seated = states[:students]
    delegates = []
    for i, delegation in enumerate(seated):
        user, _ = delegations.simulation_join(
            code=simulation.join_code, display_name=f"Student {i + 1}", user=None
        )
        delegations.seat_take(simulation=simulation, by=user, delegation_id=delegation.pk)
        delegates.append(user)
    session = services.session_create(committee=committee, by=instructor)
    services.session_open(session=session, by=instructor)
    # The 50 seated, and enough others for a quorum (the chair marks the room's count).
    for delegation in states[:120]:
        services.attendance_set(
            session=session, by=instructor, delegation_id=delegation.pk, status="present"
        )
    session = services.phase_advance(session=session, by=instructor, to="general_debate")
    return {
        "instructor": instructor,
        "simulation": simulation,
        "committee": committee,
        "states": states,
        "seated": seated,
        "delegates": delegates,
        "session": session,
        "members": committee.delegations.count(),
    }


@contextmanager
def measured(meter: Meter, results: dict[str, list[dict[str, Any]]], kind: str) -> Iterator[None]:
    meter.reset()
    yield
    by_audience: dict[str, int] = defaultdict(int)
    groups: dict[str, int] = defaultdict(int)
    for group, size in meter.sent:
        by_audience[audience(group)] += size
        groups[audience(group)] += 1
    results[kind].append(
        {
            "cpu_ms": 1000 * sum(meter.cpu),
            "callbacks": len(meter.cpu),
            "bytes": dict(by_audience),
            "sends": dict(groups),
        }
    )


def changes(world: dict[str, Any], meter: Meter, repeat: int) -> dict[str, list[dict[str, Any]]]:
    from apps.proceedings import services
    from apps.proceedings.models import Motion, Session

    chair = world["instructor"]
    session: Session = world["session"]
    seated, states, delegates = world["seated"], world["states"], world["delegates"]
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)

    for i in range(repeat):
        with measured(meter, results, "attendance"):
            services.attendance_set(
                session=session,
                by=chair,
                delegation_id=states[140 + i].pk,
                status="present",
            )
    for i in range(repeat):
        with measured(meter, results, "speaker_add"):
            services.speaker_add(session=session, by=chair, delegation_id=seated[i].pk)
    for _ in range(repeat):
        entry = session.speakers.order_by("position").last()
        with measured(meter, results, "speakers_reorder"):
            services.speakers_reorder(session=session, by=chair, entry_id=entry.pk, direction="up")
    for _ in range(min(repeat, 4)):
        with measured(meter, results, "speaker_next"):
            services.speaker_next(session=session, by=chair)
        with measured(meter, results, "speaker_extend"):
            services.speaker_extend(session=session, by=chair, seconds=30)
    with measured(meter, results, "speaker_end"):
        services.speaker_end(session=session, by=chair)
    for i in range(repeat):
        with measured(meter, results, "motion_move"):
            services.motion_move(
                session=session,
                by=delegates[10 + i],
                kind="unmoderated_caucus",
                params={"duration_s": 300 + 60 * i},
            )
    motion = Motion.objects.filter(session=session, status="pending").order_by("seq").first()
    assert motion is not None
    with measured(meter, results, "motion_entertain"):
        services.motion_entertain(session=session, by=chair, motion_id=motion.pk)
    vote_start = time.process_time()
    for delegate in delegates[:48]:
        with measured(meter, results, "placard"):
            services.motion_vote_cast(
                session=session, by=delegate, motion_id=motion.pk, choice="yes"
            )
    results["_vote_48_placards"].append(
        {
            "on_commit_cpu_ms": round(sum(r["cpu_ms"] for r in results["placard"]), 1),
            "with_services_cpu_ms": round(1000 * (time.process_time() - vote_start), 1),
        }
    )
    with measured(meter, results, "vote_close"):
        services.motion_vote_close(session=session, by=chair, motion_id=motion.pk)
    motion.refresh_from_db()
    results[f"vote_close ({motion.status})"].append(results["vote_close"].pop())
    session.refresh_from_db()
    if session.phase != "general_debate":
        with measured(meter, results, "phase_advance"):
            services.phase_advance(session=session, by=chair, to="general_debate")
    # More votes, for medians of the kinds a vote has once: open, close (and the caucus
    # it grants), the chair taking the floor back to general debate.
    for i in range(repeat - 1):
        moved = services.motion_move(
            session=session,
            by=delegates[30 + i],
            kind="unmoderated_caucus",
            params={"duration_s": 600},
        )
        with measured(meter, results, "motion_entertain"):
            services.motion_entertain(session=session, by=chair, motion_id=moved.pk)
        for delegate in delegates[:5]:
            with measured(meter, results, "placard"):
                services.motion_vote_cast(
                    session=session, by=delegate, motion_id=moved.pk, choice="yes"
                )
        # Counted in the room: passes every other time (a caucus begins), fails otherwise.
        counts = {"yes": 90, "no": 5, "abstain": 0} if i % 2 else {"yes": 5, "no": 90, "abstain": 0}
        with measured(meter, results, "vote_close"):
            services.motion_vote_close(session=session, by=chair, motion_id=moved.pk, counts=counts)
        moved.refresh_from_db()
        results[f"vote_close ({moved.status})"].append(results["vote_close"].pop())
        session.refresh_from_db()
        if session.phase != "general_debate":
            with measured(meter, results, "phase_advance"):
                services.phase_advance(session=session, by=chair, to="general_debate")
    for _ in range(min(repeat, 4)):
        session.refresh_from_db()
        caucus = session.phase == "general_debate"
        with measured(meter, results, "phase_advance"):
            services.phase_advance(
                session=session,
                by=chair,
                to="moderated_caucus" if caucus else "general_debate",
                duration_s=600 if caucus else None,
                speaking_time_s=60 if caucus else None,
            )
    for _ in range(min(repeat, 3)):
        with measured(meter, results, "agenda_set"):
            services.agenda_set(session=session, by=chair, topic=world["committee"].agenda[0])
    return results


def requests(world: dict[str, Any], meter: Meter, repeat: int) -> dict[str, list[dict[str, Any]]]:
    """Whole htmx action requests through Django's handler (service, commit, pushes, reply)."""
    from django.test import Client

    from apps.proceedings import services
    from apps.proceedings.models import Motion

    chair, session = world["instructor"], world["session"]
    states, delegates = world["states"], world["delegates"]
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    chair_client = Client()
    chair_client.force_login(chair)
    url = f"/sessions/{session.pk}/act/"

    def post(client: Client, action: str, data: dict[str, Any], kind: str) -> None:
        client.get(f"/sessions/{session.pk}/")  # warm the standing cache and the session
        meter.reset()
        start = time.process_time()
        response = client.post(f"{url}{action}/", data, HTTP_HX_REQUEST="true")
        spent = time.process_time() - start
        assert response.status_code == 200, response.content[:300]
        results[kind].append(
            {
                "cpu_ms": 1000 * spent,
                "reply_bytes": len(response.content),
                "push_ms": 1000 * sum(meter.cpu),
            }
        )

    for i in range(repeat):
        post(
            chair_client,
            "attendance",
            {"delegation": states[160 + i].pk, "status": "present"},
            "attendance",
        )
    for i in range(repeat):
        post(chair_client, "speaker-add", {"delegation": states[90 + i].pk}, "speaker-add")
    moved = []
    for i in range(repeat):
        client = Client()
        client.force_login(delegates[20 + i])
        post(
            client,
            "motion-move",
            {"kind": "unmoderated_caucus", "duration_min": str(5 + i)},
            "motion-move",
        )
        moved.append(client)
    motion = Motion.objects.filter(session=session, status="pending").order_by("seq").first()
    assert motion is not None
    services.motion_entertain(session=session, by=chair, motion_id=motion.pk)
    for i in range(repeat):
        client = Client()
        client.force_login(delegates[i])
        post(client, "vote", {"motion": motion.pk, "choice": "no"}, "vote")
    return results


def pages(world: dict[str, Any]) -> dict[str, dict[str, float]]:
    from django.test import Client

    session = world["session"]
    out = {}
    for name, user, url in [
        ("console", world["instructor"], f"/sessions/{session.pk}/"),
        ("delegate", world["delegates"][0], f"/sessions/{session.pk}/"),
        ("projector", world["instructor"], f"/sessions/{session.pk}/projector/"),
    ]:
        client = Client()
        client.force_login(user)
        client.get(url)
        start = time.process_time()
        response = client.get(url)
        spent = time.process_time() - start
        out[name] = {"cpu_ms": round(1000 * spent, 1), "kb": round(len(response.content) / 1024, 1)}
    return out


def summarise(results: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for kind, rows in results.items():
        if kind.startswith("_"):
            summary[kind] = rows[-1]
            continue
        if not rows:
            continue
        cpu = [r["cpu_ms"] for r in rows]
        line: dict[str, Any] = {
            "n": len(rows),
            "cpu_ms_median": round(statistics.median(cpu), 2),
            "cpu_ms_max": round(max(cpu), 2),
        }
        if "bytes" in rows[0]:
            for who in ("public", "chair", "delegation"):
                sizes = [r["bytes"].get(who, 0) for r in rows]
                line[f"{who}_kb"] = round(statistics.median(sizes) / 1024, 1)
            line["sends"] = rows[-1]["sends"]
        if "reply_bytes" in rows[0]:
            line["reply_kb"] = round(statistics.median(r["reply_bytes"] for r in rows) / 1024, 1)
            line["push_ms_median"] = round(statistics.median(r["push_ms"] for r in rows), 2)
        summary[kind] = line
    return summary


def commit_of(root: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(not a git tree)"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = environment(args)
    recreate_database(args, env)
    os.environ.update(env)
    sys.path.insert(0, str(args.root))
    os.chdir(args.root)
    import django

    django.setup()
    from asgiref.sync import sync_to_async

    meter = Meter()

    def body() -> dict[str, Any]:
        meter.install()
        world = build(args.students)
        started = time.process_time()
        result: dict[str, Any] = {
            "changes": summarise(changes(world, meter, args.repeat)),
            "requests": summarise(requests(world, meter, args.repeat)),
            "pages": pages(world),
            "members": world["members"],
            "seated": len(world["seated"]),
        }
        result["measure_cpu_s"] = round(time.process_time() - started, 1)
        return result

    async def main() -> dict[str, Any]:
        return await sync_to_async(body, thread_sensitive=True)()

    load_before = load_average()
    result = asyncio.run(main())
    result.update(
        {
            "root": str(args.root),
            "commit": commit_of(args.root),
            "when": time.strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
        }
    )
    clear_broker(args.redis_url)
    return result


def clear_broker(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(match="celery*", count=1000):
            client.delete(key)
        for key in client.scan_iter(match="_kombu*", count=1000):
            client.delete(key)
    finally:
        client.close()


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{result['root']} @ {result['commit']}: GA with {result['members']} delegations, "
        f"{result['seated']} seated; load average {result['load_average_before']} → "
        f"{result['load_average_after']}"
    )
    print("\nOn commit (render + push), per change:")
    print(
        f"{'change':<20}{'n':>4}{'CPU p50 ms':>12}{'max':>9}{'public KB':>11}{'chair KB':>10}{'deleg. KB':>11}  sends"
    )
    for kind, line in result["changes"].items():
        if kind.startswith("_"):
            continue
        print(
            f"{kind:<20}{line['n']:>4}{line['cpu_ms_median']:>12}{line['cpu_ms_max']:>9}"
            f"{line['public_kb']:>11}{line['chair_kb']:>10}{line['delegation_kb']:>11}  {line['sends']}"
        )
    vote = result["changes"]["_vote_48_placards"]
    print(
        f"48 placards: {vote['on_commit_cpu_ms'] / 1000:.2f} s of CPU on commit, "
        f"{vote['with_services_cpu_ms'] / 1000:.2f} s with the services"
    )
    print("\nWhole htmx action requests (service, commit, pushes, reply):")
    for kind, line in result["requests"].items():
        print(
            f"{kind:<20}{line['n']:>4} CPU p50 {line['cpu_ms_median']} ms (pushes {line['push_ms_median']} ms)"
            f", reply {line['reply_kb']} KB"
        )
    print("\nPages (GET, warm):")
    for name, line in result["pages"].items():
        print(f"{name:<20} {line['cpu_ms']} ms, {line['kb']} KB")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.root = args.root.resolve()
    result = run(args)
    print_table(result)
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
