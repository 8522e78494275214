"""A session's life: create, open, move between phases, the agenda, the mediation mode and
the roll call."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import policy
from apps.core.i18n import render
from apps.delegations.models import Committee, Delegation
from apps.proceedings import event_kinds as ek
from apps.proceedings.domain import machine
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.mediation import MediationMode, MediatorAction
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import (
    PresetError,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
)
from apps.proceedings.domain.timers import MAX_TIMER_DAYS
from apps.proceedings.models import Attendance, Session
from apps.proceedings.services._common import (
    MAX_TIMER_S,
    check_version,
    clean_topic,
    lapse_open_motions,
    lock_session,
    preset_of,
    record,
    require_mediator_power,
    rule_error,
    set_state,
)


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
            raise ValidationError(
                gettext("This committee already has a session that is not adjourned.")
            )
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
        record(session, ek.SessionCreated(number=number), actor=by)
    return session


def session_open(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        check_version(session, expected_version)
        try:
            new = machine.open_session(preset_of(session), session.machine)
        except RuleViolation as error:
            raise rule_error(error) from error
        set_state(session, new, now=timezone.now())
        record(session, ek.SessionOpened(phase=new.phase.value), actor=by)
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
        raise ValidationError(gettext("Choose a phase.")) from None
    if duration_s is not None and not 0 < duration_s <= MAX_TIMER_S:
        raise ValidationError(
            gettext("The duration must be between 1 second and {days} days.").format(
                days=MAX_TIMER_DAYS
            )
        )
    if speaking_time_s is not None and not 0 < speaking_time_s <= MAX_TIMER_S:
        raise ValidationError(
            gettext("The speaking time must be between 1 second and {days} days.").format(
                days=MAX_TIMER_DAYS
            )
        )
    topic = clean_topic(topic)
    with transaction.atomic():
        session = lock_session(session.pk)
        check_version(session, expected_version)
        if target is Phase.AGENDA_SETTING:
            # Under the lock: the mode as it is now, not as the caller's object saw it.
            require_mediator_power(session, by, MediatorAction.SET_AGENDA)
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
            raise rule_error(error) from error
        set_state(session, new, now=timezone.now())
        lapse_open_motions(session)
        record(
            session,
            ek.PhaseChanged(phase=new.phase.value, timer_s=new.timer_s, ended=None),
            actor=by,
        )
    return session


def phase_end_now(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    """The chair ends a caucus or suspension before its time."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        check_version(session, expected_version)
        state = session.machine
        if not state.phase.is_timed:
            raise ValidationError(gettext("Only a caucus or a suspension can be ended early."))
        new = machine.on_deadline(preset_of(session), state)
        set_state(session, new, now=timezone.now())
        lapse_open_motions(session)
        record(
            session,
            ek.PhaseChanged(phase=new.phase.value, timer_s=None, ended=state.phase.value),
            actor=by,
        )
    return session


def agenda_set(*, session: Session, by: User, topic: str) -> Session:
    """The chair (or, where the mediation mode allows it, the mediator) puts a topic of the
    committee's agenda on the floor, without a motion: a class that skips the motion to set
    the agenda. A mediator in facilitative mode may not: the parties decide."""
    policy.require(by, "session.chair", session)
    topic = clean_topic(topic)
    if not topic:
        raise ValidationError(gettext("Choose the topic to take up."))
    with transaction.atomic():
        session = lock_session(session.pk)
        require_mediator_power(session, by, MediatorAction.SET_AGENDA)
        if not session.is_open:
            raise ValidationError(gettext("Open the session first."))
        session.set_machine(replace(session.machine, agenda_item=topic))
        record(session, ek.AgendaSet(topic=topic), actor=by)
    return session


def mediation_set(*, session: Session, by: User, mode: str, proximity: bool) -> Session:
    """Change how far the mediator steps in. The instructor's call (a teaching choice): a
    mediator must not widen their own powers. The committee's rules keep the choice, so the
    next session starts with it (not with the mode the talks began in: a mediator who
    adjourned and opened a new session would otherwise get back the wider powers)."""
    policy.require(by, "committee.set_mediation", session.committee)
    if mode not in {m.value for m in MediationMode}:
        raise ValidationError(gettext("Choose facilitative, procedural or directive mediation."))
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
            raise ValidationError([render(e) for e in error.errors] or [str(error)]) from error
        committee.rules = preset_to_dict(rules)
        committee.save(update_fields=["rules"])
        session = lock_session(session.pk)
        session.mediation_mode = mode
        session.proximity = proximity
        record(session, ek.MediationChanged(mode=mode, proximity=proximity), actor=by)
    return session


def attendance_set(*, session: Session, by: User, delegation_id: int, status: str) -> Attendance:
    policy.require(by, "session.chair", session)
    if status not in Attendance.Status.values:
        raise ValidationError(gettext("Choose present, present and voting, or absent."))
    with transaction.atomic():
        session = lock_session(session.pk)
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
                raise ValidationError(gettext("That delegation is not a member of this committee."))
            row = Attendance(session=session, delegation=delegation)
        row.status = status
        row.save()
        record(
            session,
            ek.AttendanceSet(delegation=row.delegation_id, name=row.delegation.name, status=status),
            actor=by,
        )
    return row
