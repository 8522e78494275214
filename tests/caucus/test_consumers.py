"""Caucus channels over the one websocket, through the real Redis channel layer.

A socket joins a channel's group only when its user may read the channel (the policy decides,
for every `resume` a client sends), and leaves it the moment its delegation is removed.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel
from apps.core import consumers
from apps.core.broadcast import push_html, send_to_group
from apps.core.groups import group_for_channel, group_for_user
from apps.delegations import services as delegation_services
from apps.delegations.models import Simulation
from tests.caucus.helpers import (
    drain,
    open_channel,
    open_socket,
    resume,
    seqs_of,
    settle,
    stream,
)
from tests.conftest import make_student
from tests.proceedings.helpers import Floor, build_floor
from tests.sockets import communicator_for

pytestmark = pytest.mark.django_db(transaction=True)

post = database_sync_to_async(services.message_post)
db = database_sync_to_async


@pytest.fixture
def burst_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests send a burst of frames no page sends (dozens of hostile resumes in a row):
    lift the per-socket pace, which tests/caucus/test_resume_limits.py checks."""
    monkeypatch.setattr(consumers, "CLIENT_MESSAGES_PER_WINDOW", 1000)


def other_simulation_channel(instructor: User) -> Channel:
    """A bilateral in another simulation (the same instructor runs both)."""
    elsewhere = delegation_services.simulation_create(owner=instructor, title="Elsewhere")
    other = build_floor(elsewhere, instructor, name="Other assembly")
    return open_channel(
        other.committee, other.delegate("Veridia"), "bilateral", other.delegation("Calvia")
    )


def garbage_streams(channel: Channel, foreign: Channel, simulation: Simulation) -> list[object]:
    """Every way a client might try to name a group it may not read."""
    pk = channel.pk
    return [
        {stream(channel): 0},
        {stream(foreign): 0},
        {f"channel.{pk}": 0},  # the group's own name
        {"channel-": 0, "channel-abc": 0, "channel--1": 0, "channel-+1": 0, f"channel- {pk}": 0},
        {f"channel-{pk}.0": 0, f"channel-{pk}x": 0, f"channel-0{pk}": 0, f"channel-{pk}\u0000": 0},
        {"channel-\u00b2": 0, "channel-\u0661": 0, "channel-\uff11": 0},  # ², Arabic 1, fullwidth 1
        {"channel-" + "9" * 40: 0, "channel-" + "9" * 19: 0},
        {f"user.{pk}": 0, f"sim.{simulation.pk}": 0, "presence-0": 0, "lobby:public": 0},
        {stream(channel): "0"},
        {stream(channel): -1},
        {stream(channel): None},
        {stream(channel): [1, 2]},
        {stream(channel): {"seq": 0}},
        {stream(channel): 1.5},
        {stream(channel): 10**30},
        [stream(channel)],
        stream(channel),
        None,
        12,
        # Huge: many names (only the first 50 are read), the forbidden one among them.
        {**{f"channel-{100000 + i}": 0 for i in range(150)}, stream(channel): 0},
        {stream(channel): 0, **{f"channel-{100000 + i}": 0 for i in range(150)}},
    ]


async def test_a_delegate_never_receives_a_byte_of_a_bilateral_it_is_not_in(
    floor: Floor, instructor: User, burst_allowed: None
) -> None:
    veridia, calvia, norbek = (floor.delegate(n) for n in ("Veridia", "Calvia", "Norbek"))
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    foreign = await db(other_simulation_channel)(instructor)
    await post(channel=bilateral, by=veridia, body="Before anyone connected")

    a = await open_socket(norbek, floor.simulation)
    b = await open_socket(veridia, floor.simulation)
    c = await open_socket(calvia, floor.simulation)
    assert seqs_of(await resume(b, {stream(bilateral): 1}), bilateral) == []
    assert seqs_of(await resume(c, {stream(bilateral): 0}), bilateral) == [1]

    for streams in garbage_streams(bilateral, foreign, floor.simulation):
        replayed = await resume(a, streams)
        assert all("error" in json.loads(m)["type"] for m in replayed), (streams, replayed)

    await post(channel=bilateral, by=veridia, body="Our red lines, frankly")
    await post(channel=bilateral, by=calvia, body="And ours")

    assert seqs_of([await b.receive_from(timeout=5) for _ in range(2)], bilateral) == [2, 3]
    assert seqs_of([await c.receive_from(timeout=5) for _ in range(2)], bilateral) == [2, 3]
    assert await a.receive_nothing(timeout=1.0)
    await settle(a)  # still connected: the refusals were quiet, not a crash
    for socket in (a, b, c):
        await socket.disconnect()


async def test_a_hostile_client_message_gets_an_error_and_the_socket_survives(
    floor: Floor, burst_allowed: None
) -> None:
    socket = await open_socket(floor.delegate("Norbek"), floor.simulation)
    for bad in [
        "[" * 2000 + "]" * 2000,  # nested deeper than the JSON parser recurses
        '{"type": "resume", "streams": ' + "[" * 1500 + "]" * 1500 + "}",
        json.dumps({"type": "resume", "streams": {"x" * 3000: 0}}),
        json.dumps({"type": "resume"}),
        json.dumps({"type": ["resume"]}),
        json.dumps({"type": "resume", "streams": {"channel-1": 0}}) + "x" * 4100,
    ]:
        await socket.send_to(text_data=bad)
        replies = [m for m in await drain(socket, 0.3)]
        assert all(json.loads(m)["type"] == "error" for m in replies), replies
    # Out-of-range numbers for a stream it may read: refused quietly too.
    plenary = await db(services.plenary_ensure)(committee=floor.committee)
    for streams in (
        {stream(plenary): 10**30},
        {"channel-" + "9" * 19: 0, "channel-" + "9" * 60: 0, "session-" + "9" * 30: 0},
    ):
        replies = await resume(socket, streams)
        assert replies == [], replies
    await settle(socket)
    await socket.disconnect()


async def test_a_delegate_follows_the_public_floor_and_its_own_channels(floor: Floor) -> None:
    """The positive side of the checks above: what a delegate may read, it receives."""
    norbek = floor.delegate("Norbek")
    plenary = await db(services.plenary_ensure)(committee=floor.committee)
    note = await db(open_channel)(floor.committee, norbek, "note", floor.delegation("Calvia"))
    socket = await open_socket(norbek, floor.simulation)
    assert await resume(socket, {stream(plenary): 0, stream(note): 0}) == []

    await post(channel=plenary, by=floor.delegate("Veridia"), body="On the floor")
    await post(channel=note, by=floor.delegate("Calvia"), body="A note for Norbek")

    received = [await socket.receive_from(timeout=5) for _ in range(2)]
    assert seqs_of(received, plenary) == [1] and seqs_of(received, note) == [1]
    await socket.disconnect()


async def test_a_delegation_removed_from_a_bloc_room_stops_receiving_it_at_once(
    floor: Floor,
) -> None:
    veridia, calvia, norbek = (floor.delegate(n) for n in ("Veridia", "Calvia", "Norbek"))
    room = await db(open_channel)(
        floor.committee,
        veridia,
        "bloc",
        floor.delegation("Calvia"),
        floor.delegation("Norbek"),
        name="River states",
    )
    creator = await open_socket(veridia, floor.simulation)
    stays = await open_socket(calvia, floor.simulation)
    removed = [await open_socket(norbek, floor.simulation) for _ in range(2)]  # two tabs
    for socket in (creator, stays, *removed):
        await resume(socket, {stream(room): 0})
    await post(channel=room, by=calvia, body="Everyone is here")
    for socket in (creator, stays, *removed):
        assert seqs_of([await socket.receive_from(timeout=5)], room) == [1]

    # Removed, then a message posted at once: no time for the socket to catch up.
    await db(services.member_remove)(
        channel=room, by=veridia, delegation_id=floor.delegation("Norbek").pk
    )
    await post(channel=room, by=veridia, body="Now that Norbek is gone")

    for socket in (creator, stays):  # after the refresh of their member list
        assert seqs_of(await drain(socket, 1.0), room) == [2]
    for socket in removed:
        fragments = await drain(socket, 1.0)
        assert len(fragments) == 1, fragments
        assert f'id="channel-box-{room.pk}" hx-swap-oob="delete"' in fragments[0]
        assert "You are no longer in one of your channels." in fragments[0]
        assert "Now that Norbek is gone" not in fragments[0]
        # Asking to follow the room again is refused, and replays nothing.
        assert await resume(socket, {stream(room): 0}) == []
    await post(channel=room, by=calvia, body="Later")
    assert seqs_of([await stays.receive_from(timeout=5)], room) == [3]
    for socket in removed:
        assert await socket.receive_nothing(timeout=0.5)
    for socket in (creator, stays, *removed):
        await socket.disconnect()


async def test_a_push_already_on_its_way_when_the_delegation_is_removed_is_not_delivered(
    floor: Floor,
) -> None:
    """Two server processes: one commits the removal, the other a message in the room, and
    their broadcasts reach Redis back to back, before the socket has left the group."""
    veridia, norbek = floor.delegate("Veridia"), floor.delegate("Norbek")
    room = await db(open_channel)(
        floor.committee, veridia, "bloc", floor.delegation("Norbek"), name="Pair"
    )
    socket = await open_socket(norbek, floor.simulation)
    await resume(socket, {stream(room): 0})

    def removal_then_message() -> None:
        send_to_group(
            group_for_user(norbek.pk),
            {"type": "channel.revoked", "channel_id": room.pk, "committee_id": room.committee_id},
        )
        push_html(group_for_channel(room.pk), "<div>after the removal</div>")

    await db(removal_then_message)()
    fragments = await drain(socket, 1.0)
    await socket.disconnect()

    assert len(fragments) == 1 and "You are no longer in one of your channels." in fragments[0]


async def test_staff_follow_private_channels_only_when_the_simulation_allows_it(
    floor: Floor, instructor: User
) -> None:
    veridia = floor.delegate("Veridia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    await db(Simulation.objects.filter(pk=floor.simulation.pk).update)(
        staff_can_read_private_channels=False
    )
    staff = await open_socket(instructor, floor.simulation)
    chair = await open_socket(floor.chair, floor.simulation)
    await post(channel=bilateral, by=veridia, body="Private")
    assert await resume(staff, {stream(bilateral): 0}) == []
    assert await resume(chair, {stream(bilateral): 0}) == []

    await db(Simulation.objects.filter(pk=floor.simulation.pk).update)(
        staff_can_read_private_channels=True
    )
    assert seqs_of(await resume(staff, {stream(bilateral): 0}), bilateral) == [1]
    assert await resume(chair, {stream(bilateral): 0}) == []  # chairs are not staff
    await post(channel=bilateral, by=veridia, body="Read by the instructor")
    assert seqs_of([await staff.receive_from(timeout=5)], bilateral) == [2]
    assert await chair.receive_nothing(timeout=0.5)
    await staff.disconnect()
    await chair.disconnect()


def page_of(user: User, floor: Floor, channel: Channel) -> str:
    client = Client()
    client.force_login(user)
    return client.get(
        f"/committees/{floor.committee.pk}/caucus/?channel={channel.pk}"
    ).content.decode()


@pytest.mark.django_db
def test_members_see_a_banner_when_staff_can_read_their_private_channels(floor: Floor) -> None:
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    banner = "Your instructors can read this channel"

    Simulation.objects.filter(pk=floor.simulation.pk).update(staff_can_read_private_channels=True)
    page = page_of(floor.delegate("Calvia"), floor, bilateral)
    box = page.split(f'id="channel-box-{bilateral.pk}"', 1)[1].split("</section>", 1)[0]
    assert banner in box

    Simulation.objects.filter(pk=floor.simulation.pk).update(staff_can_read_private_channels=False)
    assert banner not in page_of(floor.delegate("Calvia"), floor, bilateral)


async def test_an_outsider_and_a_member_of_another_simulation_follow_nothing(
    floor: Floor, instructor: User
) -> None:
    veridia = floor.delegate("Veridia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    foreign = await db(other_simulation_channel)(instructor)
    elsewhere = await db(Simulation.objects.get)(pk=foreign.committee.simulation_id)
    stranger = await db(make_student)(elsewhere, "Stranger")
    socket = await open_socket(stranger, elsewhere)
    assert await resume(socket, {stream(bilateral): 0}) == []
    await post(channel=bilateral, by=veridia, body="Not for strangers")
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()

    communicator = communicator_for(stranger, floor.simulation)
    connected, code = await communicator.connect(timeout=5)
    assert not connected and code == 4403
