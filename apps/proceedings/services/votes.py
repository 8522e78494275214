"""Votes by show of placards on a motion: cast, closed and tallied."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.core import policy
from apps.proceedings import effects
from apps.proceedings import event_kinds as ek
from apps.proceedings.domain.majority import Tally, Vote
from apps.proceedings.domain.motions import (
    MotionKind,
)
from apps.proceedings.domain.presets import (
    decide_motion,
)
from apps.proceedings.domain.roll_call import Attendance as RollCall
from apps.proceedings.domain.roll_call import tally_votes
from apps.proceedings.models import Attendance, Motion, PlacardVote, Session
from apps.proceedings.services._common import (
    delegation_of,
    lock_session,
    preset_of,
    record,
)
from apps.proceedings.services.motions import decide


def motion_vote_cast(*, session: Session, by: User, motion_id: int, choice: str) -> PlacardVote:
    """A delegation raises its placard: one per delegation (unique constraint), changeable
    until the chair closes the vote."""
    policy.require(by, "session.vote_procedure", session)
    delegation = delegation_of(by, session.committee)
    if delegation is None:
        raise ValidationError(gettext("Take a seat in this committee first."))
    if choice not in PlacardVote.Choice.values:
        raise ValidationError(gettext("Vote yes, no or abstain."))
    with transaction.atomic():
        session = lock_session(session.pk)
        motion = Motion.objects.filter(pk=motion_id, session=session).first()
        if motion is None or motion.status != Motion.Status.VOTING:
            raise ValidationError(gettext("This vote is closed."))
        preset = preset_of(session)
        if choice == PlacardVote.Choice.ABSTAIN and not preset.voting.abstentions_allowed:
            raise ValidationError(gettext("Abstentions are not allowed in this committee."))
        present = (
            Attendance.objects.filter(session=session, delegation=delegation)
            .exclude(status=Attendance.Status.ABSENT)
            .exists()
        )
        if not present:
            raise ValidationError(
                gettext("Your delegation is marked absent: tell the chair you are present.")
            )
        vote, _ = PlacardVote.objects.update_or_create(
            motion=motion, delegation=delegation, defaults={"choice": choice, "cast_by": by}
        )
        # Each placard is an event (for the chair and the record), so every pushed floor
        # carries a new number and a newer tally never loses to an older one.
        record(
            session,
            ek.PlacardRaised(
                motion=motion.pk, delegation=delegation.pk, name=delegation.name, choice=choice
            ),
            actor=by,
            # Shown to others by the committee's placard rule (`placards_shown`), which the
            # floor applies when it renders; stored as staff-only for any other reader.
            staff_only=True,
        )
        effects.push_own_placard_on_commit(
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
        session = lock_session(session.pk)
        motion = (
            Motion.objects.filter(pk=motion_id, session=session).select_related("mover").first()
        )
        if motion is None or motion.status != Motion.Status.VOTING:
            raise ValidationError(gettext("This vote is not open."))
        preset = preset_of(session)
        tally = _tally(session, motion, counts)
        outcome = decide_motion(preset, MotionKind(motion.kind), tally)
        passed = bool(outcome and outcome.passed)
        decide(session, motion, preset, passed=passed, tally=tally, by=by, how="", outcome=outcome)
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
                gettext("More placards counted than the {count} voting members.").format(
                    count=len(member_ids)
                )
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
