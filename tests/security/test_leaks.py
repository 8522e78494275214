"""Private channels never leak: not over HTTP, not over the websocket, whatever the id or
alias a client names, after its access ended, or across simulations.

One committed world per module: the peace talks in directive mediation without proximity
talks (so bloc rooms, bilaterals, shuttles and notes all exist), each channel holding
messages that carry a unique marker, and a second simulation with a bilateral of its own.
Every probe looks for the markers of what its user may not read in everything it got back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel, Message
from apps.delegations import services as delegation_services
from apps.delegations.models import Committee, Membership, Simulation
from apps.proceedings import services as proceedings
from apps.proceedings.models import Session
from tests.caucus.helpers import TALKS, Talks, build_talks, open_channel, reload_user
from tests.conftest import make_student
from tests.proceedings.helpers import Floor, build_floor, give_role, seat
from tests.security.abuse_helpers import (
    Socket,
    Sockets,
    client_of,
    committed_world,
    found,
    mark,
)

db = database_sync_to_async

# What is said where: every key is a channel, but "via_chair" (notes of the "note" thread
# passed via the chair) and "elsewhere" (a bilateral of the other simulation).
PRIVATE = ("bloc", "bilateral", "shuttle", "note", "via_chair")
EVERYTHING = (*PRIVATE, "elsewhere")
CHANNELS = ("bloc", "bilateral", "shuttle", "note", "elsewhere")
BANNER = "Your instructors can read this channel"


@dataclass
class Stage:
    talks: Talks
    session: Session
    chair: User
    observer: User
    mover: User  # a second student of the Northern Lakes Front, moved in one test
    superuser: User
    rival: User  # the instructor of the other simulation
    elsewhere: Floor  # the other simulation; our instructor co-instructs it
    channels: dict[str, Channel]
    said: dict[str, list[str]] = field(default_factory=dict)

    @property
    def simulation(self) -> Simulation:
        return self.talks.simulation

    @property
    def committee(self) -> Committee:
        return self.talks.committee

    def channel(self, key: str) -> Channel:
        return self.channels["note" if key == "via_chair" else key]

    def author(self, key: str) -> User:
        if key == "elsewhere":
            return self.elsewhere.delegate("Veridia")
        short = {
            "bloc": "government",
            "bilateral": "nlf",
            "shuttle": "prm",
            "note": "lru",
            "via_chair": "nlf",
        }[key]
        return self.talks.delegate(short)

    def say(self, key: str) -> str:
        """A member posts a new marked message (pushed to the channel's readers on commit)."""
        marker = mark(key)
        channel = Channel.objects.select_related("committee__simulation").get(
            pk=self.channel(key).pk
        )
        services.message_post(
            channel=channel,
            by=reload_user(self.author(key)),
            body=f"{marker} (confidential)",
            via_chair=key == "via_chair",
        )
        self.said.setdefault(key, []).append(marker)
        return marker

    def markers(self, keys: Any) -> list[str]:
        return [m for key in keys for m in self.said.get(key, [])]


def build_stage() -> Stage:
    instructor = User.objects.create_user(
        username="okafor", password="a-long-test-password", is_instructor=True
    )
    talks = build_talks(instructor)
    Simulation.objects.filter(pk=talks.simulation.pk).update(staff_can_read_private_channels=False)
    session = proceedings.session_create(committee=talks.committee, by=instructor)
    session = proceedings.mediation_set(
        session=session, by=instructor, mode="directive", proximity=False
    )
    simulation, committee = talks.simulation, talks.committee
    chair = give_role(
        simulation, instructor, make_student(simulation, "Chair"), Membership.Role.CHAIR, committee
    )
    observer = give_role(
        simulation,
        instructor,
        make_student(simulation, "Observer"),
        Membership.Role.OBSERVER,
        committee,
    )
    mover = seat(simulation, talks.delegation("nlf"), "Second NLF delegate")
    d, who = talks.delegation, talks.delegate
    channels = {
        "bloc": open_channel(
            committee, who("government"), "bloc", d("lru"), d("prm"), name="Southern coalition"
        ),
        "bilateral": open_channel(committee, who("government"), "bilateral", d("nlf")),
        "shuttle": open_channel(committee, who("envoy"), "shuttle", d("prm")),
        "note": open_channel(committee, who("nlf"), "note", d("lru")),
    }
    rival = User.objects.create_user(
        username="lindqvist", password="a-long-test-password", is_instructor=True
    )
    other = delegation_services.simulation_create(owner=rival, title="Another class")
    elsewhere = build_floor(other, rival, name="Other assembly")
    channels["elsewhere"] = open_channel(
        elsewhere.committee,
        elsewhere.delegate("Veridia"),
        "bilateral",
        elsewhere.delegation("Calvia"),
    )
    delegation_services.simulation_join(code=other.join_code, display_name="", user=instructor)
    give_role(other, rival, instructor, Membership.Role.CO_INSTRUCTOR)
    superuser = User.objects.create_superuser(
        username="root", password="a-long-test-password", email="root@example.org"
    )
    stage = Stage(
        talks=talks,
        session=session,
        chair=chair,
        observer=observer,
        mover=mover,
        superuser=superuser,
        rival=rival,
        elsewhere=elsewhere,
        channels=channels,
    )
    # A plain note, one via the chair, another plain one: the chair reads the middle one only.
    for key in ("bloc", "bilateral", "shuttle", "note", "via_chair", "note", "elsewhere"):
        stage.say(key)
    return stage


@pytest.fixture(scope="module")
def stage(django_db_setup: None, django_db_blocker: Any) -> Iterator[Stage]:
    with committed_world(django_db_blocker, build_stage) as built:
        yield built


@pytest.fixture
def live(stage: Stage, db: None, settings: Any) -> Stage:
    """The stage for tests whose writes run in other threads (the consumer's, those of
    `database_sync_to_async`): their own connections commit what they write, outside the
    test's transaction, so a test puts back what it changes. Posting limits are lifted:
    these tests post a lot."""
    settings.CAUCUS_USER_LIMIT = 10_000
    settings.CAUCUS_CHANNEL_LIMIT = 10_000
    return stage


# --- who looks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    user: User | None
    forbidden: tuple[str, ...]  # keys whose markers must never reach this user
    readable: tuple[str, ...] = ()  # keys whose markers its pages must show (the probe works)
    simulations: tuple[int, ...] = ()  # where it opens sockets and pages


VIEWERS = (
    "another_delegation",
    "observer",
    "chair",
    "instructor_with_staff_reading_off",
    "instructor_of_another_simulation",
    "site_superuser",
    "logged_out_visitor",
)


def viewer(stage: Stage, name: str) -> Viewer:
    both = (stage.simulation.pk, stage.elsewhere.simulation.pk)
    return {
        # Open Hands sits in none of the private channels.
        "another_delegation": Viewer(stage.talks.delegate("ngo"), EVERYTHING, (), both),
        "observer": Viewer(stage.observer, EVERYTHING, (), both),
        # The chair reads shuttles and the notes passed via the chair: nothing else.
        "chair": Viewer(
            stage.chair,
            ("bloc", "bilateral", "note", "elsewhere"),
            ("shuttle", "via_chair"),
            both,
        ),
        # Co-instructor of the other simulation (which lets staff read): reads "elsewhere"
        # there; a socket of this simulation never follows it (test_a_socket_on_one...).
        "instructor_with_staff_reading_off": Viewer(stage.talks.instructor, PRIVATE, (), both),
        "instructor_of_another_simulation": Viewer(stage.rival, PRIVATE, ("elsewhere",), both),
        "site_superuser": Viewer(stage.superuser, EVERYTHING, (), both),
        "logged_out_visitor": Viewer(None, EVERYTHING, (), both),
    }[name]


def room_url(committee: Committee, channel: Channel | int | str) -> str:
    value = channel.pk if isinstance(channel, Channel) else channel
    return f"/committees/{committee.pk}/caucus/?channel={value}"


def panel_url(committee: Committee, channel: Channel | int | str) -> str:
    value = channel.pk if isinstance(channel, Channel) else channel
    return f"/committees/{committee.pk}/caucus/panel/?channel={value}"


def pages_of(client: Client, urls: list[str]) -> dict[str, str]:
    return {url: client.get(url).content.decode() for url in urls}


def http_surfaces(stage: Stage) -> list[str]:
    """Every page a user may try: both caucus rooms and panels with every channel id, the
    simulation, committee and session pages, the projector."""
    urls: list[str] = []
    for committee in (stage.committee, stage.elsewhere.committee):
        for key in CHANNELS:
            channel = stage.channels[key]
            urls += [room_url(committee, channel), panel_url(committee, channel)]
    urls += [
        f"/sims/{stage.simulation.pk}/",
        f"/sims/{stage.elsewhere.simulation.pk}/",
        f"/sims/{stage.simulation.pk}/committees/{stage.committee.pk}/",
        f"/sessions/{stage.session.pk}/",
        f"/sessions/{stage.session.pk}/projector/",
    ]
    return urls


def aliases(channel_id: int) -> list[str]:
    """The stream name a page uses, and the other spellings a client might try."""
    n = channel_id
    return [
        f"channel-{n}",
        f"channel-0{n}",
        f"channel-{n}.0",
        f"channel- {n}",
        f"channel-+{n}",
        f"channel-{n}:public",
        f"channel.{n}",  # the group's own name
        f"channel-{n} ",
    ]


def every_name(stage: Stage, keys: Any = CHANNELS) -> dict[str, int]:
    return {name: 0 for key in keys for name in aliases(stage.channels[key].pk)}


# --- the probes work: members find their markers -------------------------------------------------


@pytest.mark.django_db
def test_members_find_their_own_channels_markers_through_the_same_probes(stage: Stage) -> None:
    """The positive side: the probes below would see a marker if one leaked."""
    client = client_of(stage.talks.delegate("government"))
    for key in ("bloc", "bilateral"):
        page = client.get(room_url(stage.committee, stage.channels[key])).content.decode()
        assert found(stage.markers([key]), [page]) == sorted(stage.markers([key]))
    panel = client.get(panel_url(stage.committee, stage.channels["bloc"])).content.decode()
    assert found(stage.markers(["bloc"]), [panel]) == sorted(stage.markers(["bloc"]))


# --- every non-member, over HTTP ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", VIEWERS)
def test_a_private_message_appears_in_no_page_and_no_post_answer_for_a_non_member(
    stage: Stage, name: str
) -> None:
    who = viewer(stage, name)
    client = client_of(who.user)
    before = Message.objects.count()

    pages = pages_of(client, http_surfaces(stage))
    for key in CHANNELS:
        if key in who.forbidden:
            response = client.post(
                f"/channels/{stage.channels[key].pk}/post/",
                {"body": "Let me in"},
                HTTP_HX_REQUEST="true",
            )
            pages[f"POST {key}"] = response.content.decode()
            assert response.status_code in {302, 403, 404}, (key, response.status_code)

    leaks = {url: found(stage.markers(who.forbidden), [html]) for url, html in pages.items()}
    assert {url: m for url, m in leaks.items() if m} == {}
    assert Message.objects.count() == before
    # What this user may read, its pages show (the probe is not blind).
    for key in who.readable:
        assert set(stage.markers([key])) <= set(found(stage.markers([key]), pages.values())), key


# --- every non-member, over the websocket ------------------------------------------------------


async def witness(stage: Stage, sockets: Sockets) -> Socket:
    """The government's delegate follows its bloc room and bilateral: proof that the live
    posts of a probe were pushed at all."""
    user = await db(reload_user)(stage.talks.delegate("government"))
    socket = await sockets.open(user, stage.simulation.pk)
    assert socket is not None
    await socket.resume({f"channel-{stage.channels[k].pk}": 0 for k in ("bloc", "bilateral")})
    return socket


@pytest.mark.parametrize("name", VIEWERS)
async def test_a_private_message_never_reaches_a_non_members_socket_by_any_name(
    live: Stage, name: str
) -> None:
    stage = live
    who = viewer(stage, name)
    user = await db(reload_user)(who.user) if who.user else None
    async with Sockets() as sockets:
        for simulation_id in who.simulations:
            socket = await sockets.open(user, simulation_id)
            if socket is not None:  # refused at connect: nothing can reach it
                await socket.resume(every_name(stage))
                await socket.resume({f"session-{stage.session.pk}": 0, "lobby": 0})
        probes = list(sockets.opened)
        watcher = await witness(stage, sockets)

        fresh = [await db(stage.say)(key) for key in EVERYTHING]
        sentinel = await db(stage.say)("bilateral")  # posted last: once the witness has it,
        # every push before it has reached this process's sockets.

        seen = await watcher.wait_for([*fresh[:2], sentinel])
        assert found([*fresh[:2], sentinel], seen) == sorted([*fresh[:2], sentinel])
        for socket in probes:
            await socket.drain(0.3)
            assert found(stage.markers(who.forbidden), socket.frames) == [], socket.frames


async def test_a_member_who_names_its_channel_by_an_alias_follows_nothing(live: Stage) -> None:
    """Streams are followed by their one canonical name: "channel-07" or "channel-+7" is
    not channel 7 (a second name would replay it twice and dodge the checks keyed on it)."""
    stage = live
    bilateral = stage.channels["bilateral"]
    user = await db(reload_user)(stage.talks.delegate("government"))
    async with Sockets() as sockets:
        socket = await sockets.open(user, stage.simulation.pk)
        assert socket is not None
        odd = {name: 0 for name in aliases(bilateral.pk)[1:]}

        assert found(stage.markers(["bilateral"]), await socket.resume(odd)) == []
        watcher = await witness(stage, sockets)
        marker = await db(stage.say)("bilateral")
        assert found([marker], await watcher.wait_for([marker])) == [marker]
        assert found([marker], await socket.drain(0.3)) == []

        replayed = await socket.resume({f"channel-{bilateral.pk}": 0})
        everything = stage.markers(["bilateral"])
        assert found(everything, replayed) == sorted(everything)


# --- access that ends while the socket is open --------------------------------------------------


async def test_a_delegation_removed_from_a_bloc_room_reads_nothing_more_of_it(live: Stage) -> None:
    stage = live
    room = stage.channels["bloc"]
    prm = await db(reload_user)(stage.talks.delegate("prm"))
    creator = await db(client_of)(stage.talks.delegate("government"))
    async with Sockets() as sockets:
        socket = await sockets.open(prm, stage.simulation.pk)
        assert socket is not None
        await socket.resume({f"channel-{room.pk}": 0})
        watcher = await witness(stage, sockets)  # the creator stays in the room
        before = await db(stage.say)("bloc")
        assert found([before], await socket.wait_for([before])) == [before]  # a member so far
        try:
            removed = await db(creator.post)(
                f"/channels/{room.pk}/remove/", {"delegation": stage.talks.delegation("prm").pk}
            )
            assert removed.status_code == 302
            after = await db(stage.say)("bloc")  # at once: no time to catch up
            await socket.resume(every_name(stage, ["bloc"]))
            later = await db(stage.say)("bloc")

            assert found([after, later], await watcher.wait_for([after, later])) == sorted(
                [after, later]
            )
            await socket.drain(0.3)
            assert found([after, later], socket.frames) == []

            client = await db(client_of)(prm)
            pages = await db(pages_of)(
                client, [room_url(stage.committee, room), panel_url(stage.committee, room)]
            )
            answer = await db(client.post)(
                f"/channels/{room.pk}/post/", {"body": "Still here?"}, HTTP_HX_REQUEST="true"
            )
            assert answer.status_code == 403
            assert found(stage.markers(["bloc"]), pages.values()) == []
        finally:
            await db(services.member_invite)(
                channel=room,
                by=await db(reload_user)(stage.talks.delegate("government")),
                delegation_ids=[stage.talks.delegation("prm").pk],
            )


async def test_a_student_moved_to_another_seat_reads_nothing_more_of_the_old_seats_channels(
    live: Stage,
) -> None:
    stage = live
    old = ("bilateral", "note", "via_chair")
    mover = await db(reload_user)(stage.mover)
    membership = await db(Membership.objects.get)(simulation=stage.simulation, user=mover)
    staff = await db(client_of)(stage.talks.instructor)
    async with Sockets() as sockets:
        socket = await sockets.open(mover, stage.simulation.pk)
        assert socket is not None
        await socket.resume(every_name(stage, ["bilateral", "note"]))
        watcher = await witness(stage, sockets)  # the government stays in the bilateral
        try:
            moved = await db(staff.post)(
                f"/sims/{stage.simulation.pk}/members/{membership.pk}/seat/",
                {"delegation": stage.talks.delegation("prm").pk},
            )
            assert moved.status_code == 302
            fresh = [await db(stage.say)(key) for key in old]  # posted at once
            sentinel = await db(stage.say)("bilateral")
            assert found([sentinel], await watcher.wait_for([sentinel])) == [sentinel]
            await socket.drain(0.3)
            assert found([*fresh, sentinel], socket.frames) == []

            again = await sockets.open(await db(reload_user)(stage.mover), stage.simulation.pk)
            assert again is not None
            await again.resume(every_name(stage, ["bilateral", "note"]))
            fresh += [await db(stage.say)(key) for key in old]
            sentinel = await db(stage.say)("bilateral")
            assert found([sentinel], await watcher.wait_for([sentinel])) == [sentinel]
            await again.drain(0.3)
            assert found(stage.markers(old), again.frames) == []

            client = await db(client_of)(stage.mover)
            urls = [room_url(stage.committee, stage.channels[k]) for k in ("bilateral", "note")]
            pages = await db(pages_of)(client, urls)
            assert found(stage.markers(old), pages.values()) == []
        finally:
            await db(delegation_services.seat_assign)(
                simulation=stage.simulation,
                by=stage.talks.instructor,
                membership_id=membership.pk,
                delegation_id=stage.talks.delegation("nlf").pk,
            )


def set_staff_reading(stage: Stage, on: bool) -> None:
    """Through the settings form, as the instructor does it."""
    simulation = Simulation.objects.get(pk=stage.simulation.pk)
    data = {"title": simulation.title, "description": simulation.description, "status": "open"}
    if on:
        data["staff_can_read_private_channels"] = "on"
    response = client_of(stage.talks.instructor).post(f"/sims/{simulation.pk}/settings/", data)
    assert response.status_code == 302
    simulation.refresh_from_db()
    assert simulation.staff_can_read_private_channels is on


def staff_reading_off(stage: Stage) -> None:
    Simulation.objects.filter(pk=stage.simulation.pk).update(staff_can_read_private_channels=False)


async def test_turning_staff_reading_off_stops_an_open_instructor_socket_at_once(
    live: Stage,
) -> None:
    stage = live
    instructor = await db(reload_user)(stage.talks.instructor)
    await db(set_staff_reading)(stage, True)
    try:
        async with Sockets() as sockets:
            socket = await sockets.open(instructor, stage.simulation.pk)
            assert socket is not None
            replayed = await socket.resume(
                {f"channel-{stage.channels[k].pk}": 0 for k in CHANNELS if k != "elsewhere"}
            )
            assert found(stage.markers(PRIVATE), replayed) == sorted(stage.markers(PRIVATE))

            watcher = await witness(stage, sockets)
            await db(set_staff_reading)(stage, False)
            fresh = [await db(stage.say)(key) for key in PRIVATE]  # at once
            await socket.resume(every_name(stage, ["bloc", "bilateral", "shuttle", "note"]))
            fresh += [await db(stage.say)(key) for key in PRIVATE]
            sentinel = await db(stage.say)("bilateral")
            assert found([sentinel], await watcher.wait_for([sentinel])) == [sentinel]
            await socket.drain(0.3)
            assert found([*fresh, sentinel], socket.frames) == []
    finally:
        await db(staff_reading_off)(stage)


async def test_a_socket_on_one_simulation_never_follows_a_channel_of_another(live: Stage) -> None:
    """Our instructor co-instructs the other simulation, whose staff read private channels:
    on a socket of that simulation the bilateral is theirs to read, on one of ours never."""
    stage = live
    instructor = await db(reload_user)(stage.talks.instructor)
    elsewhere = stage.channels["elsewhere"]
    async with Sockets() as sockets:
        ours = await sockets.open(instructor, stage.simulation.pk)
        theirs = await sockets.open(instructor, stage.elsewhere.simulation.pk)
        assert ours is not None and theirs is not None

        replayed = await ours.resume(every_name(stage, ["elsewhere"]))
        assert found(stage.markers(["elsewhere"]), replayed) == []
        replayed = await theirs.resume({f"channel-{elsewhere.pk}": 0})
        assert found(stage.markers(["elsewhere"]), replayed) == sorted(stage.markers(["elsewhere"]))

        marker = await db(stage.say)("elsewhere")
        assert found([marker], await theirs.wait_for([marker])) == [marker]
        await ours.drain(0.3)
        assert found(stage.markers(["elsewhere"]), ours.frames) == []
        # The other way round: the other simulation's owner asks there for our channels.
        rival = await sockets.open(
            await db(reload_user)(stage.rival), stage.elsewhere.simulation.pk
        )
        assert rival is not None
        replayed = await rival.resume(every_name(stage, ["bloc", "bilateral", "shuttle", "note"]))
        assert found(stage.markers(PRIVATE), replayed) == []


# --- staff reading on: the instructor reads, every member is told --------------------------------


def members_pages(stage: Stage) -> dict[tuple[str, str], str]:
    """Each seated delegate's caucus page on each private channel they are in."""
    pages: dict[tuple[str, str], str] = {}
    for key in ("bloc", "bilateral", "shuttle", "note"):
        channel = Channel.objects.get(pk=stage.channels[key].pk)
        for membership in Membership.objects.filter(
            delegation_id__in=channel.member_delegation_ids()
        ).select_related("user"):
            html = client_of(membership.user).get(room_url(stage.committee, channel))
            box = html.content.decode().split(f'id="channel-box-{channel.pk}"', 1)[1]
            pages[(key, membership.user.name)] = box.split("</section>", 1)[0]
    return pages


async def test_with_staff_reading_on_the_instructor_reads_every_private_channel_and_members_are_told(
    live: Stage,
) -> None:
    stage = live
    await db(set_staff_reading)(stage, True)
    try:
        client = await db(client_of)(stage.talks.instructor)
        urls = [room_url(stage.committee, stage.channels[k]) for k in CHANNELS[:4]]
        pages = await db(pages_of)(client, urls)
        assert found(stage.markers(PRIVATE), pages.values()) == sorted(stage.markers(PRIVATE))

        async with Sockets() as sockets:
            user = await db(reload_user)(stage.talks.instructor)
            socket = await sockets.open(user, stage.simulation.pk)
            assert socket is not None
            await socket.resume({f"channel-{stage.channels[k].pk}": 99 for k in CHANNELS[:4]})
            fresh = [await db(stage.say)(key) for key in PRIVATE]
            assert found(fresh, await socket.wait_for(fresh)) == sorted(fresh)

        told = await db(members_pages)(stage)
        assert len({who for _, who in told}) >= len(TALKS) - 1  # every delegation but the NGO
        assert [where for where, box in told.items() if BANNER not in box] == []
    finally:
        await db(staff_reading_off)(stage)
    told = await db(members_pages)(stage)
    assert [where for where, box in told.items() if BANNER in box] == []
