import pytest

from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.speakers import (
    Entry,
    Side,
    SpeakersListRules,
    YieldKind,
    add_speaker,
    apply_yield,
    can_add,
    next_speaker,
    remove_speaker,
    speaking_time_error,
    take_next,
)

ONE_EACH = SpeakersListRules(one_entry_per_delegation=True)
MANY = SpeakersListRules(one_entry_per_delegation=False)
CLOSED = SpeakersListRules(separate_for_against_in=frozenset({Phase.AMENDMENTS}))


def test_a_delegation_already_on_the_list_is_refused_when_one_entry_is_the_rule() -> None:
    entries = (Entry(1), Entry(2))
    assert str(can_add(ONE_EACH, entries, 1)) == "Your delegation is already on the speakers list."
    with pytest.raises(RuleViolation):
        add_speaker(ONE_EACH, entries, 1)


def test_a_delegation_may_queue_twice_when_the_rule_allows() -> None:
    entries = add_speaker(MANY, (Entry(1),), 1)
    assert entries == (Entry(1), Entry(1))


def test_a_delegation_may_rejoin_after_speaking() -> None:
    speaker, rest = take_next(ONE_EACH, (Entry(1), Entry(2)))
    assert speaker == Entry(1)
    assert can_add(ONE_EACH, rest, 1) is None


def test_the_list_is_first_come_first_served() -> None:
    assert next_speaker(ONE_EACH, (Entry(3), Entry(1))) == Entry(3)
    assert next_speaker(ONE_EACH, ()) is None


def test_removing_a_speaker_keeps_the_others_in_order() -> None:
    assert remove_speaker((Entry(1), Entry(2), Entry(3)), 2) == (Entry(1), Entry(3))
    assert remove_speaker((Entry(1),), 9) == (Entry(1),)


def test_closed_debate_needs_a_side_and_alternates_for_and_against() -> None:
    phase = Phase.AMENDMENTS
    assert can_add(CLOSED, (), 1, phase=phase) is not None
    entries = (
        Entry(1, Side.AGAINST),
        Entry(2, Side.FOR),
        Entry(3, Side.AGAINST),
        Entry(4, Side.FOR),
    )
    order = []
    last = None
    while entries:
        speaker, entries = take_next(CLOSED, entries, phase=phase, last_side=last)
        assert speaker is not None
        order.append(speaker.delegation_id)
        last = speaker.side
    assert order == [2, 1, 4, 3]


def test_when_one_side_runs_out_the_other_continues() -> None:
    entries = (Entry(1, Side.AGAINST), Entry(2, Side.AGAINST))
    assert (
        next_speaker(CLOSED, entries, phase=Phase.AMENDMENTS, last_side=Side.AGAINST) == entries[0]
    )


def test_open_debate_has_no_sides() -> None:
    assert can_add(CLOSED, (), 1, side=Side.FOR, phase=Phase.GENERAL_DEBATE) is not None
    assert can_add(CLOSED, (), 1, phase=Phase.GENERAL_DEBATE) is None


def test_yielding_to_a_delegation_hands_on_the_remaining_time() -> None:
    result = apply_yield(
        ONE_EACH, YieldKind.DELEGATION, speaker_id=1, remaining_s=40, to_delegation_id=2
    )
    assert (result.seconds, result.to_delegation_id) == (40, 2)


def test_yielding_to_questions_keeps_the_time_for_answers() -> None:
    assert apply_yield(ONE_EACH, YieldKind.QUESTIONS, speaker_id=1, remaining_s=30).seconds == 30


def test_yielding_to_the_chair_gives_the_time_up() -> None:
    assert apply_yield(ONE_EACH, YieldKind.CHAIR, speaker_id=1, remaining_s=30).seconds == 0


def test_yielded_time_may_not_be_yielded_again() -> None:
    with pytest.raises(RuleViolation, match="may not be yielded again"):
        apply_yield(
            ONE_EACH,
            YieldKind.DELEGATION,
            speaker_id=2,
            remaining_s=20,
            to_delegation_id=3,
            time_was_yielded=True,
        )


def test_a_yield_the_committee_does_not_allow_is_refused() -> None:
    rules = SpeakersListRules(yields=frozenset({YieldKind.CHAIR}))
    with pytest.raises(RuleViolation, match="Yields to questions are not allowed"):
        apply_yield(rules, YieldKind.QUESTIONS, speaker_id=1, remaining_s=30)


def test_a_delegation_cannot_yield_to_itself() -> None:
    with pytest.raises(RuleViolation):
        apply_yield(
            ONE_EACH, YieldKind.DELEGATION, speaker_id=1, remaining_s=30, to_delegation_id=1
        )


def test_speaking_time_must_stay_within_the_committees_bounds() -> None:
    rules = SpeakersListRules(min_speaking_time_s=30, max_speaking_time_s=300)
    assert str(speaking_time_error(rules, 20)) == "Speaking time must be at least 30 seconds."
    assert str(speaking_time_error(rules, 301)) == "Speaking time may be at most 5 minutes."
    assert speaking_time_error(rules, 90) is None
