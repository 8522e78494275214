"""Caucus services: who opens which channel, who posts where, and what a message may be.

Real database and Redis (the rate limit counts there); every set-up goes through services.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.domain import MESSAGE_LIMITS, ChannelKind
from apps.caucus.models import Channel, ChannelMember, Message
from apps.core import policy
from apps.delegations import services as delegation_services
from apps.delegations.models import Delegation, Simulation
from apps.proceedings import services as proceedings
from apps.proceedings.models import Event
from tests.caucus.helpers import Talks, build_talks, open_channel, reload_user
from tests.proceedings.helpers import (
    Floor,
    in_general_debate,
    open_session,
    seat,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(instructor: User) -> Talks:
    return build_talks(instructor)


@contextlib.contextmanager
def refused(message: str) -> Iterator[None]:
    """The block is refused (by the rules or the policy) with a message containing `message`."""
    try:
        yield
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        assert message in text, text
    else:
        raise AssertionError(f"expected a refusal containing {message!r}")


def members(channel: Channel) -> set[str]:
    return {
        m.delegation.name
        for m in ChannelMember.objects.filter(channel=channel, active=True).select_related(
            "delegation"
        )
    }


def post(channel: Channel, by: User, body: str, **kw: bool) -> Message:
    return services.message_post(channel=channel, by=by, body=body, **kw)


def without_right(instructor: User, delegation: Delegation, right: str) -> None:
    delegation_services.delegation_update(
        delegation=delegation,
        by=instructor,
        name=delegation.name,
        kind=delegation.kind,
        country_code=delegation.country_code,
        fictional=delegation.fictional,
        seats=delegation.seats,
        brief=delegation.brief,
        rights_overrides={right: False},
    )


def bodies(channel: Channel) -> list[str]:
    return list(
        Message.objects.filter(channel=channel).order_by("seq").values_list("body", flat=True)
    )


# --- proximity talks (the peace-talks scenario) ------------------------------------------------


def test_in_proximity_talks_the_room_offers_the_parties_no_bloc_or_bilateral_form(
    talks: Talks,
) -> None:
    client = Client()
    client.force_login(talks.delegate("government"))
    page = client.get(f"/committees/{talks.committee.pk}/caucus/").content.decode()

    assert 'value="bloc"' not in page and 'value="bilateral"' not in page
    assert 'value="shuttle"' not in page  # only the mediator opens shuttles
    assert "proximity talks" in page
    # The note form lists the mediator alone.
    note_form = page.split('value="note"', 1)[1].split("</form>", 1)[0]
    assert talks.delegation("envoy").name in note_form
    assert talks.delegation("nlf").name not in note_form


def test_the_mediator_is_offered_shuttles_and_notes_to_every_party(talks: Talks) -> None:
    client = Client()
    client.force_login(talks.delegate("envoy"))
    page = client.get(f"/committees/{talks.committee.pk}/caucus/").content.decode()

    assert 'value="shuttle"' in page
    shuttle_form = page.split('value="shuttle"', 1)[1].split("</form>", 1)[0]
    assert talks.delegation("nlf").name in shuttle_form
    assert talks.delegation("government").name in shuttle_form


@pytest.mark.parametrize("kind", ["bilateral", "bloc"])
def test_a_forged_post_opening_a_room_between_parties_is_refused_by_the_rules_with_422(
    talks: Talks, kind: str
) -> None:
    client = Client()
    client.force_login(talks.delegate("government"))
    response = client.post(
        f"/committees/{talks.committee.pk}/caucus/open/",
        {"kind": kind, "with": [talks.delegation("nlf").pk], "name": "Secret talks"},
    )

    assert response.status_code == 422  # a rule of the talks, not a permission
    assert "Proximity talks: the parties do not meet each other" in response.content.decode()
    assert not Channel.objects.filter(committee=talks.committee).exclude(kind="plenary").exists()


def test_a_refusal_by_the_rules_is_a_422_when_opening_and_when_inviting_alike(
    talks: Talks,
) -> None:
    government = talks.delegate("government")
    room = open_channel(
        talks.committee, government, "bloc", talks.delegation("envoy"), name="With the envoy"
    )
    client = Client()
    client.force_login(government)

    opened = client.post(
        f"/committees/{talks.committee.pk}/caucus/open/",
        {"kind": "bilateral", "with": [talks.delegation("nlf").pk]},
    )
    invited = client.post(f"/channels/{room.pk}/invite/", {"with": [talks.delegation("prm").pk]})

    assert (opened.status_code, invited.status_code) == (422, 422)
    assert "Proximity talks: the parties do not meet each other" in invited.content.decode()
    assert members(room) == {talks.delegation("government").name, talks.delegation("envoy").name}


def test_in_proximity_talks_a_party_passes_notes_only_to_the_mediator(talks: Talks) -> None:
    government = talks.delegate("government")

    with refused("In proximity talks the parties pass notes only through the mediator."):
        open_channel(talks.committee, government, "note", talks.delegation("nlf"))
    to_envoy = open_channel(talks.committee, government, "note", talks.delegation("envoy"))
    from_envoy = open_channel(
        talks.committee, talks.delegate("envoy"), "note", talks.delegation("nlf")
    )

    assert members(to_envoy) == {
        talks.delegation("government").name,
        talks.delegation("envoy").name,
    }
    assert members(from_envoy) == {talks.delegation("nlf").name, talks.delegation("envoy").name}
    # The note thread goes through the mediator: the other parties do not read it.
    assert not policy.can(talks.delegate("nlf"), "channel.read", to_envoy)


def test_in_proximity_talks_a_party_opens_no_room_with_another_party_even_with_the_mediator_in(
    talks: Talks,
) -> None:
    with refused("Proximity talks"):
        open_channel(
            talks.committee,
            talks.delegate("government"),
            "bloc",
            talks.delegation("envoy"),
            talks.delegation("nlf"),
            name="Three-way",
        )
    room = open_channel(
        talks.committee,
        talks.delegate("government"),
        "bloc",
        talks.delegation("envoy"),
        name="With the envoy",
    )
    with refused("Proximity talks"):
        services.member_invite(
            channel=room,
            by=talks.delegate("government"),
            delegation_ids=[talks.delegation("prm").pk],
        )
    assert members(room) == {talks.delegation("government").name, talks.delegation("envoy").name}


def test_the_mediator_opens_a_shuttle_with_one_party_in_directive_mode(talks: Talks) -> None:
    shuttle = open_channel(
        talks.committee, talks.delegate("envoy"), "shuttle", talks.delegation("prm")
    )

    assert shuttle.kind == ChannelKind.SHUTTLE
    assert members(shuttle) == {talks.delegation("envoy").name, talks.delegation("prm").name}
    post(shuttle, talks.delegate("envoy"), "Would you accept amnesty for lesser offences?")
    post(shuttle, talks.delegate("prm"), "Only with integration of our fighters.")
    assert not policy.can(talks.delegate("nlf"), "channel.read", shuttle)
    with refused("channel.post"):
        post(shuttle, talks.delegate("nlf"), "Let us in.")


def test_only_the_mediator_opens_shuttles_and_each_links_one_party(talks: Talks) -> None:
    with refused("Only the mediator opens shuttle channels."):
        open_channel(talks.committee, talks.delegate("nlf"), "shuttle", talks.delegation("envoy"))
    with refused("A shuttle channel links the mediator with one party."):
        open_channel(
            talks.committee,
            talks.delegate("envoy"),
            "shuttle",
            talks.delegation("nlf"),
            talks.delegation("prm"),
        )


def test_the_mediator_opens_no_shuttle_in_facilitative_mode_without_proximity(
    talks: Talks,
) -> None:
    session = proceedings.session_create(committee=talks.committee, by=talks.instructor)
    proceedings.mediation_set(
        session=session, by=talks.instructor, mode="facilitative", proximity=False
    )

    with refused("Shuttle channels need directive mediation or proximity talks."):
        open_channel(talks.committee, talks.delegate("envoy"), "shuttle", talks.delegation("nlf"))
    # Without proximity the parties may meet each other instead.
    open_channel(
        talks.committee, talks.delegate("government"), "bilateral", talks.delegation("nlf")
    )

    # Proximity talks let the mediator shuttle in any mode: the parties have no other way.
    proceedings.mediation_set(
        session=session, by=talks.instructor, mode="facilitative", proximity=True
    )
    open_channel(talks.committee, talks.delegate("envoy"), "shuttle", talks.delegation("nlf"))


# --- opening channels ----------------------------------------------------------------------------


def test_a_delegate_opens_a_bloc_room_with_the_delegations_invited(floor: Floor) -> None:
    room = open_channel(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Osterland"),
        floor.delegation("Calvia"),
        name="  River   states ",
    )

    assert room.kind == "bloc" and room.name == "River states"
    assert room.created_by_id == floor.delegation("Veridia").pk
    assert members(room) == {"Veridia", "Osterland", "Calvia"}
    assert not policy.can(floor.delegate("Norbek"), "channel.read", room)


def test_a_bloc_room_needs_a_name_and_someone_invited(floor: Floor) -> None:
    with refused("Give the bloc room a name."):
        open_channel(floor.committee, floor.delegate("Veridia"), "bloc", floor.delegation("Calvia"))
    with refused("Invite at least one delegation to the bloc room."):
        open_channel(floor.committee, floor.delegate("Veridia"), "bloc", name="Alone")
    assert not Channel.objects.filter(kind="bloc").exists()


def test_a_bilateral_is_opened_once_for_a_pair_whoever_asks(floor: Floor) -> None:
    first = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    again = open_channel(
        floor.committee, floor.delegate("Calvia"), "bilateral", floor.delegation("Veridia")
    )
    note = open_channel(
        floor.committee, floor.delegate("Calvia"), "note", floor.delegation("Veridia")
    )
    note_again = open_channel(
        floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Calvia")
    )

    assert again.pk == first.pk
    assert note_again.pk == note.pk != first.pk
    assert Channel.objects.filter(kind="bilateral").count() == 1
    assert members(first) == {"Veridia", "Calvia"}


def test_pair_channels_link_exactly_two_delegations_of_the_committee(
    floor: Floor, simulation: Simulation, instructor: User
) -> None:
    other = delegation_services.committee_create(
        simulation=simulation, by=instructor, name="Other", preset_key="una_usa", agenda=["x"]
    )
    stranger = delegation_services.delegation_create(
        committee=other, by=instructor, name="Elsewhere", kind="member_state", fictional=True
    )
    veridia = floor.delegate("Veridia")

    with refused("A bilateral channel links two delegations."):
        open_channel(
            floor.committee,
            veridia,
            "bilateral",
            floor.delegation("Calvia"),
            floor.delegation("Norbek"),
        )
    with refused("You cannot open a channel with yourself."):
        open_channel(floor.committee, veridia, "bilateral", floor.delegation("Veridia"))
    with refused("Choose delegations of this committee."):
        open_channel(floor.committee, veridia, "bilateral", stranger)
    with refused("A note goes to one delegation."):
        open_channel(floor.committee, veridia, "note")
    with refused("Choose what kind of channel to open."):
        open_channel(floor.committee, veridia, "plenary-ish", floor.delegation("Calvia"))
    with refused("The plenary floor exists already."):
        open_channel(floor.committee, veridia, "plenary", floor.delegation("Calvia"))


def test_the_chair_and_observers_open_no_private_channels(
    floor: Floor, simulation: Simulation
) -> None:
    observer = reload_user(
        delegation_services.simulation_join(
            code=simulation.join_code, display_name="Press", user=None
        )[0]
    )
    delegation_services.member_set_role(
        simulation=simulation,
        by=floor.instructor,
        membership_id=observer.memberships.get().pk,
        role="observer",
    )
    for user in (floor.chair, reload_user(observer)):
        with refused("channel.open"):
            open_channel(floor.committee, user, "bilateral", floor.delegation("Calvia"))


def test_a_delegation_without_the_right_opens_no_private_channel_but_passes_notes(
    floor: Floor,
) -> None:
    without_right(floor.instructor, floor.delegation("Norbek"), "open_channels")
    delegate = reload_user(floor.delegate("Norbek"))

    with refused("channel.open"):
        open_channel(floor.committee, delegate, "bilateral", floor.delegation("Calvia"))
    note = open_channel(floor.committee, delegate, "note", floor.delegation("Calvia"))
    assert members(note) == {"Norbek", "Calvia"}


# --- members ------------------------------------------------------------------------------------


def test_the_creator_invites_more_delegations_and_nobody_else_does(floor: Floor) -> None:
    room = open_channel(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Osterland"),
        name="Bloc",
    )

    with refused("channel.manage"):
        services.member_invite(
            channel=room,
            by=floor.delegate("Osterland"),
            delegation_ids=[floor.delegation("Calvia").pk],
        )
    added = services.member_invite(
        channel=room, by=floor.delegate("Veridia"), delegation_ids=[floor.delegation("Calvia").pk]
    )

    assert added == [floor.delegation("Calvia").pk]
    assert members(room) == {"Veridia", "Osterland", "Calvia"}
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Norbek")
    )
    with refused("channel.manage"):  # a pair channel has no manager
        services.member_invite(
            channel=bilateral,
            by=floor.delegate("Veridia"),
            delegation_ids=[floor.delegation("Calvia").pk],
        )


def test_a_member_leaves_a_bloc_room_and_only_the_creator_removes_others(floor: Floor) -> None:
    room = open_channel(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Osterland"),
        floor.delegation("Calvia"),
        floor.delegation("Norbek"),
        name="Bloc",
    )

    with refused("channel.manage"):
        services.member_remove(
            channel=room,
            by=floor.delegate("Osterland"),
            delegation_id=floor.delegation("Calvia").pk,
        )
    services.member_remove(
        channel=room, by=floor.delegate("Osterland"), delegation_id=floor.delegation("Osterland").pk
    )
    services.member_remove(
        channel=room, by=floor.delegate("Veridia"), delegation_id=floor.delegation("Calvia").pk
    )

    assert members(room) == {"Veridia", "Norbek"}
    for gone in ("Osterland", "Calvia"):
        user = reload_user(floor.delegate(gone))
        assert not policy.can(user, "channel.read", room)
        with refused("channel.post"):
            post(room, user, "Still here?")
    with refused("That delegation is not in this room."):
        services.member_remove(
            channel=room, by=floor.delegate("Veridia"), delegation_id=floor.delegation("Calvia").pk
        )
    # Invited again, a delegation is back in the room.
    services.member_invite(
        channel=room, by=floor.delegate("Veridia"), delegation_ids=[floor.delegation("Calvia").pk]
    )
    assert policy.can(reload_user(floor.delegate("Calvia")), "channel.read", room)


def test_removal_is_sent_to_the_removed_delegates_own_group_after_commit(
    floor: Floor, django_capture_on_commit_callbacks
) -> None:
    room = open_channel(
        floor.committee, floor.delegate("Veridia"), "bloc", floor.delegation("Calvia"), name="Bloc"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        services.member_remove(
            channel=room, by=floor.delegate("Veridia"), delegation_id=floor.delegation("Calvia").pk
        )
    # Sent after commit: the removal to the removed delegation's students, and a list
    # refresh to the members who stay (delivery: test_consumers.py, test_live_lists.py).
    assert len(callbacks) == 2


# --- posting on the plenary floor ---------------------------------------------------------------


def test_a_muted_floor_takes_only_the_chairs_messages(floor: Floor) -> None:
    plenary = services.plenary_mute(committee=floor.committee, by=floor.chair, muted=True)

    with refused("The chair has muted the floor."):
        post(plenary, floor.delegate("Veridia"), "Point of order!")
    post(plenary, floor.chair, "Delegates will wait for the floor.")
    with refused("channel.moderate"):
        services.plenary_mute(committee=floor.committee, by=floor.delegate("Veridia"), muted=False)
    services.plenary_mute(committee=floor.committee, by=floor.chair, muted=False)
    post(plenary, floor.delegate("Veridia"), "Thank you, chair.")

    assert bodies(plenary) == [
        "The chair has muted the floor.",
        "Delegates will wait for the floor.",
        "The floor is open again.",
        "Thank you, chair.",
    ]


def test_in_moderated_debate_only_the_delegation_with_the_floor_posts_on_the_plenary(
    floor: Floor,
) -> None:
    session = in_general_debate(floor)
    plenary = services.plenary_ensure(committee=floor.committee)
    room = open_channel(
        floor.committee, floor.delegate("Veridia"), "bloc", floor.delegation("Calvia"), name="Bloc"
    )

    with refused("The debate is moderated: only the delegation that has the floor may post."):
        post(plenary, floor.delegate("Veridia"), "May I?")
    proceedings.speaker_add(session=session, by=floor.delegate("Osterland"))
    proceedings.speaker_next(session=session, by=floor.chair)
    post(plenary, floor.delegate("Osterland"), "Osterland has the floor.")
    with refused("The debate is moderated"):
        post(plenary, floor.delegate("Veridia"), "And now?")
    post(plenary, floor.chair, "Thank you, Osterland.")
    post(room, floor.delegate("Veridia"), "Private rooms stay open in moderated debate.")

    assert bodies(plenary) == ["Osterland has the floor.", "Thank you, Osterland."]


def test_a_delegate_without_the_right_to_speak_does_not_post_on_the_floor(
    floor: Floor, simulation: Simulation
) -> None:
    observer_delegation = delegation_services.delegation_create(
        committee=floor.committee, by=floor.instructor, name="Press corps", kind="ngo"
    )
    without_right(floor.instructor, observer_delegation, "speak")
    user = seat(simulation, observer_delegation, "Reporter")

    with refused("channel.post"):
        post(services.plenary_ensure(committee=floor.committee), reload_user(user), "Comment?")


# --- what a message may be -------------------------------------------------------------------


def test_an_empty_message_is_refused_with_a_clear_message(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    for empty in ("", "   ", "\n\r\n\t"):
        with refused("Write something first: the message is empty."):
            post(plenary, floor.delegate("Veridia"), empty)
    assert Channel.objects.get(pk=plenary.pk).last_seq == 0


@pytest.mark.parametrize("kind", ["plenary", "bloc", "note"])
def test_an_over_long_message_is_refused_saying_the_limit(floor: Floor, kind: str) -> None:
    if kind == "plenary":
        channel = services.plenary_ensure(committee=floor.committee)
    else:
        channel = open_channel(
            floor.committee,
            floor.delegate("Veridia"),
            kind,
            floor.delegation("Calvia"),
            name="Bloc",
        )
    limit = MESSAGE_LIMITS[ChannelKind(kind)]

    with refused(f"messages are limited to {limit} characters (this one has {limit + 1})."):
        post(channel, floor.delegate("Veridia"), "x" * (limit + 1))
    post(channel, floor.delegate("Veridia"), "y" * limit)
    assert [len(b) for b in bodies(channel)] == [limit]


def test_messages_are_plain_text_escaped_with_clickable_links(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    message = post(
        plenary,
        floor.delegate("Veridia"),
        '<b onclick="x()">bold</b> <script>alert(1)</script>\nsee https://un.org/water',
    )
    html = render_to_string(
        "caucus/partials/message.html", {"message": message, "channel": plenary}
    )

    assert message.body.startswith('<b onclick="x()">')  # stored as typed: plain text
    assert "<b " not in html and "<script>" not in html
    assert "&lt;b onclick=&quot;x()&quot;&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://un.org/water"' in html


def test_a_public_floor_message_is_appended_to_the_sessions_event_log(floor: Floor) -> None:
    session = open_session(floor)
    plenary = services.plenary_ensure(committee=floor.committee)
    room = open_channel(
        floor.committee, floor.delegate("Veridia"), "bloc", floor.delegation("Calvia"), name="Bloc"
    )
    before = Event.objects.filter(session=session).count()

    post(plenary, floor.delegate("Veridia"), "Veridia supports the agenda.")
    post(room, floor.delegate("Veridia"), "Between us: we do not.")
    post(plenary, floor.chair, "Noted.")

    logged = list(Event.objects.filter(session=session).order_by("seq"))[before:]
    assert [(e.kind, e.text) for e in logged] == [
        ("floor_message", "Veridia: Veridia supports the agenda."),
        ("floor_message", "The chair: Noted."),
    ]
    assert [e.seq for e in logged] == [before + 1, before + 2]


def test_a_floor_message_before_any_session_is_kept_but_not_logged(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    post(plenary, floor.delegate("Veridia"), "Anyone here?")
    assert bodies(plenary) == ["Anyone here?"]
    assert not Event.objects.filter(kind="floor_message").exists()


def test_messages_are_numbered_gap_free_per_channel(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    room = open_channel(
        floor.committee, floor.delegate("Veridia"), "bloc", floor.delegation("Calvia"), name="Bloc"
    )
    for i in range(3):
        post(plenary, floor.delegate("Calvia"), f"floor {i}")
        post(room, floor.delegate("Calvia"), f"room {i}")
    with refused("empty"):
        post(room, floor.delegate("Calvia"), " ")

    for channel in (plenary, room):
        seqs = list(Message.objects.filter(channel=channel).values_list("seq", flat=True))
        assert seqs == [1, 2, 3]
        assert Channel.objects.get(pk=channel.pk).last_seq == 3


def test_a_post_is_pushed_only_after_commit(
    floor: Floor, django_capture_on_commit_callbacks
) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    with django_capture_on_commit_callbacks() as callbacks:
        post(plenary, floor.delegate("Veridia"), "Hello")
    assert len(callbacks) == 1


def test_a_non_member_neither_reads_nor_posts_in_a_private_channel(floor: Floor) -> None:
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    for user in (floor.delegate("Norbek"), floor.chair):
        assert not policy.can(user, "channel.read", bilateral)
        with refused("channel.post"):
            post(bilateral, user, "Listening in")


def test_a_note_passed_via_the_chair_lets_the_chair_read_that_note_not_the_thread(
    floor: Floor,
) -> None:
    note = open_channel(
        floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Calvia")
    )
    post(note, floor.delegate("Veridia"), "Just between us.")
    assert not policy.can(reload_user(floor.chair), "channel.read", note)

    post(note, floor.delegate("Veridia"), "Via the chair, for the record.", via_chair=True)

    note = Channel.objects.get(pk=note.pk)
    assert note.chair_reads
    assert policy.can(reload_user(floor.chair), "channel.read", note)
    assert policy.reads_only_via_chair(reload_user(floor.chair), note)
    assert list(Message.objects.filter(channel=note).values_list("via_chair", "chair_seq")) == [
        (False, None),
        (True, 1),
    ]


def test_staff_read_private_channels_only_when_the_simulation_allows_it(floor: Floor) -> None:
    Simulation.objects.filter(pk=floor.simulation.pk).update(staff_can_read_private_channels=False)
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    assert not policy.can(reload_user(floor.instructor), "channel.read", bilateral)

    Simulation.objects.filter(pk=floor.simulation.pk).update(staff_can_read_private_channels=True)

    instructor = reload_user(floor.instructor)
    assert policy.can(instructor, "channel.read", bilateral)
    with refused("channel.post"):
        post(bilateral, instructor, "Staff read but do not post.")


def test_an_adjourned_session_takes_no_new_channels_and_no_messages(floor: Floor) -> None:
    session = open_session(floor)
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    proceedings.phase_advance(session=session, by=floor.chair, to="adjourned")

    with refused("The session is adjourned: no new channels."):
        open_channel(floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Norbek"))
    with refused("The session is adjourned."):
        post(bilateral, floor.delegate("Veridia"), "One more thing")
