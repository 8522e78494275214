from fractions import Fraction

import pytest

from apps.proceedings.domain.majority import Question, Vote, VotingRules
from apps.proceedings.domain.roll_call import (
    Attendance,
    count_present,
    has_quorum,
    tally_votes,
    vote_error,
)

UNA = VotingRules(present_and_voting_may_not_abstain=True)


def test_a_delegation_present_and_voting_may_not_abstain_on_substance() -> None:
    error = vote_error(Attendance.PRESENT_AND_VOTING, Vote.ABSTAIN, Question.SUBSTANTIVE, UNA)
    assert str(error) == "A delegation present and voting may not abstain on a substantive vote."


def test_a_delegation_present_and_voting_may_abstain_on_procedure() -> None:
    assert vote_error(Attendance.PRESENT_AND_VOTING, Vote.ABSTAIN, Question.PROCEDURAL, UNA) is None


def test_a_delegation_merely_present_may_abstain() -> None:
    assert vote_error(Attendance.PRESENT, Vote.ABSTAIN, Question.SUBSTANTIVE, UNA) is None


def test_the_present_and_voting_rule_is_an_option() -> None:
    relaxed = VotingRules(present_and_voting_may_not_abstain=False)
    assert (
        vote_error(Attendance.PRESENT_AND_VOTING, Vote.ABSTAIN, Question.SUBSTANTIVE, relaxed)
        is None
    )


def test_an_absent_delegation_cannot_vote() -> None:
    assert vote_error(Attendance.ABSENT, Vote.YES, Question.SUBSTANTIVE) is not None


def test_a_committee_can_forbid_abstentions() -> None:
    strict = VotingRules(abstentions_allowed=False)
    assert vote_error(Attendance.PRESENT, Vote.ABSTAIN, Question.PROCEDURAL, strict) is not None


@pytest.mark.parametrize(
    ("present", "members", "quorum", "expected"),
    [
        (5, 15, Fraction(1, 3), True),
        (4, 15, Fraction(1, 3), False),
        (9, 15, Fraction(3, 5), True),
        (8, 15, Fraction(3, 5), False),
    ],
)
def test_quorum_is_counted_from_attendance(
    present: int, members: int, quorum: Fraction, expected: bool
) -> None:
    assert has_quorum(present, members, quorum) is expected


def test_a_tally_counts_votes_absences_and_vetoes() -> None:
    attendance = {
        1: Attendance.PRESENT,
        2: Attendance.PRESENT_AND_VOTING,
        3: Attendance.PRESENT,
        4: Attendance.ABSENT,
    }
    assert count_present(attendance) == 3
    tally = tally_votes(
        members=[1, 2, 3, 4, 5],
        attendance=attendance,
        votes={1: Vote.YES, 2: Vote.NO, 3: Vote.ABSTAIN},
        veto_holders=[2, 4],
    )
    assert (tally.yes, tally.no, tally.abstain, tally.absent, tally.vetoes) == (1, 1, 1, 2, 1)
    assert tally.present == 3


def test_a_vote_from_an_absent_member_is_refused() -> None:
    with pytest.raises(ValueError, match="not present"):
        tally_votes(members=[1, 2], attendance={1: Attendance.PRESENT}, votes={2: Vote.YES})
