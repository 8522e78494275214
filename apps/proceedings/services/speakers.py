"""The speakers list and the speech in progress."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import policy
from apps.core.i18n import render
from apps.delegations.models import Delegation
from apps.proceedings import effects
from apps.proceedings import event_kinds as ek
from apps.proceedings.domain import machine
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.speakers import (
    SPEAKERS_LIST_PHASES,
    Entry,
    Side,
    YieldKind,
    apply_yield,
    can_add,
    take_next,
)
from apps.proceedings.models import Session, SpeakerEntry
from apps.proceedings.services._common import (
    check_version,
    delegation_of,
    end_speech_fields,
    lock_session,
    preset_of,
    record,
    rule_error,
)


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
        own = delegation_of(by, session.committee)
        if own is None:
            raise ValidationError(gettext("Take a seat in this committee first."))
        delegation_id = own.pk
    try:
        side_value = Side(side or Side.GENERAL)
    except ValueError:
        raise ValidationError(gettext("Choose for or against.")) from None
    with transaction.atomic():
        session = lock_session(session.pk)
        delegation = Delegation.objects.filter(
            pk=delegation_id, committee_id=session.committee_id
        ).first()
        if delegation is None:
            raise ValidationError(gettext("That delegation is not a member of this committee."))
        if not session.is_open:
            raise ValidationError(gettext("The session is not open."))
        preset = preset_of(session)
        if session.phase_enum not in SPEAKERS_LIST_PHASES:
            raise ValidationError(gettext("There is no speakers list in this phase."))
        error = can_add(
            preset.speakers,
            _entries(session),
            delegation.pk,
            side=side_value,
            phase=session.phase_enum,
        )
        if error:
            raise ValidationError(render(error))
        position = (
            SpeakerEntry.objects.filter(session=session).aggregate(p=Max("position"))["p"] or 0
        ) + 1
        entry = SpeakerEntry.objects.create(
            session=session, delegation=delegation, side=side_value.value, position=position
        )
        record(session, ek.SpeakerAdded(delegation=delegation.pk, name=delegation.name), actor=by)
    return entry


def speaker_remove(*, session: Session, by: User, entry_id: int) -> None:
    """The chair removes an entry, or a delegate withdraws their own."""
    with transaction.atomic():
        session = lock_session(session.pk)
        entry = (
            SpeakerEntry.objects.filter(pk=entry_id, session=session)
            .select_related("delegation")
            .first()
        )
        if entry is None:
            raise ValidationError(gettext("That entry is no longer on the list."))
        if not policy.can(by, "session.chair", session):
            own = delegation_of(by, session.committee)
            if own is None or own.pk != entry.delegation_id:
                policy.require(by, "session.chair", session)
        entry.delete()
        record(
            session,
            ek.SpeakerRemoved(delegation=entry.delegation_id, name=entry.delegation.name),
            actor=by,
        )


def speakers_reorder(*, session: Session, by: User, entry_id: int, direction: str) -> None:
    """Move an entry one place up or down."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        entries = list(SpeakerEntry.objects.filter(session=session).order_by("position"))
        index = next((i for i, e in enumerate(entries) if e.pk == entry_id), None)
        if index is None:
            raise ValidationError(gettext("That entry is no longer on the list."))
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(entries):
            return
        entries[index], entries[other] = entries[other], entries[index]
        for position, entry in enumerate(entries, start=1):
            if entry.position != position:
                entry.position = position
                entry.save(update_fields=["position"])
        record(session, ek.SpeakersReordered(), actor=by)


def speaker_next(*, session: Session, by: User, expected_version: int | None = None) -> Session:
    """Give the floor to the next delegation on the list, for the speaking time in force."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        check_version(session, expected_version)
        preset = preset_of(session)
        last_side = Side(session.speech_side) if session.speech_side else None
        entry, _rest = take_next(
            preset.speakers, _entries(session), phase=session.phase_enum, last_side=last_side
        )
        if entry is None:
            raise ValidationError(gettext("The speakers list is empty."))
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
        record(
            session,
            ek.SpeechStarted(
                delegation=row.delegation_id, name=row.delegation.name, seconds=seconds
            ),
            actor=by,
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
    effects.schedule_speech_end_on_commit(
        session.pk, session.speech_number, session.speech_deadline
    )


def speaker_extend(*, session: Session, by: User, seconds: int) -> Session:
    policy.require(by, "session.chair", session)
    if not 5 <= seconds <= 600:
        raise ValidationError(gettext("Extend by 5 seconds to 10 minutes."))
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.speech_deadline is None or session.speaker is None:
            raise ValidationError(gettext("Nobody has the floor."))
        session.speech_deadline += dt.timedelta(seconds=seconds)
        effects.schedule_speech_end_on_commit(
            session.pk, session.speech_number, session.speech_deadline
        )
        speaker = session.speaker
        record(
            session,
            ek.SpeechExtended(delegation=speaker.pk, name=speaker.name, seconds=seconds),
            actor=by,
        )
    return session


def speaker_end(*, session: Session, by: User) -> Session:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.speaker is None:
            raise ValidationError(gettext("Nobody has the floor."))
        name, speaker_id = session.speaker.name, session.speaker_id
        end_speech_fields(session)
        record(
            session,
            ek.SpeechEnded(delegation=speaker_id, name=name, timed_out=False),
            actor=by,
        )
    return session


def speaker_yield(
    *, session: Session, by: User, kind: str, to_delegation_id: int | None = None
) -> Session:
    """The speaker (or the chair for them) yields the remaining time."""
    with transaction.atomic():
        session = lock_session(session.pk)
        if session.speaker is None or session.speech_deadline is None:
            raise ValidationError(gettext("Nobody has the floor."))
        if not policy.can(by, "session.chair", session):
            own = delegation_of(by, session.committee)
            if own is None or own.pk != session.speaker_id:
                raise ValidationError(
                    gettext("Only the delegation that has the floor can yield it.")
                )
        try:
            yield_kind = YieldKind(kind)
        except ValueError:
            raise ValidationError(
                gettext("Yield to a delegation, to questions or to the chair.")
            ) from None
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
            raise rule_error(error) from error
        target = None
        if result.kind is YieldKind.CHAIR:
            end_speech_fields(session)
        elif result.kind is YieldKind.DELEGATION:
            target = Delegation.objects.filter(
                pk=result.to_delegation_id or 0, committee_id=session.committee_id
            ).first()
            if target is None:
                raise ValidationError(gettext("That delegation is not a member of this committee."))
            _start_speech(session, target, result.seconds, yielded=True)
        record(
            session,
            ek.SpeechYielded(
                delegation=speaker.pk,
                name=speaker.name,
                yield_to=result.kind.value,
                seconds=result.seconds,
                to_delegation=target.pk if target else None,
                to_name=target.name if target else "",
            ),
            actor=by,
        )
    return session
