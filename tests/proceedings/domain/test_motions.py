import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.text import Text
from apps.proceedings.domain.motions import (
    POINTS,
    Motion,
    MotionKind,
    MotionParams,
    order_motions,
    precedence_key,
    validate_motion,
)
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import PRESET_KEYS, load_preset

UNA = load_preset("una_usa")
DEBATE = Phase.GENERAL_DEBATE
MOD = MotionKind.MODERATED_CAUCUS
UNMOD = MotionKind.UNMODERATED_CAUCUS
DELEGATE = frozenset({"speak", "vote_procedure", "vote_substance", "sponsor"})


def english(texts: Sequence[Text]) -> list[str]:
    """The domain's sentences as they read in English (they are rendered at the edge)."""
    return [str(text) for text in texts]


def caucus(minutes: float, speaking_s: int = 60, topic: str = "Access to water") -> MotionParams:
    return MotionParams(duration_s=int(minutes * 60), speaking_time_s=speaking_s, topic=topic)


def test_a_moderated_caucus_within_the_limits_is_in_order() -> None:
    assert validate_motion(UNA, DEBATE, MOD, caucus(10), DELEGATE) == []


def test_a_moderated_caucus_longer_than_the_limit_is_refused() -> None:
    errors = english(validate_motion(UNA, DEBATE, MOD, caucus(25), DELEGATE))
    assert errors == ["A moderated caucus may last at most 20 minutes."]


def test_a_moderated_caucus_shorter_than_the_minimum_is_refused() -> None:
    errors = english(validate_motion(UNA, DEBATE, MOD, caucus(0.5, speaking_s=15), DELEGATE))
    assert errors == ["A moderated caucus must last at least 1 minute."]


def test_a_speaking_time_over_the_limit_is_refused() -> None:
    errors = english(validate_motion(UNA, DEBATE, MOD, caucus(10, speaking_s=150), DELEGATE))
    assert errors == ["Speaking time in a moderated caucus may be at most 2 minutes."]


def test_a_moderated_caucus_needs_a_duration_a_speaking_time_and_a_topic() -> None:
    errors = english(validate_motion(UNA, DEBATE, MOD, MotionParams(), DELEGATE))
    assert "A motion for a moderated caucus needs a duration." in errors
    assert "A motion for a moderated caucus needs a speaking time for each speaker." in errors
    assert "A motion for a moderated caucus needs a topic." in errors


def test_a_suspension_without_a_duration_takes_the_default() -> None:
    suspend = MotionKind.SUSPEND_MEETING
    assert validate_motion(UNA, DEBATE, suspend, MotionParams(), DELEGATE) == []


def test_a_motion_out_of_order_in_the_phase_is_refused() -> None:
    errors = english(validate_motion(UNA, Phase.VOTING_PROCEDURE, MOD, caucus(10), DELEGATE))
    assert errors == ["A motion for a moderated caucus is not in order during voting procedure."]


def test_a_motion_the_committee_does_not_use_is_refused() -> None:
    errors = english(validate_motion(load_preset("thimun"), DEBATE, MOD, caucus(10), DELEGATE))
    assert errors == ["This committee does not use the motion for a moderated caucus."]


def test_nothing_is_in_order_after_adjournment() -> None:
    assert english(validate_motion(UNA, Phase.ADJOURNED, MotionKind.POINT_OF_ORDER)) == [
        "The session is adjourned."
    ]


def test_a_delegation_without_the_right_cannot_move_a_motion() -> None:
    observer = frozenset({"speak", "open_channels"})
    errors = english(validate_motion(UNA, DEBATE, MOD, caucus(10), observer))
    assert errors == [
        "Your delegation may not make a motion for a moderated caucus: "
        "it lacks the right 'vote_procedure'."
    ]
    assert validate_motion(UNA, DEBATE, MotionKind.POINT_OF_ORDER, None, observer) == []


def test_closing_debate_moves_into_voting_by_two_thirds() -> None:
    rule = UNA.motions[MotionKind.CLOSE_DEBATE]
    assert rule.leads_to is Phase.VOTING_PROCEDURE
    assert UNA.motion_majority(MotionKind.CLOSE_DEBATE) == "two_thirds"


def test_points_need_no_second_and_no_vote() -> None:
    for kind in POINTS & UNA.motions.keys():
        assert not UNA.motions[kind].needs_second
        assert UNA.motion_majority(kind) is None


def test_the_chair_takes_the_most_disruptive_motion_first() -> None:
    floor = [
        Motion(MotionKind.CLOSE_DEBATE, seq=1),
        Motion(MOD, caucus(10), seq=2),
        Motion(UNMOD, MotionParams(duration_s=600), seq=3),
        Motion(MotionKind.SUSPEND_MEETING, seq=4),
    ]
    kinds = [m.kind for m in order_motions(UNA, floor)]
    assert kinds == [MotionKind.SUSPEND_MEETING, UNMOD, MOD, MotionKind.CLOSE_DEBATE]


def test_longer_caucuses_come_first_then_earlier_submissions() -> None:
    short = Motion(MOD, caucus(5), seq=1)
    long_ = Motion(MOD, caucus(15, speaking_s=45), seq=3)
    same_length_later = Motion(MOD, caucus(15, speaking_s=60), seq=4)
    assert order_motions(UNA, [short, same_length_later, long_]) == [
        long_,
        same_length_later,
        short,
    ]


def test_the_alias_open_speakers_list_is_open_debate() -> None:
    assert MotionKind("open_debate") is MotionKind.OPEN_SPEAKERS_LIST


params_strategy = st.builds(
    MotionParams,
    duration_s=st.one_of(st.none(), st.integers(0, 3600)),
    speaking_time_s=st.one_of(st.none(), st.integers(0, 300)),
    topic=st.sampled_from(["", "water", "refugees"]),
    draft_ids=st.lists(st.integers(1, 4), max_size=3).map(tuple),
)


def motions_strategy(key: str) -> st.SearchStrategy[Motion]:
    kinds = sorted(load_preset(key).motions)
    return st.builds(
        Motion,
        kind=st.sampled_from(kinds),
        params=params_strategy,
        mover_id=st.one_of(st.none(), st.integers(1, 5)),
        seq=st.integers(0, 6),
    )


@pytest.mark.parametrize("key", PRESET_KEYS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_precedence_is_a_total_order(key: str, data: st.DataObject) -> None:
    preset = load_preset(key)
    motions = data.draw(st.lists(motions_strategy(key), min_size=1, max_size=8))
    keys = [precedence_key(preset, m) for m in motions]
    for a, ka in zip(motions, keys, strict=True):
        for b, kb in zip(motions, keys, strict=True):
            # Antisymmetric: only identical motions share a place.
            if ka == kb:
                assert a == b
            # Total: any two motions are comparable one way or the other.
            assert ka <= kb or kb <= ka
            for _c, kc in zip(motions, keys, strict=True):
                if ka <= kb and kb <= kc:
                    assert ka <= kc  # transitive
    # Deterministic: the floor's order does not depend on the order motions arrived in.
    ordered = order_motions(preset, motions)
    shuffled = list(motions)
    random.Random(data.draw(st.integers())).shuffle(shuffled)
    assert order_motions(preset, shuffled) == ordered
