"""The chair's console shows and changes the mediation mode of mediated talks."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.delegations import services as delegations
from apps.proceedings import services as proceedings
from apps.proceedings.models import Session
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(instructor: User) -> Session:
    simulation = delegations.simulation_from_scenario(owner=instructor, slug="peace-talks")
    committee = simulation.committees.get()
    session = proceedings.session_create(committee=committee, by=instructor)
    return proceedings.session_open(session=session, by=instructor)


def test_the_console_shows_the_mode_and_the_mediators_powers(
    instructor_client: Client, talks: Session
) -> None:
    html = instructor_client.get(talks.get_absolute_url()).content.decode()
    assert "Mediation: directive · proximity talks" in html
    assert "table single text" in html and "open shuttle" in html
    assert 'name="mode"' in html


def test_the_chair_switches_to_facilitative_mediation(
    instructor_client: Client, talks: Session
) -> None:
    response = instructor_client.post(
        f"/sessions/{talks.pk}/act/mediation/", {"mode": "facilitative"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    talks.refresh_from_db()
    assert (talks.mediation_mode, talks.proximity) == ("facilitative", False)
    html = response.content.decode()
    assert "Mediation: facilitative" in html and "table single text" not in html


def test_a_party_sees_the_mode_but_cannot_change_it(instructor: User, talks: Session) -> None:
    simulation = talks.committee.simulation
    party = make_student(simulation, "Amani")
    delegation = talks.committee.delegations.filter(kind="armed_group").first()
    delegations.seat_take(simulation=simulation, by=party, delegation_id=delegation.pk)
    client = Client()
    client.force_login(party)
    html = client.get(talks.get_absolute_url()).content.decode()
    assert "Mediation: directive" in html and 'name="mode"' not in html
    assert (
        client.post(f"/sessions/{talks.pk}/act/mediation/", {"mode": "facilitative"}).status_code
        == 403
    )


def test_a_facilitative_mediator_cannot_set_the_agenda_but_a_procedural_one_can(
    instructor: User, talks: Session
) -> None:
    from django.core.exceptions import ValidationError

    from apps.delegations.models import Membership

    simulation = talks.committee.simulation
    envoy = make_student(simulation, "Envoy")
    membership = Membership.objects.get(simulation=simulation, user=envoy)
    delegations.member_set_role(
        simulation=simulation,
        by=instructor,
        membership_id=membership.pk,
        role="mediator",
        committee_id=talks.committee_id,
    )
    envoy = User.objects.get(pk=envoy.pk)
    topic = talks.committee.agenda[0]
    proceedings.mediation_set(session=talks, by=instructor, mode="facilitative", proximity=False)
    with pytest.raises(ValidationError, match="the parties decide it"):
        proceedings.agenda_set(session=talks, by=envoy, topic=topic)
    proceedings.mediation_set(session=talks, by=instructor, mode="procedural", proximity=False)
    proceedings.agenda_set(session=talks, by=User.objects.get(pk=envoy.pk), topic=topic)
    talks.refresh_from_db()
    assert talks.machine.agenda_item == topic
