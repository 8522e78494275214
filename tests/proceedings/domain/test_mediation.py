import pytest

from apps.proceedings.domain.mediation import (
    MediationMode,
    MediatorAction,
    may_open_channel,
    mediator_may,
    parties_may_talk_directly,
)

FACILITATIVE, PROCEDURAL, DIRECTIVE = MediationMode


@pytest.mark.parametrize("mode", list(MediationMode))
def test_proximity_talks_forbid_direct_channels_between_parties(mode: MediationMode) -> None:
    assert not parties_may_talk_directly(mode, proximity=True)
    assert not may_open_channel(mode, True, with_mediator=False)
    assert may_open_channel(mode, True, with_mediator=True)


def test_without_proximity_parties_may_talk_directly() -> None:
    assert parties_may_talk_directly(DIRECTIVE, proximity=False)
    assert may_open_channel(None, False, with_mediator=False)


def test_a_directive_mediator_may_table_a_single_text() -> None:
    assert mediator_may(DIRECTIVE, MediatorAction.TABLE_SINGLE_TEXT)
    assert not mediator_may(PROCEDURAL, MediatorAction.TABLE_SINGLE_TEXT)
    assert not mediator_may(FACILITATIVE, MediatorAction.TABLE_SINGLE_TEXT)


def test_agenda_and_sequencing_belong_to_procedural_and_directive_mediators() -> None:
    for action in (MediatorAction.SET_AGENDA, MediatorAction.SET_SEQUENCE):
        assert not mediator_may(FACILITATIVE, action)
        assert mediator_may(PROCEDURAL, action)
        assert mediator_may(DIRECTIVE, action)


def test_shuttle_channels_are_directive_unless_the_talks_are_proximity_talks() -> None:
    assert mediator_may(DIRECTIVE, MediatorAction.OPEN_SHUTTLE)
    assert not mediator_may(FACILITATIVE, MediatorAction.OPEN_SHUTTLE)
    assert mediator_may(FACILITATIVE, MediatorAction.OPEN_SHUTTLE, proximity=True)


def test_powers_are_data_a_committee_can_change() -> None:
    powers = {FACILITATIVE: frozenset({MediatorAction.TABLE_SINGLE_TEXT})}
    assert mediator_may(FACILITATIVE, MediatorAction.TABLE_SINGLE_TEXT, powers=powers)
    assert not mediator_may(DIRECTIVE, MediatorAction.TABLE_SINGLE_TEXT, powers=powers)
