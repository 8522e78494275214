"""The caucus room over HTTP: a constant number of queries, htmx posting, refusals."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel, Message
from apps.delegations.models import Simulation
from tests.caucus.helpers import client_of, open_channel
from tests.proceedings.helpers import Floor

pytestmark = pytest.mark.django_db


def room_url(floor: Floor, channel: Channel | None = None) -> str:
    url = f"/committees/{floor.committee.pk}/caucus/"
    return f"{url}?channel={channel.pk}" if channel else url


def add_rooms(floor: Floor, count: int) -> None:
    """`count` bloc rooms of Veridia's with Calvia, three messages in each, and on the floor."""
    veridia, calvia = floor.delegate("Veridia"), floor.delegate("Calvia")
    plenary = services.plenary_ensure(committee=floor.committee)
    services.message_post(channel=plenary, by=calvia, body="On the floor")
    start = Channel.objects.filter(kind="bloc").count()
    for n in range(start, start + count):
        room = open_channel(
            floor.committee, veridia, "bloc", floor.delegation("Calvia"), name=f"Room {n}"
        )
        for author in (veridia, calvia, veridia):
            services.message_post(channel=room, by=author, body=f"In room {n}")


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@override_settings(CAUCUS_USER_LIMIT=1000, CAUCUS_CHANNEL_LIMIT=1000)
def test_the_room_costs_the_same_queries_for_3_channels_as_for_30(floor: Floor) -> None:
    calvia = client_of(floor.delegate("Calvia"))
    add_rooms(floor, 2)
    few = queries_for(calvia, room_url(floor))
    few_panel = queries_for(calvia, f"/committees/{floor.committee.pk}/caucus/panel/")

    add_rooms(floor, 27)
    page = calvia.get(room_url(floor)).content.decode()
    many = queries_for(calvia, room_url(floor))
    many_panel = queries_for(calvia, f"/committees/{floor.committee.pk}/caucus/panel/")

    assert page.count('class="channel-box"') == 30
    assert page.count("In room ") == 29 * 3
    assert many == few, (few, many)
    assert many_panel == few_panel, (few_panel, many_panel)


def test_posting_over_htmx_answers_the_emptied_form(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    response = client_of(floor.delegate("Veridia")).post(
        f"/channels/{plenary.pk}/post/", {"body": "Veridia yields"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="post-{plenary.pk}"' in html
    assert f'id="body-{plenary.pk}"' in html and "Veridia yields" not in html
    assert 'role="alert"' not in html
    assert list(Message.objects.filter(channel=plenary).values_list("body", flat=True)) == [
        "Veridia yields"
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("   ", "Write something first: the message is empty."),
        ("x" * 1001, "Plenary floor messages are limited to 1000 characters (this one has 1001)."),
    ],
)
def test_a_refused_post_answers_422_with_the_form_the_text_and_the_reason(
    floor: Floor, body: str, error: str
) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    response = client_of(floor.delegate("Veridia")).post(
        f"/channels/{plenary.pk}/post/", {"body": body}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert error in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert body.strip() in html  # what was typed is kept to be fixed
    assert not Message.objects.exists()


@override_settings(CAUCUS_USER_LIMIT=2, CAUCUS_CHANNEL_LIMIT=60, CAUCUS_WINDOW_SECONDS=10)
def test_a_rate_limited_post_answers_429_saying_to_slow_down(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    client = client_of(floor.delegate("Veridia"))
    codes = [
        client.post(f"/channels/{plenary.pk}/post/", {"body": f"m{n}"}, HTTP_HX_REQUEST="true")
        for n in range(3)
    ]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert 'role="alert"' in codes[2].content.decode()  # the form, swapped in with the reason
    assert "Slow down: at most 2 messages in 10 seconds." in codes[2].content.decode()


def test_posting_where_one_may_not_is_refused_with_403(floor: Floor, instructor: User) -> None:
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    Simulation.objects.filter(pk=floor.simulation.pk).update(staff_can_read_private_channels=True)
    for user in (floor.delegate("Norbek"), instructor):  # not a member; staff who only read
        response = client_of(user).post(
            f"/channels/{bilateral.pk}/post/", {"body": "Hello?"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 403
    assert client_of(floor.delegate("Norbek")).get(room_url(floor, bilateral)).status_code == 200
    assert not Message.objects.exists()


def test_an_outsider_sees_no_room_and_posts_nowhere(floor: Floor, outsider: User) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    client = client_of(outsider)
    assert client.get(room_url(floor)).status_code == 403
    assert client.post(f"/channels/{plenary.pk}/post/", {"body": "Hi"}).status_code == 403
    assert client.post("/channels/999999/post/", {"body": "Hi"}).status_code == 404
    assert not Message.objects.exists()


def test_a_page_lists_only_the_channels_its_user_may_read(floor: Floor) -> None:
    bilateral = open_channel(
        floor.committee, floor.delegate("Veridia"), "bilateral", floor.delegation("Calvia")
    )
    services.message_post(channel=bilateral, by=floor.delegate("Veridia"), body="Just us two")

    mine = client_of(floor.delegate("Calvia")).get(room_url(floor)).content.decode()
    theirs = client_of(floor.delegate("Norbek")).get(room_url(floor)).content.decode()

    assert f'id="channel-box-{bilateral.pk}"' in mine and "Just us two" in mine
    assert f'id="channel-box-{bilateral.pk}"' not in theirs and "Just us two" not in theirs


def test_opening_a_channel_goes_to_it_and_a_bad_form_says_what_is_missing(floor: Floor) -> None:
    client = client_of(floor.delegate("Veridia"))
    url = f"/committees/{floor.committee.pk}/caucus/open/"

    opened = client.post(url, {"kind": "bilateral", "with": [floor.delegation("Calvia").pk]})
    channel = Channel.objects.get(kind="bilateral")
    assert opened.status_code == 302 and opened["Location"] == room_url(floor, channel)

    unnamed = client.post(
        url, {"kind": "bloc", "with": [floor.delegation("Calvia").pk]}, follow=True
    )
    assert "Give the bloc room a name." in unnamed.content.decode()
    assert not Channel.objects.filter(kind="bloc").exists()


def test_a_refusal_by_the_rules_shows_the_room_with_the_reason_and_working_tabs(
    floor: Floor,
) -> None:
    client = client_of(floor.delegate("Veridia"))
    response = client.post(
        f"/committees/{floor.committee.pk}/caucus/open/",
        {"kind": "shuttle", "with": [floor.delegation("Calvia").pk]},
    )
    html = response.content.decode()

    assert response.status_code == 422  # refused by the rules, not by the policy
    assert "Only the mediator opens shuttle channels." in html
    plenary = services.plenary_ensure(committee=floor.committee)
    # The page sits at .../open/: its tabs still lead to the room, not to .../open/?channel=.
    assert f'href="{room_url(floor, plenary)}"' in html


def test_only_the_chair_mutes_the_floor(floor: Floor) -> None:
    url = f"/committees/{floor.committee.pk}/caucus/mute/"
    assert client_of(floor.delegate("Veridia")).post(url, {"muted": "on"}).status_code == 403
    assert client_of(floor.chair).post(url, {"muted": "on"}).status_code == 302
    assert Channel.objects.get(kind="plenary").muted
    page = client_of(floor.delegate("Veridia")).get(room_url(floor)).content.decode()
    assert "The chair has muted the floor." in page


def test_the_creator_removes_a_member_and_a_member_leaves_through_the_room(floor: Floor) -> None:
    room = open_channel(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Calvia"),
        floor.delegation("Norbek"),
        name="Bloc",
    )
    url = f"/channels/{room.pk}/remove/"
    assert (
        client_of(floor.delegate("Calvia"))
        .post(url, {"delegation": floor.delegation("Norbek").pk})
        .status_code
        == 403
    )
    assert (
        client_of(floor.delegate("Veridia"))
        .post(url, {"delegation": floor.delegation("Norbek").pk})
        .status_code
        == 302
    )
    assert (
        client_of(floor.delegate("Calvia"))
        .post(url, {"delegation": floor.delegation("Calvia").pk})
        .status_code
        == 302
    )
    assert room.member_delegation_ids() == {floor.delegation("Veridia").pk}
