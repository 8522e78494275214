"""The speakers list: who may be added, who speaks next, and what a yield does.

The list is a tuple of ``Entry`` in the order delegations asked for the floor. Whether a
delegation may be on it more than once, the speaking time, the yields allowed and whether
debate is split into speakers for and against (THIMUN's closed debate) are
``SpeakersListRules`` in the committee's preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from apps.core.text import Text, _
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.text import duration_text


class YieldKind(StrEnum):
    DELEGATION = "delegation"
    """The remaining time goes to another delegation, which speaks next."""
    QUESTIONS = "questions"
    """The remaining time is for questions from the floor (answers count against it)."""
    CHAIR = "chair"
    """The remaining time is given up."""


# Phases with a speakers list.
SPEAKERS_LIST_PHASES = frozenset(
    {Phase.GENERAL_DEBATE, Phase.AMENDMENTS, Phase.DRAFTING, Phase.MODERATED_CAUCUS}
)


class Side(StrEnum):
    GENERAL = "general"
    FOR = "for"
    AGAINST = "against"


@dataclass(frozen=True)
class SpeakersListRules:
    one_entry_per_delegation: bool = True
    """A delegation may be on the list only once at a time (it may re-enter after speaking)."""
    default_speaking_time_s: int = 90
    min_speaking_time_s: int = 10
    max_speaking_time_s: int = 600
    yields: frozenset[YieldKind] = frozenset(YieldKind)
    yielded_time_may_be_yielded: bool = False
    separate_for_against_in: frozenset[Phase] = frozenset()
    """Phases with closed debate: separate lists for and against, taken alternately."""
    observers_may_speak: bool = True


@dataclass(frozen=True)
class Entry:
    delegation_id: int
    side: Side = Side.GENERAL


def sides_in(rules: SpeakersListRules, phase: Phase) -> tuple[Side, ...]:
    """The lists a delegation may join in ``phase``: ``(general,)`` or ``(for, against)``."""
    if phase in rules.separate_for_against_in:
        return (Side.FOR, Side.AGAINST)
    return (Side.GENERAL,)


def can_add(
    rules: SpeakersListRules,
    entries: tuple[Entry, ...],
    delegation_id: int,
    *,
    side: Side = Side.GENERAL,
    phase: Phase = Phase.GENERAL_DEBATE,
) -> Text | None:
    """Why the delegation cannot join the list; ``None`` when it can."""
    allowed = sides_in(rules, phase)
    if side not in allowed:
        if side is Side.GENERAL:
            return _("Debate is closed: say whether you speak for or against.")
        return _("Debate is open: there are no separate lists for and against.")
    if rules.one_entry_per_delegation and any(e.delegation_id == delegation_id for e in entries):
        return _("Your delegation is already on the speakers list.")
    return None


def add_speaker(
    rules: SpeakersListRules,
    entries: tuple[Entry, ...],
    delegation_id: int,
    *,
    side: Side = Side.GENERAL,
    phase: Phase = Phase.GENERAL_DEBATE,
) -> tuple[Entry, ...]:
    """The list with the delegation added at the end; raises ``RuleViolation`` if refused."""
    error = can_add(rules, entries, delegation_id, side=side, phase=phase)
    if error is not None:
        raise RuleViolation(error)
    return (*entries, Entry(delegation_id, side))


def remove_speaker(entries: tuple[Entry, ...], delegation_id: int) -> tuple[Entry, ...]:
    """The list without the delegation's first entry (unchanged if it is not on it)."""
    for index, entry in enumerate(entries):
        if entry.delegation_id == delegation_id:
            return entries[:index] + entries[index + 1 :]
    return entries


def next_speaker(
    rules: SpeakersListRules,
    entries: tuple[Entry, ...],
    *,
    phase: Phase = Phase.GENERAL_DEBATE,
    last_side: Side | None = None,
) -> Entry | None:
    """Who has the floor next: the first entry; in closed debate, alternately for and against.

    Closed debate starts with a speaker for; when one side's list is empty the other
    continues. ``None`` when the list is empty.
    """
    if not entries:
        return None
    if phase not in rules.separate_for_against_in:
        return entries[0]
    wanted = Side.AGAINST if last_side is Side.FOR else Side.FOR
    for side in (wanted, Side.AGAINST if wanted is Side.FOR else Side.FOR):
        for entry in entries:
            if entry.side is side:
                return entry
    return entries[0]


def take_next(
    rules: SpeakersListRules,
    entries: tuple[Entry, ...],
    *,
    phase: Phase = Phase.GENERAL_DEBATE,
    last_side: Side | None = None,
) -> tuple[Entry | None, tuple[Entry, ...]]:
    """The next speaker and the list without them."""
    entry = next_speaker(rules, entries, phase=phase, last_side=last_side)
    if entry is None:
        return None, entries
    index = entries.index(entry)
    return entry, entries[:index] + entries[index + 1 :]


def speaking_time_error(rules: SpeakersListRules, seconds: int) -> Text | None:
    """Why a speaking time is out of the committee's bounds; ``None`` when it is fine."""
    if seconds < rules.min_speaking_time_s:
        return _(
            "Speaking time must be at least {duration}.",
            duration=duration_text(rules.min_speaking_time_s),
        )
    if seconds > rules.max_speaking_time_s:
        return _(
            "Speaking time may be at most {duration}.",
            duration=duration_text(rules.max_speaking_time_s),
        )
    return None


@dataclass(frozen=True)
class Yielded:
    """What a yield hands on: ``seconds`` for ``to_delegation_id`` or for questions (0: chair)."""

    kind: YieldKind
    seconds: int
    to_delegation_id: int | None = None


def yield_error(
    rules: SpeakersListRules,
    kind: YieldKind,
    *,
    speaker_id: int,
    remaining_s: int,
    to_delegation_id: int | None = None,
    time_was_yielded: bool = False,
) -> Text | None:
    """Why the speaker cannot yield this way; ``None`` when they can.

    ``time_was_yielded``: the speaker is using time another delegation yielded to them.
    """
    if kind not in rules.yields:
        return _YIELDS_REFUSED[kind]
    if kind is YieldKind.CHAIR:
        return None
    if time_was_yielded and not rules.yielded_time_may_be_yielded:
        return _("Time that was yielded to you may not be yielded again.")
    if remaining_s <= 0:
        return _("There is no time left to yield.")
    if kind is YieldKind.DELEGATION:
        if to_delegation_id is None:
            return _("Say which delegation you yield to.")
        if to_delegation_id == speaker_id:
            return _("A delegation cannot yield to itself.")
    return None


def apply_yield(
    rules: SpeakersListRules,
    kind: YieldKind,
    *,
    speaker_id: int,
    remaining_s: int,
    to_delegation_id: int | None = None,
    time_was_yielded: bool = False,
) -> Yielded:
    """The time a yield hands on; raises ``RuleViolation`` when the yield is refused."""
    error = yield_error(
        rules,
        kind,
        speaker_id=speaker_id,
        remaining_s=remaining_s,
        to_delegation_id=to_delegation_id,
        time_was_yielded=time_was_yielded,
    )
    if error is not None:
        raise RuleViolation(error)
    if kind is YieldKind.CHAIR:
        return Yielded(kind, 0)
    if kind is YieldKind.QUESTIONS:
        return Yielded(kind, remaining_s)
    return Yielded(kind, remaining_s, to_delegation_id)


# Whole sentences, one per kind: a translation may word each its own way.
_YIELDS_REFUSED = {
    YieldKind.DELEGATION: _("Yields to another delegation are not allowed in this committee."),
    YieldKind.QUESTIONS: _("Yields to questions are not allowed in this committee."),
    YieldKind.CHAIR: _("Yields to the chair are not allowed in this committee."),
}
