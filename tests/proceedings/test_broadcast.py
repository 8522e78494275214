"""What a session change sends out: only after commit, over the real Redis channel layer, to
the followers the policy allows (the chair's console to staff, the public floor to others)."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import re
import threading
import time
from html.parser import HTMLParser
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from apps.accounts.models import User
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_staff,
)
from apps.delegations import services as delegation_services
from apps.delegations.models import Membership, Simulation
from apps.proceedings import fragments, selectors, services
from apps.proceedings.models import Motion, Session
from tests.conftest import make_student
from tests.proceedings.helpers import (
    Floor,
    build_floor,
    fresh,
    give_role,
    in_general_debate,
    open_session,
)
from tests.sockets import open_socket

SEQ_RE = re.compile(r'data-stream-seq="(\d+)"')
# What only the chair's console carries: the roll call's forms and the chair's controls.
CHAIR_MARK = "/act/attendance/"


class GroupListener:
    """Subscribes to a channel-layer group from its own thread and event loop, so a
    synchronous test can make changes and see what was published, and when.

    It never times out a `receive()`: the pub/sub layer takes a cancelled receive for the
    consumer leaving and drops the channel's queue (what arrives next would be lost)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None
        self.thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add(self.group, channel)
        self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        self.ready.set()
        while True:
            self.messages.put(await layer.receive(channel))

    def __enter__(self) -> GroupListener:
        self.thread.start()
        assert self.ready.wait(10)
        time.sleep(0.2)  # the SUBSCRIBE has reached Redis
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self.task is not None:
            self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)

    def next(self, timeout: float = 5) -> dict[str, Any]:
        return self.messages.get(timeout=timeout)

    def silent_for(self, seconds: float) -> bool:
        try:
            self.messages.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def floor_pushes(messages: list[str]) -> list[str]:
    """The pushes of floor parts (not JSON control frames, not a delegation's own fragments)."""
    return [m for m in messages if not m.startswith("{") and "data-stream-seq=" in m]


def observer(floor: Floor) -> User:
    return give_role(
        floor.simulation,
        floor.instructor,
        make_student(floor.simulation, "Observer"),
        Membership.Role.OBSERVER,
    )


def seq_of(html: str) -> int:
    match = SEQ_RE.search(html)
    assert match, html[:300]
    return int(match.group(1))


# --- after commit ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_change_schedules_its_broadcast_on_commit_and_sends_nothing_before(
    simulation: Simulation, instructor: User, django_capture_on_commit_callbacks: Any
) -> None:
    floor = build_floor(simulation, instructor)
    session = open_session(floor)

    with GroupListener(group_for_session(session.pk)) as public:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.attendance_set(
                session=session,
                by=floor.chair,
                delegation_id=floor.delegation("Veridia").pk,
                status="present",
            )
        assert len(callbacks) == 1
        assert public.silent_for(0.5), "pushed before the transaction committed"

        callbacks[0]()  # what Django runs once the transaction commits

        message = public.next()
    assert message["type"] == "push.html"
    assert seq_of(message["html"]) == fresh(session).last_event_seq
    assert "Veridia" in message["html"]


@pytest.mark.django_db
def test_a_timed_phase_schedules_its_timer_only_on_commit(
    simulation: Simulation, instructor: User, django_capture_on_commit_callbacks: Any
) -> None:
    floor = build_floor(simulation, instructor)
    session = in_general_debate(floor)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.phase_advance(
            session=session, by=floor.chair, to="unmoderated_caucus", duration_s=300
        )

    # One for the timer task, one for the floor broadcast: none has run yet.
    assert len(callbacks) == 2


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_pushes_nothing(simulation: Simulation, instructor: User) -> None:
    floor = build_floor(simulation, instructor)
    session = open_session(floor)
    veridia, calvia = floor.delegation("Veridia"), floor.delegation("Calvia")

    with (
        GroupListener(group_for_session(session.pk)) as public,
        GroupListener(group_for_session_staff(session.pk)) as staff,
    ):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.attendance_set(
                session=session, by=floor.chair, delegation_id=veridia.pk, status="present"
            )
            raise RuntimeError("the request failed after the service returned")
        assert public.silent_for(1.0)

        services.attendance_set(
            session=session, by=floor.chair, delegation_id=calvia.pk, status="present"
        )
        html = public.next()["html"]
        console = staff.next()["html"]
    # The rolled-back change never happened: the log continues without a gap, and the next
    # push carries the next change alone (Calvia's row, not Veridia's).
    assert seq_of(html) == fresh(session).last_event_seq == 3
    assert f"floor-{session.pk}-att-{calvia.pk}" in console
    assert f"floor-{session.pk}-att-{veridia.pk}" not in console


@pytest.mark.django_db(transaction=True)
def test_the_changes_of_one_transaction_go_out_as_one_push_that_says_what_it_follows(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = open_session(floor)
    before = fresh(session).version

    with GroupListener(group_for_session_staff(session.pk)) as staff:
        with transaction.atomic():
            for name in ("Veridia", "Calvia"):
                services.attendance_set(
                    session=session,
                    by=floor.chair,
                    delegation_id=floor.delegation(name).pk,
                    status="present",
                )
        console = staff.next()["html"]
        assert staff.silent_for(0.5), "a second push for the same transaction"
    after = fresh(session).version
    assert after == before + 2
    # Both rows, once; every part says the version it follows (a client showing an older
    # one missed a push) and the version it shows.
    for name in ("Veridia", "Calvia"):
        assert console.count(f'id="floor-{session.pk}-att-{floor.delegation(name).pk}"') == 1
    assert set(re.findall(r'data-since="(\d+)"', console)) == {str(before)}
    assert set(re.findall(r'data-version="(\d+)"', console)) == {str(after)}


# --- following a session over the websocket -------------------------------------------------------


async def follow(
    user: User, simulation: Simulation, session: Session, seen: int
) -> WebsocketCommunicator:
    socket = await open_socket(user, simulation)
    await socket.send_json_to({"type": "resume", "streams": {f"session-{session.pk}": seen}})
    await socket.send_json_to({"type": "ping"})  # the resume has been handled
    return socket


async def receive_html(socket: WebsocketCommunicator, timeout: float = 5) -> str:
    while True:
        text = await socket.receive_from(timeout=timeout)
        if not text.startswith("{"):
            return str(text)


async def drain(socket: WebsocketCommunicator, seconds: float = 0.5) -> list[str]:
    """Everything received until the socket stays quiet for `seconds` (receive_nothing:
    a timed-out receive_from would cancel the consumer)."""
    out: list[str] = []
    while not await socket.receive_nothing(timeout=seconds):
        out.append(await socket.receive_from(timeout=5))
    return out


@pytest.mark.django_db(transaction=True)
async def test_a_follower_receives_the_floor_snapshot_after_a_change(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(build_floor)(simulation, instructor)
    session = await database_sync_to_async(open_session)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    delegate = floor.delegate("Veridia")

    socket = await follow(delegate, simulation, session, seen)
    assert await drain(socket) == ['{"type": "pong"}']  # up to date: nothing to replay
    await database_sync_to_async(services.attendance_set)(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Calvia").pk,
        status="present",
    )
    html = await receive_html(socket)
    await socket.disconnect()

    assert f'data-stream="session-{session.pk}"' in html
    assert seq_of(html) == seen + 1
    assert 'hx-swap-oob="true"' in html
    assert CHAIR_MARK not in html


@pytest.mark.django_db(transaction=True)
async def test_a_late_follower_gets_the_current_snapshot_on_resume(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(build_floor)(simulation, instructor)
    session = await database_sync_to_async(in_general_debate)(floor)
    last = (await database_sync_to_async(fresh)(session)).last_event_seq

    socket = await follow(floor.delegate("Veridia"), simulation, session, 0)
    html = await receive_html(socket)
    await socket.disconnect()

    assert seq_of(html) == last
    assert "General debate" in html and CHAIR_MARK not in html


@pytest.mark.django_db(transaction=True)
async def test_a_delegate_never_receives_the_chairs_console_and_the_chair_does(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(build_floor)(simulation, instructor)
    session = await database_sync_to_async(open_session)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    delegate_socket = await follow(floor.delegate("Veridia"), simulation, session, seen)
    chair_socket = await follow(floor.chair, simulation, session, seen)
    await drain(delegate_socket)
    await drain(chair_socket)

    for name in ("Veridia", "Osterland", "Calvia"):
        await database_sync_to_async(services.attendance_set)(
            session=session,
            by=floor.chair,
            delegation_id=floor.delegation(name).pk,
            status="present",
        )
    await database_sync_to_async(services.phase_advance)(
        session=session, by=floor.chair, to="general_debate"
    )
    to_delegate = floor_pushes(await drain(delegate_socket, 1.0))
    to_chair = floor_pushes(await drain(chair_socket, 1.0))
    await delegate_socket.disconnect()
    await chair_socket.disconnect()

    assert [seq_of(m) for m in to_delegate] == [seen + 1, seen + 2, seen + 3, seen + 4]
    assert [seq_of(m) for m in to_chair] == [seen + 1, seen + 2, seen + 3, seen + 4]
    assert not any(CHAIR_MARK in m for m in to_delegate)
    assert not any("Move the floor" in m for m in to_delegate)
    # The roll call's rows, then the chair's controls of the new phase.
    assert all(CHAIR_MARK in m for m in to_chair[:3])
    assert "Move the floor" in to_chair[-1]


@pytest.mark.django_db(transaction=True)
async def test_the_member_of_another_simulation_cannot_follow_this_session(
    simulation: Simulation, instructor: User, outsider: User
) -> None:
    floor = await database_sync_to_async(build_floor)(simulation, instructor)
    session = await database_sync_to_async(open_session)(floor)
    # The outsider runs a simulation of their own and asks their socket to follow ours.
    await database_sync_to_async(setattr)(outsider, "is_instructor", True)
    await database_sync_to_async(outsider.save)()
    own = await database_sync_to_async(delegation_services.simulation_create)(
        owner=outsider, title="Elsewhere"
    )

    socket = await follow(outsider, own, session, 0)
    await database_sync_to_async(services.attendance_set)(
        session=session,
        by=floor.chair,
        delegation_id=floor.delegation("Calvia").pk,
        status="present",
    )
    received = await drain(socket, 1.0)
    await socket.disconnect()

    assert received == ['{"type": "pong"}']


@pytest.mark.django_db(transaction=True)
def test_the_chairs_console_goes_only_to_the_staff_group(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = open_session(floor)
    with (
        GroupListener(group_for_session(session.pk)) as public,
        GroupListener(group_for_session_staff(session.pk)) as staff,
    ):
        services.attendance_set(
            session=session,
            by=floor.chair,
            delegation_id=floor.delegation("Veridia").pk,
            status="present",
        )
        public_html = public.next()["html"]
        staff_html = staff.next()["html"]
    assert CHAIR_MARK not in public_html and CHAIR_MARK in staff_html
    assert seq_of(public_html) == seq_of(staff_html)


# --- per delegation: its own fragments, to its own screens -----------------------------------


class _TopLevel(HTMLParser):
    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.found.append(dict(attrs))
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1


def top_level_elements(html: str) -> list[dict[str, str | None]]:
    """The attributes of each element at the top of an HTML fragment (what htmx swaps)."""
    parser = _TopLevel()
    parser.feed(html)
    return parser.found


def top_level_ids(html: str) -> list[str]:
    """The ids of the elements a push swaps, in order."""
    return [str(attrs.get("id")) for attrs in top_level_elements(html)]


def own_fragments(messages: list[str]) -> list[str]:
    """What only a delegation gets: its actions, its ballot, its yield form."""
    return [
        m
        for m in messages
        if not m.startswith("{")
        and ("delegate-actions-" in m or "data-held=" in m or 'class="yield-form"' in m)
    ]


# Placards counted in the room by the chair: the motion passes.
PASSES = {"yes": 2, "no": 0, "abstain": 0}


def entertained_vote(floor: Floor, session: Session) -> Motion:
    motion = services.motion_move(
        session=session,
        by=floor.delegate("Veridia"),
        kind="unmoderated_caucus",
        params={"duration_s": 300},
    )
    services.motion_entertain(session=session, by=floor.chair, motion_id=motion.pk)
    return motion


@pytest.mark.django_db(transaction=True)
def test_a_placard_pushes_only_the_tally_and_the_voters_own_ballot(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = in_general_debate(floor)
    motion = entertained_vote(floor, session)
    veridia, calvia = floor.delegation("Veridia"), floor.delegation("Calvia")

    with (
        GroupListener(group_for_session(session.pk)) as public,
        GroupListener(group_for_session_staff(session.pk)) as staff,
        GroupListener(group_for_session_delegation(session.pk, veridia.pk)) as mine,
        GroupListener(group_for_session_delegation(session.pk, calvia.pk)) as theirs,
    ):
        services.motion_vote_cast(
            session=session, by=floor.delegate("Veridia"), motion_id=motion.pk, choice="yes"
        )
        to_public, to_staff, to_mine = public.next()["html"], staff.next()["html"], mine.next()
        assert public.silent_for(0.3) and staff.silent_for(0.1) and mine.silent_for(0.1)
        assert theirs.silent_for(0.1), "another delegation got Veridia's ballot"

    tally = f"floor-{session.pk}-tally"
    assert top_level_ids(to_public) == [tally] == top_level_ids(to_staff)
    assert "Yes 1 · No 0" in to_public
    assert "Veridia: Yes" in to_staff and "Veridia: Yes" not in to_public  # after the close
    assert top_level_ids(to_mine["html"]) == [f"floor-{session.pk}-ballot"]
    assert f'data-motion="{motion.pk}" data-held="yes"' in to_mine["html"]
    assert f'id="vote-yes-{motion.pk}" class="vote-yes held"' in to_mine["html"]
    assert len(to_public) < 1000, len(to_public)


@pytest.mark.django_db(transaction=True)
async def test_each_delegate_receives_its_own_fragments_and_never_another_delegations(
    simulation: Simulation, instructor: User
) -> None:
    floor = await database_sync_to_async(build_floor)(simulation, instructor)
    session = await database_sync_to_async(in_general_debate)(floor)
    viewer = await database_sync_to_async(observer)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    sockets = {
        "Veridia": await follow(floor.delegate("Veridia"), simulation, session, seen),
        "Calvia": await follow(floor.delegate("Calvia"), simulation, session, seen),
        "observer": await follow(viewer, simulation, session, seen),
    }
    for socket in sockets.values():
        await drain(socket)

    # Veridia gets the floor: its yield form goes to its screens alone.
    await database_sync_to_async(services.speaker_add)(
        session=session, by=floor.chair, delegation_id=floor.delegation("Veridia").pk
    )
    await database_sync_to_async(services.speaker_next)(session=session, by=floor.chair)
    # A vote opens: each delegation gets its ballot; Calvia raises a placard.
    motion = await database_sync_to_async(entertained_vote)(floor, session)
    await database_sync_to_async(services.motion_vote_cast)(
        session=session, by=floor.delegate("Calvia"), motion_id=motion.pk, choice="no"
    )
    # The vote closes (counted in the room: it passes) and the floor moves to the caucus:
    # each delegation gets the actions of the phase.
    await database_sync_to_async(services.motion_vote_close)(
        session=session, by=floor.chair, motion_id=motion.pk, counts=PASSES
    )
    received = {name: await drain(socket, 1.0) for name, socket in sockets.items()}
    for socket in sockets.values():
        await socket.disconnect()

    veridia, calvia = own_fragments(received["Veridia"]), own_fragments(received["Calvia"])
    assert own_fragments(received["observer"]) == []
    assert floor_pushes(received["observer"]), "the observer follows the public floor"
    # The yield form: Veridia's screens only.
    assert any('class="yield-form"' in m for m in veridia)
    assert not any('class="yield-form"' in m for m in calvia)
    # The ballots: both get one when the vote opens; Calvia's placard goes to Calvia alone.
    assert any(f'data-motion="{motion.pk}" data-held=""' in m for m in veridia)
    assert any(f'data-motion="{motion.pk}" data-held="no"' in m for m in calvia)
    assert not any('data-held="no"' in m for m in veridia)
    # The actions of the new phase, to each delegation's group.
    assert any(f'id="delegate-actions-{session.pk}"' in m for m in veridia)
    assert any(f'id="delegate-actions-{session.pk}"' in m for m in calvia)
    # No public push carries what belongs to one delegation.
    for name in ("Veridia", "Calvia", "observer"):
        for message in floor_pushes(received[name]):
            assert 'class="yield-form"' not in message and "data-held=" not in message


@pytest.mark.django_db
def test_the_parts_keep_their_ids_from_the_page_to_every_push(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    session = in_general_debate(floor)
    entertained_vote(floor, session)
    client = Client()
    client.force_login(floor.chair)
    page = client.get(session.get_absolute_url()).content.decode()
    state = selectors.floor_context(session_id=session.pk)
    assert state is not None
    pushed = fragments.render_parts(state, fragments.EVERYTHING, staff=True, since=state.version)

    expected = [f"floor-{session.pk}-{part.value}" for part in fragments.Part]
    for part_id in expected:
        assert f'id="{part_id}"' in page, part_id
    # A push replaces those very elements, and only them (each top-level element is a part).
    assert set(top_level_ids(pushed)) <= set(expected)
    assert {f"floor-{session.pk}-{p}" for p in ("phase", "vote", "journal")} <= set(
        top_level_ids(pushed)
    )


@pytest.mark.django_db(transaction=True)
async def test_a_vote_opening_sends_ballots_only_to_the_delegations_that_vote(
    simulation: Simulation, instructor: User
) -> None:
    """What depends only on rights goes once to each group of delegations with the same
    rights: an NGO (speaks, does not vote) gets its actions but no ballot."""
    floor = await database_sync_to_async(build_floor)(
        simulation,
        instructor,
        delegations=(("Veridia", "member_state"), ("Calvia", "member_state"), ("Oxfam", "ngo")),
    )
    session = await database_sync_to_async(in_general_debate)(floor)
    seen = (await database_sync_to_async(fresh)(session)).last_event_seq
    sockets = {
        name: await follow(floor.delegate(name), simulation, session, seen)
        for name in ("Veridia", "Oxfam")
    }
    for socket in sockets.values():
        await drain(socket)

    motion = await database_sync_to_async(entertained_vote)(floor, session)
    await database_sync_to_async(services.motion_vote_close)(
        session=session, by=floor.chair, motion_id=motion.pk, counts=PASSES
    )
    received = {name: own_fragments(await drain(s, 1.0)) for name, s in sockets.items()}
    for socket in sockets.values():
        await socket.disconnect()

    ballot = f'id="vote-yes-{motion.pk}"'
    assert any(ballot in m for m in received["Veridia"])
    assert not any(ballot in m for m in received["Oxfam"])
    # Both get the actions of the phase the vote led to, each as its rights allow.
    assert any("Move a motion or raise a point" in m for m in received["Veridia"])
    assert any(f'id="delegate-actions-{session.pk}"' in m for m in received["Oxfam"])
