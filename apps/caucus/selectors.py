"""Reads of caucus channels: what a user may see, in a constant number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.caucus.domain import ChannelKind
from apps.caucus.models import Channel, ChannelMember, Message
from apps.caucus.services import plenary_for, setting_for
from apps.core import policy
from apps.core.groups import group_for_channel
from apps.delegations.models import Committee, Delegation

PANEL_SIZE = 50


def channels_for(*, user: User, committee: Committee) -> list[Channel]:
    """Every channel of the committee the user may read (policy decides), plenary first,
    with active members and the last messages of each."""
    plenary_for(committee)
    members = Prefetch(
        "members",
        queryset=ChannelMember.objects.filter(active=True).select_related("delegation"),
        to_attr="active_members",
    )
    channels = list(
        Channel.objects.filter(committee=committee)
        .select_related("committee")
        .prefetch_related(members)
    )
    readable: list[Channel] = []
    for channel in channels:
        channel.active_member_ids = {m.delegation_id for m in channel.active_members}  # type: ignore[attr-defined]
        if policy.can(user, "channel.read", channel):
            readable.append(channel)
    _attach_recent(readable)
    order = {
        ChannelKind.PLENARY: 0,
        ChannelKind.BLOC: 1,
        ChannelKind.BILATERAL: 2,
        ChannelKind.SHUTTLE: 3,
        ChannelKind.NOTE: 4,
    }
    readable.sort(key=lambda c: (order[ChannelKind(c.kind)], c.pk))
    return readable


def _attach_recent(channels: list[Channel]) -> None:
    """The last PANEL_SIZE messages of every channel, in one query (a window function)."""
    if not channels:
        return
    ranked = (
        Message.objects.filter(channel__in=channels)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("channel_id")], order_by=F("seq").desc())
        )
        .filter(rank__lte=PANEL_SIZE)
        .select_related("author", "delegation")
        .order_by("channel_id", "seq")
    )
    by_channel: dict[int, list[Message]] = {c.pk: [] for c in channels}
    for message in ranked:
        by_channel[message.channel_id].append(message)
    for channel in channels:
        channel.recent = by_channel[channel.pk]  # type: ignore[attr-defined]


def room_context(
    *, user: User, committee: Committee, active_id: int | None = None
) -> dict[str, Any]:
    channels = channels_for(user=user, committee=committee)
    active = next((c for c in channels if c.pk == active_id), channels[0] if channels else None)
    standing = policy.standing(user, committee.simulation_id)
    delegations = list(Delegation.objects.filter(committee=committee).order_by("position", "name"))
    mine = next((d for d in delegations if d.pk == standing.delegation_id), None)
    for channel in channels:
        channel.title = _title(channel, mine)  # type: ignore[attr-defined]
    setting = setting_for(committee)
    return {
        "committee": committee,
        "simulation": committee.simulation,
        "channels": channels,
        "active": active,
        "delegations": delegations,
        "others": [d for d in delegations if mine is None or d.pk != mine.pk],
        "mine": mine,
        "setting": setting,
        "may_open": policy.can(user, "channel.open", committee),
        "may_note": policy.can(user, "note.send", committee),
        "may_moderate": policy.can(user, "channel.moderate", committee),
        "staff_reads": committee.simulation.staff_can_read_private_channels,
        "is_mediator": mine is not None and mine.kind == "mediator",
        "kinds": ChannelKind,
    }


def _title(channel: Channel, mine: Delegation | None) -> str:
    """What a member calls a pair channel: the other side ("Northern Lakes Front"), not
    both names joined, which is long on a phone and half about themselves."""
    if channel.kind == ChannelKind.BLOC or channel.kind == ChannelKind.PLENARY or mine is None:
        return str(channel)
    members = getattr(channel, "active_members", [])
    others = [m.delegation.name for m in members if m.delegation_id != mine.pk]
    if not others or len(others) == len(members):
        return str(channel)
    return " · ".join(others)


def _channel(stream: str, simulation_id: int) -> Channel | None:
    tail = stream.removeprefix("channel-")
    if not (tail.isascii() and tail.isdigit()):  # "²".isdigit() is true, int("²") fails
        return None
    channel = Channel.objects.select_related("committee").filter(pk=int(tail)).first()
    if channel is None or channel.committee.simulation_id != simulation_id:
        return None
    return channel


def channel_groups(*, user: User, simulation_id: int, stream: str) -> list[str]:
    channel = _channel(stream, simulation_id)
    if channel is None or not policy.can(user, "channel.read", channel):
        return []
    return [group_for_channel(channel.pk)]


def channel_replay(
    *, user: User, simulation_id: int, after: int, limit: int, stream: str
) -> list[str]:
    """Exactly the messages after `after`, in order; or the whole list if too many."""
    channel = _channel(stream, simulation_id)
    if channel is None or not policy.can(user, "channel.read", channel):
        return []
    rows = list(
        Message.objects.filter(channel=channel, seq__gt=after)
        .select_related("author", "delegation")
        .order_by("seq")[: limit + 1]
    )
    if len(rows) > limit:
        _attach_recent([channel])
        return [
            render_to_string(
                "caucus/partials/messages.html",
                {"channel": channel, "messages_list": channel.recent, "oob": True},  # type: ignore[attr-defined]
            )
        ]
    return [
        render_to_string("caucus/partials/push.html", {"message": m, "channel": channel})
        for m in rows
    ]
