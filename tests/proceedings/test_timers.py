"""Timers on real Celery worker (and beat) processes against the test database and Redis.

Every timed phase and every speech is a deadline in the database; a task scheduled for it
ends it; the beat sweep ends whatever a lost task missed (DESIGN.md §3, BASELINES.md §2).
These tests kill workers with SIGKILL, as a crash or an OOM kill would.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.proceedings import services
from apps.proceedings.models import Event, Session
from apps.proceedings.tasks import end_phase, end_speech
from config.celery import app
from tests import live
from tests.proceedings.helpers import Floor, build_floor, fresh, in_general_debate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SWEEP_S = float(settings.CELERY_BEAT_SWEEP_SECONDS)
# Room for a busy 2-core box between "the worker answers a ping" and the sweep committing.
SLACK_S = 4.0  # a worker takes 1.5-2.5 s to start on this machine, then one sweep


@contextlib.contextmanager
def celery_beat(schedule: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery beat` process sending the sweep every CELERY_BEAT_SWEEP_SECONDS."""
    process = subprocess.Popen(
        [
            str(live.BIN / "celery"),
            "-A",
            "config",
            "beat",
            "-s",
            str(schedule),
            "--loglevel",
            "WARNING",
        ],
        cwd=live.ROOT,
        env=live.process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        live.stop(process)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition`; returns the time.time() at which it first held."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.time()


def count(session: Session, kind: str) -> int:
    return Event.objects.filter(session_id=session.pk, kind=kind).count()


def only(session: Session, kind: str) -> Event:
    events = list(Event.objects.filter(session_id=session.pk, kind=kind))
    assert len(events) == 1, [e.text for e in events]
    return events[0]


@contextlib.contextmanager
def named_worker() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A real worker with a node name of its own, so control commands reach only it (other
    test runs on this machine may have workers on the same Redis)."""
    name = f"timers-{secrets.token_hex(4)}@{socket.gethostname()}"
    with live.celery_worker("-n", name) as process:
        yield process, name


def worker_holds_timers(name: str, n: int = 1) -> bool:
    """The worker has taken the ETA messages from the queue and holds them in memory."""
    replies = app.control.inspect(destination=[name], timeout=0.5).scheduled() or {}
    return sum(len(held) for held in replies.values()) >= n


def kill(worker: subprocess.Popen[bytes]) -> None:
    worker.kill()  # SIGKILL: no warm shutdown, no requeue of what it held
    worker.wait(timeout=10)


def caucus(floor: Floor, seconds: int) -> Session:
    session = in_general_debate(floor)
    return services.phase_advance(
        session=session,
        by=floor.chair,
        to="moderated_caucus",
        duration_s=seconds,
        speaking_time_s=1,
        topic="Dams upstream",
    )


def speech(floor: Floor, seconds: int) -> Session:
    """Veridia speaks in a long moderated caucus whose speaking time is `seconds`."""
    session = in_general_debate(floor)
    services.phase_advance(
        session=session,
        by=floor.chair,
        to="moderated_caucus",
        duration_s=600,
        speaking_time_s=seconds,
        topic="Dams upstream",
    )
    services.speaker_add(session=session, by=floor.delegate("Veridia"))
    return services.speaker_next(session=session, by=floor.chair)


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    app.control.purge()  # no timers left over from an earlier test of this process
    return build_floor(simulation, instructor)


def test_a_real_worker_ends_a_two_second_moderated_caucus_on_time(floor: Floor) -> None:
    with live.celery_worker():
        session = caucus(floor, 2)
        deadline = fresh(session).deadline
        assert deadline is not None
        wait_until(lambda: count(session, "phase_ended") > 0, 15, "the caucus to end")
        time.sleep(0.5)  # room for a wrong second ending

    event = only(session, "phase_ended")
    late = (event.created_at - deadline).total_seconds()
    assert 0 <= late < 3.0, f"ended {late:.3f} s after its deadline"
    assert event.text == "Time is up: moderated caucus ended; general debate."
    row = fresh(session)
    assert row.phase == "general_debate" and row.deadline is None


def test_duplicated_and_stale_timer_tasks_change_nothing(floor: Floor) -> None:
    with live.celery_worker():
        session = caucus(floor, 2)
        row = fresh(session)
        assert row.deadline is not None
        entry = row.machine.entry
        # Four copies of the same timer racing the one scheduled on commit, at the deadline.
        copies = [end_phase.apply_async((session.pk, entry), eta=row.deadline) for _ in range(4)]
        results = [r.get(timeout=20) for r in copies]
        wait_until(lambda: count(session, "phase_ended") > 0, 15, "the caucus to end")
        # Late duplicates: the same arguments again, and a stale phase entry.
        again = end_phase.delay(session.pk, entry).get(timeout=20)
        stale = end_phase.delay(session.pk, entry - 1).get(timeout=20)
        time.sleep(0.5)

    assert results.count(True) <= 1
    assert again is False and stale is False
    only(session, "phase_ended")
    assert fresh(session).phase == "general_debate"


def test_the_speaking_time_timer_ends_a_speech(floor: Floor) -> None:
    with live.celery_worker():
        session = speech(floor, 2)
        row = fresh(session)
        deadline, number = row.speech_deadline, row.speech_number
        assert deadline is not None
        wait_until(lambda: count(session, "speech_ended") > 0, 15, "the speech to end")
        stale = end_speech.delay(session.pk, number).get(timeout=20)
        time.sleep(0.5)

    event = only(session, "speech_ended")
    late = (event.created_at - deadline).total_seconds()
    assert 0 <= late < 3.0, f"ended {late:.3f} s after the speaking time ran out"
    assert event.text == "Time: Veridia's speaking time is over."
    assert stale is False
    row = fresh(session)
    assert row.speaker is None and row.phase == "moderated_caucus"


def test_an_extended_speech_ends_at_its_new_deadline_not_the_old_one(floor: Floor) -> None:
    with live.celery_worker():
        session = speech(floor, 2)
        services.speaker_extend(session=session, by=floor.chair, seconds=5)
        deadline = fresh(session).speech_deadline
        assert deadline is not None
        time.sleep(3.5)  # the first timer has fired and found the speech not due
        assert count(session, "speech_ended") == 0
        wait_until(lambda: count(session, "speech_ended") > 0, 15, "the speech to end")

    late = (only(session, "speech_ended").created_at - deadline).total_seconds()
    assert 0 <= late < 3.0


def test_after_a_killed_worker_the_sweep_ends_an_overdue_phase_exactly_once(
    floor: Floor, tmp_path: Path
) -> None:
    with celery_beat(tmp_path / "beat-schedule"):
        with named_worker() as (worker, name):
            session = caucus(floor, 3)
            row = fresh(session)
            deadline, entry = row.deadline, row.machine.entry
            assert deadline is not None
            wait_until(lambda: worker_holds_timers(name), 10, "the worker to take the timer")
            kill(worker)
        # The timer died with the worker (held unacknowledged until the visibility timeout);
        # beat goes on queueing sweeps that nobody runs.
        time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 1.0)
        assert fresh(session).phase == "moderated_caucus"

        with live.celery_worker():
            restarted = time.time()
            ended = wait_until(
                lambda: count(session, "phase_ended") > 0, SWEEP_S + 10, "the sweep to end it"
            )
            assert end_phase.delay(session.pk, entry).get(timeout=20) is False
            time.sleep(SWEEP_S * 1.5)  # more sweeps run: none ends it again

    assert ended - restarted <= SWEEP_S + SLACK_S, f"{ended - restarted:.2f} s"
    event = only(session, "phase_ended")
    assert event.payload["deadline"] == deadline.isoformat()
    assert fresh(session).phase == "general_debate"


def test_after_a_killed_worker_the_sweep_ends_an_overdue_speech_exactly_once(
    floor: Floor, tmp_path: Path
) -> None:
    with celery_beat(tmp_path / "beat-schedule"):
        with named_worker() as (worker, name):
            session = speech(floor, 3)
            deadline = fresh(session).speech_deadline
            assert deadline is not None
            wait_until(lambda: worker_holds_timers(name, 2), 10, "the worker to take the timers")
            kill(worker)
        time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 1.0)
        assert fresh(session).speaker is not None

        with live.celery_worker():
            restarted = time.time()
            ended = wait_until(
                lambda: count(session, "speech_ended") > 0, SWEEP_S + 10, "the sweep to end it"
            )
            time.sleep(SWEEP_S * 1.5)

    assert ended - restarted <= SWEEP_S + SLACK_S, f"{ended - restarted:.2f} s"
    only(session, "speech_ended")
    row = fresh(session)
    assert row.speaker is None and row.phase == "moderated_caucus"


def test_a_timer_published_while_no_worker_runs_ends_the_phase_when_one_starts(
    floor: Floor,
) -> None:
    session = caucus(floor, 1)
    deadline = fresh(session).deadline
    assert deadline is not None
    time.sleep(1.5)
    assert fresh(session).phase == "moderated_caucus"

    worker_started = timezone.now()
    with live.celery_worker():
        wait_until(lambda: count(session, "phase_ended") > 0, 15, "the waiting timer to run")
        time.sleep(0.5)

    # Ended once, late, and only once a worker was there to end it.
    assert only(session, "phase_ended").created_at >= worker_started > deadline
