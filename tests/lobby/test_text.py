"""What everyone in the simulation reads in the lobby holds no control, bidirectional-override
or invisible characters: a post or an announcement with them answers 422 saying so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.lobby import services
from apps.lobby.models import Announcement, LobbyMessage
from apps.proceedings.domain.timers import MAX_TIMER_S

pytestmark = pytest.mark.django_db

REFUSED = [
    ("Hello\x00all", "control characters"),
    ("Hello\x1b[31mall", "control characters"),
    ("invoice\u202etxt.exe", "right-to-left or left-to-right control characters"),
    ("Hel\u200blo", "invisible characters"),
]


@pytest.mark.parametrize(("body", "reason"), REFUSED)
def test_a_lobby_post_with_forbidden_characters_answers_422(
    simulation: Simulation, student_client: Client, body: str, reason: str
) -> None:
    response = student_client.post(f"/sims/{simulation.pk}/lobby/post/", {"body": body})
    assert response.status_code == 422
    # The form refuses NUL itself, in its own words; the rest is refused by clean_text.
    expected = (
        "Null characters are not allowed."
        if "\x00" in body
        else f"A message cannot contain {reason}."
    )
    assert expected in response.content.decode()
    assert not LobbyMessage.objects.exists()


@pytest.mark.parametrize(("body", "reason"), REFUSED[1:])
def test_an_announcement_with_forbidden_characters_answers_422(
    simulation: Simulation, instructor_client: Client, body: str, reason: str
) -> None:
    response = instructor_client.post(
        f"/sims/{simulation.pk}/lobby/announce/", {"body": body, "delay_seconds": 0}
    )
    assert response.status_code == 422
    assert f"An announcement cannot contain {reason}." in response.content.decode()
    assert not Announcement.objects.exists()


def test_a_lobby_post_keeps_its_line_breaks(simulation: Simulation, student_client: Client) -> None:
    response = student_client.post(
        f"/sims/{simulation.pk}/lobby/post/", {"body": "Line one\r\nLine two"}
    )
    assert response.status_code == 200
    assert LobbyMessage.objects.get().body == "Line one\nLine two"


@pytest.mark.parametrize("delay", [str(MAX_TIMER_S + 1), "-1"])
def test_an_announcement_past_the_one_timer_bound_is_refused_saying_the_bound(
    simulation: Simulation, instructor_client: Client, delay: str
) -> None:
    response = instructor_client.post(
        f"/sims/{simulation.pk}/lobby/announce/", {"body": "Break", "delay_seconds": delay}
    )
    assert response.status_code == 422
    assert "Choose a delay between 0 seconds and 7 days." in response.content.decode()
    assert f'max="{MAX_TIMER_S}"' in response.content.decode()  # the field says it too
    assert not Announcement.objects.exists()


def test_the_announcement_service_holds_the_same_bound_as_the_form(
    simulation: Simulation, instructor: User
) -> None:
    services.announcement_schedule(
        simulation=simulation, by=instructor, body="Last", delay=dt.timedelta(seconds=MAX_TIMER_S)
    )
    with pytest.raises(ValidationError, match="between 0 seconds and 7 days"):
        services.announcement_schedule(
            simulation=simulation,
            by=instructor,
            body="Too late",
            delay=dt.timedelta(seconds=MAX_TIMER_S + 1),
        )
