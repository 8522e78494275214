"""Deadlines: a timed phase or a speech ends when its time is up, from its task or the beat
sweep (idempotent: a duplicated, late or lost task ends it exactly once)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.proceedings import event_kinds as ek
from apps.proceedings.domain import machine
from apps.proceedings.models import Session
from apps.proceedings.services._common import (
    end_speech_fields,
    iso,
    lapse_open_motions,
    lock_session,
    preset_of,
    record,
    set_state,
)


def phase_end_if_due(
    *,
    session_id: int,
    entry: int | None = None,
    deadline_iso: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """End the timed phase whose deadline has passed. Idempotent: the row is locked and the
    phase entry (and, from a timer, the very deadline it was set for) compared, so a
    duplicated or late task, a retry after a killed worker, or the sweep racing the task end
    a phase exactly once. Returns whether it ended it now."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session_id)
        state = session.machine
        if entry is not None and state.entry != entry:
            return False
        deadline = session.deadline
        if deadline_iso is not None and (deadline is None or deadline.isoformat() != deadline_iso):
            return False
        if not state.phase.is_timed or deadline is None or deadline > now:
            return False
        new = machine.on_deadline(preset_of(session), state)
        set_state(session, new, now=now)
        lapse_open_motions(session)
        record(
            session,
            # The deadline that passed (the new phase has none, or its own).
            ek.PhaseEnded(phase=new.phase.value, ended=state.phase.value, deadline=iso(deadline)),
            actor=None,
        )
        return True


def speech_end_if_due(
    *,
    session_id: int,
    speech_number: int | None = None,
    deadline_iso: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """End the speech whose time is up (idempotent, like `phase_end_if_due`)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(session_id)
        if speech_number is not None and session.speech_number != speech_number:
            return False
        if deadline_iso is not None and (
            session.speech_deadline is None or session.speech_deadline.isoformat() != deadline_iso
        ):
            return False
        if (
            session.speaker is None
            or session.speech_deadline is None
            or session.speech_deadline > now
        ):
            return False
        name, speaker_id = session.speaker.name, session.speaker_id
        end_speech_fields(session)
        record(
            session, ek.SpeechEnded(delegation=speaker_id, name=name, timed_out=True), actor=None
        )
        return True


def deadlines_sweep(*, now: dt.datetime | None = None) -> int:
    """End every phase and speech whose deadline passed and whose task was lost."""
    now = now or timezone.now()
    ended = 0
    for session_id in list(
        Session.objects.filter(deadline__lte=now).values_list("pk", flat=True)[:500]
    ):
        ended += phase_end_if_due(session_id=session_id, now=now)
    for session_id in list(
        Session.objects.filter(speech_deadline__lte=now).values_list("pk", flat=True)[:500]
    ):
        ended += speech_end_if_due(session_id=session_id, now=now)
    return ended
