"""A note passed via the chair is read by the chair: that note, not the thread. The chair sees
(over HTTP, pushed, replayed) only the notes passed via the chair, numbered among themselves;
the thread's members see every note; the pages say which notes the chair reads."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from apps.accounts.models import User
from apps.caucus import selectors, services
from apps.caucus.models import Channel
from apps.core import policy
from apps.core.groups import group_for_channel, group_for_channel_chair
from apps.delegations.models import Simulation
from tests.caucus.helpers import drain, open_channel, open_socket, reload_user, resume, seqs_of
from tests.caucus.helpers import stream as stream_of
from tests.proceedings.helpers import Floor, build_floor

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async

PRIVATE_BEFORE = "Our price is 40, not a cent more"
VIA_CHAIR = "For the record: we accept the text of the chair"
PRIVATE_AFTER = "Between us: we would go to 45"


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    Simulation.objects.filter(pk=simulation.pk).update(staff_can_read_private_channels=False)
    return build_floor(simulation, instructor)


def note_thread(floor: Floor) -> Channel:
    return open_channel(
        floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Calvia")
    )


def post(channel: Channel, by: User, body: str, via_chair: bool = False) -> None:
    services.message_post(channel=channel, by=reload_user(by), body=body, via_chair=via_chair)


def thread_with_one_note_via_the_chair(floor: Floor) -> Channel:
    note = note_thread(floor)
    post(note, floor.delegate("Veridia"), PRIVATE_BEFORE)
    post(note, floor.delegate("Calvia"), VIA_CHAIR, via_chair=True)
    post(note, floor.delegate("Veridia"), PRIVATE_AFTER)
    return Channel.objects.get(pk=note.pk)


def room_of(user: User, floor: Floor, channel: Channel) -> str:
    client = Client()
    client.force_login(user)
    url = f"/committees/{floor.committee.pk}/caucus/?channel={channel.pk}"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def box_of(page: str, channel: Channel) -> str:
    return page.split(f'id="channel-box-{channel.pk}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
def test_the_chair_reads_only_the_notes_passed_via_the_chair_on_the_page(floor: Floor) -> None:
    note = thread_with_one_note_via_the_chair(floor)

    chair_box = box_of(room_of(floor.chair, floor, note), note)
    assert VIA_CHAIR in chair_box
    assert PRIVATE_BEFORE not in chair_box and PRIVATE_AFTER not in chair_box
    # Numbered among the notes via the chair: no gap tells of the others.
    assert re.findall(r'data-seq="(\d+)"', chair_box) == ["1"]
    assert "You see only the notes passed via the chair." in chair_box

    member_box = box_of(room_of(floor.delegate("Calvia"), floor, note), note)
    for text in (PRIVATE_BEFORE, VIA_CHAIR, PRIVATE_AFTER):
        assert text in member_box
    assert re.findall(r'data-seq="(\d+)"', member_box) == ["1", "2", "3"]
    assert "The chair reads the notes marked “via the chair”, and only those." in member_box
    assert "via the chair" in member_box


@pytest.mark.django_db
def test_the_chair_follows_a_group_of_its_own_never_the_threads(floor: Floor) -> None:
    note = thread_with_one_note_via_the_chair(floor)
    chair, member = reload_user(floor.chair), reload_user(floor.delegate("Calvia"))
    sid = floor.simulation.pk
    assert selectors.channel_groups(user=chair, simulation_id=sid, stream=stream_of(note)) == [
        group_for_channel_chair(note.pk)
    ]
    assert selectors.channel_groups(user=member, simulation_id=sid, stream=stream_of(note)) == [
        group_for_channel(note.pk)
    ]
    assert policy.reads_only_via_chair(chair, note)
    assert not policy.reads_only_via_chair(member, note)


async def test_pushes_to_the_chair_carry_only_the_notes_passed_via_the_chair(
    floor: Floor,
) -> None:
    note = await db(note_thread)(floor)
    await db(post)(note, floor.delegate("Veridia"), "First, via the chair", True)
    chair = await open_socket(await db(reload_user)(floor.chair), floor.simulation)
    member = await open_socket(floor.delegate("Calvia"), floor.simulation)
    assert seqs_of(await resume(chair, {stream_of(note): 1}), note) == []
    assert seqs_of(await resume(member, {stream_of(note): 1}), note) == []

    await db(post)(note, floor.delegate("Veridia"), PRIVATE_AFTER)
    await db(post)(note, floor.delegate("Calvia"), VIA_CHAIR, True)

    to_chair = await drain(chair, 1.0)
    assert not any(PRIVATE_AFTER in html for html in to_chair)
    assert seqs_of(to_chair, note) == [2]  # the chair's second note, without a gap
    assert any(VIA_CHAIR in html for html in to_chair)
    to_member = await drain(member, 1.0)
    assert seqs_of(to_member, note) == [2, 3]
    assert any(PRIVATE_AFTER in html for html in to_member)
    for socket in (chair, member):
        await socket.disconnect()


async def test_a_replay_to_the_chair_holds_only_the_notes_passed_via_the_chair(
    floor: Floor,
) -> None:
    note = await db(thread_with_one_note_via_the_chair)(floor)
    chair = await open_socket(await db(reload_user)(floor.chair), floor.simulation)
    replayed = await resume(chair, {stream_of(note): 0})
    assert seqs_of(replayed, note) == [1]
    assert any(VIA_CHAIR in html for html in replayed)
    assert not any(PRIVATE_BEFORE in html or PRIVATE_AFTER in html for html in replayed)

    member = await open_socket(floor.delegate("Veridia"), floor.simulation)
    assert seqs_of(await resume(member, {stream_of(note): 0}), note) == [1, 2, 3]
    for socket in (chair, member):
        await socket.disconnect()


@pytest.mark.django_db
def test_a_gap_too_large_reloads_the_chairs_list_with_the_notes_via_the_chair_only(
    floor: Floor,
) -> None:
    note = thread_with_one_note_via_the_chair(floor)
    post(note, floor.delegate("Calvia"), "A second one via the chair", via_chair=True)
    fragments = selectors.channel_replay(
        user=reload_user(floor.chair),
        simulation_id=floor.simulation.pk,
        after=0,
        limit=1,
        stream=stream_of(note),
    )
    assert len(fragments) == 1 and 'hx-swap-oob="outerHTML"' in fragments[0]
    assert VIA_CHAIR in fragments[0] and "A second one via the chair" in fragments[0]
    assert PRIVATE_BEFORE not in fragments[0] and PRIVATE_AFTER not in fragments[0]
    assert re.findall(r'data-seq="(\d+)"', fragments[0]) == ["1", "2"]
