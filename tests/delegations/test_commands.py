"""`manage.py load_scenario`: list the templates, or create a simulation from one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.delegations.domain.scenarios import list_scenarios
from apps.delegations.models import Delegation, Simulation

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_scenario", *args, stdout=out)
    return out.getvalue()


def test_list_shows_every_scenario_with_its_size() -> None:
    lines = run("--list").splitlines()
    assert len(lines) == len(list_scenarios())
    for line, scenario in zip(lines, list_scenarios(), strict=True):
        assert line.split()[:2] == [scenario.slug, str(scenario.delegation_count)]
        assert scenario.title in line
    assert not Simulation.objects.exists()


def test_it_creates_the_peace_talks_for_an_instructor(instructor: User) -> None:
    output = run("peace-talks", "--owner", instructor.username)
    simulation = Simulation.objects.get()
    assert simulation.owner == instructor
    assert simulation.scenario_slug == "peace-talks"
    assert f"join code {simulation.join_code}" in output
    assert Delegation.objects.filter(committee__simulation=simulation).count() == 6


def test_it_takes_a_title(instructor: User) -> None:
    run("peace-talks", "--owner", instructor.username, "--title", "Period 3 talks")
    assert Simulation.objects.get().title == "Period 3 talks"


def test_an_unknown_owner_is_an_error_that_creates_nothing() -> None:
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run("peace-talks", "--owner", "nobody")
    assert not Simulation.objects.exists()


def test_a_missing_owner_is_an_error() -> None:
    with pytest.raises(CommandError, match="--owner"):
        run("peace-talks")


def test_an_unknown_scenario_is_an_error_that_creates_nothing(instructor: User) -> None:
    with pytest.raises(CommandError, match="no such scenario"):
        run("no-such-scenario", "--owner", instructor.username)
    assert not Simulation.objects.exists()


def test_an_owner_who_is_not_an_instructor_is_refused(outsider: User) -> None:
    with pytest.raises(CommandError, match="Only instructors can create simulations"):
        run("peace-talks", "--owner", outsider.username)
    assert not Simulation.objects.exists()
