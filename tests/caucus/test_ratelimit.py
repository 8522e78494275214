"""Rate limits on caucus messages, counted in the real Redis: a refused message is refused
with a message and takes nothing away from the ones before it."""

from __future__ import annotations

import time
import uuid

import pytest
import redis
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.accounts.models import User
from apps.caucus import services
from apps.caucus.models import Channel, Message
from apps.core import ratelimit
from tests.caucus.helpers import drain, open_channel, open_socket, resume, seqs_of, stream
from tests.proceedings.helpers import Floor

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def post_until_refused(channel: Channel, by: User, attempts: int) -> tuple[int, str]:
    """Post `attempts` messages in a row; how many went through, and the first refusal."""
    for n in range(1, attempts + 1):
        try:
            services.message_post(channel=channel, by=by, body=f"message {n}")
        except ValidationError as refusal:
            return n - 1, " ".join(refusal.messages)
    return attempts, ""


def seqs_in_db(channel: Channel) -> list[int]:
    return list(
        Message.objects.filter(channel=channel).order_by("seq").values_list("seq", flat=True)
    )


@override_settings(CAUCUS_USER_LIMIT=20, CAUCUS_CHANNEL_LIMIT=60, CAUCUS_WINDOW_SECONDS=10)
async def test_the_21st_message_in_ten_seconds_is_refused_and_none_of_the_first_20_is_lost(
    floor: Floor,
) -> None:
    veridia, calvia = floor.delegate("Veridia"), floor.delegate("Calvia")
    bilateral = await db(open_channel)(
        floor.committee, veridia, "bilateral", floor.delegation("Calvia")
    )
    reader = await open_socket(calvia, floor.simulation)
    await resume(reader, {stream(bilateral): 0})

    sent, refusal = await db(post_until_refused)(bilateral, veridia, 21)

    assert sent == 20
    assert refusal == (
        "Slow down: at most 20 messages in 10 seconds. "
        "Your message was not sent; try again in a moment."
    )
    assert await db(seqs_in_db)(bilateral) == list(range(1, 21))
    received = await drain(reader, 1.0)
    assert seqs_of(received, bilateral) == list(range(1, 21))
    assert len(received) == 20
    # The limit is the user's, in every channel; the other side may still answer.
    plenary = await db(services.plenary_ensure)(committee=floor.committee)
    assert (await db(post_until_refused)(plenary, veridia, 1))[0] == 0
    assert (await db(post_until_refused)(bilateral, calvia, 1))[0] == 1
    assert seqs_of(await drain(reader), bilateral) == [21]
    await reader.disconnect()


@override_settings(CAUCUS_USER_LIMIT=20, CAUCUS_CHANNEL_LIMIT=5, CAUCUS_WINDOW_SECONDS=10)
async def test_a_busy_channel_refuses_messages_past_its_limit_and_keeps_the_others(
    floor: Floor,
) -> None:
    names = ("Veridia", "Osterland", "Calvia")
    room = await db(open_channel)(
        floor.committee,
        floor.delegate("Veridia"),
        "bloc",
        floor.delegation("Osterland"),
        floor.delegation("Calvia"),
        name="Busy",
    )
    reader = await open_socket(floor.delegate("Norbek"), floor.simulation)
    await resume(reader, {stream(await db(services.plenary_ensure)(committee=floor.committee)): 0})
    member = await open_socket(floor.delegate("Calvia"), floor.simulation)
    await resume(member, {stream(room): 0})

    results = [
        await db(post_until_refused)(room, floor.delegate(names[n % 3]), 1) for n in range(6)
    ]

    assert [sent for sent, _ in results] == [1, 1, 1, 1, 1, 0]
    assert results[5][1] == (
        "This channel is very busy: your message was not sent; try again in a few seconds."
    )
    assert await db(seqs_in_db)(room) == [1, 2, 3, 4, 5]
    assert seqs_of(await drain(member, 1.0), room) == [1, 2, 3, 4, 5]
    # The refusal did not count against its author: Calvia still posts elsewhere.
    plenary = await db(services.plenary_ensure)(committee=floor.committee)
    assert (await db(post_until_refused)(plenary, floor.delegate("Calvia"), 1))[0] == 1
    assert seqs_of(await drain(reader), plenary) == [1]
    for socket in (reader, member):
        await socket.disconnect()


@override_settings(CAUCUS_USER_LIMIT=3, CAUCUS_CHANNEL_LIMIT=60, CAUCUS_WINDOW_SECONDS=3)
@pytest.mark.django_db
def test_the_limit_lifts_when_the_window_is_over(floor: Floor) -> None:
    plenary = services.plenary_ensure(committee=floor.committee)
    veridia = floor.delegate("Veridia")
    assert post_until_refused(plenary, veridia, 4)[0] == 3
    assert post_until_refused(plenary, veridia, 3)[0] == 0  # refusals do not extend it
    time.sleep(3.1)
    assert post_until_refused(plenary, veridia, 4)[0] == 3
    assert seqs_in_db(plenary) == [1, 2, 3, 4, 5, 6]


def test_giving_back_a_hit_after_its_window_ended_does_not_lock_the_key_forever() -> None:
    """A refusal gives back the author's hit; if the window ended in between, the count must
    not survive as a key without expiry (which would block its user for good)."""
    key = f"test:{uuid.uuid4().hex}"
    name = ratelimit.key_name(key)
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert ratelimit.hit(key, limit=1, window_s=1)
    time.sleep(1.1)

    ratelimit.undo(key)  # the window is over: nothing to give back

    assert client.ttl(name) in (-2, 1)  # gone, or a fresh window with its expiry
    assert ratelimit.hit(key, limit=1, window_s=1)
    assert 0 < client.ttl(name) <= 1
    client.delete(name)
    client.close()


def test_a_refused_hit_is_given_back_so_refusals_do_not_fill_the_window() -> None:
    key = f"test:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert ratelimit.hit(key, limit=2, window_s=5)
    assert ratelimit.hit(key, limit=2, window_s=5)
    assert not ratelimit.hit(key, limit=2, window_s=5)
    assert not ratelimit.hit(key, limit=2, window_s=5)
    assert int(client.get(ratelimit.key_name(key)) or 0) == 2
    client.delete(ratelimit.key_name(key))
    client.close()
