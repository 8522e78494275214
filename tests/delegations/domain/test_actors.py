import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.delegations.domain.actors import (
    DEFAULT_RIGHTS,
    STATE_KINDS,
    ActorKind,
    Right,
    effective_rights,
    parse_overrides,
    rights_table,
)


def test_actor_kinds_are_exactly_the_nine_of_the_glossary():
    assert [k.value for k in ActorKind] == [
        "member_state",
        "permanent_member",
        "observer_state",
        "international_organisation",
        "ngo",
        "company",
        "city",
        "armed_group",
        "mediator",
    ]


def test_rights_are_exactly_the_eight_of_the_glossary():
    assert [r.value for r in Right] == [
        "speak",
        "vote_procedure",
        "vote_substance",
        "sponsor",
        "sign",
        "amend",
        "veto",
        "open_channels",
    ]


def test_every_kind_and_right_has_a_human_label():
    assert ActorKind.PERMANENT_MEMBER.label == "Permanent member (veto)"
    assert ActorKind.CITY.label == "City / sub-national government"
    assert Right.OPEN_CHANNELS.label == "Open private channels"
    assert all(k.label for k in ActorKind)
    assert all(r.label for r in Right)


def test_only_the_three_state_kinds_need_a_country_code():
    assert {
        ActorKind.MEMBER_STATE,
        ActorKind.PERMANENT_MEMBER,
        ActorKind.OBSERVER_STATE,
    } == STATE_KINDS
    assert ActorKind.OBSERVER_STATE.is_state
    assert not ActorKind.ARMED_GROUP.is_state


def test_every_kind_has_defaults_and_every_kind_may_speak():
    assert set(DEFAULT_RIGHTS) == set(ActorKind)
    assert all(Right.SPEAK in rights for rights in DEFAULT_RIGHTS.values())


def test_only_a_permanent_member_holds_the_veto_by_default():
    holders = {kind for kind, rights in DEFAULT_RIGHTS.items() if Right.VETO in rights}
    assert holders == {ActorKind.PERMANENT_MEMBER}


def test_a_member_state_holds_every_right_but_the_veto():
    assert DEFAULT_RIGHTS[ActorKind.MEMBER_STATE] == frozenset(Right) - {Right.VETO}


def test_only_member_states_and_permanent_members_vote_by_default():
    voters = {
        k
        for k, rights in DEFAULT_RIGHTS.items()
        if rights & {Right.VOTE_PROCEDURE, Right.VOTE_SUBSTANCE}
    }
    assert voters == {ActorKind.MEMBER_STATE, ActorKind.PERMANENT_MEMBER}


def test_observers_ngos_companies_and_cities_speak_but_do_not_sponsor():
    for kind in (ActorKind.OBSERVER_STATE, ActorKind.NGO, ActorKind.COMPANY, ActorKind.CITY):
        assert Right.SPEAK in DEFAULT_RIGHTS[kind]
        assert Right.SPONSOR not in DEFAULT_RIGHTS[kind]


def test_an_armed_group_may_amend_and_sign_an_agreement():
    assert {Right.SIGN, Right.AMEND} <= DEFAULT_RIGHTS[ActorKind.ARMED_GROUP]


def test_a_mediator_tables_and_amends_texts_but_neither_votes_nor_signs():
    rights = DEFAULT_RIGHTS[ActorKind.MEDIATOR]
    assert {Right.SPONSOR, Right.AMEND, Right.OPEN_CHANNELS} <= rights
    assert not rights & {Right.VOTE_PROCEDURE, Right.VOTE_SUBSTANCE, Right.SIGN, Right.VETO}


def test_an_override_can_remove_a_default_right():
    rights = effective_rights(ActorKind.MEMBER_STATE, {"vote_substance": False})
    assert Right.VOTE_SUBSTANCE not in rights
    assert Right.VOTE_PROCEDURE in rights


def test_an_override_can_grant_a_right_the_kind_lacks():
    assert Right.AMEND in effective_rights(ActorKind.OBSERVER_STATE, {"amend": True})


def test_an_unknown_override_key_raises_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown right 'vote'.*rights are: speak"):
        effective_rights(ActorKind.NGO, {"vote": True})


def test_an_override_that_is_not_a_boolean_is_refused():
    with pytest.raises(ValueError, match="must be true or false"):
        parse_overrides({"speak": "yes"})


def test_the_rights_table_lists_every_right_in_order_with_labels():
    rows = rights_table(ActorKind.PERMANENT_MEMBER, {})
    assert [row.right for row in rows] == list(Right)
    assert all(row.granted and not row.is_override for row in rows)
    assert rows[0].label == "Speak in plenary"


def test_the_rights_table_marks_overrides_that_change_the_default():
    rows = {row.right: row for row in rights_table(ActorKind.NGO, {"sign": True, "amend": False})}
    assert rows[Right.SIGN].granted and rows[Right.SIGN].is_override
    # Denying a right the NGO never had restates the default: not an override.
    assert not rows[Right.AMEND].granted and not rows[Right.AMEND].is_override
    assert rows[Right.SPEAK].granted and not rows[Right.SPEAK].is_override
    assert not rows[Right.VOTE_SUBSTANCE].granted


def test_the_rights_table_refuses_an_unknown_override():
    with pytest.raises(ValueError, match="unknown right 'filibuster'"):
        rights_table(ActorKind.CITY, {"filibuster": True})


@given(
    kind=st.sampled_from(list(ActorKind)),
    overrides=st.dictionaries(st.sampled_from([r.value for r in Right]), st.booleans()),
)
def test_overrides_win_and_everything_else_keeps_the_kinds_default(kind, overrides):
    rights = effective_rights(kind, overrides)
    for right in Right:
        expected = overrides.get(right.value, right in DEFAULT_RIGHTS[kind])
        assert (right in rights) is expected
    table = rights_table(kind, overrides)
    assert {row.right for row in table if row.granted} == rights
