"""Switching "staff may read private channels" off is an event: every open staff socket drops
the private channels at once (a fresh socket is refused by the policy anyway), while members
keep receiving them; switching it on or off redraws every caucus page (the banner)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel
from apps.delegations import services as delegation_services
from apps.delegations.models import Membership, Simulation
from tests.caucus.helpers import drain, open_channel, open_socket, reload_user, resume, seqs_of
from tests.caucus.helpers import stream as stream_of
from tests.proceedings.helpers import Floor, build_floor, give_role, seat

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    Simulation.objects.filter(pk=simulation.pk).update(staff_can_read_private_channels=True)
    return build_floor(simulation, instructor)


def set_staff_reading(floor: Floor, allowed: bool) -> None:
    """Through the settings service, as the instructor's settings form does."""
    simulation = Simulation.objects.get(pk=floor.simulation.pk)
    delegation_services.simulation_update(
        simulation=simulation,
        by=reload_user(floor.instructor),
        title=simulation.title,
        description=simulation.description,
        status=simulation.status,
        staff_can_read_private_channels=allowed,
    )


def post(channel: Channel, by: User, body: str) -> None:
    services.message_post(channel=channel, by=reload_user(by), body=body)


async def test_an_open_staff_socket_stops_receiving_a_bilateral_once_staff_may_not_read(
    floor: Floor,
) -> None:
    veridia, calvia = floor.delegate("Veridia"), floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    staff = await open_socket(await db(reload_user)(floor.instructor), floor.simulation)
    members = [await open_socket(user, floor.simulation) for user in (veridia, calvia)]
    for socket in (staff, *members):
        assert await resume(socket, {stream_of(bilateral): 0}) == []
    await db(post)(bilateral, veridia, "Read by the instructor, for now")
    for socket in (staff, *members):
        assert seqs_of(await drain(socket), bilateral) == [1]

    await db(set_staff_reading)(floor, False)
    await db(post)(bilateral, calvia, "After the switch")

    dropped = await drain(staff, 1.0)
    assert seqs_of(dropped, bilateral) == []
    assert not any("After the switch" in html for html in dropped)
    assert any(
        f'id="channel-box-{bilateral.pk}" hx-swap-oob="delete"' in html
        and "Staff no longer read private channels" in html
        for html in dropped
    ), dropped
    for socket in members:
        assert seqs_of(await drain(socket, 1.0), bilateral) == [2]
    # Asking to follow it again is refused by the policy.
    assert await resume(staff, {stream_of(bilateral): 0}) == []
    await db(post)(bilateral, veridia, "Later")
    assert seqs_of(await drain(staff, 0.5), bilateral) == []
    for socket in (staff, *members):
        await socket.disconnect()


async def test_a_co_instructor_holding_a_seat_keeps_the_channels_of_their_own_delegation(
    floor: Floor, instructor: User
) -> None:
    """Staff who also sit in a delegation lose the others' channels, not their own."""

    def co_instructor_in_norbek() -> User:
        user = seat(floor.simulation, floor.delegation("Norbek"), "Dr. Lee")
        give_role(floor.simulation, instructor, user, Membership.Role.CO_INSTRUCTOR)
        Membership.objects.filter(user=user).update(delegation=floor.delegation("Norbek"))
        return reload_user(user)

    lee = await db(co_instructor_in_norbek)()
    own = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Norbek")
    )
    others = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    socket = await open_socket(lee, floor.simulation)
    await resume(socket, {stream_of(own): 0, stream_of(others): 0})

    await db(set_staff_reading)(floor, False)
    dropped = await drain(socket, 1.0)
    assert any(f'id="channel-box-{others.pk}" hx-swap-oob="delete"' in h for h in dropped)
    assert not any(f'id="channel-box-{own.pk}"' in h for h in dropped)

    await db(post)(own, floor.delegate("Veridia"), "To Norbek")
    await db(post)(others, floor.delegate("Veridia"), "To Calvia")
    received = await drain(socket, 1.0)
    assert seqs_of(received, own) == [1] and seqs_of(received, others) == []
    await socket.disconnect()


async def test_switching_staff_reading_either_way_redraws_every_caucus_page(
    floor: Floor,
) -> None:
    member = await open_socket(floor.delegate("Calvia"), floor.simulation)
    for allowed in (False, True):
        await db(set_staff_reading)(floor, allowed)
        assert any("data-refresh-committee" in html for html in await drain(member, 1.0))
    await member.disconnect()


async def test_a_switch_rolled_back_revokes_nothing(floor: Floor) -> None:
    bilateral = await db(open_channel)(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    staff = await open_socket(await db(reload_user)(floor.instructor), floor.simulation)
    await resume(staff, {stream_of(bilateral): 0})

    def switch_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            set_staff_reading(floor, False)
            raise RuntimeError("the request failed after the write")

    await db(switch_then_fail)()
    await db(post)(bilateral, floor.delegate("Veridia"), "Still read by staff")
    received = await drain(staff, 1.0)
    assert seqs_of(received, bilateral) == [1]
    assert not any('hx-swap-oob="delete"' in html for html in received)
    await staff.disconnect()
