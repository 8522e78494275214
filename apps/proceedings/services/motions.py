"""Motions and points on the floor: moved, withdrawn, ruled out of order, entertained and
decided."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import policy, ratelimit
from apps.core.i18n import render
from apps.proceedings import event_kinds as ek
from apps.proceedings.domain import machine
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.majority import Outcome, Tally
from apps.proceedings.domain.mediation import MediatorAction
from apps.proceedings.domain.motions import Motion as RuleMotion
from apps.proceedings.domain.motions import (
    MotionKind,
    VoteRule,
    open_motions_error,
    validate_motion,
)
from apps.proceedings.domain.presets import (
    Preset,
)
from apps.proceedings.domain.text import text_to_data
from apps.proceedings.models import Motion, Session
from apps.proceedings.services._common import (
    check_version,
    clean_topic,
    delegation_of,
    lapse_open_motions,
    lock_session,
    motion_params,
    motion_params_dict,
    preset_of,
    record,
    require_mediator_power,
    rule_error,
    set_state,
)


def motion_move(
    *, session: Session, by: User, kind: str, params: dict[str, Any] | None = None
) -> Motion:
    """A delegation moves a motion or raises a point; it goes on the floor for the chair."""
    policy.require(by, "session.move_motion", session)
    delegation = delegation_of(by, session.committee)
    if delegation is None:
        raise ValidationError(gettext("Take a seat in this committee first."))
    try:
        motion_kind = MotionKind(kind)
    except ValueError:
        raise ValidationError(gettext("Choose a motion.")) from None
    parsed = motion_params(
        {**(params or {}), "topic": clean_topic(str((params or {}).get("topic") or ""))}
    )
    # Counted before the lock (Redis is not waited on while the floor is locked); a motion
    # refused below gives its hit back, so only motions on the floor count.
    limit_key = f"motions:delegation:{delegation.pk}"
    window = settings.MOTION_WINDOW_SECONDS
    if not ratelimit.hit(limit_key, limit=settings.MOTION_DELEGATION_LIMIT, window_s=window):
        raise ValidationError(
            gettext(
                "Slow down: your delegation may move at most {limit} motions or points in "
                "{window} seconds. Nothing was moved; try again in a moment."
            ).format(limit=settings.MOTION_DELEGATION_LIMIT, window=window)
        )
    try:
        with transaction.atomic():
            session = lock_session(session.pk)
            if not session.is_open:
                raise ValidationError(gettext("The session is not open."))
            errors = validate_motion(
                preset_of(session),
                session.phase_enum,
                motion_kind,
                parsed,
                mover_rights={r.value for r in delegation.rights},
            )
            if errors:
                raise ValidationError([render(error) for error in errors])
            # Under the session lock: two motions sent at once cannot both take the last place.
            on_floor = Motion.objects.filter(
                session=session,
                mover=delegation,
                status__in=[Motion.Status.PENDING, Motion.Status.VOTING],
            ).count()
            if too_many := open_motions_error(on_floor):
                raise ValidationError(render(too_many))
            seq = (Motion.objects.filter(session=session).aggregate(s=Max("seq"))["s"] or 0) + 1
            motion = Motion.objects.create(
                session=session,
                seq=seq,
                kind=motion_kind.value,
                params=motion_params_dict(parsed),
                mover=delegation,
                moved_by=by,
            )
            record(
                session,
                ek.MotionMoved(
                    **ek.motion_fields(motion, pk=motion.pk),
                    mover=delegation.pk,
                    mover_name=delegation.name,
                ),
                actor=by,
            )
    except ValidationError:
        ratelimit.undo(limit_key)
        raise
    return motion


def _open_motion(session: Session, motion_id: int) -> Motion:
    motion = Motion.objects.filter(pk=motion_id, session=session).select_related("mover").first()
    if motion is None or not motion.is_open:
        raise ValidationError(gettext("That motion is no longer on the floor."))
    return motion


def motion_withdraw(*, session: Session, by: User, motion_id: int) -> Motion:
    with transaction.atomic():
        session = lock_session(session.pk)
        motion = _open_motion(session, motion_id)
        own = delegation_of(by, session.committee)
        if not (own and own.pk == motion.mover_id and motion.status == Motion.Status.PENDING):
            policy.require(by, "session.chair", session)
        motion.status = Motion.Status.WITHDRAWN
        motion.decided_at = timezone.now()
        motion.save()
        record(session, ek.MotionWithdrawn(**ek.motion_fields(motion, pk=motion.pk)), actor=by)
    return motion


def motion_rule_out_of_order(*, session: Session, by: User, motion_id: int) -> Motion:
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        motion = _open_motion(session, motion_id)
        motion.status = Motion.Status.OUT_OF_ORDER
        motion.decided_at = timezone.now()
        motion.save()
        record(session, ek.MotionOutOfOrder(**ek.motion_fields(motion, pk=motion.pk)), actor=by)
    return motion


def motion_entertain(
    *, session: Session, by: User, motion_id: int, expected_version: int | None = None
) -> Motion:
    """The chair takes a motion: points and chair-decided motions take effect at once;
    others are put to a vote by show of placards."""
    policy.require(by, "session.chair", session)
    with transaction.atomic():
        session = lock_session(session.pk)
        check_version(session, expected_version)
        motion = _open_motion(session, motion_id)
        if motion.status == Motion.Status.VOTING:
            raise ValidationError(gettext("This motion is already being voted on."))
        if Motion.objects.filter(session=session, status=Motion.Status.VOTING).exists():
            raise ValidationError(gettext("Close the vote in progress first."))
        preset = preset_of(session)
        kind = MotionKind(motion.kind)
        if kind is MotionKind.SET_AGENDA:
            require_mediator_power(session, by, MediatorAction.SET_AGENDA)
        errors = validate_motion(preset, session.phase_enum, kind, motion_params(motion.params))
        if errors:
            raise ValidationError([render(error) for error in errors])
        if preset.motions[kind].vote is VoteRule.CHAIR:
            decide(session, motion, preset, passed=True, tally=None, by=by, how="The chair grants")
        else:
            motion.status = Motion.Status.VOTING
            motion.save(update_fields=["status"])
            record(session, ek.VoteOpened(**ek.motion_fields(motion, pk=motion.pk)), actor=by)
    return motion


def decide(
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
            MotionKind(motion.kind), motion_params(motion.params), motion.mover_id, motion.seq
        )
        try:
            new = machine.apply_motion_result(preset, before, rule_motion, True)
        except RuleViolation as error:
            raise rule_error(error) from error
        if new != before:
            set_state(session, new, now=now)
            if new.entry != before.entry:
                lapse_open_motions(session, except_id=motion.pk)
    motion.status = Motion.Status.PASSED if passed else Motion.Status.FAILED
    motion.decided_at = now
    motion.result = {
        "tally": text_to_data(tally.summary()) if tally else "",
        "reason": text_to_data(outcome.reason) if outcome else how,
    }
    motion.save()
    schema = ek.MotionPassed if passed else ek.MotionFailed
    payload = schema(
        **ek.motion_fields(motion, pk=motion.pk),
        phase=session.phase,
        granted=bool(how),
        yes=tally.yes if tally else None,
        no=tally.no if tally else None,
        abstain=tally.abstain if tally else None,
        reason=text_to_data(outcome.reason) if outcome else "",
    )
    record(session, payload, actor=by)
