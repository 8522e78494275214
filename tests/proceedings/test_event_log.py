"""The event log stays gap-free, unique and ordered when several processes write to one
session at once (web servers and workers do, in production and in `make run`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.proceedings.models import Attendance, Event, SpeakerEntry
from tests import live
from tests.proceedings.helpers import build_floor, fresh, in_general_debate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROUNDS = 50

# One writer: waits for the go file (so all of them start together), then calls the real
# services ROUNDS times against the test database.
WRITER = """
import os, sys, time
import django

django.setup()
from apps.accounts.models import User
from apps.proceedings import services
from apps.proceedings.models import Session

session_id, user_id, mode, delegation_id, rounds, go = sys.argv[1:]
session = Session.objects.select_related("committee__simulation").get(pk=int(session_id))
user = User.objects.get(pk=int(user_id))
while not os.path.exists(go):
    time.sleep(0.01)
for i in range(int(rounds)):
    if mode == "attendance":
        status = "present" if i % 2 == 0 else "absent"
        services.attendance_set(
            session=session, by=user, delegation_id=int(delegation_id), status=status
        )
    else:
        entry = services.speaker_add(session=session, by=user, delegation_id=int(delegation_id))
        services.speaker_remove(session=session, by=user, entry_id=entry.pk)
print("done")
"""


def test_four_processes_writing_at_once_leave_a_gap_free_ordered_log(
    simulation: Simulation, instructor: User, tmp_path: Path
) -> None:
    floor = build_floor(simulation, instructor)
    session = in_general_debate(floor)
    start = fresh(session)
    go = tmp_path / "go"
    plan = [
        ("attendance", "Veridia"),
        ("attendance", "Osterland"),
        ("speakers", "Calvia"),
        ("speakers", "Norbek"),
    ]
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(session.pk),
                str(floor.chair.pk),
                mode,
                str(floor.delegation(name).pk),
                str(ROUNDS),
                str(go),
            ],
            cwd=live.ROOT,
            env=live.process_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for mode, name in plan
    ]
    try:
        time.sleep(0.5)
        go.touch()
        outputs = [w.communicate(timeout=150) for w in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0 and out.strip() == b"done", err.decode()[-2000:]

    expected = start.last_event_seq + 2 * ROUNDS + 2 * (2 * ROUNDS)
    events = list(Event.objects.filter(session_id=session.pk).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, expected + 1))  # gap-free and unique
    row = fresh(session)
    assert row.last_event_seq == expected
    assert row.version == start.version + (expected - start.last_event_seq)
    # Ordered: each event was written after the one before it, under the session's lock.
    stamps = [e.created_at for e in events]
    assert stamps == sorted(stamps)

    new = events[start.last_event_seq :]
    for _mode, name in plan[:2]:
        delegation_id = floor.delegation(name).pk
        statuses = [
            e.payload["status"] for e in new if e.payload.get("delegation") == delegation_id
        ]
        # Each writer's own changes appear in the order it made them.
        assert statuses == ["present", "absent"] * (ROUNDS // 2)
        assert Attendance.objects.get(session=session, delegation_id=delegation_id).status == (
            "absent"
        )
    for _mode, name in plan[2:]:
        mine = [e for e in new if e.text.startswith(f"{name} ")]
        assert [e.kind for e in mine] == ["speaker_added", "speaker_removed"] * ROUNDS
    assert not SpeakerEntry.objects.filter(session=session).exists()
