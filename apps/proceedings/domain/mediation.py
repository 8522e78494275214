"""How far a mediator steps in, and who may talk to whom in mediated talks.

- *facilitative*: the mediator convenes and manages communication (relays messages);
- *procedural*: also controls the agenda and the sequence of baskets;
- *directive*: also tables a single negotiating text, proposes packages and opens shuttle
  channels (mediator <-> one party).

*Proximity talks* keep the parties out of each other's rooms: they may not open channels
with each other, only with the mediator, who shuttles between them. The mediator may
therefore always open shuttle channels in proximity talks, whatever the mode.

What each mode allows is data (``DEFAULT_POWERS``), so a committee can change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class MediationMode(StrEnum):
    FACILITATIVE = "facilitative"
    PROCEDURAL = "procedural"
    DIRECTIVE = "directive"


class MediatorAction(StrEnum):
    CONVENE = "convene"
    RELAY_MESSAGE = "relay_message"
    SET_AGENDA = "set_agenda"
    SET_SEQUENCE = "set_sequence"
    TABLE_SINGLE_TEXT = "table_single_text"
    PROPOSE_PACKAGE = "propose_package"
    OPEN_SHUTTLE = "open_shuttle"


_FACILITATIVE = frozenset({MediatorAction.CONVENE, MediatorAction.RELAY_MESSAGE})
_PROCEDURAL = _FACILITATIVE | {MediatorAction.SET_AGENDA, MediatorAction.SET_SEQUENCE}
_DIRECTIVE = _PROCEDURAL | {
    MediatorAction.TABLE_SINGLE_TEXT,
    MediatorAction.PROPOSE_PACKAGE,
    MediatorAction.OPEN_SHUTTLE,
}

MediatorPowers = Mapping[MediationMode, frozenset[MediatorAction]]

DEFAULT_POWERS: MediatorPowers = MappingProxyType(
    {
        MediationMode.FACILITATIVE: _FACILITATIVE,
        MediationMode.PROCEDURAL: _PROCEDURAL,
        MediationMode.DIRECTIVE: _DIRECTIVE,
    }
)


def _default_powers() -> MediatorPowers:
    return DEFAULT_POWERS


@dataclass(frozen=True)
class MediationSettings:
    """A committee's mediation defaults (the instructor may change them during the talks)."""

    mode: MediationMode = MediationMode.FACILITATIVE
    proximity: bool = False
    powers: MediatorPowers = field(default_factory=_default_powers)


def mediator_may(
    mode: MediationMode,
    action: MediatorAction,
    *,
    proximity: bool = False,
    powers: MediatorPowers = DEFAULT_POWERS,
) -> bool:
    """Whether the mediator may take ``action`` in ``mode``.

    Proximity talks always let the mediator open shuttle channels: without them the parties
    could not talk at all.
    """
    if proximity and action is MediatorAction.OPEN_SHUTTLE:
        return True
    return action in powers.get(mode, frozenset())


def parties_may_talk_directly(mode: MediationMode | None, proximity: bool) -> bool:
    """Whether two parties may open a bilateral channel: not in proximity talks, in any mode."""
    return not proximity


def may_open_channel(mode: MediationMode | None, proximity: bool, *, with_mediator: bool) -> bool:
    """Whether a party may open a private channel (``with_mediator``: to the mediator)."""
    return with_mediator or parties_may_talk_directly(mode, proximity)
