"""What every session service shares: the session lock, the version check, the event
append and the floor state. Private to the services package."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import policy
from apps.core.i18n import render
from apps.core.inputs import clean_text
from apps.delegations.models import Committee, Delegation, Membership
from apps.delegations.selectors import seated_delegation
from apps.proceedings import effects
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.machine import SessionState
from apps.proceedings.domain.mediation import MediationMode, MediatorAction, mediator_may
from apps.proceedings.domain.motions import (
    MotionParams,
)
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import (
    Preset,
    preset_from_dict,
)
from apps.proceedings.domain.timers import MAX_TIMER_S as MAX_TIMER_S  # re-exported
from apps.proceedings.event_kinds import Payload
from apps.proceedings.journal import event_append
from apps.proceedings.models import Event, Motion, Session, SpeakerEntry

# No timer runs longer than a week (a suspension between rounds of talks); beyond that a
# deadline is a typing mistake, and far beyond it the date overflows.


MAX_TOPIC_LENGTH = 200


def clean_topic(raw: str) -> str:
    """A topic someone typed (a caucus's, a motion's, the agenda's), as everyone will read it:
    one line, no control or direction-changing characters (ValidationError otherwise)."""
    return clean_text(
        raw or "", what=gettext("The topic"), max_length=MAX_TOPIC_LENGTH, multiline=False
    )


def preset_of(session: Session) -> Preset:
    return preset_from_dict(session.committee.rules, source=f"committee {session.committee_id}")


def rule_error(error: RuleViolation) -> ValidationError:
    """The refusal of a rule, in the user's language."""
    return ValidationError([render(message) for message in error.messages] or [str(error)])


def lock_session(session_id: int) -> Session:
    """The session row, locked until the transaction ends: every change to a session is
    serialised on it (versions, the event counter, the speakers list, the motions)."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee__simulation")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise ValidationError(gettext("This session no longer exists."))
    return session


def check_version(session: Session, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != session.version:
        raise ValidationError(
            gettext("The floor changed since your screen was updated; look again and retry.")
        )


def record(
    session: Session, payload: Payload, *, actor: User | None, staff_only: bool = False
) -> Event:
    """Append the next event (`journal.event_append`: gap-free, checked against its kind's
    schema), bump the version, save the session and re-render the floor after commit.
    Must run inside the transaction that locked `session`."""
    session.version += 1
    event = event_append(session=session, payload=payload, actor=actor, staff_only=staff_only)
    session.save()
    effects.broadcast_floor_on_commit(session.pk, event, version=session.version)
    return event


def delegation_of(user: User, committee: Committee) -> Delegation | None:
    return seated_delegation(user=user, committee=committee)


def set_state(session: Session, new: SessionState, *, now: dt.datetime) -> None:
    """Store a new machine state; restart the clock when the phase was (re)entered."""
    old = session.machine
    session.set_machine(new)
    if new.entry != old.entry:
        session.phase_started_at = now
        end_speech_fields(session)
        if new.phase is Phase.ADJOURNED:
            session.adjourned_at = now
            SpeakerEntry.objects.filter(session=session).delete()
    if new.timer_s and session.phase_started_at:
        session.deadline = session.phase_started_at + dt.timedelta(seconds=new.timer_s)
        effects.schedule_phase_end_on_commit(session.pk, new.entry, session.deadline)
    elif not new.timer_s:
        session.deadline = None


def end_speech_fields(session: Session) -> None:
    session.speaker = None
    session.speech_started_at = None
    session.speech_deadline = None
    session.speech_side = ""
    session.speech_yielded = False


def require_mediator_power(session: Session, by: User, action: MediatorAction) -> None:
    """A mediator (not staff) acts only within the powers of the session's mediation mode."""
    standing = policy.standing(by, session.committee.simulation_id)
    if standing.is_staff or standing.role != Membership.Role.MEDIATOR or not session.mediation_mode:
        return
    mode = MediationMode(session.mediation_mode)
    if not mediator_may(mode, action, proximity=session.proximity):
        raise ValidationError(
            gettext(
                "In {mode} mediation the mediator may not {action}; the parties decide it."
            ).format(mode=mode.value, action=action.value.replace("_", " "))
        )


def lapse_open_motions(session: Session, except_id: int | None = None) -> None:
    """When the floor moves to another phase, motions still pending lapse."""
    Motion.objects.filter(
        session=session, status__in=[Motion.Status.PENDING, Motion.Status.VOTING]
    ).exclude(pk=except_id or 0).update(status=Motion.Status.LAPSED, decided_at=timezone.now())


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def motion_params(data: dict[str, Any]) -> MotionParams:
    def number(key: str) -> int | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):
            if key == "duration_s":
                raise ValidationError(gettext("Duration must be a number of seconds.")) from None
            raise ValidationError(gettext("Speaking time must be a number of seconds.")) from None

    return MotionParams(
        duration_s=number("duration_s"),
        speaking_time_s=number("speaking_time_s"),
        topic=str(data.get("topic") or "").strip()[:200],
    )


def motion_params_dict(params: MotionParams) -> dict[str, Any]:
    return {
        k: v
        for k, v in {
            "duration_s": params.duration_s,
            "speaking_time_s": params.speaking_time_s,
            "topic": params.topic,
        }.items()
        if v not in (None, "")
    }
