"""An instructor changes any threshold or option of a committee's rules, before and during
a session; bad rules are refused with every reason and nothing is saved."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.delegations import services as delegations
from apps.delegations.models import Committee, Simulation
from apps.proceedings import services as proceedings
from apps.proceedings.domain import machine
from apps.proceedings.models import Event
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(simulation: Simulation, instructor: User) -> Committee:
    committee = delegations.committee_create(
        simulation=simulation, by=instructor, name="First Committee", preset_key="una_usa"
    )
    for name, code in [("Ghana", "GH"), ("Chile", "CL"), ("Japan", "JP")]:
        delegations.delegation_create(
            committee=committee, by=instructor, name=name, kind="member_state", country_code=code
        )
    return committee


def url(committee: Committee) -> str:
    return f"/sims/{committee.simulation_id}/committees/{committee.pk}/rules/"


def form_for(committee: Committee, **changes: str) -> dict[str, str]:
    rules = committee.rules
    data = {
        "default_speaking_time_s": str(rules["speakers"]["default_speaking_time_s"]),
        "one_entry_per_delegation": "on",
        "yield_chair": "on",
        "yield_delegation": "on",
        "procedural": rules["voting"]["procedural"],
        "substantive": rules["voting"]["substantive"],
        "quorum": rules["voting"]["quorum"],
        "abstentions_allowed": "on",
    }
    for kind, rule in rules["motions"].items():
        data[f"motion_{kind}_present"] = "on"
        data[f"motion_{kind}_enabled"] = "on"
        data[f"motion_{kind}_vote"] = rule["vote"]
    data.update(changes)
    return data


def test_an_instructor_changes_thresholds_before_the_session(
    instructor_client: Client, committee: Committee
) -> None:
    response = instructor_client.post(
        url(committee),
        form_for(
            committee,
            default_speaking_time_s="60",
            quorum="1/2",
            substantive="two_thirds",
            motion_moderated_caucus_max_min="30",
        ),
    )
    assert response.status_code == 302
    committee.refresh_from_db()
    assert committee.rules["speakers"]["default_speaking_time_s"] == 60
    assert committee.rules["voting"]["quorum"] == "1/2"
    assert committee.rules["voting"]["substantive"] == "two_thirds"
    assert committee.rules["motions"]["moderated_caucus"]["max_duration_s"] == 1800


def test_a_motion_can_be_taken_out_of_the_rules(
    instructor_client: Client, committee: Committee
) -> None:
    data = form_for(committee)
    del data["motion_table_debate_enabled"]
    assert instructor_client.post(url(committee), data).status_code == 302
    committee.refresh_from_db()
    assert "table_debate" not in committee.rules["motions"]


def test_bad_rules_are_refused_with_the_reason_and_nothing_changes(
    instructor_client: Client, committee: Committee
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    response = instructor_client.post(
        url(committee), {"advanced": json.dumps({"voting": {"quorum": "7/3"}})}
    )
    assert response.status_code == 422
    assert "quorum" in response.content.decode()
    response = instructor_client.post(url(committee), {"advanced": "{not json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.content.decode()
    committee.refresh_from_db()
    assert json.dumps(committee.rules, sort_keys=True) == before


def test_rules_change_during_a_session_and_the_change_is_in_the_log(
    instructor: User, instructor_client: Client, committee: Committee
) -> None:
    session = proceedings.session_create(committee=committee, by=instructor)
    proceedings.session_open(session=session, by=instructor)
    proceedings.phase_advance(session=session, by=instructor, to="general_debate")
    assert (
        instructor_client.post(
            url(committee), form_for(committee, default_speaking_time_s="45")
        ).status_code
        == 302
    )
    assert Event.objects.filter(session=session, kind="rules_changed").count() == 1
    session.refresh_from_db()
    assert machine.speaking_time(proceedings.preset_of(session), session.machine) == 45


def test_rules_that_would_strand_the_open_session_are_refused(
    instructor: User, instructor_client: Client, committee: Committee
) -> None:
    session = proceedings.session_create(committee=committee, by=instructor)
    proceedings.session_open(session=session, by=instructor)
    proceedings.phase_advance(session=session, by=instructor, to="general_debate")
    proceedings.phase_advance(
        session=session, by=instructor, to="unmoderated_caucus", duration_s=600
    )
    phases = [p for p in committee.rules["phases"] if p != "unmoderated_caucus"]
    response = instructor_client.post(url(committee), {"advanced": json.dumps({"phases": phases})})
    assert response.status_code == 422
    committee.refresh_from_db()
    assert "unmoderated_caucus" in committee.rules["phases"]


def test_a_delegate_reads_the_rules_but_cannot_change_them(
    simulation: Simulation, committee: Committee
) -> None:
    student = make_student(simulation, "Kofi")
    delegations.seat_take(
        simulation=simulation, by=student, delegation_id=committee.delegations.first().pk
    )
    client = Client()
    client.force_login(student)
    page = client.get(url(committee))
    assert page.status_code == 200 and "Save the rules" not in page.content.decode()
    assert client.post(url(committee), form_for(committee, quorum="1/2")).status_code == 403


def test_an_absurd_duration_is_refused_with_a_message_not_a_crash(
    instructor: User, committee: Committee
) -> None:
    from django.core.exceptions import ValidationError

    session = proceedings.session_create(committee=committee, by=instructor)
    proceedings.session_open(session=session, by=instructor)
    proceedings.phase_advance(session=session, by=instructor, to="general_debate")
    for duration, speaking in [(10**12, None), (600, 10**12), (0, None)]:
        with pytest.raises(ValidationError, match="between 1 second and 7 days"):
            proceedings.phase_advance(
                session=session,
                by=instructor,
                to="moderated_caucus",
                duration_s=duration,
                speaking_time_s=speaking,
            )
    session.refresh_from_db()
    assert session.phase == "general_debate"
