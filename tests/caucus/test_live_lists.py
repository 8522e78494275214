"""Pages learn live that their channel list changed: members who stay after a removal, and
a chair who may now read a note thread passed via the chair."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from apps.caucus import services
from tests.caucus.helpers import drain, open_channel, open_socket, reload_user
from tests.proceedings.helpers import Floor

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def test_members_who_stay_reload_their_list_when_one_is_removed(floor: Floor) -> None:
    calvia, norbek = (floor.delegation(n) for n in ("Calvia", "Norbek"))
    room = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bloc", calvia, norbek, name="Coast"
    )
    stays = await open_socket(await db(reload_user)(floor.delegate("Calvia")), floor.simulation)
    await drain(stays)
    await db(services.member_remove)(
        channel=room, by=await db(reload_user)(floor.delegate("Veridia")), delegation_id=norbek.pk
    )
    received = await drain(stays)
    assert any(f'data-refresh-committee="{floor.committee.pk}"' in html for html in received)
    assert not any("channel-box-" in html and "delete" in html for html in received)
    await stays.disconnect()


async def test_the_chair_learns_of_a_note_passed_via_the_chair(floor: Floor) -> None:
    thread = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Calvia")
    )
    chair = await open_socket(await db(reload_user)(floor.chair), floor.simulation)
    await drain(chair)
    await db(services.message_post)(
        channel=thread, by=await db(reload_user)(floor.delegate("Veridia")), body="Meet at lunch?"
    )
    assert await drain(chair) == []  # a private note: the chair neither reads it nor hears of it
    await db(services.message_post)(
        channel=thread,
        by=await db(reload_user)(floor.delegate("Veridia")),
        body="Please pass this on.",
        via_chair=True,
    )
    received = await drain(chair)
    assert any(f'data-refresh-committee="{floor.committee.pk}"' in html for html in received)
    await chair.disconnect()


async def test_muting_the_floor_redraws_every_caucus_page(floor: Floor) -> None:
    delegate = await open_socket(await db(reload_user)(floor.delegate("Calvia")), floor.simulation)
    await drain(delegate)
    await db(services.plenary_mute)(
        committee=floor.committee, by=await db(reload_user)(floor.chair), muted=True
    )
    received = await drain(delegate)
    assert any(f'data-refresh-committee="{floor.committee.pk}"' in html for html in received)
    await delegate.disconnect()


def test_a_muted_floor_shows_delegates_why_they_cannot_post(floor: Floor) -> None:
    from django.test import Client

    services.plenary_mute(committee=floor.committee, by=floor.chair, muted=True)
    client = Client()
    client.force_login(floor.delegate("Calvia"))
    plenary = services.plenary_ensure(committee=floor.committee)
    html = client.get(f"/committees/{floor.committee.pk}/caucus/").content.decode()
    assert "The chair has muted the floor: you can post again when it reopens." in html
    assert f'id="post-{plenary.pk}"' not in html
    chair = Client()
    chair.force_login(floor.chair)
    assert (
        f'id="post-{plenary.pk}"'
        in chair.get(f"/committees/{floor.committee.pk}/caucus/").content.decode()
    )
