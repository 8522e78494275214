"""What a session change sends out after commit: the parts of the floor it touched, to the
public floor, the chair's console and the delegations concerned (apps/proceedings/
fragments.py renders them); and the timer tasks for new deadlines.

Services call these inside their transaction; nothing leaves before commit. The changes a
transaction makes to one session go out as one push, rendered once. Timer tasks are queued
by name (`apps.core.schedule`): the tasks module imports the services, not the other way
round.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.core.broadcast import push_many
from apps.core.schedule import schedule_on_commit
from apps.proceedings import fragments
from apps.proceedings.models import Event
from apps.proceedings.selectors import floor_context

# The timer tasks of apps/proceedings/tasks.py, by their registered names.
END_PHASE_TASK = "apps.proceedings.tasks.end_phase"
END_SPEECH_TASK = "apps.proceedings.tasks.end_speech"


@dataclass
class _Batch:
    """The changes one transaction made to one session's floor, pushed once it commits."""

    session_id: int
    # The floor's version before the first change: a client showing an older one missed a
    # push and asks for the floor again (live.js).
    since: int | None
    events: list[tuple[str, Any]] = field(default_factory=list)
    ballots: set[int] = field(default_factory=set)
    done: bool = False

    def flush(self) -> None:
        if self.done:
            return
        self.done = True
        touched = fragments.touched_by(self.events)
        touched |= fragments.Touched(ballots=frozenset(self.ballots))
        floor = floor_context(session_id=self.session_id, sections=fragments.sections_for(touched))
        if floor is None:
            return
        since = self.since if self.since is not None else floor.version - len(self.events)
        push_many(fragments.push_for(floor, touched, since=since).messages)


_local = threading.local()


def _batch(session_id: int, *, version: int | None) -> _Batch:
    """This transaction's batch for the session (a new one after a commit or a rollback).
    Each change registers its own on-commit callback; the first to run pushes them all."""
    batches: dict[int, _Batch] = _local.__dict__.setdefault("batches", {})
    batch = batches.get(session_id)
    pending = transaction.get_connection().run_on_commit
    if batch is None or batch.done or not any(func == batch.flush for _, func, _ in pending):
        batch = _Batch(session_id, since=None if version is None else version - 1)
        batches[session_id] = batch
    transaction.on_commit(batch.flush)
    return batch


def broadcast_floor_on_commit(
    session_id: int, event: Event | None = None, *, version: int | None = None
) -> None:
    """After commit, push what `event` changed on the floor (everything when no event is
    given). `version`: the session's version once this change is counted."""
    batch = _batch(session_id, version=version)
    batch.events.append((event.kind, event.payload) if event is not None else ("", {}))


def push_own_placard_on_commit(
    *, session_id: int, delegation_id: int, motion_id: int, choice: str
) -> None:
    """The delegation's ballot goes to its screens with the change that raised its placard
    (the placard event names the delegation too: this only makes sure of it)."""
    batches: dict[int, _Batch] = _local.__dict__.setdefault("batches", {})
    batch = batches.get(session_id)
    if batch is not None and not batch.done:
        batch.ballots.add(delegation_id)


def schedule_phase_end_on_commit(session_id: int, entry: int, deadline: dt.datetime) -> None:
    schedule_on_commit(END_PHASE_TASK, (session_id, entry, deadline.isoformat()), eta=deadline)


def schedule_speech_end_on_commit(
    session_id: int, speech_number: int, deadline: dt.datetime
) -> None:
    schedule_on_commit(
        END_SPEECH_TASK, (session_id, speech_number, deadline.isoformat()), eta=deadline
    )
