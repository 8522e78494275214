import json
from fractions import Fraction

import pytest
import yaml

from apps.core.text import Text
from apps.proceedings.domain.majority import MajorityRule, Question, Tally
from apps.proceedings.domain.mediation import MediationMode
from apps.proceedings.domain.motions import MotionKind, VoteRule
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import (
    KNOWN_RIGHTS,
    PRESET_KEYS,
    PRESETS_DIR,
    PresetError,
    PresetNotFound,
    decide_motion,
    decide_substance,
    list_presets,
    load_preset,
    preset_from_dict,
    preset_to_dict,
    preset_with_overrides,
    validate_preset,
)


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_every_shipped_preset_validates(key: str) -> None:
    preset = load_preset(key)
    assert preset.key == key
    assert validate_preset(preset) == []


def test_the_shipped_files_are_exactly_the_listed_presets() -> None:
    assert sorted(p.stem for p in PRESETS_DIR.glob("*.yaml")) == sorted(PRESET_KEYS)
    assert [p.key for p in list_presets()] == list(PRESET_KEYS)


def test_an_unknown_preset_is_not_found() -> None:
    with pytest.raises(PresetNotFound):
        load_preset("../../etc/passwd")


@pytest.mark.parametrize("key", PRESET_KEYS)
def test_a_preset_round_trips_through_json(key: str) -> None:
    preset = load_preset(key)
    stored = json.loads(json.dumps(preset_to_dict(preset)))
    assert preset_from_dict(stored) == preset


def test_the_mover_rights_are_rights_the_delegations_app_knows() -> None:
    from apps.delegations.domain.actors import Right

    assert {right.value for right in Right} == KNOWN_RIGHTS


def test_the_security_council_has_fifteen_seats_nine_votes_and_the_veto() -> None:
    sc = load_preset("security_council")
    assert sc.seats == 15
    assert sc.voting.security_council_votes == 9
    assert sc.voting.veto
    vetoed = Tally(yes=14, no=1, abstain=0, members=15, vetoes=1)
    assert not decide_substance(sc, vetoed).passed
    # A motion is procedural: the same tally carries it.
    outcome = decide_motion(sc, MotionKind.CLOSE_DEBATE, vetoed)
    assert outcome is not None and outcome.passed


def test_una_usa_closes_debate_by_two_thirds_and_decides_substance_by_simple_majority() -> None:
    una = load_preset("una_usa")
    tally = Tally(yes=12, no=7, abstain=3, members=25)
    outcome = decide_motion(una, MotionKind.CLOSE_DEBATE, tally)
    assert outcome is not None and not outcome.passed
    assert decide_substance(una, tally).passed


def test_climate_talks_decide_by_consensus_and_observers_speak_without_voting() -> None:
    cop = load_preset("climate_consensus")
    assert cop.voting.rule_for(Question.SUBSTANTIVE) is MajorityRule.CONSENSUS
    assert cop.speakers.observers_may_speak and not cop.voting.observers_may_vote
    assert not decide_substance(cop, Tally(yes=190, no=1, abstain=3, members=195)).passed


def test_peace_talks_need_every_party_and_a_directive_mediator_with_proximity() -> None:
    talks = load_preset("peace_talks")
    assert talks.mediation is not None
    assert talks.mediation.mode is MediationMode.DIRECTIVE and talks.mediation.proximity
    assert talks.voting.substantive is MajorityRule.UNANIMITY
    assert MotionKind.SUSPEND_MEETING in talks.motions
    walked_out = Tally(yes=3, no=0, abstain=0, members=4, absent=1)
    assert not decide_substance(talks, walked_out).passed
    assert all(rule.vote is VoteRule.CHAIR for rule in talks.motions.values())


def test_thimun_splits_amendment_debate_for_and_against() -> None:
    thimun = load_preset("thimun")
    assert Phase.AMENDMENTS in thimun.speakers.separate_for_against_in
    assert MotionKind.POINT_OF_INFORMATION in thimun.motions
    assert Phase.MODERATED_CAUCUS not in thimun.phases


def test_an_instructor_can_change_a_threshold() -> None:
    una = load_preset("una_usa")
    changed = preset_with_overrides(una, {"voting": {"quorum": "1/2"}})
    assert changed.voting.quorum == Fraction(1, 2)
    assert changed.voting.substantive is una.voting.substantive
    assert una.voting.quorum == Fraction(1, 3)  # the shipped preset is untouched


def test_an_override_with_a_bad_threshold_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(load_preset("una_usa"), {"voting": {"quorum": "3/2"}})
    assert [str(e) for e in raised.value.errors] == [
        "voting.quorum must be more than 0 and at most 1 (all members), not 3/2"
    ]


def test_an_override_with_a_misspelt_setting_is_refused() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(load_preset("una_usa"), {"voting": {"quorom": "1/2"}})
    assert str(raised.value.errors[0]).startswith("voting.quorom: unknown setting")


def test_an_override_with_a_wrong_type_is_refused() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(
            load_preset("una_usa"), {"motions": {"moderated_caucus": {"max_duration_s": "long"}}}
        )
    assert [str(e) for e in raised.value.errors] == [
        "motions.moderated_caucus.max_duration_s must be a whole number, not 'long'"
    ]


def test_an_instructor_can_lengthen_caucuses() -> None:
    una = preset_with_overrides(
        load_preset("una_usa"), {"motions": {"moderated_caucus": {"max_duration_s": 1800}}}
    )
    assert una.motions[MotionKind.MODERATED_CAUCUS].max_duration_s == 1800
    assert una.motions[MotionKind.MODERATED_CAUCUS].min_speaking_time_s == 15


def test_an_instructor_can_remove_and_add_motions() -> None:
    una = preset_with_overrides(load_preset("una_usa"), {"motions": {"table_debate": None}})
    assert MotionKind.TABLE_DEBATE not in una.motions
    sc = preset_with_overrides(
        load_preset("security_council"), {"motions": {"roll_call_vote": {"precedence": 30}}}
    )
    assert sc.motions[MotionKind.ROLL_CALL_VOTE].precedence == 30


def test_two_motions_with_the_same_precedence_are_refused() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(
            load_preset("una_usa"), {"motions": {"close_debate": {"precedence": 13}}}
        )
    assert any("precedence 13 is shared" in str(e) for e in raised.value.errors)


def test_removing_a_phase_a_motion_leads_to_is_refused_with_the_way_out() -> None:
    una = load_preset("una_usa")
    phases = [p.value for p in una.phases if p is not Phase.MODERATED_CAUCUS]
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(una, {"phases": phases})
    assert any("moderated_caucus: null" in str(e) for e in raised.value.errors)
    fixed = preset_with_overrides(una, {"phases": phases, "motions": {"moderated_caucus": None}})
    assert Phase.MODERATED_CAUCUS not in fixed.phases


def test_a_caucus_that_cannot_return_to_general_debate_is_refused() -> None:
    una = load_preset("una_usa")
    phases = [p.value for p in una.phases if p is not Phase.GENERAL_DEBATE]
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(una, {"phases": phases})
    assert any("needs general_debate" in str(e) for e in raised.value.errors)


def test_a_phase_that_can_never_be_reached_is_refused() -> None:
    una = load_preset("una_usa")
    transitions = {p.value: [] for p in Phase if p is not Phase.ADJOURNED}
    transitions["roll_call"] = ["adjourned"]
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(una, {"transitions": transitions, "motions": {}})
    assert any("can never reach it" in str(e) for e in raised.value.errors)


def test_a_timed_phase_may_not_lead_to_a_suspension() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(
            load_preset("una_usa"),
            {"transitions": {"unmoderated_caucus": ["general_debate", "suspended"]}},
        )
    assert any("cannot lead to suspended" in str(e) for e in raised.value.errors)


def test_a_caucus_duration_limit_below_its_minimum_is_refused() -> None:
    with pytest.raises(PresetError) as raised:
        preset_with_overrides(
            load_preset("una_usa"), {"motions": {"unmoderated_caucus": {"max_duration_s": 30}}}
        )
    assert [str(e) for e in raised.value.errors] == [
        "motions.unmoderated_caucus.min_duration_s (1 minute) is more than "
        "max_duration_s (30 seconds)"
    ]


def test_overrides_round_trip_through_a_dict() -> None:
    changed = preset_with_overrides(
        load_preset("peace_talks"),
        {"mediation": {"mode": "procedural", "proximity": False}, "voting": {"quorum": "3/4"}},
    )
    assert preset_from_dict(json.loads(json.dumps(preset_to_dict(changed)))) == changed
    assert preset_with_overrides(changed, {}) == changed


def test_nine_votes_cannot_exceed_the_seats() -> None:
    with pytest.raises(PresetError, match="more than the 15 seats"):
        preset_with_overrides(
            load_preset("security_council"), {"voting": {"security_council_votes": 16}}
        )


def test_a_preset_file_with_a_typo_lists_every_problem() -> None:
    data = yaml.safe_load((PRESETS_DIR / "una_usa.yaml").read_text())
    data["speakers"]["defualt_speaking_time_s"] = 60
    data["voting"]["procedural"] = "plurality"
    del data["initial_phase"]
    with pytest.raises(PresetError) as raised:
        preset_from_dict(data)
    assert len(raised.value.errors) == 3


def test_a_preset_refusal_is_a_template_rendered_in_the_readers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from apps.core import i18n

    with pytest.raises(PresetError) as raised:
        preset_with_overrides(load_preset("una_usa"), {"seats": 0})
    error = raised.value.errors[0]
    assert isinstance(error, Text)
    assert error.template == "seats must be at least 1, not {seats}"
    assert str(error) == "seats must be at least 1, not 0"
    french = {"seats must be at least 1, not {seats}": "il faut au moins 1 siège, pas {seats}"}
    monkeypatch.setattr(i18n, "gettext", lambda message: french.get(message, message))
    assert i18n.render(error) == "il faut au moins 1 siège, pas 0"
