import pytest

from apps.proceedings.domain.phases import (
    TIMED_PHASES,
    Phase,
    legal_next_phases,
    phase_after_deadline,
)
from apps.proceedings.domain.presets import PRESET_KEYS, load_preset


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_nothing_follows_adjournment(key: str) -> None:
    assert legal_next_phases(load_preset(key), Phase.ADJOURNED) == frozenset()


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_a_suspension_resumes_only_the_phase_it_suspended_or_adjourns(key: str) -> None:
    preset = load_preset(key)
    for phase in preset.phases - {Phase.SUSPENDED, Phase.ADJOURNED}:
        assert legal_next_phases(preset, Phase.SUSPENDED, phase) == {phase, Phase.ADJOURNED}


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_the_next_phases_are_always_phases_the_preset_uses(key: str) -> None:
    preset = load_preset(key)
    for phase in Phase:
        assert legal_next_phases(preset, phase) <= preset.phases
        assert Phase.NOT_STARTED not in legal_next_phases(preset, phase)


def test_a_committee_without_caucuses_cannot_move_into_one() -> None:
    thimun = load_preset("thimun")
    assert Phase.MODERATED_CAUCUS not in legal_next_phases(thimun, Phase.GENERAL_DEBATE)
    una = load_preset("una_usa")
    assert Phase.MODERATED_CAUCUS in legal_next_phases(una, Phase.GENERAL_DEBATE)


def test_a_caucus_returns_to_general_debate_when_its_time_is_up() -> None:
    assert (
        phase_after_deadline(Phase.MODERATED_CAUCUS, Phase.GENERAL_DEBATE) is Phase.GENERAL_DEBATE
    )
    assert phase_after_deadline(Phase.UNMODERATED_CAUCUS, Phase.DRAFTING) is Phase.GENERAL_DEBATE


def test_a_suspension_returns_to_the_phase_before_when_its_time_is_up() -> None:
    assert phase_after_deadline(Phase.SUSPENDED, Phase.DRAFTING) is Phase.DRAFTING


def test_untimed_phases_have_no_deadline() -> None:
    for phase in set(Phase) - TIMED_PHASES:
        assert phase_after_deadline(phase, Phase.GENERAL_DEBATE) is None
    assert not Phase.GENERAL_DEBATE.is_timed
    assert Phase.SUSPENDED.is_timed
