"""Reads of caucus channels: what a user may see, in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.caucus.domain import ChannelKind, Setting
from apps.caucus.models import Channel, ChannelMember, Message
from apps.core import policy
from apps.core.groups import group_for_channel, group_for_channel_chair
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.proceedings.domain.mediation import MediationMode, MediatorAction, mediator_may
from apps.proceedings.domain.phases import Phase
from apps.proceedings.models import Session

PANEL_SIZE = 50


def current_session(committee: Committee) -> Session | None:
    """The committee's sitting now: the open one, else the latest."""
    sessions = Session.objects.filter(committee=committee).order_by("-number")
    return sessions.exclude(phase=Phase.ADJOURNED.value).first() or sessions.first()


def setting_for(committee: Committee) -> Setting:
    """The committee's situation as the caucus rules see it: its sitting's phase and
    mediation (the committee's rules before the first sitting)."""
    session = current_session(committee)
    mediation = committee.mediation
    mode = session.mediation_mode if session else str(mediation.get("mode") or "")
    proximity = session.proximity if session else bool(mediation.get("proximity"))
    shuttle = bool(mode) and mediator_may(
        MediationMode(mode), MediatorAction.OPEN_SHUTTLE, proximity=proximity
    )
    return Setting(
        phase=session.phase if session else Phase.NOT_STARTED.value,
        mediation_mode=mode,
        proximity=proximity,
        shuttle_allowed=shuttle,
    )


def user_ids_of(*, delegation_ids: Iterable[int]) -> list[int]:
    """The users seated in these delegations."""
    return list(
        Membership.objects.filter(delegation_id__in=list(delegation_ids)).values_list(
            "user_id", flat=True
        )
    )


def channels_unreadable_by_staff(*, simulation_id: int) -> dict[int, list[int]]:
    """Per staff user of the simulation, the private channels the policy no longer lets
    them read (a query for the channels, and the policy's two per staff user)."""
    owner_id = Simulation.objects.values_list("owner_id", flat=True).get(pk=simulation_id)
    staff_ids = {owner_id} | set(
        Membership.objects.filter(
            simulation_id=simulation_id, role__in=policy.STAFF_ROLES
        ).values_list("user_id", flat=True)
    )
    members = Prefetch(
        "members", queryset=ChannelMember.objects.filter(active=True), to_attr="active_members"
    )
    channels = list(
        Channel.objects.filter(committee__simulation_id=simulation_id)
        .exclude(kind=ChannelKind.PLENARY)
        .select_related("committee")
        .prefetch_related(members)
    )
    for channel in channels:
        channel.active_member_ids = {m.delegation_id for m in channel.active_members}  # type: ignore[attr-defined]
    unreadable: dict[int, list[int]] = {}
    for user in User.objects.filter(pk__in=staff_ids):
        lost = [c.pk for c in channels if not policy.can(user, "channel.read", c)]
        if lost:
            unreadable[user.pk] = lost
    return unreadable


def channels_for(*, user: User, committee: Committee) -> list[Channel]:
    """Every channel of the committee the user may read (policy decides), plenary first,
    with active members and the last messages of each. Reads only: the plenary floor is
    opened by `services.plenary_ensure` (the room's views call it first)."""
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
            channel.chair_view = policy.reads_only_via_chair(user, channel)
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
    """The last PANEL_SIZE messages of every channel, in one query (a window function) for
    the channels read whole and one for those read only via the chair (their notes passed
    via the chair, by the chair's numbers)."""
    by_channel: dict[int, list[Message]] = {c.pk: [] for c in channels}
    whole = [c for c in channels if not c.chair_view]
    via_chair = [c for c in channels if c.chair_view]
    for group, rows, order in (
        (whole, Message.objects.all(), "seq"),
        (via_chair, Message.objects.filter(via_chair=True), "chair_seq"),
    ):
        if not group:
            continue
        ranked = (
            rows.filter(channel__in=group)
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("channel_id")], order_by=F(order).desc())
            )
            .filter(rank__lte=PANEL_SIZE)
            .select_related("author", "delegation")
            .order_by("channel_id", order)
        )
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
    """The channel's group for its readers; for the chair reading a note thread, the group
    of the notes passed via the chair only (never the thread's own)."""
    channel = _channel(stream, simulation_id)
    if channel is None or not policy.can(user, "channel.read", channel):
        return []
    if policy.reads_only_via_chair(user, channel):
        return [group_for_channel_chair(channel.pk)]
    return [group_for_channel(channel.pk)]


def channel_replay(
    *, user: User, simulation_id: int, after: int, limit: int, stream: str
) -> list[str]:
    """Exactly the messages after `after`, in order; or the whole list if too many. The
    chair reading a note thread gets the notes passed via the chair, by their own numbers."""
    channel = _channel(stream, simulation_id)
    if channel is None or not policy.can(user, "channel.read", channel):
        return []
    channel.chair_view = policy.reads_only_via_chair(user, channel)
    if channel.chair_view:
        missed = Message.objects.filter(channel=channel, via_chair=True, chair_seq__gt=after)
        missed = missed.order_by("chair_seq")
    else:
        missed = Message.objects.filter(channel=channel, seq__gt=after).order_by("seq")
    rows = list(missed.select_related("author", "delegation")[: limit + 1])
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
