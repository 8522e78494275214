"""Attendance, quorum and who may cast which vote.

At roll call a delegation answers *present* or *present and voting*, or is *absent*.
A delegation present and voting may not abstain on a substantive question when the
committee says so (UNA-USA). The quorum is a fraction of the members: one third in a
UNA-USA or THIMUN committee, nine of fifteen in the Security Council (3/5).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum
from fractions import Fraction

from apps.core.text import Text, _
from apps.proceedings.domain.majority import (
    DEFAULT_QUORUM,
    Question,
    Tally,
    Vote,
    VotingRules,
    quorum_needed,
)


class Attendance(StrEnum):
    PRESENT = "present"
    PRESENT_AND_VOTING = "present_and_voting"
    ABSENT = "absent"

    @property
    def is_present(self) -> bool:
        return self is not Attendance.ABSENT


def count_present(attendance: Mapping[int, Attendance]) -> int:
    return sum(1 for status in attendance.values() if status.is_present)


def has_quorum(present: int, members: int, quorum: Fraction = DEFAULT_QUORUM) -> bool:
    """Enough members present: at least ``quorum`` of ``members``, rounded up."""
    return present >= quorum_needed(members, quorum)


def vote_error(
    attendance: Attendance,
    vote: Vote,
    question: Question,
    voting: VotingRules | None = None,
) -> Text | None:
    """Why a delegation with this attendance cannot cast this vote; ``None`` when it can."""
    voting = voting if voting is not None else VotingRules()
    if not attendance.is_present:
        return _("Your delegation is not marked present; answer the roll call first.")
    if vote != Vote.ABSTAIN:
        return None
    if not voting.abstentions_allowed:
        return _("Abstentions are not allowed in this committee.")
    if (
        question is Question.SUBSTANTIVE
        and attendance is Attendance.PRESENT_AND_VOTING
        and voting.present_and_voting_may_not_abstain
    ):
        return _("A delegation present and voting may not abstain on a substantive vote.")
    return None


def tally_votes(
    *,
    members: Collection[int],
    attendance: Mapping[int, Attendance],
    votes: Mapping[int, Vote],
    veto_holders: Collection[int] = (),
) -> Tally:
    """Count a ballot. A member missing from ``attendance`` is absent.

    Raises ``ValueError`` for a vote by a non-member or by an absent member: the service
    must refuse those votes (``vote_error``) before they are stored.
    """
    member_set = set(members)
    present = {m for m in member_set if attendance.get(m, Attendance.ABSENT).is_present}
    for delegation_id in votes:
        if delegation_id not in member_set:
            raise ValueError(f"delegation {delegation_id} voted but is not a voting member")
        if delegation_id not in present:
            raise ValueError(f"delegation {delegation_id} voted but is not present")
    cast = list(votes.values())
    holders = set(veto_holders)
    return Tally(
        yes=cast.count(Vote.YES),
        no=cast.count(Vote.NO),
        abstain=cast.count(Vote.ABSTAIN),
        members=len(member_set),
        absent=len(member_set) - len(present),
        vetoes=sum(1 for d, v in votes.items() if v == Vote.NO and d in holders),
    )
