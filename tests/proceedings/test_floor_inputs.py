"""Every id and number a floor action reads goes through apps.core.inputs (a 400 with the
reason, never a 500), and every topic someone types through clean_text (a 422)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.proceedings import services
from apps.proceedings.models import Motion, Session
from tests.proceedings.helpers import Floor, build_floor, fresh, in_general_debate

pytestmark = pytest.mark.django_db

UNREADABLE = ["abc", "²", "٣", "1" * 30, "9" * 5000, "1.5", "nan", "inf", "-1", "0x10"]


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(session: Session, action: str) -> str:
    return f"/sessions/{session.pk}/act/{action}/"


# (action, field, extra fields, who acts): every id or number a floor form sends.
FIELDS = [
    ("open", "version", {}, "chair"),
    ("attendance", "delegation", {"status": "present"}, "chair"),
    ("speaker-add", "delegation", {}, "chair"),
    ("speaker-remove", "entry", {}, "chair"),
    ("speaker-move", "entry", {"direction": "up"}, "chair"),
    ("speaker-extend", "seconds", {}, "chair"),
    ("speaker-yield", "to", {"kind": "delegation"}, "chair"),
    ("advance", "speaking_time_s", {"to": "moderated_caucus", "duration_min": "5"}, "chair"),
    (
        "motion-move",
        "speaking_time_s",
        {"kind": "moderated_caucus", "duration_min": "5"},
        "Veridia",
    ),
    ("motion-withdraw", "motion", {}, "Veridia"),
    ("motion-entertain", "motion", {}, "chair"),
    ("motion-out-of-order", "motion", {}, "chair"),
    ("vote", "motion", {"choice": "yes"}, "Veridia"),
    ("vote-close", "yes", {"counted": "on", "motion": "1"}, "chair"),
]


@pytest.mark.parametrize(("action", "field", "extra", "who"), FIELDS)
def test_an_unreadable_id_or_number_is_a_400_with_the_reason(
    floor: Floor, action: str, field: str, extra: dict[str, str], who: str
) -> None:
    session = in_general_debate(floor)
    user = floor.chair if who == "chair" else floor.delegate(who)
    client = client_for(user)
    before = fresh(session)
    for raw in UNREADABLE:
        response = client.post(act(session, action), {**extra, field: raw}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, (action, field, raw)
        html = response.content.decode()
        # Shown in the page's error slot, like any refusal.
        assert f'id="action-error-{session.pk}"' in html
        assert "must be a whole number" in html or "must be between" in html, html
        # A plain form post gets the 400 page with the same reason.
        plain = client.post(act(session, action), {**extra, field: raw})
        assert plain.status_code == 400
    after = fresh(session)
    assert (after.version, after.last_event_seq) == (before.version, before.last_event_seq)


def test_seconds_are_bounded_by_the_one_timer_bound(floor: Floor) -> None:
    session = in_general_debate(floor)
    response = client_for(floor.chair).post(
        act(session, "advance"),
        {"to": "moderated_caucus", "duration_min": "5", "speaking_time_s": "604801"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "The speaking time (in seconds) must be between 0 and 604800." in (
        response.content.decode()
    )


BIDI = "Water \u202erights"


def test_a_motion_topic_with_hidden_direction_characters_is_refused(floor: Floor) -> None:
    session = in_general_debate(floor)
    response = client_for(floor.delegate("Veridia")).post(
        act(session, "motion-move"),
        {
            "kind": "moderated_caucus",
            "duration_min": "5",
            "speaking_time_s": "45",
            "topic": BIDI,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "The topic cannot contain right-to-left or left-to-right control characters" in (
        response.content.decode()
    )
    assert not Motion.objects.filter(session=session).exists()


@pytest.mark.parametrize("topic", [BIDI, "Dams\x00", "Dams\x1b[31m", "x" * 201])
def test_a_caucus_topic_the_chair_types_goes_through_clean_text(floor: Floor, topic: str) -> None:
    session = in_general_debate(floor)
    before = fresh(session)
    response = client_for(floor.chair).post(
        act(session, "advance"),
        {"to": "moderated_caucus", "duration_min": "5", "speaking_time_s": "45", "topic": topic},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert fresh(session).version == before.version


def test_an_agenda_topic_goes_through_clean_text(floor: Floor) -> None:
    session = in_general_debate(floor)
    response = client_for(floor.chair).post(
        act(session, "agenda"), {"topic": "Meru\u2066 river"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert fresh(session).machine.agenda_item != "Meru\u2066 river"


def test_a_clean_topic_is_kept_as_typed(floor: Floor) -> None:
    session = in_general_debate(floor)
    services.phase_advance(
        session=session,
        by=floor.chair,
        to="moderated_caucus",
        duration_s=300,
        speaking_time_s=45,
        topic="  Dams   upstream ",
    )
    assert fresh(session).machine.topic == "Dams upstream"
