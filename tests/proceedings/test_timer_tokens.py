"""A timer task names the deadline it was set for: one for another deadline (an extended
caucus, a reused id) ends nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.proceedings import services
from apps.proceedings.models import Event
from tests.proceedings.helpers import build_floor

pytestmark = pytest.mark.django_db


def test_a_timer_for_another_deadline_ends_nothing(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = services.session_create(committee=floor.committee, by=instructor)
    services.session_open(session=session, by=instructor)
    services.phase_advance(session=session, by=instructor, to="general_debate")
    session = services.phase_advance(
        session=session, by=instructor, to="unmoderated_caucus", duration_s=60
    )
    session.refresh_from_db()
    entry, deadline = session.machine.entry, session.deadline
    assert deadline is not None
    later = deadline + dt.timedelta(seconds=1)
    stale = (deadline - dt.timedelta(seconds=30)).isoformat()
    assert not services.phase_end_if_due(
        session_id=session.pk, entry=entry, deadline_iso=stale, now=later
    )
    assert not Event.objects.filter(session=session, kind="phase_ended").exists()
    assert services.phase_end_if_due(
        session_id=session.pk, entry=entry, deadline_iso=deadline.isoformat(), now=later
    )
    assert not services.phase_end_if_due(
        session_id=session.pk, entry=entry, deadline_iso=deadline.isoformat(), now=later
    )
    assert Event.objects.filter(session=session, kind="phase_ended").count() == 1
