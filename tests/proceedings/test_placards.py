"""Who sees which delegation's placard follows one committee setting,
`voting.placards_visible`, on every path: the pages (delegate, observer, projector, chair),
the pushes over the websocket and the replay after a reconnect.

With "after_close" (the default) nobody but the chair sees another delegation's placard
before the vote closes (each delegation sees its own); everyone sees them all after it.
With "live" everyone sees them as they are raised."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.delegations.models import Membership, Simulation
from apps.proceedings import fragments, services
from apps.proceedings.models import Motion, Session
from tests.conftest import make_student
from tests.proceedings.helpers import Floor, build_floor, fresh, give_role, in_general_debate
from tests.proceedings.test_broadcast import drain, follow, receive_html

OTHERS = ("calvia: yes", "osterland: no")  # as the vote box, the journal or the record say it
IDS: dict[str, int] = {}  # delegation name -> id, filled by voting_floor


def shows_others(html: str) -> bool:
    """Another delegation's placard in any form: in words, or as `<id>:<choice>` (what the
    floor's data-placards attribute used to carry for everyone)."""
    text = html.lower()
    in_words = any(placard in text for placard in OTHERS)
    as_data = any(
        f"{IDS[name]}:{choice}" in text for name, choice in (("Calvia", "yes"), ("Osterland", "no"))
    )
    return in_words or as_data


def voting_floor(simulation: Simulation, instructor: User, visible: str | None = None) -> Floor:
    overrides = {"voting": {"placards_visible": visible}} if visible else None
    floor = build_floor(simulation, instructor, rules_overrides=overrides)
    IDS.update({name: delegation.pk for name, delegation in floor.delegations.items()})
    return floor


def open_vote(floor: Floor) -> tuple[Session, Motion]:
    session = in_general_debate(floor)
    motion = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    services.motion_entertain(session=session, by=floor.chair, motion_id=motion.pk)
    return fresh(session), motion


def raise_placards(floor: Floor, session: Session, motion: Motion) -> None:
    for name, choice in (("Calvia", "yes"), ("Osterland", "no")):
        services.motion_vote_cast(
            session=session, by=floor.delegate(name), motion_id=motion.pk, choice=choice
        )


def page(user: User, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def observer(floor: Floor) -> User:
    return give_role(
        floor.simulation,
        floor.instructor,
        make_student(floor.simulation, "Observer"),
        Membership.Role.OBSERVER,
    )


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_until_the_close_only_the_chair_sees_the_other_delegations_placards(
    simulation: Simulation, instructor: User
) -> None:
    floor = voting_floor(simulation, instructor)
    session, motion = open_vote(floor)
    raise_placards(floor, session, motion)
    services.motion_vote_cast(
        session=session, by=floor.delegate("Veridia"), motion_id=motion.pk, choice="abstain"
    )
    url = session.get_absolute_url()
    projector = reverse("proceedings:projector", args=[session.pk])

    delegate = page(floor.delegate("Veridia"), url)
    assert not shows_others(delegate)
    assert "data-placards" not in delegate
    # Veridia sees the placard it holds up, and only its own.
    assert f'data-motion="{motion.pk}" data-held="abstain"' in delegate
    assert delegate.count("data-held=") == 1
    assert not shows_others(page(observer(floor), url))
    assert not shows_others(page(floor.chair, projector))
    # The count is public all along; the chair's console lists every placard.
    assert "Yes 1 · No 1 · Abstain 1" in delegate
    assert all(placard in page(floor.chair, url).lower() for placard in OTHERS)


@pytest.mark.django_db
def test_after_the_close_everyone_sees_how_each_delegation_voted(
    simulation: Simulation, instructor: User
) -> None:
    floor = voting_floor(simulation, instructor)
    session, motion = open_vote(floor)
    raise_placards(floor, session, motion)
    services.motion_vote_close(session=session, by=floor.chair, motion_id=motion.pk)
    url = session.get_absolute_url()

    assert shows_others(page(floor.delegate("Veridia"), url))
    assert all(placard in page(observer(floor), url).lower() for placard in OTHERS)


@pytest.mark.django_db
def test_with_live_placards_everyone_sees_them_as_they_are_raised(
    simulation: Simulation, instructor: User
) -> None:
    floor = voting_floor(simulation, instructor, "live")
    session, motion = open_vote(floor)
    raise_placards(floor, session, motion)
    url = session.get_absolute_url()

    assert all(placard in page(floor.delegate("Veridia"), url).lower() for placard in OTHERS)
    assert shows_others(page(observer(floor), url))
    assert shows_others(page(floor.chair, reverse("proceedings:projector", args=[session.pk])))


@pytest.mark.django_db
def test_a_delegates_own_vote_reply_shows_their_placard_and_no_other(
    simulation: Simulation, instructor: User
) -> None:
    floor = voting_floor(simulation, instructor)
    session, motion = open_vote(floor)
    raise_placards(floor, session, motion)
    client = Client()
    client.force_login(floor.delegate("Veridia"))
    response = client.post(
        f"/sessions/{session.pk}/act/vote/",
        {"motion": motion.pk, "choice": "yes"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-motion="{motion.pk}" data-held="yes"' in html
    assert not shows_others(html)


# --- pushes and replay over a real websocket --------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_pushed_floor_never_carries_another_delegations_placard_before_the_close(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(voting_floor)(simulation, instructor)
    session, motion = await database_sync_to_async(open_vote)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    veridia = await follow(floor.delegate("Veridia"), simulation, session, seen)
    calvia = await follow(floor.delegate("Calvia"), simulation, session, seen)
    await drain(veridia)
    await drain(calvia)

    await database_sync_to_async(raise_placards)(floor, session, motion)
    await database_sync_to_async(services.motion_vote_cast)(
        session=session, by=floor.delegate("Veridia"), motion_id=motion.pk, choice="abstain"
    )
    to_veridia = [m for m in await drain(veridia, 1.0) if not m.startswith("{")]
    to_calvia = [m for m in await drain(calvia, 1.0) if not m.startswith("{")]

    assert len(to_veridia) >= 3 and not any(shows_others(m) for m in to_veridia)
    # Each delegation's own placard reaches its own screens, and no one else's.
    assert any(f'data-motion="{motion.pk}" data-held="abstain"' in m for m in to_veridia)
    assert any(f'data-motion="{motion.pk}" data-held="yes"' in m for m in to_calvia)
    assert not any('data-held="abstain"' in m for m in to_calvia)
    assert not any('data-held="yes"' in m for m in to_veridia)

    await database_sync_to_async(services.motion_vote_close)(
        session=session, by=floor.chair, motion_id=motion.pk
    )
    after_close = await receive_html(veridia)
    await veridia.disconnect()
    await calvia.disconnect()
    assert shows_others(after_close)


@pytest.mark.django_db(transaction=True)
async def test_with_live_placards_the_push_carries_them(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(voting_floor)(simulation, instructor, "live")
    session, motion = await database_sync_to_async(open_vote)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    veridia = await follow(floor.delegate("Veridia"), simulation, session, seen)
    await drain(veridia)
    await database_sync_to_async(raise_placards)(floor, session, motion)
    pushed = [m for m in await drain(veridia, 1.0) if not m.startswith("{")]
    await veridia.disconnect()
    assert any(all(p in m.lower() for p in OTHERS) for m in pushed)


@pytest.mark.django_db(transaction=True)
async def test_the_replay_follows_the_same_rule(simulation: Simulation, instructor: User) -> None:
    floor = await database_sync_to_async(voting_floor)(simulation, instructor)
    session, motion = await database_sync_to_async(open_vote)(floor)
    await database_sync_to_async(raise_placards)(floor, session, motion)

    socket = await follow(floor.delegate("Veridia"), simulation, session, 0)
    replayed = await receive_html(socket)
    await socket.disconnect()
    assert f'data-stream="session-{session.pk}"' in replayed
    assert not shows_others(replayed)

    await database_sync_to_async(services.motion_vote_close)(
        session=session, by=floor.chair, motion_id=motion.pk
    )
    socket = await follow(floor.delegate("Veridia"), simulation, session, 0)
    replayed = await receive_html(socket)
    await socket.disconnect()
    assert shows_others(replayed)


@pytest.mark.django_db
def test_the_replayed_journal_hides_placard_events_until_the_close(
    simulation: Simulation, instructor: User
) -> None:
    floor = voting_floor(simulation, instructor)
    session, motion = open_vote(floor)
    raise_placards(floor, session, motion)
    stream = f"session-{session.pk}"
    replay = fragments.session_replay(
        user=floor.delegate("Veridia"),
        simulation_id=simulation.pk,
        after=0,
        limit=200,
        stream=stream,
    )
    assert not any(shows_others(html) for html in replay)
    # The rules a delegate could read say so too.
    assert json.loads(json.dumps(floor.committee.rules))["voting"]["placards_visible"] == (
        "after_close"
    )
