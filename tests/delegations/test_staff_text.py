"""What the instructor writes for students to read is held to the same characters as what
students write: no NUL, control, bidirectional-override or invisible characters."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.delegations import services
from apps.delegations.models import Committee, Delegation, Simulation

TRICKS = ["Veridia\u202e", "Veri\x00dia", "Veri\u200bdia", "Veri\x1bdia"]


@pytest.fixture
def committee(simulation: Simulation, instructor: User) -> Committee:
    return services.committee_create(
        simulation=simulation, by=instructor, name="Security Council", preset_key="una_usa"
    )


@pytest.mark.parametrize("name", TRICKS)
def test_a_delegation_name_with_hidden_characters_is_refused_and_nothing_saved(
    committee: Committee, instructor: User, name: str
) -> None:
    with pytest.raises(ValidationError, match="cannot contain"):
        services.delegation_create(
            committee=committee, by=instructor, name=name, kind="member_state"
        )
    assert not Delegation.objects.filter(committee=committee).exists()


@pytest.mark.parametrize("name", TRICKS)
def test_a_committee_name_with_hidden_characters_is_refused(
    simulation: Simulation, instructor: User, name: str
) -> None:
    with pytest.raises(ValidationError, match="cannot contain"):
        services.committee_create(
            simulation=simulation, by=instructor, name=name, preset_key="una_usa"
        )
    assert not Committee.objects.filter(simulation=simulation).exists()


def test_a_brief_an_agenda_and_a_title_with_hidden_characters_are_refused(
    simulation: Simulation, committee: Committee, instructor: User
) -> None:
    delegation = services.delegation_create(
        committee=committee, by=instructor, name="Veridia", kind="member_state", fictional=True
    )
    with pytest.raises(ValidationError, match="The brief cannot contain"):
        services.delegation_update(
            delegation=delegation,
            by=instructor,
            name="Veridia",
            kind="member_state",
            country_code="",
            fictional=True,
            seats=2,
            brief="Hold the line\u202e on the ceasefire",
            rights_overrides={},
        )
    with pytest.raises(ValidationError, match="agenda topic cannot contain"):
        services.committee_update(
            committee=committee,
            by=instructor,
            name="Security Council",
            body="",
            agenda=["Ceasefire\x00"],
        )
    with pytest.raises(ValidationError, match="title cannot contain"):
        services.simulation_update(
            simulation=simulation,
            by=instructor,
            title="Crisis\u2067",
            description="",
            status=Simulation.Status.OPEN,
            staff_can_read_private_channels=False,
        )
    delegation.refresh_from_db()
    simulation.refresh_from_db()
    assert delegation.brief == ""
    assert simulation.title == "Crisis in Veridia"


def test_ordinary_multilingual_text_with_line_breaks_is_kept(
    committee: Committee, instructor: User
) -> None:
    delegation = services.delegation_create(
        committee=committee,
        by=instructor,
        name="Côte d’Ivoire",
        kind="member_state",
        country_code="CI",
        brief="Priorités :\n- cessez-le-feu\n- مساعدات إنسانية",
    )
    assert delegation.name == "Côte d’Ivoire"
    assert delegation.brief == "Priorités :\n- cessez-le-feu\n- مساعدات إنسانية"
