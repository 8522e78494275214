"""What one `resume` frame may cost: canonical stream names only (each stream replayed once,
however it is spelled), at most MAX_STREAMS streams, and at most MAX_REPLAY_PER_FRAME
fragments replayed message by message; past that, a stream's "reload the panel" fragment."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from apps.caucus import services
from apps.caucus.models import Channel, Message
from apps.core import replay
from tests.caucus.helpers import open_channel, open_socket, resume, seqs_of, stream
from tests.proceedings.helpers import Floor

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


def bilateral_with(floor: Floor, other: str, count: int) -> Channel:
    """A bilateral of Veridia's with `other`, holding `count` messages."""
    veridia = floor.delegate("Veridia")
    channel = open_channel(floor.committee, veridia, "bilateral", floor.delegation(other))
    Message.objects.bulk_create(
        Message(channel=channel, seq=n, author=veridia, body=f"message {n}")
        for n in range(1, count + 1)
    )
    Channel.objects.filter(pk=channel.pk).update(last_seq=count)
    return channel


def spellings_of(channel: Channel) -> dict[str, int]:
    """Fifty ways to write one stream's name that a lax parser reads as the same channel."""
    pk = str(channel.pk)
    names = [f"channel-{'0' * zeros}{pk}" for zeros in range(40)]
    names += [f"channel-+{pk}", f"channel-+0{pk}", f"channel- {pk}", f"channel-{pk} "]
    names += [f"channel-\t{pk}", f"channel-{pk}\n", f"channel-_{pk}", f"channel-0_{pk}"]
    names += ["channel-" + pk.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    names += ["channel-" + pk.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))]
    assert len(set(names)) == 50
    return dict.fromkeys(names, 0)


async def test_fifty_spellings_of_one_stream_replay_each_message_once(floor: Floor) -> None:
    bilateral = await db(bilateral_with)(floor, "Calvia", 5)
    socket = await open_socket(floor.delegate("Calvia"), floor.simulation)

    replayed = await resume(socket, spellings_of(bilateral))

    assert seqs_of(replayed, bilateral) == [1, 2, 3, 4, 5]
    assert len(replayed) == 5
    await socket.disconnect()


async def test_only_the_first_streams_up_to_the_bound_are_followed_and_the_client_is_told(
    floor: Floor,
) -> None:
    bilateral = await db(bilateral_with)(floor, "Calvia", 2)
    socket = await open_socket(floor.delegate("Calvia"), floor.simulation)
    unknown = {f"channel-{10_000 + n}": 0 for n in range(replay.MAX_STREAMS)}

    replies = await resume(socket, {**unknown, stream(bilateral): 0})

    assert seqs_of(replies, bilateral) == []
    assert [json.loads(r) for r in replies] == [
        {"type": "error", "message": f"At most {replay.MAX_STREAMS} streams are followed at once."}
    ]
    # Within the bound, the same stream is followed and replayed.
    assert seqs_of(await resume(socket, {stream(bilateral): 0}), bilateral) == [1, 2]
    await socket.disconnect()


async def test_one_frame_replays_at_most_the_bound_and_reloads_the_rest(floor: Floor) -> None:
    per_channel = replay.MAX_REPLAY - 1  # each alone is replayed message by message
    channels = [
        await db(bilateral_with)(floor, other, per_channel) for other in ("Calvia", "Norbek")
    ]
    channels.append(await db(bilateral_with)(floor, "Osterland", per_channel))
    socket = await open_socket(floor.delegate("Veridia"), floor.simulation)

    replayed = await resume(socket, {stream(c): 0 for c in channels})

    first, second, third = channels
    assert seqs_of(replayed, first) == list(range(1, per_channel + 1))
    assert seqs_of(replayed, second) == list(range(1, per_channel + 1))
    # Past the frame's budget, the third comes as one fragment: its whole list, reloaded.
    reloads = [html for html in replayed if f'id="messages-{third.pk}"' in html]
    assert len(reloads) == 1 and 'hx-swap-oob="outerHTML"' in reloads[0]
    assert len(replayed) == 2 * per_channel + 1 <= replay.MAX_REPLAY_PER_FRAME + 1
    await socket.disconnect()


def test_a_stream_name_is_canonical_only_when_written_as_pages_write_it() -> None:
    assert replay.is_canonical("channel-7") and replay.is_canonical("lobby")
    assert replay.is_canonical("session-12:public")
    for name in (
        "channel-07",
        "channel-+7",
        "channel-0",
        "channel-",
        "channel-7:private",
        "channel-٧",
        f"channel-{2**63}",
        "lobby:public",
        7,
        None,
    ):
        assert not replay.is_canonical(name), name


async def test_a_message_posted_after_a_resume_is_pushed_once_whatever_the_spellings(
    floor: Floor,
) -> None:
    bilateral = await db(bilateral_with)(floor, "Calvia", 1)
    socket = await open_socket(floor.delegate("Calvia"), floor.simulation)
    await resume(socket, spellings_of(bilateral))
    await db(services.message_post)(
        channel=bilateral, by=floor.delegate("Veridia"), body="Once only"
    )
    received = [await socket.receive_from(timeout=5)]
    assert await socket.receive_nothing(timeout=0.5)
    assert seqs_of(received, bilateral) == [2]
    await socket.disconnect()
