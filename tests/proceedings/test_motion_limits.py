"""One delegation cannot flood the floor with motions: at most two of its motions wait on the
floor at once, and at most MOTION_DELEGATION_LIMIT are moved a minute."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import User
from apps.delegations.models import Simulation
from apps.proceedings import services
from apps.proceedings.models import Event, Motion, Session
from tests.proceedings.helpers import Floor, build_floor, fresh, in_general_debate, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)


def caucus(by: User, session: Session, minutes: int = 5) -> Motion:
    return services.motion_move(
        session=session, by=by, kind="unmoderated_caucus", params={"duration_s": minutes * 60}
    )


def test_a_delegation_keeps_at_most_two_motions_on_the_floor(floor: Floor) -> None:
    session = in_general_debate(floor)
    veridia = floor.delegate("Veridia")
    first = caucus(veridia, session, 5)
    services.motion_move(session=session, by=veridia, kind="point_of_order")
    with refused(session, "Your delegation already has 2 motions on the floor"):
        caucus(veridia, session, 10)
    # Another delegation is not held back by Veridia's.
    caucus(floor.delegate("Calvia"), session, 10)
    # Once one is withdrawn (or decided), there is a place again.
    services.motion_withdraw(session=session, by=veridia, motion_id=first.pk)
    caucus(veridia, session, 15)
    assert Motion.objects.filter(session=session, mover=floor.delegation("Veridia")).count() == 3


def test_thirty_motions_in_a_row_are_not_thirty_pushes(floor: Floor) -> None:
    session = in_general_debate(floor)
    veridia = floor.delegate("Veridia")
    before = fresh(session).last_event_seq
    accepted = 0
    for minutes in range(1, 31):
        try:
            motion = caucus(veridia, session, minutes)
        except ValidationError:
            continue
        accepted += 1
        services.motion_withdraw(session=session, by=veridia, motion_id=motion.pk)
    assert accepted == settings.MOTION_DELEGATION_LIMIT
    # Each accepted motion is moved and withdrawn: two events; refusals add none.
    assert fresh(session).last_event_seq == before + 2 * accepted


def test_a_delegation_over_the_rate_is_told_to_slow_down(floor: Floor) -> None:
    session = in_general_debate(floor)
    veridia = floor.delegate("Veridia")
    for minutes in range(1, settings.MOTION_DELEGATION_LIMIT + 1):
        motion = caucus(veridia, session, minutes)
        services.motion_withdraw(session=session, by=veridia, motion_id=motion.pk)
    with refused(session, "Slow down: your delegation may move at most 6 motions or points"):
        caucus(veridia, session, 20)


def test_a_refused_motion_does_not_use_up_the_rate(floor: Floor) -> None:
    session = in_general_debate(floor)
    veridia = floor.delegate("Veridia")
    for _ in range(settings.MOTION_DELEGATION_LIMIT + 3):
        with refused(session, "may last at most"):
            caucus(veridia, session, 10_000)  # far longer than the rules allow
    caucus(veridia, session, 5)


def test_the_floor_answers_a_flooding_delegate_with_a_sentence(floor: Floor) -> None:
    session = in_general_debate(floor)
    client = Client()
    client.force_login(floor.delegate("Veridia"))
    url = f"/sessions/{session.pk}/act/motion-move/"
    data = {"kind": "unmoderated_caucus", "duration_min": "5"}
    for _ in range(2):
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "at most 2 at a time" in response.content.decode()
    assert Event.objects.filter(session=session, kind="motion_moved").count() == 2
