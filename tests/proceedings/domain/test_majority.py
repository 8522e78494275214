from fractions import Fraction

import pytest

from apps.core.text import Text
from apps.proceedings.domain.majority import (
    MajorityRule,
    Question,
    Result,
    Tally,
    VotingRules,
    decide,
    decide_under,
    quorum_needed,
)

SIMPLE = MajorityRule.SIMPLE
TWO_THIRDS = MajorityRule.TWO_THIRDS
SC = MajorityRule.SECURITY_COUNCIL
CONSENSUS = MajorityRule.CONSENSUS
UNANIMITY = MajorityRule.UNANIMITY
PASSED, FAILED, NO_QUORUM = Result.PASSED, Result.FAILED, Result.NO_QUORUM


@pytest.mark.parametrize(
    ("rule", "tally", "expected"),
    [
        # Simple majority of those present and voting; abstentions do not count.
        (SIMPLE, Tally(yes=10, no=9, abstain=0, members=30), PASSED),
        (SIMPLE, Tally(yes=9, no=9, abstain=0, members=30), FAILED),
        (SIMPLE, Tally(yes=3, no=2, abstain=20, members=30), PASSED),
        (SIMPLE, Tally(yes=0, no=0, abstain=25, members=30), FAILED),
        # Two thirds of those present and voting: exactly two thirds passes.
        (TWO_THIRDS, Tally(yes=20, no=10, abstain=0, members=30), PASSED),
        (TWO_THIRDS, Tally(yes=19, no=10, abstain=0, members=30), FAILED),
        (TWO_THIRDS, Tally(yes=2, no=1, abstain=0, members=3), PASSED),
        (TWO_THIRDS, Tally(yes=6, no=4, abstain=0, members=10), FAILED),
        (TWO_THIRDS, Tally(yes=6, no=3, abstain=20, members=30), PASSED),
        (TWO_THIRDS, Tally(yes=0, no=0, abstain=12, members=30), FAILED),
        # Consensus: no objection; abstentions are not objections.
        (CONSENSUS, Tally(yes=0, no=0, abstain=5, members=20), PASSED),
        (CONSENSUS, Tally(yes=19, no=1, abstain=0, members=20), FAILED),
        # Unanimity: every member present votes yes.
        (UNANIMITY, Tally(yes=4, no=0, abstain=0, members=4), PASSED),
        (UNANIMITY, Tally(yes=3, no=0, abstain=1, members=4), FAILED),
        (UNANIMITY, Tally(yes=3, no=0, abstain=0, members=4), FAILED),
    ],
)
def test_a_rule_decides_a_tally_as_un_practice_does(
    rule: MajorityRule, tally: Tally, expected: Result
) -> None:
    outcome = decide(rule, tally)
    assert outcome.result is expected, outcome.reason
    assert str(outcome.reason)


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "vetoes", "question", "expected"),
    [
        (9, 6, 0, 0, Question.SUBSTANTIVE, PASSED),
        (8, 0, 7, 0, Question.SUBSTANTIVE, FAILED),
        # Nine yes but a permanent member votes no: vetoed.
        (9, 1, 5, 1, Question.SUBSTANTIVE, FAILED),
        (14, 1, 0, 1, Question.SUBSTANTIVE, FAILED),
        # A permanent member abstaining does not veto.
        (10, 0, 5, 0, Question.SUBSTANTIVE, PASSED),
        # On procedure there is no veto: nine yes is enough.
        (9, 6, 0, 3, Question.PROCEDURAL, PASSED),
        (8, 2, 5, 0, Question.PROCEDURAL, FAILED),
    ],
)
def test_the_security_council_needs_nine_votes_and_no_veto_on_substance(
    yes: int, no: int, abstain: int, vetoes: int, question: Question, expected: Result
) -> None:
    tally = Tally(yes=yes, no=no, abstain=abstain, members=15, vetoes=vetoes)
    outcome = decide(SC, tally, question=question, quorum=Fraction(3, 5))
    assert outcome.result is expected, outcome.reason


def test_a_veto_is_named_in_the_reason() -> None:
    outcome = decide(SC, Tally(yes=13, no=1, abstain=1, members=15, vetoes=1))
    assert "vetoed" in str(outcome.reason)
    assert "permanent member" in str(outcome.reason)


def test_without_the_veto_option_a_permanent_members_no_is_an_ordinary_no() -> None:
    tally = Tally(yes=13, no=1, abstain=1, members=15, vetoes=1)
    assert decide(SC, tally, veto=False).passed


def test_the_number_of_affirmative_votes_is_configurable() -> None:
    tally = Tally(yes=7, no=0, abstain=0, members=9)
    assert not decide(SC, tally).passed
    assert decide(SC, tally, security_council_votes=7).passed


def test_without_a_quorum_nothing_passes() -> None:
    tally = Tally(yes=4, no=0, abstain=0, members=15, absent=11)
    outcome = decide(SIMPLE, tally)
    assert outcome.result is NO_QUORUM
    assert str(outcome.reason) == "No quorum: 4 of 15 members present, 5 needed."
    assert decide(SIMPLE, Tally(yes=5, no=0, abstain=0, members=15, absent=10)).passed


@pytest.mark.parametrize(
    ("members", "quorum", "needed"),
    [
        (15, Fraction(1, 3), 5),
        (15, Fraction(3, 5), 9),
        (10, Fraction(1, 2), 5),
        (7, Fraction(1, 3), 3),
        (4, Fraction(1), 4),
        (0, Fraction(1, 3), 0),
    ],
)
def test_the_quorum_is_a_fraction_of_members_rounded_up(
    members: int, quorum: Fraction, needed: int
) -> None:
    assert quorum_needed(members, quorum) == needed


def test_abstentions_can_be_counted_as_votes_cast() -> None:
    tally = Tally(yes=6, no=4, abstain=3, members=13)
    assert decide(SIMPLE, tally).passed
    assert not decide(SIMPLE, tally, abstentions_count_as_present_not_voting=False).passed
    assert not decide(
        TWO_THIRDS,
        Tally(yes=8, no=4, abstain=1, members=13),
        abstentions_count_as_present_not_voting=False,
    ).passed


def test_the_two_thirds_threshold_is_configurable() -> None:
    tally = Tally(yes=3, no=2, abstain=0, members=5)
    assert not decide(TWO_THIRDS, tally).passed
    assert decide(TWO_THIRDS, tally, two_thirds=Fraction(3, 5)).passed


def test_a_committee_decides_with_its_own_voting_rules() -> None:
    voting = VotingRules(substantive=UNANIMITY, procedural=SIMPLE, quorum=Fraction(1))
    tally = Tally(yes=3, no=1, abstain=0, members=4)
    assert decide_under(voting, tally, question=Question.PROCEDURAL).passed
    assert not decide_under(voting, tally, question=Question.SUBSTANTIVE).passed
    walked_out = Tally(yes=3, no=0, abstain=0, members=4, absent=1)
    assert decide_under(voting, walked_out, question=Question.SUBSTANTIVE).result is NO_QUORUM


@pytest.mark.parametrize(
    "kwargs",
    [
        {"yes": -1, "no": 0, "abstain": 0, "members": 3},
        {"yes": 3, "no": 1, "abstain": 0, "members": 3},
        {"yes": 1, "no": 1, "abstain": 0, "members": 3, "absent": 2},
        {"yes": 1, "no": 0, "abstain": 0, "members": 3, "vetoes": 1},
    ],
)
def test_an_impossible_tally_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Tally(**kwargs)


def test_a_reason_is_a_template_with_its_counts_so_it_is_translated_where_it_is_shown() -> None:
    outcome = decide(UNANIMITY, Tally(yes=3, no=0, abstain=1, members=4))
    assert outcome.reason.template == (
        "{counts}: unanimity needs every member present in favour; 1 is not."
    )
    counts = dict(outcome.reason.params)["counts"]
    assert isinstance(counts, Text)
    assert counts.template == "{yes} in favour, {no} against, {abstentions}"
    assert str(outcome.reason) == (
        "3 in favour, 0 against, 1 abstention: unanimity needs every member present in favour;"
        " 1 is not."
    )
