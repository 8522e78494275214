"""Actor kinds and the rights each kind brings to a committee.

A delegation's rights are its kind's defaults (``DEFAULT_RIGHTS``) with the instructor's
per-delegation overrides applied on top. Overrides are stored as plain ``{right value: bool}``
mappings (a JSON field, a YAML mapping), so they are parsed and checked here.

The defaults follow UN practice where there is one and stay close to it where there is not:

- Member states hold every right but the veto; permanent members also hold the veto.
- Observer states (the Holy See, the State of Palestine in the General Assembly; a state
  invited to the Security Council under rule 37) speak, sign and open channels but do not vote,
  sponsor or table amendments. Instructors may grant more, as the General Assembly did for the
  State of Palestine in resolution ES-10/23 (2024).
- International organisations speak, open channels and sign, because a regional organisation
  often witnesses or guarantees an agreement; they do not vote, sponsor or amend.
- NGOs, companies and cities speak and open channels only: observers, as at a COP.
- Non-state armed groups are parties to peace talks: they speak, open channels, propose
  amendments and sign the agreement, but a committee's votes are not theirs to cast.
- Mediators table the single negotiating text (sponsor) and revise it (amend), speak and
  shuttle between the parties; they never vote and never sign: they are not a party.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple


def gettext_noop(text: str) -> str:
    """Marks a label for `makemessages` (one of its keywords) without importing Django: the
    labels stay English here and the edges translate them (`gettext_lazy(kind.label)`)."""
    return text


class ActorKind(StrEnum):
    MEMBER_STATE = "member_state"
    PERMANENT_MEMBER = "permanent_member"
    OBSERVER_STATE = "observer_state"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    NGO = "ngo"
    COMPANY = "company"
    CITY = "city"
    ARMED_GROUP = "armed_group"
    MEDIATOR = "mediator"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def is_state(self) -> bool:
        """A state is seated under an ISO 3166 country code (unless the scenario invents it)."""
        return self in STATE_KINDS


_KIND_LABELS: Mapping[ActorKind, str] = {
    ActorKind.MEMBER_STATE: gettext_noop("Member state"),
    ActorKind.PERMANENT_MEMBER: gettext_noop("Permanent member (veto)"),
    ActorKind.OBSERVER_STATE: gettext_noop("Observer state"),
    ActorKind.INTERNATIONAL_ORGANISATION: gettext_noop("International organisation"),
    ActorKind.NGO: gettext_noop("NGO / civil society"),
    ActorKind.COMPANY: gettext_noop("Company"),
    ActorKind.CITY: gettext_noop("City / sub-national government"),
    ActorKind.ARMED_GROUP: gettext_noop("Non-state armed group"),
    ActorKind.MEDIATOR: gettext_noop("Mediator / envoy"),
}

STATE_KINDS: frozenset[ActorKind] = frozenset(
    {ActorKind.MEMBER_STATE, ActorKind.PERMANENT_MEMBER, ActorKind.OBSERVER_STATE}
)


class Right(StrEnum):
    SPEAK = "speak"
    VOTE_PROCEDURE = "vote_procedure"
    VOTE_SUBSTANCE = "vote_substance"
    SPONSOR = "sponsor"
    SIGN = "sign"
    AMEND = "amend"
    VETO = "veto"
    OPEN_CHANNELS = "open_channels"

    @property
    def label(self) -> str:
        return _RIGHT_LABELS[self]


_RIGHT_LABELS: Mapping[Right, str] = {
    Right.SPEAK: gettext_noop("Speak in plenary"),
    Right.VOTE_PROCEDURE: gettext_noop("Vote on procedure"),
    Right.VOTE_SUBSTANCE: gettext_noop("Vote on substance"),
    Right.SPONSOR: gettext_noop("Sponsor drafts"),
    Right.SIGN: gettext_noop("Sign drafts"),
    Right.AMEND: gettext_noop("Propose amendments"),
    Right.VETO: gettext_noop("Veto"),
    Right.OPEN_CHANNELS: gettext_noop("Open private channels"),
}

_STATE_RIGHTS = frozenset(Right) - {Right.VETO}
_OBSERVER_RIGHTS = frozenset({Right.SPEAK, Right.OPEN_CHANNELS})

DEFAULT_RIGHTS: Mapping[ActorKind, frozenset[Right]] = {
    ActorKind.MEMBER_STATE: _STATE_RIGHTS,
    ActorKind.PERMANENT_MEMBER: frozenset(Right),
    ActorKind.OBSERVER_STATE: _OBSERVER_RIGHTS | {Right.SIGN},
    ActorKind.INTERNATIONAL_ORGANISATION: _OBSERVER_RIGHTS | {Right.SIGN},
    ActorKind.NGO: _OBSERVER_RIGHTS,
    ActorKind.COMPANY: _OBSERVER_RIGHTS,
    ActorKind.CITY: _OBSERVER_RIGHTS,
    ActorKind.ARMED_GROUP: _OBSERVER_RIGHTS | {Right.SIGN, Right.AMEND},
    ActorKind.MEDIATOR: _OBSERVER_RIGHTS | {Right.SPONSOR, Right.AMEND},
}


def parse_overrides(overrides: Mapping[str, object]) -> dict[Right, bool]:
    """Turn a stored ``{right value: granted}`` mapping into typed overrides.

    Raises ``ValueError`` naming every unknown right and every value that is not a boolean,
    so a typo in a template or a stale stored override is caught, never silently ignored.
    """
    problems: list[str] = []
    parsed: dict[Right, bool] = {}
    for key, granted in overrides.items():
        try:
            right = Right(key)
        except ValueError:
            problems.append(f"unknown right {key!r}")
            continue
        if not isinstance(granted, bool):
            problems.append(f"right {key!r} must be true or false, got {granted!r}")
            continue
        parsed[right] = granted
    if problems:
        known = ", ".join(r.value for r in Right)
        raise ValueError(f"invalid rights overrides: {'; '.join(problems)} (rights are: {known})")
    return parsed


def effective_rights(kind: ActorKind, overrides: Mapping[str, bool]) -> frozenset[Right]:
    """The kind's default rights with each override granting or removing one right."""
    rights = set(DEFAULT_RIGHTS[kind])
    for right, granted in parse_overrides(overrides).items():
        if granted:
            rights.add(right)
        else:
            rights.discard(right)
    return frozenset(rights)


class RightRow(NamedTuple):
    right: Right
    label: str
    granted: bool
    is_override: bool
    """True when an override changes the kind's default (restating the default is not one)."""


def rights_table(kind: ActorKind, overrides: Mapping[str, bool]) -> list[RightRow]:
    """One row per right, in ``Right`` order, for a page that shows what a delegation may do."""
    granted = effective_rights(kind, overrides)
    defaults = DEFAULT_RIGHTS[kind]
    return [
        RightRow(
            right=right,
            label=right.label,
            granted=right in granted,
            is_override=(right in granted) != (right in defaults),
        )
        for right in Right
    ]
