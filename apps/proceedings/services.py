"""Every write to a session, one function per use case.

Each service checks permission through the policy, locks the session row
(`select_for_update`), applies a pure rule from `domain/`, writes, appends to the event log
in the same transaction, and schedules the broadcast and any timer task after commit.
Chair actions may pass `expected_version`: if the floor changed since the chair's page was
rendered, the action is refused instead of acting on a stale view (a double click on
"next speaker" moves the list once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.core import policy, ratelimit
from apps.core.inputs import clean_text
from apps.delegations.models import Committee, Delegation, Membership
from apps.delegations.selectors import seated_delegation
from apps.proceedings import events
from apps.proceedings.domain import machine
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.machine import SessionState
from apps.proceedings.domain.majority import Outcome, Tally, Vote
from apps.proceedings.domain.mediation import MediationMode, MediatorAction, mediator_may
from apps.proceedings.domain.motions import Motion as RuleMotion
from apps.proceedings.domain.motions import (
    MotionKind,
    MotionParams,
    VoteRule,
    open_motions_error,
    validate_motion,
)
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import (
    Preset,
    PresetError,
    decide_motion,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
)
from apps.proceedings.domain.roll_call import Attendance as RollCall
from apps.proceedings.domain.roll_call import tally_votes
from apps.proceedings.domain.speakers import Entry, Side, YieldKind, apply_yield, can_add, take_next
from apps.proceedings.models import Attendance, Event, Motion, PlacardVote, Session, SpeakerEntry

# Phases with a speakers list.
SPEAKERS_LIST_PHASES = frozenset(
    {Phase.GENERAL_DEBATE, Phase.AMENDMENTS, Phase.DRAFTING, Phase.MODERATED_CAUCUS}
)

# No timer runs longer than a week (a suspension between rounds of talks); beyond that a
# deadline is a typing mistake, and far beyond it the date overflows.
MAX_TIMER_S = 7 * 24 * 3600
MAX_TOPIC_LENGTH = 200


def _topic(raw: str) -> str:
    """A topic someone typed (a caucus's, a motion's, the agenda's), as everyone will read it:
    one line, no control or direction-changing characters (ValidationError otherwise)."""
    return clean_text(raw or "", what="The topic", max_length=MAX_TOPIC_LENGTH, multiline=False)


def preset_of(session: Session) -> Preset:
    return preset_from_dict(session.committee.rules, source=f"committee {session.committee_id}")


def _rule_error(error: RuleViolation) -> ValidationError:
    return ValidationError(list(getattr(error, "messages", None) or [str(error)]))


def _locked(session_id: int) -> Session:
    """The session row, locked until the transaction ends: every change to a session is
    serialised on it (versions, the event counter, the speakers list, the motions)."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("committee__simulation")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise ValidationError("This session no longer exists.")
    return session


def _check_version(session: Session, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != session.version:
        raise ValidationError(
            "The floor changed since your screen was updated; look again and retry."
        )


def _record(
    session: Session,
    *,
    kind: str,
    text: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
    visibility: str = Event.Visibility.PUBLIC,
) -> Event:
    """Append the next event (gap-free: the locked row's counter) and bump the version.
    Must run inside the transaction that locked `session`."""
    session.version += 1
    session.last_event_seq += 1
    event = Event.objects.create(
        session=session,
        seq=session.last_event_seq,
        kind=kind,
        payload={"text": text, **(payload or {})},
        actor=actor,
        visibility=visibility,
    )
    session.save()
    events.broadcast_floor_on_commit(session.pk)
    return event


def _delegation_of(user: User, committee: Committee) -> Delegation | None:
    return seated_delegation(user=user, committee=committee)


def _set_state(session: Session, new: SessionState, *, now: dt.datetime) -> None:
    """Store a new machine state; restart the clock when the phase was (re)entered."""
    old = session.machine
    session.set_machine(new)
    if new.entry != old.entry:
        session.phase_started_at = now
        _end_speech_fields(session)
        if new.phase is Phase.ADJOURNED:
            session.adjourned_at = now
            SpeakerEntry.objects.filter(session=session).delete()
    if new.timer_s and session.phase_started_at:
        session.deadline = session.phase_started_at + dt.timedelta(seconds=new.timer_s)
        events.schedule_phase_end_on_commit(session.pk, new.entry, session.deadline)
    elif not new.timer_s:
        session.deadline = None


def _end_speech_fields(session: Session) -> None:
    session.speaker = None
    session.speech_started_at = None
    session.speech_deadline = None
    session.speech_side = ""
    session.speech_yielded = False


def _require_mediator_power(session: Session, by: User, action: MediatorAction) -> None:
    """A mediator (not staff) acts only within the powers of the session's mediation mode."""
    standing = policy.standing(by, session.committee.simulation_id)
    if standing.is_staff or standing.role != Membership.Role.MEDIATOR or not session.mediation_mode:
        return
    mode = MediationMode(session.mediation_mode)
    if not mediator_may(mode, action, proximity=session.proximity):
        raise ValidationError(
            f"In {mode.value} mediation the mediator may not {action.value.replace('_', ' ')}; "
            "the parties decide it."
        )


# --- sessions -------------------------------------------------------------------------------------


def session_create(*, committee: Committee, by: User) -> Session:
    """A new sitting of the committee (one open sitting at a time)."""
    policy.require(by, "session.chair", committee)
    with transaction.atomic():
        # Locked, and read from the row: the rules and the mediation mode as they are now
        # (the instructor may have just changed them), not as the caller's object saw them.
        committee = (
            Committee.objects.select_for_update(of=("self",))
            .select_related("simulation")
            .get(pk=committee.pk)
        )
        if (
            Session.objects.filter(committee=committee)
            .exclude(phase=Phase.ADJOURNED.value)
            .exists()
        ):
            raise ValidationError("This committee already has a session that is not adjourned.")
        number = (
            Session.objects.filter(committee=committee).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        mediation = committee.mediation
        session = Session.objects.create(
            committee=committee,
            number=number,
            state=machine.state_to_dict(machine.initial_state(preset_from_dict(committee.rules))),
            mediation_mode=str(mediation.get("mode") or ""),
            proximity=bool(mediation.get("proximity")),
        )
        Attendance.objects.bulk_create(
            Attendance(session=session, delegation=d) for d in committee.delegations.all()
        )
        session.committee = committee
        _record(session, kind="session_created", text=f"Session {number} created.", actor=by)
    return session


def session_open(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        _check_version(session, expected_version)
        try:
            new = machine.open_session(preset_of(session), session.machine)
        except RuleViolation as error:
            raise _rule_error(error) from error
        _set_state(session, new, now=timezone.now())
        _record(
            session,
            kind="session_opened",
            text=f"The session is open: {new.phase.label}.",
            actor=by,
        )
    return session


def phase_advance(
    *,
    session: Session,
    by: User,
    to: str,
    duration_s: int | None = None,
    speaking_time_s: int | None = None,
    topic: str = "",
    expected_version: int | None = None,
) -> Session:
    """The chair moves the floor to another phase the rules allow from here."""
    policy.require(by, "session.chair", session)
    try:
        target = Phase(to)
    except ValueError:
        raise ValidationError("Choose a phase.") from None
    for value, what in ((duration_s, "duration"), (speaking_time_s, "speaking time")):
        if value is not None and not 0 < value <= MAX_TIMER_S:
            raise ValidationError(f"The {what} must be between 1 second and 7 days.")
    topic = _topic(topic)
    with transaction.atomic():
        session = _locked(session.pk)
        _check_version(session, expected_version)
        if target is Phase.AGENDA_SETTING:
            # Under the lock: the mode as it is now, not as the caller's object saw it.
            _require_mediator_power(session, by, MediatorAction.SET_AGENDA)
        try:
            new = machine.advance(
                preset_of(session),
                session.machine,
                target,
                duration_s=duration_s,
                speaking_time_s=speaking_time_s,
                topic=topic,
            )
        except RuleViolation as error:
            raise _rule_error(error) from error
        _set_state(session, new, now=timezone.now())
        _lapse_open_motions(session)
        _record(
            session,
            kind="phase_changed",
            text=f"{machine.describe_timer(new)}.",
            actor=by,
            payload={"phase": new.phase.value},
        )
    return session


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
        session = _locked(session_id)
        state = session.machine
        if entry is not None and state.entry != entry:
            return False
        deadline = session.deadline
        if deadline_iso is not None and (deadline is None or deadline.isoformat() != deadline_iso):
            return False
        if not state.phase.is_timed or deadline is None or deadline > now:
            return False
        new = machine.on_deadline(preset_of(session), state)
        _set_state(session, new, now=now)
        _lapse_open_motions(session)
        _record(
            session,
            kind="phase_ended",
            text=f"Time is up: {state.phase.label.lower()} ended; {new.phase.label.lower()}.",
            actor=None,
            # The deadline that passed (the new phase has none, or its own).
            payload={
                "phase": new.phase.value,
                "ended": state.phase.value,
                "deadline": _iso(deadline),
            },
        )
        return True


def phase_end_now(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    """The chair ends a caucus or suspension before its time."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        _check_version(session, expected_version)
        state = session.machine
        if not state.phase.is_timed:
            raise ValidationError("Only a caucus or a suspension can be ended early.")
        new = machine.on_deadline(preset_of(session), state)
        _set_state(session, new, now=timezone.now())
        _lapse_open_motions(session)
        _record(
            session,
            kind="phase_changed",
            text=f"The chair ended the {state.phase.label.lower()}; {new.phase.label.lower()}.",
            actor=by,
            payload={"phase": new.phase.value},
        )
    return session


def agenda_set(*, session: Session, by: User, topic: str) -> Session:
    """The chair (or, where the mediation mode allows it, the mediator) puts a topic of the
    committee's agenda on the floor, without a motion: a class that skips the motion to set
    the agenda. A mediator in facilitative mode may not: the parties decide."""
    policy.require(by, "session.chair", session)
    topic = _topic(topic)
    if not topic:
        raise ValidationError("Choose the topic to take up.")
    with transaction.atomic():
        session = _locked(session.pk)
        _require_mediator_power(session, by, MediatorAction.SET_AGENDA)
        if not session.is_open:
            raise ValidationError("Open the session first.")
        session.set_machine(replace(session.machine, agenda_item=topic))
        _record(
            session,
            kind="agenda_set",
            text=f"The committee takes up: {topic}.",
            actor=by,
            payload={"topic": topic},
        )
    return session


def mediation_set(*, session: Session, by: User, mode: str, proximity: bool) -> Session:
    """Change how far the mediator steps in. The instructor's call (a teaching choice): a
    mediator must not widen their own powers. The committee's rules keep the choice, so the
    next session starts with it (not with the mode the talks began in: a mediator who
    adjourned and opened a new session would otherwise get back the wider powers)."""
    policy.require(by, "committee.set_mediation", session.committee)
    if mode not in {m.value for m in MediationMode}:
        raise ValidationError("Choose facilitative, procedural or directive mediation.")
    with transaction.atomic():
        # The committee first, then the session: the order the rules editor locks them in.
        committee = Committee.objects.select_for_update().get(pk=session.committee_id)
        try:
            rules = preset_with_overrides(
                preset_from_dict(committee.rules),
                {"mediation": {"mode": mode, "proximity": proximity}},
                source=committee.name,
            )
        except PresetError as error:
            raise ValidationError(list(error.errors) or [str(error)]) from error
        committee.rules = preset_to_dict(rules)
        committee.save(update_fields=["rules"])
        session = _locked(session.pk)
        session.mediation_mode = mode
        session.proximity = proximity
        _record(
            session,
            kind="mediation_changed",
            text=f"Mediation is now {mode}{' with proximity talks' if proximity else ''}.",
            actor=by,
            payload={"mode": mode, "proximity": proximity},
        )
    return session


# --- roll call ---------------------------------------------------------------------------------------


def attendance_set(*, session: Session, by: User, delegation_id: int, status: str) -> Attendance:
    policy.require(by, "session.chair", session)
    if status not in Attendance.Status.values:
        raise ValidationError("Choose present, present and voting, or absent.")
    with transaction.atomic():
        session = _locked(session.pk)
        row = (
            Attendance.objects.filter(session=session, delegation_id=delegation_id)
            .select_related("delegation")
            .first()
        )
        if row is None:
            delegation = Delegation.objects.filter(
                pk=delegation_id, committee_id=session.committee_id
            ).first()
            if delegation is None:
                raise ValidationError("That delegation is not a member of this committee.")
            row = Attendance(session=session, delegation=delegation)
        row.status = status
        row.save()
        _record(
            session,
            kind="attendance",
            text=f"{row.delegation.name}: {row.get_status_display().lower()}.",
            actor=by,
            payload={"delegation": delegation_id, "status": status},
        )
    return row


# --- speakers ---------------------------------------------------------------------------------------


def _entries(session: Session) -> tuple[Entry, ...]:
    return tuple(
        Entry(e.delegation_id, Side(e.side or Side.GENERAL))
        for e in SpeakerEntry.objects.filter(session=session).order_by("position")
    )


def speaker_add(
    *, session: Session, by: User, side: str = Side.GENERAL.value, delegation_id: int | None = None
) -> SpeakerEntry:
    """Add a delegation to the speakers list: a delegate adds their own, the chair anyone."""
    chairing = policy.can(by, "session.chair", session)
    if delegation_id is None or not chairing:
        policy.require(by, "session.speak", session)
        own = _delegation_of(by, session.committee)
        if own is None:
            raise ValidationError("Take a seat in this committee first.")
        delegation_id = own.pk
    try:
        side_value = Side(side or Side.GENERAL)
    except ValueError:
        raise ValidationError("Choose for or against.") from None
    with transaction.atomic():
        session = _locked(session.pk)
        delegation = Delegation.objects.filter(
            pk=delegation_id, committee_id=session.committee_id
        ).first()
        if delegation is None:
            raise ValidationError("That delegation is not a member of this committee.")
        if not session.is_open:
            raise ValidationError("The session is not open.")
        preset = preset_of(session)
        if session.phase_enum not in SPEAKERS_LIST_PHASES:
            raise ValidationError("There is no speakers list in this phase.")
        error = can_add(
            preset.speakers,
            _entries(session),
            delegation.pk,
            side=side_value,
            phase=session.phase_enum,
        )
        if error:
            raise ValidationError(error)
        position = (
            SpeakerEntry.objects.filter(session=session).aggregate(p=Max("position"))["p"] or 0
        ) + 1
        entry = SpeakerEntry.objects.create(
            session=session, delegation=delegation, side=side_value.value, position=position
        )
        _record(
            session,
            kind="speaker_added",
            text=f"{delegation.name} joins the speakers list.",
            actor=by,
            payload={"delegation": delegation.pk},
        )
    return entry


def speaker_remove(*, session: Session, by: User, entry_id: int) -> None:
    """The chair removes an entry, or a delegate withdraws their own."""
    with transaction.atomic():
        session = _locked(session.pk)
        entry = (
            SpeakerEntry.objects.filter(pk=entry_id, session=session)
            .select_related("delegation")
            .first()
        )
        if entry is None:
            raise ValidationError("That entry is no longer on the list.")
        if not policy.can(by, "session.chair", session):
            own = _delegation_of(by, session.committee)
            if own is None or own.pk != entry.delegation_id:
                policy.require(by, "session.chair", session)
        entry.delete()
        _record(
            session,
            kind="speaker_removed",
            text=f"{entry.delegation.name} leaves the speakers list.",
            actor=by,
        )


def speakers_reorder(*, session: Session, by: User, entry_id: int, direction: str) -> None:
    """Move an entry one place up or down."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        entries = list(SpeakerEntry.objects.filter(session=session).order_by("position"))
        index = next((i for i, e in enumerate(entries) if e.pk == entry_id), None)
        if index is None:
            raise ValidationError("That entry is no longer on the list.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(entries):
            return
        entries[index], entries[other] = entries[other], entries[index]
        for position, entry in enumerate(entries, start=1):
            if entry.position != position:
                entry.position = position
                entry.save(update_fields=["position"])
        _record(
            session,
            kind="speakers_reordered",
            text="The chair reordered the speakers list.",
            actor=by,
        )


def speaker_next(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    """Give the floor to the next delegation on the list, for the speaking time in force."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        _check_version(session, expected_version)
        preset = preset_of(session)
        last_side = Side(session.speech_side) if session.speech_side else None
        entry, _rest = take_next(
            preset.speakers, _entries(session), phase=session.phase_enum, last_side=last_side
        )
        if entry is None:
            raise ValidationError("The speakers list is empty.")
        row = (
            SpeakerEntry.objects.filter(
                session=session, delegation_id=entry.delegation_id, side=entry.side.value
            )
            .order_by("position")
            .select_related("delegation")
            .first()
        )
        assert row is not None  # noqa: S101 - entry came from these rows, under the lock
        row.delete()
        seconds = machine.speaking_time(preset, session.machine)
        _start_speech(session, row.delegation, seconds, side=entry.side.value)
        _record(
            session,
            kind="speech_started",
            text=f"{row.delegation.name} has the floor ({seconds} s).",
            actor=by,
            payload={"delegation": row.delegation_id, "seconds": seconds},
        )
    return session


def _start_speech(
    session: Session, delegation: Delegation, seconds: int, *, side: str = "", yielded: bool = False
) -> None:
    now = timezone.now()
    session.speaker = delegation
    session.speech_started_at = now
    session.speech_deadline = now + dt.timedelta(seconds=seconds)
    session.speech_number += 1
    session.speech_side = side
    session.speech_yielded = yielded
    events.schedule_speech_end_on_commit(session.pk, session.speech_number, session.speech_deadline)


def speaker_extend(*, session: Session, by: User, seconds: int) -> Session:
    policy.require(by, "session.chair", session)
    if not 5 <= seconds <= 600:
        raise ValidationError("Extend by 5 seconds to 10 minutes.")
    with transaction.atomic():
        session = _locked(session.pk)
        if session.speech_deadline is None or session.speaker is None:
            raise ValidationError("Nobody has the floor.")
        session.speech_deadline += dt.timedelta(seconds=seconds)
        events.schedule_speech_end_on_commit(
            session.pk, session.speech_number, session.speech_deadline
        )
        _record(
            session,
            kind="speech_extended",
            text=f"{session.speaker.name} gets {seconds} more seconds.",
            actor=by,
        )
    return session


def speaker_end(*, session: Session, by: User) -> Session:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        if session.speaker is None:
            raise ValidationError("Nobody has the floor.")
        name = session.speaker.name
        _end_speech_fields(session)
        _record(session, kind="speech_ended", text=f"{name} yields the floor.", actor=by)
    return session


def speaker_yield(
    *, session: Session, by: User, kind: str, to_delegation_id: int | None = None
) -> Session:
    """The speaker (or the chair for them) yields the remaining time."""
    with transaction.atomic():
        session = _locked(session.pk)
        if session.speaker is None or session.speech_deadline is None:
            raise ValidationError("Nobody has the floor.")
        if not policy.can(by, "session.chair", session):
            own = _delegation_of(by, session.committee)
            if own is None or own.pk != session.speaker_id:
                raise ValidationError("Only the delegation that has the floor can yield it.")
        try:
            yield_kind = YieldKind(kind)
        except ValueError:
            raise ValidationError("Yield to a delegation, to questions or to the chair.") from None
        remaining = max(0, int((session.speech_deadline - timezone.now()).total_seconds()))
        speaker = session.speaker
        try:
            result = apply_yield(
                preset_of(session).speakers,
                yield_kind,
                speaker_id=speaker.pk,
                remaining_s=remaining,
                to_delegation_id=to_delegation_id,
                time_was_yielded=session.speech_yielded,
            )
        except RuleViolation as error:
            raise _rule_error(error) from error
        if result.kind is YieldKind.CHAIR:
            _end_speech_fields(session)
            text = f"{speaker.name} yields to the chair."
        elif result.kind is YieldKind.QUESTIONS:
            text = f"{speaker.name} yields {result.seconds} s to questions."
        else:
            target = Delegation.objects.filter(
                pk=result.to_delegation_id or 0, committee_id=session.committee_id
            ).first()
            if target is None:
                raise ValidationError("That delegation is not a member of this committee.")
            _start_speech(session, target, result.seconds, yielded=True)
            text = f"{speaker.name} yields {result.seconds} s to {target.name}."
        _record(
            session,
            kind="speech_yielded",
            text=text,
            actor=by,
            payload={"yield": result.kind.value},
        )
    return session


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
        session = _locked(session_id)
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
        name = session.speaker.name
        _end_speech_fields(session)
        _record(
            session, kind="speech_ended", text=f"Time: {name}'s speaking time is over.", actor=None
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


# --- motions ---------------------------------------------------------------------------------------


def _params(data: dict[str, Any]) -> MotionParams:
    def number(key: str) -> int | None:
        value = data.get(key)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(
                f"{key.replace('_s', '').replace('_', ' ').capitalize()} must be a number of seconds."
            ) from None

    return MotionParams(
        duration_s=number("duration_s"),
        speaking_time_s=number("speaking_time_s"),
        topic=str(data.get("topic") or "").strip()[:200],
    )


def _params_dict(params: MotionParams) -> dict[str, Any]:
    return {
        k: v
        for k, v in {
            "duration_s": params.duration_s,
            "speaking_time_s": params.speaking_time_s,
            "topic": params.topic,
        }.items()
        if v not in (None, "")
    }


def motion_move(
    *, session: Session, by: User, kind: str, params: dict[str, Any] | None = None
) -> Motion:
    """A delegation moves a motion or raises a point; it goes on the floor for the chair."""
    policy.require(by, "session.move_motion", session)
    delegation = _delegation_of(by, session.committee)
    if delegation is None:
        raise ValidationError("Take a seat in this committee first.")
    try:
        motion_kind = MotionKind(kind)
    except ValueError:
        raise ValidationError("Choose a motion.") from None
    parsed = _params({**(params or {}), "topic": _topic(str((params or {}).get("topic") or ""))})
    # Counted before the lock (Redis is not waited on while the floor is locked); a motion
    # refused below gives its hit back, so only motions on the floor count.
    limit_key = f"motions:delegation:{delegation.pk}"
    window = settings.MOTION_WINDOW_SECONDS
    if not ratelimit.hit(limit_key, limit=settings.MOTION_DELEGATION_LIMIT, window_s=window):
        ratelimit.undo(limit_key)
        raise ValidationError(
            f"Slow down: your delegation may move at most {settings.MOTION_DELEGATION_LIMIT} "
            f"motions or points in {window} seconds. Nothing was moved; try again in a moment."
        )
    try:
        with transaction.atomic():
            session = _locked(session.pk)
            if not session.is_open:
                raise ValidationError("The session is not open.")
            errors = validate_motion(
                preset_of(session),
                session.phase_enum,
                motion_kind,
                parsed,
                mover_rights={r.value for r in delegation.rights},
            )
            if errors:
                raise ValidationError(errors)
            # Under the session lock: two motions sent at once cannot both take the last place.
            on_floor = Motion.objects.filter(
                session=session,
                mover=delegation,
                status__in=[Motion.Status.PENDING, Motion.Status.VOTING],
            ).count()
            if too_many := open_motions_error(on_floor):
                raise ValidationError(too_many)
            seq = (Motion.objects.filter(session=session).aggregate(s=Max("seq"))["s"] or 0) + 1
            motion = Motion.objects.create(
                session=session,
                seq=seq,
                kind=motion_kind.value,
                params=_params_dict(parsed),
                mover=delegation,
                moved_by=by,
            )
            _record(
                session,
                kind="motion_moved",
                text=f"{delegation.name} moves {events.motion_text(motion)}.",
                actor=by,
                payload={"motion": motion.pk},
            )
    except ValidationError:
        ratelimit.undo(limit_key)
        raise
    return motion


def _open_motion(session: Session, motion_id: int) -> Motion:
    motion = Motion.objects.filter(pk=motion_id, session=session).select_related("mover").first()
    if motion is None or not motion.is_open:
        raise ValidationError("That motion is no longer on the floor.")
    return motion


def motion_withdraw(*, session: Session, by: User, motion_id: int) -> Motion:
    with transaction.atomic():
        session = _locked(session.pk)
        motion = _open_motion(session, motion_id)
        own = _delegation_of(by, session.committee)
        if not (own and own.pk == motion.mover_id and motion.status == Motion.Status.PENDING):
            policy.require(by, "session.chair", session)
        motion.status = Motion.Status.WITHDRAWN
        motion.decided_at = timezone.now()
        motion.save()
        _record(
            session,
            kind="motion_withdrawn",
            text=f"{events.motion_text(motion).capitalize()} is withdrawn.",
            actor=by,
        )
    return motion


def motion_rule_out_of_order(*, session: Session, by: User, motion_id: int) -> Motion:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        motion = _open_motion(session, motion_id)
        motion.status = Motion.Status.OUT_OF_ORDER
        motion.decided_at = timezone.now()
        motion.save()
        _record(
            session,
            kind="motion_out_of_order",
            text=f"The chair rules {events.motion_text(motion)} out of order.",
            actor=by,
        )
    return motion


def motion_entertain(
    *, session: Session, by: User, motion_id: int, expected_version: int | None = None
) -> Motion:
    """The chair takes a motion: points and chair-decided motions take effect at once;
    others are put to a vote by show of placards."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        _check_version(session, expected_version)
        motion = _open_motion(session, motion_id)
        if motion.status == Motion.Status.VOTING:
            raise ValidationError("This motion is already being voted on.")
        if Motion.objects.filter(session=session, status=Motion.Status.VOTING).exists():
            raise ValidationError("Close the vote in progress first.")
        preset = preset_of(session)
        kind = MotionKind(motion.kind)
        if kind is MotionKind.SET_AGENDA:
            _require_mediator_power(session, by, MediatorAction.SET_AGENDA)
        errors = validate_motion(preset, session.phase_enum, kind, _params(motion.params))
        if errors:
            raise ValidationError(errors)
        if preset.motions[kind].vote is VoteRule.CHAIR:
            _decide(session, motion, preset, passed=True, tally=None, by=by, how="The chair grants")
        else:
            motion.status = Motion.Status.VOTING
            motion.save(update_fields=["status"])
            _record(
                session,
                kind="vote_opened",
                text=f"Vote on {events.motion_text(motion)}: raise your placards.",
                actor=by,
                payload={"motion": motion.pk},
            )
    return motion


def motion_vote_cast(*, session: Session, by: User, motion_id: int, choice: str) -> PlacardVote:
    """A delegation raises its placard: one per delegation (unique constraint), changeable
    until the chair closes the vote."""
    policy.require(by, "session.vote_procedure", session)
    delegation = _delegation_of(by, session.committee)
    if delegation is None:
        raise ValidationError("Take a seat in this committee first.")
    if choice not in PlacardVote.Choice.values:
        raise ValidationError("Vote yes, no or abstain.")
    with transaction.atomic():
        session = _locked(session.pk)
        motion = Motion.objects.filter(pk=motion_id, session=session).first()
        if motion is None or motion.status != Motion.Status.VOTING:
            raise ValidationError("This vote is closed.")
        preset = preset_of(session)
        if choice == PlacardVote.Choice.ABSTAIN and not preset.voting.abstentions_allowed:
            raise ValidationError("Abstentions are not allowed in this committee.")
        present = (
            Attendance.objects.filter(session=session, delegation=delegation)
            .exclude(status=Attendance.Status.ABSENT)
            .exists()
        )
        if not present:
            raise ValidationError(
                "Your delegation is marked absent: tell the chair you are present."
            )
        vote, _ = PlacardVote.objects.update_or_create(
            motion=motion, delegation=delegation, defaults={"choice": choice, "cast_by": by}
        )
        # Each placard is an event (for the chair and the record), so every pushed floor
        # carries a new number and a newer tally never loses to an older one.
        _record(
            session,
            kind="placard",
            text=f"{delegation.name}: {vote.get_choice_display().lower()}.",
            actor=by,
            payload={"motion": motion.pk, "choice": choice},
            # Shown to others by the committee's placard rule (`placards_shown`), which the
            # floor applies when it renders; stored as staff-only for any other reader.
            visibility=Event.Visibility.STAFF,
        )
        events.push_own_placard_on_commit(
            session_id=session.pk, delegation_id=delegation.pk, motion_id=motion.pk, choice=choice
        )
    return vote


def motion_vote_close(
    *, session: Session, by: User, motion_id: int, counts: dict[str, int] | None = None
) -> Motion:
    """Close the vote and decide it under the committee's rules. `counts` records a show of
    placards counted in the room instead of the votes cast on screens. A closed vote is
    final: its result never changes afterwards."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = _locked(session.pk)
        motion = (
            Motion.objects.filter(pk=motion_id, session=session).select_related("mover").first()
        )
        if motion is None or motion.status != Motion.Status.VOTING:
            raise ValidationError("This vote is not open.")
        preset = preset_of(session)
        tally = _tally(session, motion, counts)
        outcome = decide_motion(preset, MotionKind(motion.kind), tally)
        passed = bool(outcome and outcome.passed)
        _decide(session, motion, preset, passed=passed, tally=tally, by=by, how="", outcome=outcome)
    return motion


def _tally(session: Session, motion: Motion, counts: dict[str, int] | None) -> Tally:
    members = [d for d in session.committee.delegations.all() if d.has_right("vote_procedure")]
    member_ids = {d.pk for d in members}
    attendance = {
        a.delegation_id: RollCall(a.status)
        for a in Attendance.objects.filter(session=session, delegation_id__in=member_ids)
    }
    if counts is not None:
        present = sum(1 for s in attendance.values() if s.is_present)
        values = {k: max(0, int(counts.get(k, 0))) for k in ("yes", "no", "abstain")}
        if sum(values.values()) > len(member_ids):
            raise ValidationError(
                f"More placards counted than the {len(member_ids)} voting members."
            )
        return Tally(
            yes=values["yes"],
            no=values["no"],
            abstain=values["abstain"],
            members=len(member_ids),
            absent=len(member_ids) - max(present, sum(values.values())),
        )
    votes = {
        v.delegation_id: Vote(v.choice)
        for v in PlacardVote.objects.filter(motion=motion, delegation_id__in=member_ids)
        if attendance.get(v.delegation_id, RollCall.ABSENT).is_present
    }
    return tally_votes(members=member_ids, attendance=attendance, votes=votes)


def _decide(
    session: Session,
    motion: Motion,
    preset: Preset,
    *,
    passed: bool,
    tally: Tally | None,
    by: User,
    how: str,
    outcome: Outcome | None = None,
) -> None:
    now = timezone.now()
    before = session.machine
    if passed:
        rule_motion = RuleMotion(
            MotionKind(motion.kind), _params(motion.params), motion.mover_id, motion.seq
        )
        try:
            new = machine.apply_motion_result(preset, before, rule_motion, True)
        except RuleViolation as error:
            raise _rule_error(error) from error
        if new != before:
            _set_state(session, new, now=now)
            if new.entry != before.entry:
                _lapse_open_motions(session, except_id=motion.pk)
    motion.status = Motion.Status.PASSED if passed else Motion.Status.FAILED
    motion.decided_at = now
    motion.result = {
        "tally": tally.summary() if tally else "",
        "reason": outcome.reason if outcome else how,
    }
    motion.save()
    if how:
        text = f"{how} {events.motion_text(motion)}."
    else:
        verb = "passes" if passed else "fails"
        detail = f" ({tally.summary()})" if tally else ""
        reason = f" {outcome.reason}" if outcome and not passed and outcome.reason else ""
        motion_words = events.motion_text(motion)
        text = f"{motion_words[:1].upper()}{motion_words[1:]} {verb}{detail}.{reason}"
    _record(
        session,
        kind="motion_passed" if passed else "motion_failed",
        text=text,
        actor=by,
        payload={"motion": motion.pk, "phase": session.phase},
    )


def _lapse_open_motions(session: Session, except_id: int | None = None) -> None:
    """When the floor moves to another phase, motions still pending lapse."""
    Motion.objects.filter(
        session=session, status__in=[Motion.Status.PENDING, Motion.Status.VOTING]
    ).exclude(pk=except_id or 0).update(status=Motion.Status.LAPSED, decided_at=timezone.now())


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def event_append(
    *,
    session_id: int,
    kind: str,
    text: str,
    actor: User | None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append an event that does not change the floor (a message on the public floor): the
    same gap-free numbering under the session lock, without re-broadcasting the floor."""
    with transaction.atomic():
        session = _locked(session_id)
        session.last_event_seq += 1
        session.save(update_fields=["last_event_seq"])
        return Event.objects.create(
            session=session,
            seq=session.last_event_seq,
            kind=kind,
            payload={"text": text, **(payload or {})},
            actor=actor,
        )
