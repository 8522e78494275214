"""Every write to caucus channels, one function per use case.

Posting locks the channel row (`select_for_update`) to number the message gap-free, and
pushes it after commit to the channel's group only: the sockets that joined it are exactly
those the policy let in. Losing access is an event sent to each affected user's own group;
their socket leaves the channel's group at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.models import User
from apps.caucus.domain import (
    MESSAGE_LIMITS,
    ChannelKind,
    Party,
    body_error,
    normalise_body,
    open_error,
    post_error,
)
from apps.caucus.models import Channel, ChannelMember, Message
from apps.caucus.selectors import (
    channels_unreadable_by_staff,
    current_session,
    setting_for,
    user_ids_of,
)
from apps.core import inputs, policy, ratelimit
from apps.core.broadcast import push_html_on_commit, send_on_commit, send_to_group
from apps.core.errors import RateLimited
from apps.core.groups import (
    group_for_channel,
    group_for_channel_chair,
    group_for_simulation,
    group_for_user,
)
from apps.core.i18n import render
from apps.core.streams import next_seq
from apps.delegations.models import Committee, Delegation, Membership
from apps.delegations.selectors import seated_delegation
from apps.proceedings.domain.phases import Phase
from apps.proceedings.event_kinds import FloorMessage
from apps.proceedings.journal import event_append


def _party(delegation: Delegation) -> Party:
    return Party(delegation.pk, delegation.kind, delegation.has_right("open_channels"))


def _own_delegation(by: User, committee: Committee) -> Delegation:
    delegation = seated_delegation(user=by, committee=committee)
    if delegation is None:
        raise PermissionDenied(gettext("Take a seat in this committee first."))
    return delegation


def plenary_ensure(*, committee: Committee) -> Channel:
    """The committee's plenary floor channel, opened on first use: a write, so the room's
    views call it before they read (the unique (committee, kind) constraint makes two
    first uses at the same moment open it once)."""
    channel = Channel.objects.filter(committee=committee, kind=ChannelKind.PLENARY).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            # No name: it is called by its kind, in each reader's language.
            return Channel.objects.create(committee=committee, kind=ChannelKind.PLENARY)
    except IntegrityError:
        return Channel.objects.get(committee=committee, kind=ChannelKind.PLENARY)


def _pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}-{high}"


def channel_open(
    *, committee: Committee, by: User, kind: str, with_ids: Iterable[int], name: str = ""
) -> Channel:
    """Open a bloc room, a bilateral, a shuttle or a note thread. A pair channel that exists
    already is returned (reopened for both) rather than duplicated.

    Raises PermissionDenied when the policy refuses it or `by` has no seat in the committee;
    ValidationError (code "rules") when the rules refuse it (proximity talks, no right to
    open channels, no shuttle in this mediation mode), and for a bad form."""
    try:
        channel_kind = ChannelKind(kind)
    except ValueError:
        raise ValidationError(gettext("Choose what kind of channel to open.")) from None
    action = "note.send" if channel_kind is ChannelKind.NOTE else "channel.open"
    policy.require(by, action, committee)
    opener = _own_delegation(by, committee)
    ids = sorted({int(i) for i in with_ids})
    others = list(Delegation.objects.filter(committee=committee, pk__in=ids))
    if len(others) != len(ids):
        raise ValidationError(gettext("Choose delegations of this committee."))
    error = open_error(
        channel_kind, _party(opener), [_party(d) for d in others], setting_for(committee)
    )
    if error:
        raise ValidationError(render(error), code="rules")  # refused by the rules: 422
    clean_name = inputs.clean_text(name, what="The room's name", max_length=80, multiline=False)
    if channel_kind is ChannelKind.BLOC and not clean_name:
        raise ValidationError(gettext("Give the bloc room a name."))
    pair = _pair_key(opener.pk, others[0].pk) if channel_kind is not ChannelKind.BLOC else ""
    with transaction.atomic():
        channel = None
        if pair:
            channel = (
                Channel.objects.select_for_update()
                .filter(committee=committee, kind=channel_kind, pair_key=pair)
                .first()
            )
        if channel is None:
            try:
                with transaction.atomic():
                    channel = Channel.objects.create(
                        committee=committee,
                        kind=channel_kind,
                        name=clean_name or _pair_name(opener, others[0]),
                        created_by=opener,
                        pair_key=pair,
                    )
            except IntegrityError:
                channel = Channel.objects.get(committee=committee, kind=channel_kind, pair_key=pair)
        added = _add_members(channel, [opener, *others])
    _notify_added(channel, added)
    return channel


def _pair_name(a: Delegation, b: Delegation) -> str:
    """ "A · B" for a bilateral or a note thread, shortened to fit the column: delegation
    names may be 120 characters each, a channel's name 80 (pages show the other party's
    full name; this is what lists and the admin show)."""
    limit = Channel._meta.get_field("name").max_length or 80
    first, second = sorted([a.name, b.name])
    half = (limit - 3) // 2
    if len(first) + len(second) + 3 <= limit:
        return f"{first} · {second}"
    return f"{first[: half - 1]}… · {second[: half - 1]}…"


def _add_members(channel: Channel, delegations: Iterable[Delegation]) -> list[int]:
    added: list[int] = []
    for delegation in delegations:
        member, created = ChannelMember.objects.get_or_create(
            channel=channel, delegation=delegation
        )
        if created:
            added.append(delegation.pk)
        elif not member.active:
            member.active = True
            member.left_at = None
            member.save(update_fields=["active", "left_at"])
            added.append(delegation.pk)
    return added


def _notify_added(channel: Channel, delegation_ids: list[int]) -> None:
    """Members' open pages learn of the channel: they reload their channel list."""
    for user_id in user_ids_of(delegation_ids=delegation_ids):
        send_on_commit(
            group_for_user(user_id),
            {"type": "channels.changed", "committee_id": channel.committee_id},
        )


def _notify_floor_staff(channel: Channel) -> None:
    """The committee's chairs and mediators may now read the channel (a note passed via the
    chair): their open caucus pages reload their channel list."""
    staff = Membership.objects.filter(
        simulation_id=channel.committee.simulation_id,
        role__in=[Membership.Role.CHAIR, Membership.Role.MEDIATOR],
    ).filter(Q(committee_id=channel.committee_id) | Q(committee__isnull=True))
    for user_id in staff.values_list("user_id", flat=True):
        send_on_commit(
            group_for_user(user_id),
            {"type": "channels.changed", "committee_id": channel.committee_id},
        )


def member_invite(*, channel: Channel, by: User, delegation_ids: Iterable[int]) -> list[int]:
    policy.require(by, "channel.manage", channel)
    if channel.kind_enum is not ChannelKind.BLOC:
        raise ValidationError(gettext("Only bloc rooms take new members."))
    ids = {int(i) for i in delegation_ids}
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        newcomers = list(Delegation.objects.filter(committee_id=locked.committee_id, pk__in=ids))
        if len(newcomers) != len(ids):
            raise ValidationError(gettext("Choose delegations of this committee."))
        current = list(Delegation.objects.filter(pk__in=locked.member_delegation_ids()))
        committee = locked.committee
        opener = next(
            (d for d in current if d.pk == locked.created_by_id),
            current[0] if current else newcomers[0],
        )
        error = open_error(
            ChannelKind.BLOC,
            _party(opener),
            [_party(d) for d in [*current, *newcomers] if d.pk != opener.pk],
            setting_for(committee),
        )
        if error:
            raise ValidationError(render(error), code="rules")
        added = _add_members(locked, newcomers)
    _notify_added(channel, added)
    return added


def member_remove(*, channel: Channel, by: User, delegation_id: int) -> None:
    """The creator removes a delegation from a bloc room, or a delegation leaves one.
    Every socket of that delegation's students stops receiving the room at once."""
    own = None
    try:
        own = _own_delegation(by, channel.committee)
    except PermissionDenied:
        own = None
    leaving_self = own is not None and own.pk == delegation_id
    if not leaving_self:
        policy.require(by, "channel.manage", channel)
    if channel.kind_enum is not ChannelKind.BLOC:
        raise ValidationError(gettext("Only bloc rooms can be left; close the window instead."))
    with transaction.atomic():
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        member = ChannelMember.objects.filter(
            channel=channel, delegation_id=delegation_id, active=True
        ).first()
        if member is None:
            raise ValidationError(gettext("That delegation is not in this room."))
        member.active = False
        member.left_at = timezone.now()
        member.save(update_fields=["active", "left_at"])
        for user_id in user_ids_of(delegation_ids=[delegation_id]):
            send_on_commit(
                group_for_user(user_id),
                {
                    "type": "channel.revoked",
                    "channel_id": channel.pk,
                    "committee_id": channel.committee_id,
                },
            )
        # The members who stay see the room's new member list.
        _notify_added(channel, sorted(channel.member_delegation_ids() - {delegation_id}))
    policy.forget(by)


def staff_reading_changed_on_commit(*, simulation_id: int, staff_may_read: bool) -> None:
    """The simulation's "staff may read private channels" setting moved; once it commits:

    - switched off, each staff user gets one `channels.revoked` event on their own group
      naming the private channels they may no longer read (the policy decides: a channel of
      their own delegation stays), and every socket of theirs leaves those groups at once;
    - either way, every open caucus page of the simulation reloads its channel list, so the
      banner telling members that staff read their channel is right (and staff who may now
      read see the channels; their page asks to follow them and the policy lets them in).
    """
    transaction.on_commit(lambda: _staff_reading_changed(simulation_id, staff_may_read))


def _staff_reading_changed(simulation_id: int, staff_may_read: bool) -> None:
    if not staff_may_read:
        for user_id, channel_ids in channels_unreadable_by_staff(
            simulation_id=simulation_id
        ).items():
            send_to_group(
                group_for_user(user_id),
                {
                    "type": "channels.revoked",
                    "simulation_id": simulation_id,
                    "channel_ids": channel_ids,
                },
            )
    send_to_group(group_for_simulation(simulation_id), {"type": "channels.changed"})


def plenary_mute(*, committee: Committee, by: User, muted: bool) -> Channel:
    policy.require(by, "channel.moderate", committee)
    channel = plenary_ensure(committee=committee)
    channel.muted = muted
    channel.save(update_fields=["muted"])
    _post(
        channel,
        by=by,
        delegation=None,
        # Kept as a message of the floor, in the chair's language.
        text=gettext("The chair has muted the floor.")
        if muted
        else gettext("The floor is open again."),
        via_chair=False,
    )
    # Every open caucus page of the simulation redraws its panel (the post form comes and goes).
    with transaction.atomic():
        send_on_commit(
            group_for_simulation(committee.simulation_id),
            {"type": "channels.changed", "committee_id": committee.pk},
        )
    return channel


def message_post(*, channel: Channel, by: User, body: str, via_chair: bool = False) -> Message:
    """Post a message: checked (policy, phase and moderation rules, length, rate limits),
    numbered gap-free, pushed after commit to the channel's readers only."""
    policy.require(by, "channel.post", channel)
    kind = channel.kind_enum
    text = normalise_body(body)
    refusal = body_error(kind, text)
    if refusal:
        raise ValidationError(render(refusal), code="message")
    text = inputs.clean_text(text, what="A message", max_length=MESSAGE_LIMITS[kind])
    committee = channel.committee
    is_chair = policy.can(by, "channel.moderate", committee)
    delegation = None
    if not is_chair or kind is not ChannelKind.PLENARY:
        try:
            delegation = _own_delegation(by, committee)
        except PermissionDenied:
            delegation = None
    session = current_session(committee)
    # The row, not the caller's copy: the chair may have muted the floor since it was loaded.
    muted = Channel.objects.values_list("muted", flat=True).get(pk=channel.pk)
    error = post_error(
        kind,
        phase=session.phase if session else Phase.NOT_STARTED.value,
        muted=muted,
        is_chair=is_chair,
        is_speaker=bool(session and delegation and session.speaker_id == delegation.pk),
    )
    if error:
        raise ValidationError(render(error), code="rules")
    _rate_limit(by, channel)
    return _post(
        channel,
        by=by,
        delegation=delegation,
        text=text,
        via_chair=via_chair and kind is ChannelKind.NOTE,
    )


def _rate_limit(by: User, channel: Channel) -> None:
    window = settings.CAUCUS_WINDOW_SECONDS
    user_key, channel_key = f"user:{by.pk}", f"channel:{channel.pk}"
    if not ratelimit.hit(user_key, limit=settings.CAUCUS_USER_LIMIT, window_s=window):
        raise RateLimited(
            gettext(
                "Slow down: at most {limit} messages in {window} seconds. Your message was "
                "not sent; try again in a moment."
            ).format(limit=settings.CAUCUS_USER_LIMIT, window=window)
        )
    if not ratelimit.hit(channel_key, limit=settings.CAUCUS_CHANNEL_LIMIT, window_s=window):
        ratelimit.undo(user_key)
        raise RateLimited(
            gettext(
                "This channel is very busy: your message was not sent; try again in a few seconds."
            )
        )


def _post(
    channel: Channel, *, by: User, delegation: Delegation | None, text: str, via_chair: bool
) -> Message:
    """Number the message and push it on commit: to the channel's group, and a note passed
    via the chair also to the chair's group, numbered in the chair's own stream. Both
    numbers come from `next_seq`, which locks the channel row until commit: gap-free."""
    with transaction.atomic():
        seq = next_seq(Channel, channel.pk, "last_seq")
        chair_seq = next_seq(Channel, channel.pk, "last_chair_seq") if via_chair else None
        locked = Channel.objects.get(pk=channel.pk)  # locked by next_seq
        if via_chair and not locked.chair_reads:
            locked.chair_reads = True
            locked.save(update_fields=["chair_reads"])
            _notify_floor_staff(locked)
        message = Message.objects.create(
            channel=locked,
            seq=seq,
            chair_seq=chair_seq,
            author=by,
            delegation=delegation,
            body=text,
            via_chair=via_chair,
        )
        message.author = by
        message.delegation = delegation
        html = render_to_string(
            "caucus/partials/push.html", {"message": message, "channel": locked}
        )
        push_html_on_commit(group_for_channel(locked.pk), html)
        if via_chair:
            locked.chair_view = True
            chair_html = render_to_string(
                "caucus/partials/push.html", {"message": message, "channel": locked}
            )
            push_html_on_commit(group_for_channel_chair(locked.pk), chair_html)
        if locked.kind == ChannelKind.PLENARY:
            _log_public(locked, message)
    return message


def _log_public(channel: Channel, message: Message) -> None:
    """A message on the public floor is part of the session's record (its event log)."""
    session = current_session(channel.committee)
    if session is not None and session.is_open:
        event_append(
            session=session,
            payload=FloorMessage(
                channel=channel.pk,
                seq=message.seq,
                author=message.delegation.name if message.delegation else "",
                body=message.body,
            ),
            actor=message.author,
        )
