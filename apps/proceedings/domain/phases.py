"""Phases of a session and which phase may follow which.

A session starts in ``not_started``; the chair opens it into the preset's initial phase. From
then on the session moves only along the preset's transition table, restricted to the phases
the preset uses. Two phases are special:

- ``suspended`` may only go back to the phase it suspended (or to ``adjourned``);
- ``adjourned`` is terminal: nothing follows it.

Caucuses and suspensions are *timed*: they run against a deadline and, when it passes, the
session goes to ``phase_after_deadline``. General debate is not timed as a phase; its speakers
are (see ``speakers.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from apps.core.text import gettext_noop


class Phase(StrEnum):
    NOT_STARTED = "not_started"
    ROLL_CALL = "roll_call"
    AGENDA_SETTING = "agenda_setting"
    GENERAL_DEBATE = "general_debate"
    MODERATED_CAUCUS = "moderated_caucus"
    UNMODERATED_CAUCUS = "unmoderated_caucus"
    DRAFTING = "drafting"
    AMENDMENTS = "amendments"
    VOTING_PROCEDURE = "voting_procedure"
    SUSPENDED = "suspended"
    ADJOURNED = "adjourned"

    @property
    def label(self) -> str:
        """For headings: ``"Moderated caucus"``."""
        return _LABELS[self]

    @property
    def during(self) -> str:
        """For sentences: ``"... is not in order during a moderated caucus"``."""
        return _DURING[self]

    @property
    def is_timed(self) -> bool:
        return self in TIMED_PHASES


_LABELS: Mapping[Phase, str] = {
    Phase.NOT_STARTED: gettext_noop("Not started"),
    Phase.ROLL_CALL: gettext_noop("Roll call"),
    Phase.AGENDA_SETTING: gettext_noop("Agenda setting"),
    Phase.GENERAL_DEBATE: gettext_noop("General debate"),
    Phase.MODERATED_CAUCUS: gettext_noop("Moderated caucus"),
    Phase.UNMODERATED_CAUCUS: gettext_noop("Unmoderated caucus"),
    Phase.DRAFTING: gettext_noop("Drafting"),
    Phase.AMENDMENTS: gettext_noop("Amendments"),
    Phase.VOTING_PROCEDURE: gettext_noop("Voting procedure"),
    Phase.SUSPENDED: gettext_noop("Suspended"),
    Phase.ADJOURNED: gettext_noop("Adjourned"),
}

_DURING: Mapping[Phase, str] = {
    Phase.NOT_STARTED: gettext_noop("before the session opens"),
    Phase.ROLL_CALL: gettext_noop("during roll call"),
    Phase.AGENDA_SETTING: gettext_noop("during agenda setting"),
    Phase.GENERAL_DEBATE: gettext_noop("during general debate"),
    Phase.MODERATED_CAUCUS: gettext_noop("during a moderated caucus"),
    Phase.UNMODERATED_CAUCUS: gettext_noop("during an unmoderated caucus"),
    Phase.DRAFTING: gettext_noop("during drafting"),
    Phase.AMENDMENTS: gettext_noop("during amendments"),
    Phase.VOTING_PROCEDURE: gettext_noop("during voting procedure"),
    Phase.SUSPENDED: gettext_noop("while the meeting is suspended"),
    Phase.ADJOURNED: gettext_noop("after adjournment"),
}

TIMED_PHASES: frozenset[Phase] = frozenset(
    {Phase.MODERATED_CAUCUS, Phase.UNMODERATED_CAUCUS, Phase.SUSPENDED}
)
CAUCUS_PHASES: frozenset[Phase] = frozenset({Phase.MODERATED_CAUCUS, Phase.UNMODERATED_CAUCUS})
TERMINAL_PHASES: frozenset[Phase] = frozenset({Phase.ADJOURNED})

# Where a caucus's deadline leads: back to the speakers list (UNA-USA practice).
# A suspension's deadline leads back to the phase it suspended.
CAUCUS_RETURNS_TO: Phase = Phase.GENERAL_DEBATE

_P = Phase
# The default "may follow" table, used when a preset gives none. A timed phase never leads
# to ``suspended``: a suspension returns to the phase it interrupted, and a caucus's clock
# cannot be paused and resumed, so a caucus has to end first.
DEFAULT_TRANSITIONS: Mapping[Phase, frozenset[Phase]] = MappingProxyType(
    {
        _P.NOT_STARTED: frozenset(
            {_P.ROLL_CALL, _P.AGENDA_SETTING, _P.GENERAL_DEBATE, _P.DRAFTING, _P.ADJOURNED}
        ),
        _P.ROLL_CALL: frozenset(
            {_P.AGENDA_SETTING, _P.GENERAL_DEBATE, _P.DRAFTING, _P.SUSPENDED, _P.ADJOURNED}
        ),
        _P.AGENDA_SETTING: frozenset(
            {
                _P.ROLL_CALL,
                _P.GENERAL_DEBATE,
                _P.MODERATED_CAUCUS,
                _P.UNMODERATED_CAUCUS,
                _P.DRAFTING,
                _P.SUSPENDED,
                _P.ADJOURNED,
            }
        ),
        _P.GENERAL_DEBATE: frozenset(
            {
                _P.ROLL_CALL,
                _P.AGENDA_SETTING,
                _P.MODERATED_CAUCUS,
                _P.UNMODERATED_CAUCUS,
                _P.DRAFTING,
                _P.AMENDMENTS,
                _P.VOTING_PROCEDURE,
                _P.SUSPENDED,
                _P.ADJOURNED,
            }
        ),
        _P.MODERATED_CAUCUS: frozenset(
            {_P.GENERAL_DEBATE, _P.UNMODERATED_CAUCUS, _P.DRAFTING, _P.ADJOURNED}
        ),
        _P.UNMODERATED_CAUCUS: frozenset(
            {_P.GENERAL_DEBATE, _P.MODERATED_CAUCUS, _P.DRAFTING, _P.ADJOURNED}
        ),
        _P.DRAFTING: frozenset(
            {
                _P.AGENDA_SETTING,
                _P.GENERAL_DEBATE,
                _P.MODERATED_CAUCUS,
                _P.UNMODERATED_CAUCUS,
                _P.AMENDMENTS,
                _P.VOTING_PROCEDURE,
                _P.SUSPENDED,
                _P.ADJOURNED,
            }
        ),
        _P.AMENDMENTS: frozenset(
            {
                _P.AGENDA_SETTING,
                _P.GENERAL_DEBATE,
                _P.MODERATED_CAUCUS,
                _P.UNMODERATED_CAUCUS,
                _P.DRAFTING,
                _P.VOTING_PROCEDURE,
                _P.SUSPENDED,
                _P.ADJOURNED,
            }
        ),
        _P.VOTING_PROCEDURE: frozenset(
            {_P.AGENDA_SETTING, _P.GENERAL_DEBATE, _P.DRAFTING, _P.AMENDMENTS, _P.ADJOURNED}
        ),
        # Plus the phase it suspended: see ``legal_next_phases``.
        _P.SUSPENDED: frozenset({_P.ADJOURNED}),
        _P.ADJOURNED: frozenset(),
    }
)


class PhaseRules(Protocol):
    """What the phase functions need from a preset (``presets.Preset`` has it)."""

    @property
    def phases(self) -> frozenset[Phase]: ...

    @property
    def transitions(self) -> Mapping[Phase, frozenset[Phase]]: ...


def phases_in_use(rules: PhaseRules) -> frozenset[Phase]:
    """The preset's phases plus ``not_started``, which every session begins in."""
    return rules.phases | {Phase.NOT_STARTED}


def legal_next_phases(
    rules: PhaseRules, current: Phase, previous: Phase | None = None
) -> frozenset[Phase]:
    """Phases the session may move to from ``current``, all of them used by the preset.

    ``previous`` matters only for ``suspended``, which may resume only the phase it suspended.
    Nothing follows ``adjourned``; ``not_started`` is never a successor.
    """
    if current in TERMINAL_PHASES:
        return frozenset()
    successors = set(rules.transitions.get(current, frozenset()))
    if current is Phase.SUSPENDED and previous is not None:
        successors.add(previous)
    successors.discard(Phase.NOT_STARTED)
    successors.discard(current)
    return frozenset(successors) & rules.phases


def phase_after_deadline(phase: Phase, previous: Phase | None) -> Phase | None:
    """Where a timed phase goes when its deadline passes; ``None`` for an untimed phase.

    A caucus returns to general debate; a suspension resumes the phase it suspended.
    """
    if phase in CAUCUS_PHASES:
        return CAUCUS_RETURNS_TO
    if phase is Phase.SUSPENDED:
        return previous
    return None
