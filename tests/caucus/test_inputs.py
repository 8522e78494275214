"""Unreadable ids answer 400 with a message, refused text 422 with a message: never a 500,
and nothing half-written."""

from __future__ import annotations

import pytest

from apps.caucus import services
from apps.caucus.models import Channel, ChannelMember, Message
from tests.caucus.helpers import client_of, open_channel
from tests.proceedings.helpers import Floor

pytestmark = pytest.mark.django_db

UNREADABLE_IDS = ["²", "١", "abc", "-1", "0", str(10**30), "1" * 5000]


def room(floor: Floor) -> Channel:
    return open_channel(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Calvia"),
        floor.delegation("Norbek"),
        name="River states",
    )


def said(response: object, text: str) -> bool:
    return text in response.content.decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize("raw", UNREADABLE_IDS)
@pytest.mark.parametrize("page", ["caucus", "caucus/panel"])
def test_an_unreadable_channel_in_the_address_answers_400(
    floor: Floor, page: str, raw: str
) -> None:
    response = client_of(floor.delegate("Veridia")).get(
        f"/committees/{floor.committee.pk}/{page}/", {"channel": raw}
    )
    assert response.status_code == 400
    assert said(response, "The channel must be")


@pytest.mark.parametrize("raw", UNREADABLE_IDS)
def test_opening_a_channel_with_an_unreadable_delegation_answers_400(
    floor: Floor, raw: str
) -> None:
    response = client_of(floor.delegate("Veridia")).post(
        f"/committees/{floor.committee.pk}/caucus/open/", {"kind": "bilateral", "with": [raw]}
    )
    assert response.status_code == 400 and said(response, "The delegation must be")
    assert not Channel.objects.exclude(kind="plenary").exists()


@pytest.mark.parametrize("raw", UNREADABLE_IDS)
def test_inviting_or_removing_an_unreadable_delegation_answers_400(floor: Floor, raw: str) -> None:
    bloc = room(floor)
    client = client_of(floor.delegate("Veridia"))
    before = list(ChannelMember.objects.values_list("delegation_id", "active"))
    for url, field in (
        (f"/channels/{bloc.pk}/invite/", "with"),
        (f"/channels/{bloc.pk}/remove/", "delegation"),
    ):
        response = client.post(url, {field: raw})
        assert response.status_code == 400 and said(response, "The delegation must be"), url
    assert list(ChannelMember.objects.values_list("delegation_id", "active")) == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Meet at \x00 noon", "control characters"),
        ("Our line\x07", "control characters"),
        ("txt.exe\u202egnp", "right-to-left or left-to-right control characters"),
        ("We\u200b agree", "invisible characters"),
    ],
)
@pytest.mark.parametrize("kind", ["bloc", "note"])
def test_a_message_with_forbidden_characters_answers_422_and_is_not_posted(
    floor: Floor, kind: str, body: str, reason: str
) -> None:
    channel = (
        room(floor)
        if kind == "bloc"
        else open_channel(
            floor.committee, floor.delegate("Veridia"), "note", floor.delegation("Calvia")
        )
    )
    response = client_of(floor.delegate("Veridia")).post(
        f"/channels/{channel.pk}/post/", {"body": body}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert said(response, f"A message cannot contain {reason}.")
    assert not Message.objects.filter(channel=channel).exists()
    assert Channel.objects.get(pk=channel.pk).last_seq == 0


def test_a_message_keeps_its_line_breaks(floor: Floor) -> None:
    bloc = room(floor)
    response = client_of(floor.delegate("Veridia")).post(
        f"/channels/{bloc.pk}/post/", {"body": "Point one\r\nPoint two\n\tand a tab"}
    )
    assert response.status_code == 200
    assert Message.objects.get(channel=bloc).body == "Point one\nPoint two\n\tand a tab"


@pytest.mark.parametrize("name", ["River\x00states", "River\u202estates", "Riv\u2060er", "Bloc\n"])
def test_a_bloc_room_name_with_forbidden_characters_answers_422(floor: Floor, name: str) -> None:
    response = client_of(floor.delegate("Veridia")).post(
        f"/committees/{floor.committee.pk}/caucus/open/",
        {"kind": "bloc", "name": name, "with": [floor.delegation("Calvia").pk]},
    )
    if name == "Bloc\n":  # a trailing line break is only whitespace: trimmed, accepted
        assert response.status_code == 302
        assert Channel.objects.get(kind="bloc").name == "Bloc"
        return
    assert response.status_code == 422
    assert said(response, "The room&#x27;s name cannot contain")
    assert not Channel.objects.filter(kind="bloc").exists()


def test_the_services_refuse_the_same_text_whoever_calls_them(floor: Floor) -> None:
    from django.core.exceptions import ValidationError

    bloc = room(floor)
    with pytest.raises(ValidationError, match="cannot contain control characters"):
        services.message_post(channel=bloc, by=floor.delegate("Calvia"), body="a\x00b")
    with pytest.raises(ValidationError, match="cannot contain"):
        open_channel(
            floor.committee,
            floor.delegate("Veridia"),
            "bloc",
            floor.delegation("Norbek"),
            name="\u202eRoom",
        )
