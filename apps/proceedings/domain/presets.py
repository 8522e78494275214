"""Rules-of-procedure presets: a committee's whole rule book as one piece of data.

A preset is read from ``presets/<key>.yaml`` (shipped: ``PRESET_KEYS``), or from the JSON a
committee stores (``preset_to_dict`` / ``preset_from_dict``: the same shape). Schema::

    key: una_usa                     # lowercase letters, digits, underscores
    name: UNA-USA
    description: ...
    seats: null                      # fixed number of members (15 in the Security Council)
    phases: [roll_call, ...]         # the phases in use; not_started is implicit
    initial_phase: roll_call         # where the session goes when it opens
    transitions: {phase: [phase, ...]}   # optional; rows replace DEFAULT_TRANSITIONS' rows
    speakers: {...}                  # SpeakersListRules fields
    voting: {...}                    # VotingRules fields; fractions as "1/3"
    mediation: null | {mode: directive, proximity: true, powers: {mode: [action, ...]}}
    motions:                         # the motions used; each field overrides DEFAULT_RULES
      moderated_caucus: {precedence: 13, max_duration_s: 1200}
      table_debate: {}               # the catalogue's defaults

Reading checks the *shape* (known keys, types) and raises ``PresetError`` listing every
problem; ``validate_preset`` checks the *meaning* (reachable phases, thresholds in range,
unique precedence...) and returns messages. ``load_preset`` and ``preset_with_overrides``
do both, so a preset they return is always valid.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from apps.core.text import Text, _
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.majority import (
    THRESHOLD_FORMS,
    MajorityRule,
    Outcome,
    PlacardVisibility,
    Question,
    Tally,
    VotingRules,
    decide_under,
    parse_fraction,
)
from apps.proceedings.domain.mediation import (
    DEFAULT_POWERS,
    MediationMode,
    MediationSettings,
    MediatorAction,
)
from apps.proceedings.domain.motions import (
    DEFAULT_RULES,
    MOTION_QUESTION,
    NO_PHASE_CHANGE,
    MotionKind,
    MotionRule,
    Param,
    VoteRule,
)
from apps.proceedings.domain.phases import (
    CAUCUS_PHASES,
    CAUCUS_RETURNS_TO,
    DEFAULT_TRANSITIONS,
    TIMED_PHASES,
    Phase,
    legal_next_phases,
)
from apps.proceedings.domain.speakers import SpeakersListRules, YieldKind
from apps.proceedings.domain.text import duration_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
PRESET_KEYS: tuple[str, ...] = (
    "una_usa",
    "thimun",
    "security_council",
    "climate_consensus",
    "peace_talks",
)
KNOWN_RIGHTS: frozenset[str] = frozenset(
    {
        "speak",
        "vote_procedure",
        "vote_substance",
        "sponsor",
        "sign",
        "amend",
        "veto",
        "open_channels",
    }
)
"""The values of ``apps.delegations.domain.actors.Right`` (kept in step by a test)."""

_KEY_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

# Whole numbers in rules are seconds (a week is 604,800), seats and ranks: nine digits are
# plenty, and a bound keeps a huge number from costing time or overflowing a column.
MAX_WHOLE_NUMBER = 999_999_999
# Overrides are a few settings deep (motions.<kind>.in_order_in: a list in a mapping in a
# mapping in the top mapping); anything much deeper or larger is not a rule book.
MAX_OVERRIDE_DEPTH = 6
MAX_OVERRIDE_ITEMS = 5_000
# How much of a refused value a message repeats.
_SHOWN_CHARS = 40


class PresetError(ValueError):
    """A preset (or an override of one) that cannot be used; ``errors`` lists every problem."""

    def __init__(self, errors: Iterable[Text], source: str = "preset") -> None:
        self.source = source
        self.errors: list[Text] = list(errors)  # rendered where they are shown
        super().__init__(f"{source}: " + "; ".join(str(error) for error in self.errors))


class PresetNotFound(PresetError, LookupError):
    pass


def _default_transitions() -> Mapping[Phase, frozenset[Phase]]:
    return DEFAULT_TRANSITIONS


@dataclass(frozen=True)
class Preset:
    """A committee's rules of procedure. Immutable; change it with ``preset_with_overrides``."""

    key: str
    name: str
    description: str
    phases: frozenset[Phase]
    initial_phase: Phase
    motions: Mapping[MotionKind, MotionRule]
    speakers: SpeakersListRules = field(default_factory=SpeakersListRules)
    voting: VotingRules = field(default_factory=VotingRules)
    mediation: MediationSettings | None = None
    seats: int | None = None
    transitions: Mapping[Phase, frozenset[Phase]] = field(default_factory=_default_transitions)

    def motion_majority(self, kind: MotionKind) -> MajorityRule | None:
        """The majority a motion of this kind needs; ``None`` when the chair decides it."""
        rule = self.motions.get(kind)
        if rule is None:
            raise RuleViolation(_("This committee does not use the {motion}.", motion=kind.label))
        return rule.vote.majority(self.voting)


# --- deciding ballots -----------------------------------------------------------------------


def decide_motion(preset: Preset, kind: MotionKind, tally: Tally) -> Outcome | None:
    """The result of the ballot on a motion; ``None`` when the chair decides it without one."""
    rule = preset.motion_majority(kind)
    if rule is None:
        return None
    return decide_under(preset.voting, tally, question=MOTION_QUESTION, rule=rule)


def decide_substance(preset: Preset, tally: Tally) -> Outcome:
    """The result of a substantive ballot (a draft, an amendment, a package)."""
    return decide_under(preset.voting, tally, question=Question.SUBSTANTIVE)


# --- loading ------------------------------------------------------------------------------


def list_presets() -> tuple[Preset, ...]:
    """Every shipped preset, in ``PRESET_KEYS`` order."""
    return tuple(load_preset(key) for key in PRESET_KEYS)


@cache
def load_preset(key: str) -> Preset:
    """The shipped preset ``key``, read and validated.

    Raises ``PresetNotFound`` for an unknown key, ``PresetError`` for a broken file.
    """
    if key not in PRESET_KEYS:
        raise PresetNotFound(
            [
                _(
                    "unknown preset {key} (one of: {known})",
                    key=repr(key),
                    known=", ".join(PRESET_KEYS),
                )
            ],
            key,
        )
    source = f"{key}.yaml"
    try:
        data = yaml.safe_load((PRESETS_DIR / source).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PresetError([_("cannot read: {problem}", problem=str(exc))], source) from exc
    preset = preset_from_dict(data, source=source)
    errors = validate_preset(preset)
    if preset.key != key:
        errors.insert(
            0,
            _(
                "key {key} differs from the file name {name}",
                key=repr(preset.key),
                name=repr(key),
            ),
        )
    if errors:
        raise PresetError(errors, source)
    return preset


def preset_with_overrides(
    preset: Preset, overrides: Mapping[str, Any], *, source: str = "overrides"
) -> Preset:
    """``preset`` with an instructor's changes, checked; raises ``PresetError`` if refused.

    ``overrides`` has the shape of ``preset_to_dict``, any part of it: nested mappings merge
    key by key, anything else replaces. ``{"motions": {"table_debate": None}}`` removes a
    motion; a motion not in the preset is added from the catalogue's defaults.
    """
    if not isinstance(overrides, Mapping):
        raise PresetError([_("overrides must be a mapping of settings")], source)
    if problem := _shape_problem(overrides):
        raise PresetError([problem], source)
    merged = _merge(preset_to_dict(preset), overrides)
    updated = preset_from_dict(merged, source=source)
    errors = validate_preset(updated)
    if errors:
        raise PresetError(errors, source)
    return updated


def _shape_problem(value: object) -> Text | None:
    """Why ``value`` is too deep or too large to be read as rules (iterative: no recursion
    for a hostile depth to exhaust); ``None`` when it is fine."""
    pending: list[tuple[object, int]] = [(value, 1)]
    items = 0
    while pending:
        current, depth = pending.pop()
        children: list[object]
        if isinstance(current, Mapping):
            children = [*current.keys(), *current.values()]
        elif isinstance(current, list | tuple):
            children = list(current)
        else:
            continue
        if depth > MAX_OVERRIDE_DEPTH:
            return _(
                "the rules are nested too deeply (at most {depth} levels)",
                depth=MAX_OVERRIDE_DEPTH,
            )
        items += len(children)
        if items > MAX_OVERRIDE_ITEMS:
            return _("the rules hold too many settings (at most {items})", items=MAX_OVERRIDE_ITEMS)
        pending.extend((child, depth + 1) for child in children)
    return None


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = _merge(current, value)
        else:
            merged[key] = value
    return merged


# --- to and from plain data -------------------------------------------------------------------


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    """Everything in the preset as JSON-ready data (strings, numbers, booleans, lists, dicts).

    Complete, so stored rules never change when the catalogue's defaults do.
    """
    return {
        "key": preset.key,
        "name": preset.name,
        "description": preset.description,
        "seats": preset.seats,
        "phases": _plain(preset.phases),
        "initial_phase": preset.initial_phase.value,
        "transitions": {
            phase.value: _plain(preset.transitions[phase])
            for phase in Phase
            if phase in preset.transitions
        },
        "speakers": _plain(preset.speakers),
        "voting": _plain(preset.voting),
        "mediation": None if preset.mediation is None else _plain(preset.mediation),
        "motions": {
            kind.value: _plain(rule)
            for kind, rule in sorted(preset.motions.items(), key=lambda item: item[1].precedence)
        },
    }


def _plain(value: object) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, frozenset | set):
        return [_plain(v) for v in sorted(value, key=_sort_key)]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {
            _plain(k): _plain(v) for k, v in sorted(value.items(), key=lambda i: _sort_key(i[0]))
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def _sort_key(value: object) -> tuple[int, str]:
    """Enum members in definition order (phases read in session order), others by text."""
    if isinstance(value, Enum):
        return (list(type(value)).index(value), "")
    return (0, str(value))


def preset_from_dict(data: object, *, source: str = "preset") -> Preset:
    """Read a preset from plain data; raises ``PresetError`` listing every shape problem.

    Does not check meaning: call ``validate_preset`` (``load_preset`` does).
    """
    errors: list[Text] = []
    required = ("key", "name", "phases", "initial_phase", "motions")
    top = _fields(data, "preset", _TOP_FIELDS, errors, required=required)
    if top is None:
        raise PresetError(errors, source)
    motions = _motions(top.get("motions"), errors)
    speakers = _build(
        SpeakersListRules(), top.get("speakers"), "speakers", _SPEAKERS_FIELDS, errors
    )
    voting = _build(VotingRules(), top.get("voting"), "voting", _VOTING_FIELDS, errors)
    mediation = _mediation(top.get("mediation"), errors)
    transitions = dict(DEFAULT_TRANSITIONS)
    transitions.update(top.get("transitions", {}))
    if errors:
        raise PresetError(errors, source)
    return Preset(
        key=top["key"],
        name=top["name"],
        description=top.get("description", ""),
        phases=top["phases"],
        initial_phase=top["initial_phase"],
        motions=MappingProxyType(motions),
        speakers=speakers,
        voting=voting,
        mediation=mediation,
        seats=top.get("seats"),
        transitions=MappingProxyType(transitions),
    )


# Each parser turns one raw value into a typed one, or appends a message and returns _BAD.
_BAD: Any = object()
Parser = Callable[[object, str, list[Text]], Any]
E = TypeVar("E", bound=Enum)


def _shown(value: object) -> str:
    """A refused value as a message repeats it: its start only (it may be huge)."""
    if isinstance(value, str | int | float | bool | None):
        text = repr(value[: _SHOWN_CHARS + 1] if isinstance(value, str) else value)
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _expect(kind: Text, value: object, path: str, errors: list[Text]) -> Any:
    errors.append(
        _("{path} must be {kind}, not {value}", path=path, kind=kind, value=_shown(value))
    )
    return _BAD


def _int(value: object, path: str, errors: list[Text]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        return _expect(_("a whole number"), value, path, errors)
    if not -MAX_WHOLE_NUMBER <= value <= MAX_WHOLE_NUMBER:
        return _expect(
            _("a whole number of at most {limit}", limit=f"{MAX_WHOLE_NUMBER:,}"),
            value,
            path,
            errors,
        )
    return value


def _optional_int(value: object, path: str, errors: list[Text]) -> Any:
    return None if value is None else _int(value, path, errors)


def _count(value: object, path: str, errors: list[Text]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        return _expect(_("a whole number from 0 to 10,000"), value, path, errors)
    return value


def _bool(value: object, path: str, errors: list[Text]) -> Any:
    if not isinstance(value, bool):
        return _expect(_("true or false"), value, path, errors)
    return value


def _text(value: object, path: str, errors: list[Text]) -> Any:
    if not isinstance(value, str):
        return _expect(_("text"), value, path, errors)
    return value


def _optional_text(value: object, path: str, errors: list[Text]) -> Any:
    return None if value is None else _text(value, path, errors)


def _fraction(value: object, path: str, errors: list[Text]) -> Any:
    try:
        return parse_fraction(value)
    except RuleViolation:
        return _expect(THRESHOLD_FORMS, value, path, errors)


def _enum(enum: type[E]) -> Parser:
    known = ", ".join(str(member.value) for member in enum)

    def parse(value: object, path: str, errors: list[Text]) -> Any:
        try:
            return enum(value)
        except (ValueError, TypeError):
            errors.append(
                _(
                    "{path} must be one of {known}, not {value}",
                    path=path,
                    known=known,
                    value=_shown(value),
                )
            )
            return _BAD

    return parse


def _optional_enum(enum: type[E]) -> Parser:
    parse = _enum(enum)
    return lambda value, path, errors: None if value is None else parse(value, path, errors)


def _enum_set(enum: type[E]) -> Parser:
    parse_one = _enum(enum)

    def parse(value: object, path: str, errors: list[Text]) -> Any:
        if not isinstance(value, list | tuple | set | frozenset):
            return _expect(_("a list"), value, path, errors)
        parsed = [parse_one(item, path, errors) for item in value]
        if any(item is _BAD for item in parsed):
            return _BAD
        return frozenset(parsed)

    return parse


def _transitions(value: object, path: str, errors: list[Text]) -> Any:
    if not isinstance(value, Mapping):
        return _expect(
            _("a mapping of phase to the phases that may follow it"), value, path, errors
        )
    parse_phase, parse_set = _enum(Phase), _enum_set(Phase)
    table: dict[Phase, frozenset[Phase]] = {}
    for raw_phase, raw_next in value.items():
        phase = parse_phase(raw_phase, path, errors)
        successors = parse_set(raw_next, f"{path}.{_shown(raw_phase)}", errors)
        if phase is not _BAD and successors is not _BAD:
            table[phase] = successors
    return table


def _powers(value: object, path: str, errors: list[Text]) -> Any:
    if not isinstance(value, Mapping):
        return _expect(_("a mapping of mode to the actions allowed in it"), value, path, errors)
    parse_mode, parse_set = _enum(MediationMode), _enum_set(MediatorAction)
    powers = dict(DEFAULT_POWERS)
    for raw_mode, raw_actions in value.items():
        mode = parse_mode(raw_mode, path, errors)
        actions = parse_set(raw_actions, f"{path}.{_shown(raw_mode)}", errors)
        if mode is not _BAD and actions is not _BAD:
            powers[mode] = actions
    return MappingProxyType(powers)


_TOP_FIELDS: Mapping[str, Parser] = {
    "key": _text,
    "name": _text,
    "description": _text,
    "seats": _optional_int,
    "phases": _enum_set(Phase),
    "initial_phase": _enum(Phase),
    "transitions": _transitions,
    # Read by their own readers; listed here so they are known keys.
    "speakers": lambda value, path, errors: value,
    "voting": lambda value, path, errors: value,
    "mediation": lambda value, path, errors: value,
    "motions": lambda value, path, errors: value,
}

_MOTION_FIELDS: Mapping[str, Parser] = {
    "precedence": _int,
    "in_order_in": _enum_set(Phase),
    "vote": _enum(VoteRule),
    "needs_second": _bool,
    "debatable": _bool,
    "speakers_for": _count,
    "speakers_against": _count,
    "required": _enum_set(Param),
    "min_duration_s": _optional_int,
    "max_duration_s": _optional_int,
    "default_duration_s": _optional_int,
    "min_speaking_time_s": _optional_int,
    "max_speaking_time_s": _optional_int,
    "default_speaking_time_s": _optional_int,
    "leads_to": _optional_enum(Phase),
    "longer_first": _bool,
    "mover_right": _optional_text,
}

_SPEAKERS_FIELDS: Mapping[str, Parser] = {
    "one_entry_per_delegation": _bool,
    "default_speaking_time_s": _int,
    "min_speaking_time_s": _int,
    "max_speaking_time_s": _int,
    "yields": _enum_set(YieldKind),
    "yielded_time_may_be_yielded": _bool,
    "separate_for_against_in": _enum_set(Phase),
    "observers_may_speak": _bool,
}

_VOTING_FIELDS: Mapping[str, Parser] = {
    "procedural": _enum(MajorityRule),
    "substantive": _enum(MajorityRule),
    "quorum": _fraction,
    "two_thirds": _fraction,
    "security_council_votes": _int,
    "veto": _bool,
    "abstentions_allowed": _bool,
    "abstentions_count_as_present_not_voting": _bool,
    "present_and_voting_may_not_abstain": _bool,
    "observers_may_vote": _bool,
    "placards_visible": _enum(PlacardVisibility),
}

_MEDIATION_FIELDS: Mapping[str, Parser] = {
    "mode": _enum(MediationMode),
    "proximity": _bool,
    "powers": _powers,
}


def _fields(
    data: object,
    path: str,
    known: Mapping[str, Parser],
    errors: list[Text],
    required: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """Parse a mapping field by field; unknown keys are errors (a typo never passes)."""
    if not isinstance(data, Mapping):
        errors.append(_("{path} must be a mapping, not {value}", path=path, value=_shown(data)))
        return None
    parsed: dict[str, Any] = {}
    for key, value in data.items():
        name = key if isinstance(key, str) and len(key) <= _SHOWN_CHARS else _shown(key)
        where = name if path == "preset" else f"{path}.{name}"
        parser = known.get(key) if isinstance(key, str) else None
        if parser is None:
            errors.append(
                _("{path}: unknown setting (known: {known})", path=where, known=", ".join(known))
            )
            continue
        result = parser(value, where, errors)
        if result is not _BAD:
            parsed[key] = result
    for key in required:
        if key not in data:
            errors.append(
                _("{path} is required", path=key if path == "preset" else f"{path}.{key}")
            )
    return parsed


T = TypeVar("T", bound="DataclassInstance")


def _build(
    default: T, data: object, path: str, known: Mapping[str, Parser], errors: list[Text]
) -> T:
    """``default`` with the fields ``data`` gives (``None``: no changes)."""
    if data is None:
        return default
    parsed = _fields(data, path, known, errors)
    return default if not parsed else replace(default, **parsed)


def _motions(data: object, errors: list[Text]) -> dict[MotionKind, MotionRule]:
    if data is None:  # missing is reported as required; null means none
        return {}
    if not isinstance(data, Mapping):
        errors.append(
            _(
                "motions must be a mapping of motion kind to its rule, not {value}",
                value=_shown(data),
            )
        )
        return {}
    parse_kind = _enum(MotionKind)
    motions: dict[MotionKind, MotionRule] = {}
    for raw_kind, raw_rule in data.items():
        kind = parse_kind(raw_kind, "motions", errors)
        if kind is _BAD or raw_rule is None:  # None: the motion is not used
            continue
        path = f"motions.{raw_kind}"
        parsed = _fields(raw_rule, path, _MOTION_FIELDS, errors)
        if parsed is not None:
            motions[kind] = replace(DEFAULT_RULES[kind], **parsed)
    return motions


def _mediation(data: object, errors: list[Text]) -> MediationSettings | None:
    if data is None:
        return None
    return _build(MediationSettings(), data, "mediation", _MEDIATION_FIELDS, errors)


# --- validation -------------------------------------------------------------------------


def validate_preset(preset: Preset) -> list[Text]:
    """Every reason the preset cannot run a committee; empty when it can."""
    errors: list[Text] = []
    if not _KEY_RE.match(preset.key):
        errors.append(
            _(
                "key {key} must be lowercase letters, digits and underscores",
                key=_shown(preset.key),
            )
        )
    if not preset.name.strip():
        errors.append(_("name is empty"))
    if preset.seats is not None and preset.seats < 1:
        errors.append(_("seats must be at least 1, not {seats}", seats=preset.seats))
    errors.extend(_phase_errors(preset))
    errors.extend(_motion_errors(preset))
    errors.extend(_speakers_errors(preset.speakers))
    errors.extend(_voting_errors(preset))
    return errors


def _phase_errors(preset: Preset) -> list[Text]:
    errors: list[Text] = []
    phases = preset.phases
    if Phase.NOT_STARTED in phases:
        errors.append(_("phases: not_started is implicit; do not list it"))
    if Phase.ADJOURNED not in phases:
        errors.append(_("phases: every committee needs adjourned, so a session can end"))
    if preset.initial_phase not in phases:
        errors.append(
            _(
                "initial_phase {phase} is not one of the phases in use",
                phase=str(preset.initial_phase),
            )
        )
    elif preset.initial_phase in TIMED_PHASES or preset.initial_phase is Phase.ADJOURNED:
        errors.append(_("initial_phase cannot be {phase}", phase=str(preset.initial_phase)))
    for phase in sorted(TIMED_PHASES & phases):
        if Phase.SUSPENDED in preset.transitions.get(phase, frozenset()):
            errors.append(
                _(
                    "transitions: {phase} cannot lead to suspended (a suspension resumes the "
                    "phase it interrupted, and a timed phase cannot be resumed)",
                    phase=str(phase),
                )
            )
    if CAUCUS_PHASES & phases and CAUCUS_RETURNS_TO not in phases:
        errors.append(
            _(
                "phases: a caucus returns to {phase} when its time is up, "
                "so a committee with caucuses needs {phase}",
                phase=str(CAUCUS_RETURNS_TO),
            )
        )
    if errors:
        return errors

    successors = _successor_graph(preset)
    reached = {preset.initial_phase}
    queue = deque([preset.initial_phase])
    while queue:
        for following in successors[queue.popleft()]:
            if following not in reached:
                reached.add(following)
                queue.append(following)
    for phase in _in_session_order(phases - reached):
        errors.append(
            _(
                "phases: {phase} is in use but a session can never reach it from {initial}",
                phase=str(phase),
                initial=str(preset.initial_phase),
            )
        )
    for phase in _in_session_order(phases - {Phase.ADJOURNED}):
        if not successors[phase]:
            errors.append(
                _(
                    "transitions: a session in {phase} would be stuck: nothing follows it",
                    phase=str(phase),
                )
            )
    return errors


def _successor_graph(preset: Preset) -> dict[Phase, set[Phase]]:
    """Every phase a phase can lead to: by the table, by a passed motion or by a deadline."""
    graph: dict[Phase, set[Phase]] = {phase: set() for phase in preset.phases}
    for phase in preset.phases:
        graph[phase] |= legal_next_phases(preset, phase)
        if phase in CAUCUS_PHASES:
            graph[phase].add(CAUCUS_RETURNS_TO)
        if Phase.SUSPENDED in graph[phase] and Phase.SUSPENDED in graph:
            graph[Phase.SUSPENDED].add(phase)  # the suspension resumes it
    return graph


def _in_session_order(phases: Iterable[Phase]) -> list[Phase]:
    return sorted(phases, key=list(Phase).index)


def _motion_errors(preset: Preset) -> list[Text]:
    errors: list[Text] = []
    by_precedence: dict[int, list[MotionKind]] = {}
    for kind, rule in preset.motions.items():
        by_precedence.setdefault(rule.precedence, []).append(kind)
    for precedence, kinds in sorted(by_precedence.items()):
        if len(kinds) > 1:
            names = " and ".join(str(kind) for kind in kinds)
            errors.append(
                _(
                    "motions: precedence {precedence} is shared by {names}; "
                    "each kind of motion needs its own rank",
                    precedence=precedence,
                    names=names,
                )
            )
    for kind, rule in sorted(preset.motions.items(), key=lambda item: item[1].precedence):
        errors.extend(_rule_errors(preset, kind, rule))
    return errors


def _rule_errors(preset: Preset, kind: MotionKind, rule: MotionRule) -> list[Text]:
    path = f"motions.{kind}"
    errors: list[Text] = []
    in_order = rule.in_order_in & preset.phases
    if not in_order:
        errors.append(
            _("{path}.in_order_in: the motion is never in order in this committee", path=path)
        )
    if kind in NO_PHASE_CHANGE and rule.leads_to is not None:
        errors.append(
            _("{path}.leads_to must be empty: this kind does not change the phase", path=path)
        )
    if kind is MotionKind.EXTEND_CAUCUS and not rule.in_order_in <= TIMED_PHASES:
        errors.append(
            _("{path}.in_order_in: only a timed phase (a caucus) can be extended", path=path)
        )
    if rule.leads_to is not None:
        if rule.leads_to not in preset.phases:
            errors.append(
                _(
                    "{path}.leads_to: {phase} is not a phase of this committee "
                    "(add the phase, or remove the motion with {kind}: null)",
                    path=path,
                    phase=str(rule.leads_to),
                    kind=str(kind),
                )
            )
        else:
            for phase in _in_session_order(in_order):
                if rule.leads_to not in legal_next_phases(preset, phase):
                    errors.append(
                        _(
                            "{path}: in order during {phase}, which cannot lead to {target}",
                            path=path,
                            phase=str(phase),
                            target=str(rule.leads_to),
                        )
                    )
    if rule.mover_right is not None and rule.mover_right not in KNOWN_RIGHTS:
        errors.append(
            _(
                "{path}.mover_right: unknown right {right} (one of: {known})",
                path=path,
                right=_shown(rule.mover_right),
                known=", ".join(sorted(KNOWN_RIGHTS)),
            )
        )
    timed = rule.leads_to is not None and rule.leads_to.is_timed
    errors.extend(
        _limit_errors(
            f"{path}.",
            "duration_s",
            rule.min_duration_s,
            rule.default_duration_s,
            rule.max_duration_s,
            needed=(timed or kind is MotionKind.EXTEND_CAUCUS)
            and Param.DURATION not in rule.required,
        )
    )
    errors.extend(
        _limit_errors(
            f"{path}.",
            "speaking_time_s",
            rule.min_speaking_time_s,
            rule.default_speaking_time_s,
            rule.max_speaking_time_s,
            needed=rule.leads_to is Phase.MODERATED_CAUCUS
            and Param.SPEAKING_TIME not in rule.required,
        )
    )
    return errors


def _limit_errors(
    prefix: str,
    name: str,
    minimum: int | None,
    default: int | None,
    maximum: int | None,
    *,
    needed: bool,
) -> list[Text]:
    errors: list[Text] = []
    for label, value in (("min", minimum), ("default", default), ("max", maximum)):
        if value is not None and value < 1:
            errors.append(
                _(
                    "{setting} must be at least 1 second, not {value}",
                    setting=f"{prefix}{label}_{name}",
                    value=value,
                )
            )
    if errors:
        return errors
    if minimum is not None and maximum is not None and minimum > maximum:
        errors.append(
            _(
                "{prefix}min_{name} ({minimum}) is more than max_{name} ({maximum})",
                prefix=prefix,
                name=name,
                minimum=duration_text(minimum),
                maximum=duration_text(maximum),
            )
        )
    if default is not None:
        if minimum is not None and default < minimum:
            errors.append(
                _("{prefix}default_{name} is less than min_{name}", prefix=prefix, name=name)
            )
        if maximum is not None and default > maximum:
            errors.append(
                _("{prefix}default_{name} is more than max_{name}", prefix=prefix, name=name)
            )
    if needed and default is None:
        errors.append(
            _(
                "{prefix}default_{name} is needed, or the mover must be required to give one "
                "(add {name} to required)",
                prefix=prefix,
                name=name,
            )
        )
    return errors


def _speakers_errors(rules: SpeakersListRules) -> list[Text]:
    errors: list[Text] = []
    low, default, high = (
        rules.min_speaking_time_s,
        rules.default_speaking_time_s,
        rules.max_speaking_time_s,
    )
    if low < 1:
        errors.append(
            _(
                "{setting} must be at least 1 second, not {value}",
                setting="speakers.min_speaking_time_s",
                value=low,
            )
        )
    elif not low <= default <= high:
        errors.append(
            _(
                "speakers.default_speaking_time_s ({default}) must be between "
                "min_speaking_time_s ({low}) and max_speaking_time_s ({high})",
                default=duration_text(default),
                low=duration_text(low),
                high=duration_text(high),
            )
        )
    return errors


def _voting_errors(preset: Preset) -> list[Text]:
    voting = preset.voting
    errors: list[Text] = []
    if not 0 < voting.quorum <= 1:
        errors.append(
            _(
                "voting.quorum must be more than 0 and at most 1 (all members), not {value}",
                value=_plain(voting.quorum),
            )
        )
    if not Fraction(1, 2) < voting.two_thirds <= 1:
        errors.append(
            _(
                "voting.two_thirds must be more than 1/2 and at most 1, not {value}",
                value=_plain(voting.two_thirds),
            )
        )
    if voting.security_council_votes < 1:
        errors.append(
            _(
                "voting.security_council_votes must be at least 1, not {votes}",
                votes=voting.security_council_votes,
            )
        )
    elif preset.seats is not None and voting.security_council_votes > preset.seats:
        errors.append(
            _(
                "voting.security_council_votes ({votes}) is more than "
                "the {seats} seats: nothing could pass",
                votes=voting.security_council_votes,
                seats=preset.seats,
            )
        )
    return errors
