import functools
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.text import Text
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.machine import (
    SessionState,
    advance,
    apply_motion_result,
    initial_state,
    next_phases,
    on_deadline,
    open_session,
    speaking_time,
    state_errors,
    state_from_dict,
    state_to_dict,
)
from apps.proceedings.domain.motions import Motion, MotionKind, MotionParams, validate_motion
from apps.proceedings.domain.phases import Phase, legal_next_phases
from apps.proceedings.domain.presets import PRESET_KEYS, Preset, load_preset, preset_with_overrides

UNA = load_preset("una_usa")


def opened(preset: Preset) -> SessionState:
    return open_session(preset, initial_state(preset))


def in_debate() -> SessionState:
    state = opened(UNA)
    state = advance(UNA, state, Phase.AGENDA_SETTING)
    motion = Motion(MotionKind.SET_AGENDA, MotionParams(topic="Water security"))
    return apply_motion_result(UNA, state, motion, passed=True)


def test_a_session_opens_into_the_presets_initial_phase() -> None:
    assert opened(UNA).phase is Phase.ROLL_CALL
    assert opened(load_preset("peace_talks")).phase is Phase.AGENDA_SETTING
    with pytest.raises(RuleViolation):
        open_session(UNA, opened(UNA))


def test_setting_the_agenda_opens_general_debate_on_it() -> None:
    state = in_debate()
    assert state.phase is Phase.GENERAL_DEBATE
    assert state.agenda_item == "Water security"


def test_a_passed_moderated_caucus_sets_its_timer_and_speaking_time() -> None:
    before = in_debate()
    motion = Motion(
        MotionKind.MODERATED_CAUCUS,
        MotionParams(duration_s=600, speaking_time_s=45, topic="Funding"),
    )
    state = apply_motion_result(UNA, before, motion, passed=True)
    assert (state.phase, state.timer_s, state.topic) == (Phase.MODERATED_CAUCUS, 600, "Funding")
    assert speaking_time(UNA, state) == 45
    assert state.entry == before.entry + 1


def test_a_failed_motion_changes_nothing() -> None:
    state = in_debate()
    motion = Motion(MotionKind.UNMODERATED_CAUCUS, MotionParams(duration_s=600))
    assert apply_motion_result(UNA, state, motion, passed=False) == state


def test_a_motion_out_of_order_cannot_be_applied() -> None:
    state = in_debate()
    with pytest.raises(RuleViolation, match="at most 20 minutes"):
        apply_motion_result(
            UNA,
            state,
            Motion(MotionKind.UNMODERATED_CAUCUS, MotionParams(duration_s=3600)),
            passed=True,
        )


def test_when_a_caucus_ends_debate_resumes_with_its_own_speaking_time() -> None:
    state = apply_motion_result(
        UNA,
        in_debate(),
        Motion(MotionKind.SET_SPEAKING_TIME, MotionParams(speaking_time_s=60)),
        True,
    )
    motion = Motion(
        MotionKind.MODERATED_CAUCUS, MotionParams(duration_s=600, speaking_time_s=30, topic="t")
    )
    state = on_deadline(UNA, apply_motion_result(UNA, state, motion, True))
    assert state.phase is Phase.GENERAL_DEBATE
    assert state.timer_s is None
    assert speaking_time(UNA, state) == 60


def test_extending_a_caucus_lengthens_its_timer_without_restarting_it() -> None:
    state = apply_motion_result(
        UNA, in_debate(), Motion(MotionKind.UNMODERATED_CAUCUS, MotionParams(duration_s=600)), True
    )
    extended = apply_motion_result(
        UNA, state, Motion(MotionKind.EXTEND_CAUCUS, MotionParams(duration_s=300)), True
    )
    assert extended.timer_s == 900
    assert extended.entry == state.entry


def test_closing_debate_moves_into_voting_procedure() -> None:
    state = apply_motion_result(UNA, in_debate(), Motion(MotionKind.CLOSE_DEBATE), True)
    assert state.phase is Phase.VOTING_PROCEDURE


def test_a_suspension_resumes_the_phase_it_suspended() -> None:
    debate = in_debate()
    suspended = apply_motion_result(UNA, debate, Motion(MotionKind.SUSPEND_MEETING), True)
    assert suspended.phase is Phase.SUSPENDED
    assert suspended.timer_s == 600  # the preset's default
    assert next_phases(UNA, suspended) == {Phase.GENERAL_DEBATE, Phase.ADJOURNED}
    assert on_deadline(UNA, suspended).phase is Phase.GENERAL_DEBATE


def test_a_late_timer_on_an_untimed_phase_does_nothing() -> None:
    state = in_debate()
    assert on_deadline(UNA, state) is state


def test_the_chair_cannot_skip_to_a_phase_that_may_not_follow() -> None:
    with pytest.raises(RuleViolation, match="cannot move from roll call to voting procedure"):
        advance(UNA, opened(UNA), Phase.VOTING_PROCEDURE)


def test_the_chair_starting_a_caucus_must_give_it_a_duration() -> None:
    with pytest.raises(RuleViolation, match="positive duration"):
        advance(UNA, in_debate(), Phase.UNMODERATED_CAUCUS)
    state = advance(UNA, in_debate(), Phase.UNMODERATED_CAUCUS, duration_s=300)
    assert state.timer_s == 300


def test_nothing_leaves_adjournment() -> None:
    state = apply_motion_result(UNA, in_debate(), Motion(MotionKind.ADJOURN_MEETING), True)
    assert state.phase is Phase.ADJOURNED
    assert next_phases(UNA, state) == frozenset()
    with pytest.raises(RuleViolation):
        apply_motion_result(UNA, state, Motion(MotionKind.POINT_OF_ORDER), True)


def test_a_rules_change_that_drops_the_current_phase_is_reported() -> None:
    state = advance(UNA, in_debate(), Phase.MODERATED_CAUCUS, duration_s=300)
    phases = [p.value for p in UNA.phases if p is not Phase.MODERATED_CAUCUS]
    changed = preset_with_overrides(UNA, {"phases": phases, "motions": {"moderated_caucus": None}})
    errors = state_errors(changed, state)
    assert all(isinstance(error, Text) for error in errors)  # rendered at the edge
    assert [str(error) for error in errors] == [
        "The session is in moderated caucus, which these rules do not use;"
        " move it to another phase first."
    ]
    assert state_errors(UNA, state) == []


def test_a_state_round_trips_through_a_dict() -> None:
    state = apply_motion_result(UNA, in_debate(), Motion(MotionKind.SUSPEND_MEETING), True)
    assert state_from_dict(state_to_dict(state)) == state


# --- random sequences -------------------------------------------------------------------


@dataclass(frozen=True)
class MotionResult:
    motion: Motion
    passed: bool


@dataclass(frozen=True)
class ChairMove:
    to: Phase
    duration_s: int | None


@dataclass(frozen=True)
class Deadline:
    pass


plausible_params = st.builds(
    MotionParams,
    duration_s=st.sampled_from([60, 300, 900]),
    speaking_time_s=st.sampled_from([30, 60, 90]),
    topic=st.just("water"),
    draft_ids=st.just((1, 2)),
    parts=st.just(("1-2", "3")),
    delegation_id=st.just(2),
)
any_params = st.builds(
    MotionParams,
    # Mostly plausible values, so valid motions are common; some out of every range.
    duration_s=st.one_of(st.none(), st.sampled_from([60, 300, 900, 1200]), st.integers(-10, 20000)),
    speaking_time_s=st.one_of(st.none(), st.sampled_from([30, 60, 90]), st.integers(-5, 400)),
    topic=st.sampled_from(["", "  ", "water", "funding"]),
    draft_ids=st.lists(st.integers(1, 3), max_size=3).map(tuple),
    parts=st.lists(st.sampled_from(["1", "2-3", "4"]), max_size=3).map(tuple),
    delegation_id=st.one_of(st.none(), st.integers(1, 3)),
)
params = st.one_of(plausible_params, any_params)


def action_for(preset: Preset, state: SessionState) -> st.SearchStrategy[object]:
    """Any action at all, but mostly ones that make sense now, so deep states are reached."""
    return _actions(preset.key, state.phase, state.previous_phase)


@functools.cache
def _actions(key: str, phase: Phase, previous: Phase | None) -> st.SearchStrategy[object]:
    preset = load_preset(key)
    in_use = sorted(preset.motions)
    in_order = [k for k in in_use if phase in preset.motions[k].in_order_in] or in_use
    legal = sorted(legal_next_phases(preset, phase, previous)) or list(Phase)
    kinds = st.one_of(
        st.sampled_from(in_order), st.sampled_from(in_use), st.sampled_from(list(MotionKind))
    )
    targets = st.one_of(st.sampled_from(legal), st.sampled_from(list(Phase)))
    return st.one_of(
        st.builds(
            MotionResult, motion=st.builds(Motion, kind=kinds, params=params), passed=st.booleans()
        ),
        st.builds(ChairMove, to=targets, duration_s=st.one_of(st.none(), st.integers(-5, 5000))),
        st.just(Deadline()),
    )


def step(preset: Preset, state: SessionState, action: object) -> SessionState:
    try:
        if isinstance(action, MotionResult):
            new = apply_motion_result(preset, state, action.motion, action.passed)
            kind, motion_params = action.motion.kind, action.motion.params
            assert validate_motion(preset, state.phase, kind, motion_params) == []
            return new
        if isinstance(action, ChairMove):
            return advance(preset, state, action.to, duration_s=action.duration_s)
        return on_deadline(preset, state)
    except RuleViolation as refused:
        assert refused.messages
        if isinstance(action, MotionResult):
            m = action.motion
            assert validate_motion(preset, state.phase, m.kind, m.params) != []
        return state


@pytest.mark.parametrize("key", PRESET_KEYS)
@settings(max_examples=150, deadline=None)
@given(data=st.data(), length=st.integers(0, 40))
def test_random_sequences_keep_the_session_within_its_rules(
    key: str, data: st.DataObject, length: int
) -> None:
    preset = load_preset(key)
    state = opened(preset)
    for _ in range(length):
        action = data.draw(action_for(preset, state))
        before = state
        state = step(preset, state, action)
        assert state.phase in preset.phases, f"reached {state.phase}"
        if before.phase is Phase.ADJOURNED:
            assert state.phase is Phase.ADJOURNED
        if state.phase.is_timed:
            assert state.timer_s is not None and state.timer_s > 0
        else:
            assert state.timer_s is None
        if state.phase is Phase.SUSPENDED:
            assert state.previous_phase in preset.phases - {Phase.SUSPENDED}
        assert state_errors(preset, state) == []
