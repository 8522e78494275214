"""The rules editor reads only bounded input: a threshold, a number or a JSON document that
would cost time, crash or fill the page is refused at once with a sentence, and nothing
changes."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.delegations import services as delegations
from apps.delegations.models import Committee, Simulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(simulation: Simulation, instructor: User) -> Committee:
    return delegations.committee_create(
        simulation=simulation, by=instructor, name="First Committee", preset_key="una_usa"
    )


def url(committee: Committee) -> str:
    return f"/sims/{committee.simulation_id}/committees/{committee.pk}/rules/"


def form(committee: Committee, **changes: str) -> dict[str, str]:
    rules = committee.rules
    data = {
        "default_speaking_time_s": str(rules["speakers"]["default_speaking_time_s"]),
        "procedural": rules["voting"]["procedural"],
        "substantive": rules["voting"]["substantive"],
        "quorum": rules["voting"]["quorum"],
    }
    data.update(changes)
    return data


def unchanged(committee: Committee, before: str) -> bool:
    committee.refresh_from_db()
    return json.dumps(committee.rules, sort_keys=True) == before


@pytest.mark.parametrize("quorum", ["1e-4000000", "6e6", "3e7", "1E-999999", "nan", "inf", "1/0"])
def test_a_quorum_that_is_not_a_small_fraction_is_refused_at_once(
    instructor_client: Client, committee: Committee, quorum: str
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    started = time.perf_counter()
    response = instructor_client.post(url(committee), form(committee, quorum=quorum))
    assert time.perf_counter() - started < 2
    assert response.status_code == 422
    assert "voting.quorum must be a fraction such as 2/3" in response.content.decode()
    assert unchanged(committee, before)


def test_a_quorum_may_be_a_decimal_or_a_percentage(
    instructor_client: Client, committee: Committee
) -> None:
    assert instructor_client.post(url(committee), form(committee, quorum="50%")).status_code == 302
    committee.refresh_from_db()
    assert committee.rules["voting"]["quorum"] == "1/2"


@pytest.mark.parametrize(
    ("advanced", "message"),
    [
        ('{"voting": {"quorum": NaN}}', "cannot hold NaN"),
        ('{"voting": {"quorum": Infinity}}', "cannot hold Infinity"),
        ('{"voting": {"quorum": -Infinity}}', "cannot hold -Infinity"),
        ('{"seats": ' + "9" * 5000 + "}", "at most 9 digits"),
        ('{"seats": 1' + "0" * 40 + "}", "at most 9 digits"),
        ('{"voting": {"quorum": 1e-4000000}}', "no exponent"),
        ('{"voting": {"quorum": 0.' + "3" * 50 + "}}", "no exponent"),
        ('{"voting": {"quorum": "1e-4000000"}}', "voting.quorum must be a fraction"),
        ("[" * 100_000 + "]" * 100_000, "limited to 64,000 characters"),
        ('{"voting": ' + "[" * 20_000 + "]" * 20_000 + "}", "nested too deeply"),
        ('{"x": ' + "[" * 100 + "]" * 100 + "}", "nested too deeply"),
        (json.dumps({"voting": {f"k{i}": 1 for i in range(2000)}}), "…and 1988 more problems."),
        (json.dumps({"voting": {f"k{i}": 1 for i in range(5000)}}), "too many settings"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_the_advanced_json_is_bounded_and_refused_with_a_sentence(
    instructor_client: Client, committee: Committee, advanced: str, message: str
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    started = time.perf_counter()
    response = instructor_client.post(url(committee), {"advanced": advanced})
    assert time.perf_counter() - started < 3
    assert response.status_code == 422
    assert message in response.content.decode()
    assert len(response.content) < 100_000  # the page repeats no huge value
    assert unchanged(committee, before)


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "1e400", "45.5", "٤٥", "9" * 5000])
def test_a_speaking_time_that_is_not_a_whole_number_is_a_400_not_a_crash(
    instructor_client: Client, committee: Committee, seconds: str
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    response = instructor_client.post(
        url(committee), form(committee, default_speaking_time_s=seconds)
    )
    assert response.status_code == 400
    assert "The default speaking time (seconds) must be" in response.content.decode()
    assert unchanged(committee, before)


@pytest.mark.parametrize("minutes", ["nan", "inf", "1e9", "-5", "1" * 40])
def test_a_caucus_length_that_is_not_a_number_of_minutes_is_a_400(
    instructor_client: Client, committee: Committee, minutes: str
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    data = form(committee, motion_moderated_caucus_present="on")
    data["motion_moderated_caucus_enabled"] = "on"
    data["motion_moderated_caucus_max_min"] = minutes
    response = instructor_client.post(url(committee), data)
    assert response.status_code == 400
    assert "must be a number of minutes" in response.content.decode()
    assert unchanged(committee, before)


def test_a_caucus_length_in_minutes_with_a_comma_is_read(
    instructor_client: Client, committee: Committee
) -> None:
    data = form(committee, motion_moderated_caucus_present="on")
    data["motion_moderated_caucus_enabled"] = "on"
    data["motion_moderated_caucus_max_min"] = "12,5"
    assert instructor_client.post(url(committee), data).status_code == 302
    committee.refresh_from_db()
    assert committee.rules["motions"]["moderated_caucus"]["max_duration_s"] == 750


def test_the_rules_name_in_the_advanced_json_cannot_hide_its_direction(
    instructor_client: Client, committee: Committee
) -> None:
    before = json.dumps(committee.rules, sort_keys=True)
    response = instructor_client.post(
        url(committee), {"advanced": json.dumps({"name": "Rules \u202eevil"})}
    )
    assert response.status_code == 422
    assert "cannot contain right-to-left or left-to-right control characters" in (
        response.content.decode()
    )
    assert unchanged(committee, before)


def test_the_placard_setting_is_on_the_form_and_saved(
    instructor_client: Client, committee: Committee
) -> None:
    page = instructor_client.get(url(committee)).content.decode()
    assert "Who sees each delegation's placard during a vote" in page
    assert '<option value="after_close" selected>' in page
    response = instructor_client.post(url(committee), form(committee, placards_visible="live"))
    assert response.status_code == 302
    committee.refresh_from_db()
    assert committee.rules["voting"]["placards_visible"] == "live"
