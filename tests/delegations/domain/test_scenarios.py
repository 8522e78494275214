import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import pycountry
import pytest

from apps.delegations.domain.actors import ActorKind, Right
from apps.delegations.domain.scenarios import (
    PRESETS,
    SCENARIOS_DIR,
    CommitteeSpec,
    DelegationSpec,
    ScenarioError,
    ScenarioNotFound,
    ScenarioSpec,
    list_scenarios,
    load_scenario,
    un_member_states,
    validate_scenario,
)

SHIPPED = ["security-council-crisis", "climate-conference", "peace-talks", "general-assembly"]


def only_committee(slug: str) -> CommitteeSpec:
    (committee,) = load_scenario(slug).committees
    return committee


def kinds(committee: CommitteeSpec) -> list[ActorKind | None]:
    return [d.kind for d in committee.delegations]


# --- the shipped scenarios ----------------------------------------------------------------


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_shipped_scenario_loads_and_validates_without_errors(slug):
    spec = load_scenario(slug, validate=False)
    assert validate_scenario(spec) == []
    assert spec.slug == slug


def test_list_scenarios_returns_the_four_templates_in_display_order():
    summaries = list_scenarios()
    assert [s.slug for s in summaries] == SHIPPED
    assert all(s.title and s.description and s.committees for s in summaries)
    assert {p.stem for p in SCENARIOS_DIR.glob("*.yaml")} == set(SHIPPED)


def test_the_security_council_has_fifteen_members_and_five_vetoes():
    council = only_committee("security-council-crisis")
    assert council.preset == "security_council"
    members = council.voting_members()
    assert len(members) == 15
    with_veto = [d for d in council.delegations if Right.VETO in d.effective_rights()]
    assert sorted(d.country or "" for d in with_veto) == ["CN", "FR", "GB", "RU", "US"]
    assert all(d.kind is ActorKind.PERMANENT_MEMBER for d in with_veto)
    assert sum(d.kind is ActorKind.MEMBER_STATE for d in members) == 10


def test_the_climate_conference_decides_by_consensus_with_observers_who_do_not_vote():
    cop = only_committee("climate-conference")
    assert cop.preset == "climate_consensus"
    states = [d for d in cop.delegations if d.kind is ActorKind.MEMBER_STATE]
    assert len(states) >= 20
    observers = [
        d for d in cop.delegations if d.kind in {ActorKind.NGO, ActorKind.CITY, ActorKind.COMPANY}
    ]
    assert {d.kind for d in observers} == {ActorKind.NGO, ActorKind.CITY, ActorKind.COMPANY}
    for observer in observers:
        rights = observer.effective_rights()
        assert Right.SPEAK in rights
        assert not rights & {Right.VOTE_PROCEDURE, Right.VOTE_SUBSTANCE, Right.VETO}


def test_the_peace_talks_have_two_armed_groups_one_mediator_in_directive_proximity_talks():
    talks = only_committee("peace-talks")
    assert talks.preset == "peace_talks"
    assert talks.mediation_mode == "directive"
    assert talks.proximity is True
    assert kinds(talks).count(ActorKind.ARMED_GROUP) == 2
    assert kinds(talks).count(ActorKind.MEDIATOR) == 1
    assert ActorKind.INTERNATIONAL_ORGANISATION in kinds(talks)
    assert ActorKind.NGO in kinds(talks)
    government = next(d for d in talks.delegations if d.kind is ActorKind.MEMBER_STATE)
    assert government.fictional and government.country is None


def test_the_general_assembly_seats_193_members_and_two_observer_states():
    assembly = only_committee("general-assembly")
    assert assembly.preset == "una_usa"
    assert assembly.generate == "un_member_states"
    assert kinds(assembly).count(ActorKind.MEMBER_STATE) == 193
    observers = [d for d in assembly.delegations if d.kind is ActorKind.OBSERVER_STATE]
    assert sorted(d.country or "" for d in observers) == ["PS", "VA"]
    assert len(assembly.delegations) == 195


def test_the_state_of_palestine_may_sponsor_and_amend_but_not_vote():
    assembly = only_committee("general-assembly")
    palestine = next(d for d in assembly.delegations if d.country == "PS")
    rights = palestine.effective_rights()
    assert {Right.SPONSOR, Right.AMEND} <= rights
    assert not rights & {Right.VOTE_PROCEDURE, Right.VOTE_SUBSTANCE}


def test_generated_members_carry_a_short_generic_brief_that_names_the_state():
    assembly = only_committee("general-assembly")
    bolivia = next(d for d in assembly.delegations if d.country == "BO")
    assert bolivia.generated
    assert bolivia.name == "Bolivia (Plurinational State of)"
    assert "Bolivia (Plurinational State of)" in bolivia.brief
    assert len(bolivia.brief.split()) < 80


@pytest.mark.parametrize("slug", ["security-council-crisis", "climate-conference", "peace-talks"])
def test_each_scenario_but_the_general_assembly_has_at_least_three_actor_kinds(slug):
    assert len(load_scenario(slug).actor_kinds()) >= 3


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_hand_written_brief_runs_between_80_and_200_words(slug):
    for committee in load_scenario(slug).committees:
        for d in committee.delegations:
            if not d.generated:
                assert 80 <= len(d.brief.split()) <= 200, d.name


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_shipped_committee_uses_a_known_preset_and_has_an_agenda(slug):
    for committee in load_scenario(slug).committees:
        assert committee.preset in PRESETS
        assert committee.agenda


# --- validation of bad specs ----------------------------------------------------------------


def state(
    name: str = "Ghana",
    country: str | None = "GH",
    *,
    kind: ActorKind | None = ActorKind.MEMBER_STATE,
    brief: str = "Interests, red lines, allies.",
    seats: int = 2,
    rights: dict[str, bool] | None = None,
    fictional: bool = False,
) -> DelegationSpec:
    return DelegationSpec(
        name=name,
        kind=kind,
        brief=brief,
        country=country,
        fictional=fictional,
        seats=seats,
        rights=rights or {},
    )


def scenario(
    *delegations: DelegationSpec,
    preset: str = "security_council",
    agenda: tuple[str, ...] = ("Ceasefire",),
    mediation_mode: str | None = None,
    proximity: bool = False,
) -> ScenarioSpec:
    committee = CommitteeSpec(
        name="Council",
        preset=preset,
        agenda=agenda,
        delegations=delegations,
        mediation_mode=mediation_mode,
        proximity=proximity,
    )
    return ScenarioSpec(slug="test", title="Test", description="A test.", committees=(committee,))


def errors_of(*delegations: DelegationSpec, **committee: Any) -> str:
    return "\n".join(validate_scenario(scenario(*delegations, **committee)))


def test_a_good_minimal_scenario_has_no_errors():
    assert validate_scenario(scenario(state(), state("Kenya", "KE"))) == []


def test_validation_catches_a_state_with_no_country_code():
    assert "'Ghana' is a member state and needs an ISO 3166-1 alpha-2 country code" in errors_of(
        state(country=None)
    )


def test_a_fictional_state_needs_no_country_code_but_may_not_have_one():
    assert errors_of(state("Kaldera", None, fictional=True)) == ""
    assert "fictional and must not have a country code" in errors_of(
        state("Kaldera", "GH", fictional=True)
    )


def test_validation_catches_an_unknown_country_code():
    assert "'Ghana' has unknown country code 'XX'" in errors_of(state(country="XX"))


def test_validation_catches_a_delegation_without_a_kind():
    assert "'Ghana' has no kind" in errors_of(state(kind=None))


def test_validation_catches_a_country_code_on_a_non_state():
    assert "must not have a country code" in errors_of(state("Red Cross", "CH", kind=ActorKind.NGO))


def test_validation_catches_an_unknown_right_override():
    assert "unknown right 'vote'" in errors_of(state(rights={"vote": False}))


def test_validation_catches_four_seats_and_zero_seats():
    assert "'Ghana' has 4 seats; a delegation seats 1 to 3" in errors_of(state(seats=4))
    assert "has 0 seats" in errors_of(state(seats=0))


def test_validation_catches_a_permanent_member_whose_veto_is_overridden_off():
    p5 = state("France", "FR", kind=ActorKind.PERMANENT_MEMBER, rights={"veto": False})
    assert "'France' is a permanent member and must keep the veto" in errors_of(p5)


def test_validation_catches_a_veto_granted_to_an_elected_member():
    assert "only a permanent member may hold the veto" in errors_of(state(rights={"veto": True}))


def test_validation_catches_duplicate_names_in_a_committee():
    assert "delegation name 'Ghana' appears more than once" in errors_of(
        state(), state(country="KE")
    )


def test_validation_catches_two_delegations_with_the_same_country():
    assert "share country code GH" in errors_of(state(), state("Republic of Ghana"))


def test_validation_catches_an_empty_brief():
    assert "'Ghana' has an empty brief" in errors_of(state(brief="  "))


def test_validation_catches_an_unknown_preset_and_mediation_mode():
    text = errors_of(state(), preset="house_of_lords", mediation_mode="coercive")
    assert "unknown preset 'house_of_lords'" in text
    assert "unknown mediation_mode 'coercive'" in text


def test_validation_catches_proximity_talks_without_a_mediator():
    text = errors_of(state(), preset="peace_talks", proximity=True)
    assert "proximity talks need a mediation_mode" in text
    text = errors_of(state(), preset="peace_talks", mediation_mode="directive")
    assert "no delegation is a mediator" in text


def test_validation_catches_an_empty_agenda_and_an_empty_committee():
    assert "agenda needs at least one topic" in errors_of(state(), agenda=())
    assert "no delegations are seated" in errors_of()


def test_validation_reports_every_problem_not_only_the_first():
    errors = validate_scenario(scenario(state(country=None, seats=4, brief="")))
    assert len(errors) == 3


def test_a_delegation_spec_refuses_to_compute_rights_without_a_kind():
    with pytest.raises(ValueError, match="has no kind"):
        replace(state(), kind=None).effective_rights()


# --- reading files ------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
slug: custom
title: Custom
description: A custom scenario.
committees:
  - name: Council
    preset: security_council
    agenda: [Ceasefire]
    delegations:
      - {name: Norway, kind: member_state, country: "NO", brief: Keep talking.}
"""


def test_a_scenario_file_can_be_loaded_by_path(tmp_path):
    spec = load_scenario(write(tmp_path, GOOD))
    (delegation,) = spec.committees[0].delegations
    assert delegation.country == "NO"
    assert delegation.seats == 2
    assert spec.setting("staff_can_read_private_channels") is True


def test_a_bare_no_country_code_gets_a_hint_to_quote_it(tmp_path):
    with pytest.raises(ScenarioError, match="quoted"):
        load_scenario(write(tmp_path, GOOD.replace('"NO"', "NO")))


def test_a_misspelt_key_is_an_error_not_silently_ignored(tmp_path):
    with pytest.raises(ScenarioError, match="unknown key 'breif'"):
        load_scenario(write(tmp_path, GOOD.replace("brief:", "breif:")))


def test_an_unknown_kind_is_an_error_when_reading(tmp_path):
    with pytest.raises(ScenarioError, match="unknown kind 'superpower'"):
        load_scenario(write(tmp_path, GOOD.replace("member_state", "superpower")))


def test_loading_validates_and_lists_every_error(tmp_path):
    bad = GOOD.replace('country: "NO"', 'country: "XX", seats: 4')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, bad))
    assert len(caught.value.errors) == 2
    assert (
        load_scenario(write(tmp_path, bad), validate=False).committees[0].delegations[0].seats == 4
    )


def test_a_scenario_error_survives_pickling():
    error = pickle.loads(pickle.dumps(ScenarioError("x.yaml", ["one", "two"])))  # noqa: S301 (our own bytes)
    assert error.errors == ["one", "two"] and str(error) == "x.yaml: one; two"


def test_an_unknown_slug_is_not_found():
    with pytest.raises(ScenarioNotFound):
        load_scenario("no-such-scenario")


def test_a_slug_cannot_wander_the_file_system():
    with pytest.raises(ScenarioNotFound):
        load_scenario("../../etc/passwd")


def test_a_hand_written_state_replaces_its_generated_seat(tmp_path):
    text = GOOD.replace(
        "preset: security_council", "preset: una_usa\n    generate: un_member_states"
    )
    (committee,) = load_scenario(write(tmp_path, text)).committees
    norway = [d for d in committee.delegations if d.country == "NO"]
    assert len(norway) == 1 and norway[0].brief == "Keep talking." and not norway[0].generated
    assert len(committee.delegations) == 193


# --- reference data -----------------------------------------------------------------------


def test_there_are_exactly_193_un_member_states_with_unique_known_codes():
    states = un_member_states()
    assert len(states) == 193
    codes = [s.code for s in states]
    assert len(set(codes)) == 193
    assert len({s.name for s in states}) == 193
    for code in codes:
        assert pycountry.countries.get(alpha_2=code) is not None, code


def test_observer_states_are_not_listed_as_members():
    codes = {s.code for s in un_member_states()}
    assert not codes & {"VA", "PS", "XK", "TW"}
