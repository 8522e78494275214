"""How far the mediator steps in is the instructor's call, by every path that writes it: the
rules editor (form and advanced JSON), the console's mediation form, the preset switch, and
the next session, which starts with the instructor's latest choice."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.accounts.models import User
from apps.delegations import services as delegations
from apps.delegations.models import Committee, Membership, Simulation
from apps.proceedings import services as proceedings
from apps.proceedings.models import Session
from tests.conftest import make_student
from tests.proceedings.helpers import give_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks_committee(instructor: User) -> Committee:
    simulation = delegations.simulation_from_scenario(owner=instructor, slug="peace-talks")
    return simulation.committees.get()


def staffer(committee: Committee, instructor: User, name: str, role: str) -> Client:
    user = give_role(
        committee.simulation,
        instructor,
        make_student(committee.simulation, name),
        role,
        committee if role in {Membership.Role.CHAIR, Membership.Role.MEDIATOR} else None,
    )
    client = Client()
    client.force_login(user)
    return client


def url(committee: Committee) -> str:
    return f"/sims/{committee.simulation_id}/committees/{committee.pk}/rules/"


def mediation(committee: Committee) -> dict[str, object]:
    committee.refresh_from_db()
    return dict(committee.rules["mediation"])


WIDER = {"mediation": {"mode": "directive", "proximity": False}}


def narrowed(committee: Committee, instructor: User) -> Committee:
    """The instructor has put the talks in facilitative mode with proximity talks."""
    change = {"mediation": {"mode": "facilitative", "proximity": True}}
    client = Client()
    client.force_login(instructor)
    assert client.post(url(committee), {"advanced": json.dumps(change)}).status_code == (302)
    committee.refresh_from_db()
    return committee


def test_a_student_mediator_cannot_switch_the_mediation_mode_through_the_rules_editor(
    instructor: User, talks_committee: Committee
) -> None:
    committee = narrowed(talks_committee, instructor)
    envoy = staffer(committee, instructor, "Envoy", Membership.Role.MEDIATOR)
    before = mediation(committee)

    response = envoy.post(url(committee), {"advanced": json.dumps(WIDER)})

    assert response.status_code == 403
    assert "Only the instructor may change the mediation mode" in response.content.decode()
    assert mediation(committee) == before
    # The next session starts in the instructor's mode: no bilateral, no agenda by the envoy.
    session = proceedings.session_create(committee=committee, by=instructor)
    assert (session.mediation_mode, session.proximity) == ("facilitative", True)


@pytest.mark.parametrize(
    "change",
    [
        {"mediation": {"proximity": False}},
        {"mediation": {"powers": {"facilitative": ["convene", "set_agenda", "open_shuttle"]}}},
        {"mediation": None},  # no mediation at all: a mediator bound by nothing
    ],
)
def test_a_mediator_cannot_touch_any_mediation_setting(
    instructor: User, talks_committee: Committee, change: dict[str, object]
) -> None:
    committee = narrowed(talks_committee, instructor)
    envoy = staffer(committee, instructor, "Envoy", Membership.Role.MEDIATOR)
    before = mediation(committee)
    assert envoy.post(url(committee), {"advanced": json.dumps(change)}).status_code == 403
    assert mediation(committee) == before


def test_a_student_chair_cannot_change_the_mediation_either(
    instructor: User, talks_committee: Committee
) -> None:
    committee = narrowed(talks_committee, instructor)
    chair = staffer(committee, instructor, "Chair", Membership.Role.CHAIR)
    assert chair.post(url(committee), {"advanced": json.dumps(WIDER)}).status_code == 403
    assert mediation(committee)["mode"] == "facilitative"


def test_a_mediator_keeps_every_other_rules_edit(
    instructor: User, talks_committee: Committee
) -> None:
    committee = narrowed(talks_committee, instructor)
    envoy = staffer(committee, instructor, "Envoy", Membership.Role.MEDIATOR)
    before = mediation(committee)
    # The whole rule book as the editor shows it, with one change: the mediation untouched.
    rules = dict(committee.rules)
    rules["speakers"] = {**rules["speakers"], "default_speaking_time_s": 240}
    assert envoy.post(url(committee), {"advanced": json.dumps(rules)}).status_code == 302
    # The form (which has no mediation fields) too.
    data = {"default_speaking_time_s": "200", "quorum": "1/1", "yield_chair": "on"}
    assert envoy.post(url(committee), data).status_code == 302
    committee.refresh_from_db()
    assert committee.rules["speakers"]["default_speaking_time_s"] == 200
    assert mediation(committee) == before


@pytest.mark.parametrize("role", [None, Membership.Role.CO_INSTRUCTOR])
def test_the_instructor_and_co_instructors_change_the_mediation(
    instructor: User, talks_committee: Committee, role: str | None
) -> None:
    committee = narrowed(talks_committee, instructor)
    if role is None:
        client = Client()
        client.force_login(instructor)
    else:
        client = staffer(committee, instructor, "Co-teacher", role)
    assert client.post(url(committee), {"advanced": json.dumps(WIDER)}).status_code == 302
    assert mediation(committee)["mode"] == "directive"
    assert mediation(committee)["proximity"] is False


def test_the_instructors_switch_on_the_console_holds_for_the_next_session(
    instructor: User, talks_committee: Committee
) -> None:
    """A mediator narrowed to facilitative mode mid-talks does not get directive powers back
    by adjourning and opening a new session (which copies the committee's mode)."""
    committee = talks_committee
    envoy = give_role(
        committee.simulation,
        instructor,
        make_student(committee.simulation, "Envoy"),
        Membership.Role.MEDIATOR,
        committee,
    )
    first = proceedings.session_create(committee=committee, by=envoy)
    assert first.mediation_mode == "directive"
    proceedings.mediation_set(session=first, by=instructor, mode="facilitative", proximity=True)
    Session.objects.filter(pk=first.pk).update(phase="adjourned")

    second = proceedings.session_create(committee=committee, by=envoy)

    assert (second.mediation_mode, second.proximity) == ("facilitative", True)


def test_a_mediator_cannot_use_the_consoles_mediation_form(
    instructor: User, talks_committee: Committee
) -> None:
    envoy = give_role(
        talks_committee.simulation,
        instructor,
        make_student(talks_committee.simulation, "Envoy"),
        Membership.Role.MEDIATOR,
        talks_committee,
    )
    session = proceedings.session_create(committee=talks_committee, by=instructor)
    with pytest.raises(PermissionDenied):
        proceedings.mediation_set(session=session, by=envoy, mode="directive", proximity=False)


def test_a_mediator_cannot_switch_the_preset_to_one_with_other_mediation(
    instructor: User, talks_committee: Committee
) -> None:
    envoy = give_role(
        talks_committee.simulation,
        instructor,
        make_student(talks_committee.simulation, "Envoy"),
        Membership.Role.MEDIATOR,
        talks_committee,
    )
    before = mediation(talks_committee)
    with pytest.raises(PermissionDenied):
        delegations.committee_update(
            committee=talks_committee,
            by=envoy,
            name=talks_committee.name,
            body=talks_committee.body,
            agenda=talks_committee.agenda,
            preset_key="una_usa",
        )
    assert mediation(talks_committee) == before


def test_the_instructor_switches_the_preset_and_its_mediation_with_it(
    instructor: User, simulation: Simulation
) -> None:
    committee = delegations.committee_create(
        simulation=simulation, by=instructor, name="Talks", preset_key="una_usa"
    )
    assert committee.rules["mediation"] is None
    delegations.committee_update(
        committee=committee,
        by=instructor,
        name=committee.name,
        body="",
        agenda=[],
        preset_key="peace_talks",
    )
    assert mediation(committee)["mode"] == "directive"
