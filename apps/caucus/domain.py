"""Who may open which caucus channel and post where: pure rules, no Django.

Channel kinds: the plenary floor of a committee (public, moderated by the chair), bloc /
coalition rooms, bilateral channels between two delegations, mediator shuttle channels
(mediator <-> one party), and notes (short one-to-one messages, optionally passed via the
chair as paper notes are in a real committee).

Refusals are `Text`s (apps/core/text.py): English templates the edges translate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from apps.core.text import Text, _

MEDIATOR_KIND = "mediator"
MODERATED_PHASES = frozenset({"general_debate", "moderated_caucus"})
CLOSED_PHASES = frozenset({"adjourned"})


class ChannelKind(StrEnum):
    PLENARY = "plenary"
    BLOC = "bloc"
    BILATERAL = "bilateral"
    SHUTTLE = "shuttle"
    NOTE = "note"

    @property
    def label(self) -> Text:
        return _LABELS[self]

    @property
    def is_private(self) -> bool:
        return self is not ChannelKind.PLENARY


_LABELS = {
    ChannelKind.PLENARY: _("Plenary floor"),
    ChannelKind.BLOC: _("Bloc room"),
    ChannelKind.BILATERAL: _("Bilateral"),
    ChannelKind.SHUTTLE: _("Shuttle (mediator)"),
    ChannelKind.NOTE: _("Notes"),
}

MESSAGE_LIMITS = {
    ChannelKind.PLENARY: 1000,
    ChannelKind.BLOC: 2000,
    ChannelKind.BILATERAL: 2000,
    ChannelKind.SHUTTLE: 2000,
    ChannelKind.NOTE: 300,
}


@dataclass(frozen=True)
class Party:
    """A delegation as the rules see it."""

    id: int
    kind: str
    may_open_channels: bool

    @property
    def is_mediator(self) -> bool:
        return self.kind == MEDIATOR_KIND


@dataclass(frozen=True)
class Setting:
    """The committee's situation: its session's phase and mediation."""

    phase: str = "not_started"
    mediation_mode: str = ""
    proximity: bool = False
    shuttle_allowed: bool = False


def open_error(
    kind: ChannelKind, opener: Party, others: Collection[Party], setting: Setting
) -> Text | None:
    """Why `opener` may not open a channel of `kind` with `others`; None when it may."""
    if kind is ChannelKind.PLENARY:
        return _("The plenary floor exists already.")
    if setting.phase in CLOSED_PHASES:
        return _("The session is adjourned: no new channels.")
    if any(p.id == opener.id for p in others):
        return _("You cannot open a channel with yourself.")
    if kind is ChannelKind.SHUTTLE:
        if not opener.is_mediator:
            return _("Only the mediator opens shuttle channels.")
        if len(others) != 1 or any(p.is_mediator for p in others):
            return _("A shuttle channel links the mediator with one party.")
        if not setting.shuttle_allowed:
            return _("Shuttle channels need directive mediation or proximity talks.")
        return None
    if kind is ChannelKind.NOTE:
        if len(others) != 1:
            return _("A note goes to one delegation.")
        if setting.proximity and not (opener.is_mediator or any(p.is_mediator for p in others)):
            return _("In proximity talks the parties pass notes only through the mediator.")
        return None
    if not opener.may_open_channels:
        return _("Your delegation may not open private channels.")
    if kind is ChannelKind.BILATERAL and len(others) != 1:
        return _("A bilateral channel links two delegations.")
    if kind is ChannelKind.BLOC and not others:
        return _("Invite at least one delegation to the bloc room.")
    if setting.proximity:
        parties = [p for p in (opener, *others) if not p.is_mediator]
        if len(parties) > 1:
            return _("Proximity talks: the parties do not meet each other, only the mediator.")
    return None


def post_error(
    kind: ChannelKind,
    *,
    phase: str,
    muted: bool,
    is_chair: bool,
    is_speaker: bool,
) -> Text | None:
    """Why a member may not post now; None when they may."""
    if is_chair:
        return None
    if phase in CLOSED_PHASES:
        return _("The session is adjourned.")
    if kind is ChannelKind.PLENARY:
        if muted:
            return _("The chair has muted the floor.")
        if phase in MODERATED_PHASES and not is_speaker:
            return _("The debate is moderated: only the delegation that has the floor may post.")
    return None


def normalise_body(body: str) -> str:
    """A message as it is kept: line endings normalised, trimmed."""
    return body.replace("\r\n", "\n").strip()


def body_error(kind: ChannelKind, text: str) -> Text | None:
    """Why `text` (normalised) cannot be posted in a channel of `kind`; None when it can."""
    if not text:
        return _("Write something first: the message is empty.")
    limit = MESSAGE_LIMITS[kind]
    if len(text) > limit:
        return _(
            "{channel} messages are limited to {limit} characters (this one has {length}).",
            channel=kind.label,
            limit=limit,
            length=len(text),
        )
    return None
