"""Scenario templates: YAML files in ``apps/delegations/scenarios/`` read into plain dataclasses.

A scenario is what an instructor picks to create a simulation: committees with their rules
preset, agenda and seated delegations, each with a confidential brief. Schema of one file,
``<slug>.yaml`` (unknown keys are errors, so a typo such as ``breif`` never passes silently)::

    slug: security-council-crisis        # required; lowercase letters, digits and dashes;
                                         # equal to the file name
    title: "Security Council: ..."       # required
    description: |                       # required; shown when choosing a scenario
      ...
    order: 10                            # optional; position in list_scenarios() (default 100)
    settings:                            # optional; keys and defaults in SETTINGS_DEFAULTS
      staff_can_read_private_channels: true
    committees:                          # required, at least one
      - name: Security Council           # required, unique in the scenario
        body: United Nations Security Council   # optional: the real body it models
        preset: security_council         # required, one of PRESETS
        mediation_mode: null             # null or one of MEDIATION_MODES
        proximity: false                 # proximity talks: parties meet only the mediator
        agenda: ["...", "..."]           # required, at least one topic
        generate: null                   # null or one of GENERATORS (see below)
        delegations:                     # may be empty only when `generate` is set
          - name: United States          # required, unique in the committee
            kind: permanent_member       # required, an ActorKind value
            country: "US"                # ISO 3166-1 alpha-2 code known to pycountry,
                                         # required for state kinds. Quote it: YAML reads
                                         # a bare NO (Norway) as false.
            fictional: false             # true: a state invented for the scenario; it then
                                         # has no country code (state kinds only)
            seats: 2                     # students in the delegation, 1..3 (default 2)
            rights: {}                   # overrides on the kind's defaults, e.g.
                                         # {vote_substance: false}; keys are Right values
            brief: |                     # required, confidential: interests, red lines, allies
              ...

``generate: un_member_states`` seats every state of ``data/un_member_states.yaml`` as a
``member_state`` with a short generic brief, after the delegations listed by hand. A state
listed by hand (same name or same country code) replaces its generated seat, so a template
can write its own brief for a few states and let the rest be generated.

Reading a file checks its *shape* (types, known keys, known kinds) and raises
``ScenarioError`` listing every problem; ``validate_scenario`` checks its *meaning*
(codes, seats, rights, duplicates...) and returns messages. ``load_scenario`` does both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pycountry
import yaml

from apps.delegations.domain.actors import ActorKind, Right, effective_rights, parse_overrides

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

PRESETS: tuple[str, ...] = (
    "una_usa",
    "thimun",
    "security_council",
    "climate_consensus",
    "peace_talks",
)
MEDIATION_MODES: tuple[str, ...] = ("facilitative", "procedural", "directive")
GENERATORS: tuple[str, ...] = ("un_member_states",)
SETTINGS_DEFAULTS: Mapping[str, bool] = MappingProxyType({"staff_can_read_private_channels": True})
MIN_SEATS, MAX_SEATS, DEFAULT_SEATS = 1, 3, 2

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CODE_RE = re.compile(r"^[A-Z]{2}$")


class ScenarioError(ValueError):
    """A scenario file that cannot be read or is not valid; ``errors`` lists every problem."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source = source
        self.errors = list(errors)
        super().__init__(f"{source}: " + "; ".join(self.errors))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, list[str]]]:
        # Survives pickling (Celery results, multiprocessing) despite the custom signature.
        return (type(self), (self.source, self.errors))


class ScenarioNotFound(ScenarioError, LookupError):
    pass


@dataclass(frozen=True)
class DelegationSpec:
    name: str
    kind: ActorKind | None
    brief: str
    country: str | None = None
    fictional: bool = False
    seats: int = DEFAULT_SEATS
    rights: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    generated: bool = False

    def effective_rights(self) -> frozenset[Right]:
        """Rights after overrides; raises ``ValueError`` on a bad override or missing kind."""
        if self.kind is None:
            raise ValueError(f"delegation {self.name!r} has no kind")
        return effective_rights(self.kind, self.rights)


@dataclass(frozen=True)
class CommitteeSpec:
    name: str
    preset: str
    agenda: tuple[str, ...]
    delegations: tuple[DelegationSpec, ...]
    body: str = ""
    mediation_mode: str | None = None
    proximity: bool = False
    generate: str | None = None

    def voting_members(self) -> tuple[DelegationSpec, ...]:
        """Delegations that vote on substance (the Council's fifteen, a conference's parties)."""
        return tuple(d for d in self.delegations if _has_right(d, Right.VOTE_SUBSTANCE))


@dataclass(frozen=True)
class ScenarioSpec:
    slug: str
    title: str
    description: str
    committees: tuple[CommitteeSpec, ...]
    settings: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))
    order: int = 100

    def setting(self, key: str) -> bool:
        return self.settings.get(key, SETTINGS_DEFAULTS[key])

    def actor_kinds(self) -> frozenset[ActorKind]:
        return frozenset(
            d.kind for c in self.committees for d in c.delegations if d.kind is not None
        )


@dataclass(frozen=True)
class ScenarioSummary:
    slug: str
    title: str
    description: str
    committees: tuple[str, ...]
    delegation_count: int
    actor_kinds: frozenset[ActorKind]


@dataclass(frozen=True)
class UNMemberState:
    name: str
    code: str


def _has_right(delegation: DelegationSpec, right: Right) -> bool:
    try:
        return right in delegation.effective_rights()
    except ValueError:
        return False


# --- validation -------------------------------------------------------------------------


def validate_scenario(spec: ScenarioSpec) -> list[str]:
    """Every problem that makes the scenario unfit to seat a simulation; empty when fit."""
    errors: list[str] = []
    if not _SLUG_RE.match(spec.slug):
        errors.append(f"slug {spec.slug!r} must be lowercase letters, digits and dashes")
    if not spec.title.strip():
        errors.append("title is empty")
    if not spec.description.strip():
        errors.append("description is empty")
    for key in spec.settings:
        if key not in SETTINGS_DEFAULTS:
            errors.append(f"unknown setting {key!r} (known: {', '.join(SETTINGS_DEFAULTS)})")
    if not spec.committees:
        errors.append("a scenario needs at least one committee")
    seen_committees: set[str] = set()
    for committee in spec.committees:
        key = committee.name.strip().casefold()
        if key in seen_committees:
            errors.append(f"committee {committee.name!r} appears twice")
        seen_committees.add(key)
        errors.extend(_validate_committee(committee))
    return errors


def _validate_committee(committee: CommitteeSpec) -> list[str]:
    where = committee.name or "(unnamed committee)"
    errors: list[str] = []
    if not committee.name.strip():
        errors.append("a committee has no name")
    if committee.preset not in PRESETS:
        errors.append(
            f"{where}: unknown preset {committee.preset!r} (one of: {', '.join(PRESETS)})"
        )
    if committee.mediation_mode is not None and committee.mediation_mode not in MEDIATION_MODES:
        errors.append(
            f"{where}: unknown mediation_mode {committee.mediation_mode!r} "
            f"(null or one of: {', '.join(MEDIATION_MODES)})"
        )
    if committee.generate is not None and committee.generate not in GENERATORS:
        errors.append(
            f"{where}: unknown generate {committee.generate!r} (null or one of: {', '.join(GENERATORS)})"
        )
    if not committee.agenda or not all(topic.strip() for topic in committee.agenda):
        errors.append(f"{where}: the agenda needs at least one topic and no empty topic")
    if not committee.delegations:
        errors.append(f"{where}: no delegations are seated")
    has_mediator = any(d.kind is ActorKind.MEDIATOR for d in committee.delegations)
    if committee.mediation_mode is not None and not has_mediator:
        errors.append(f"{where}: mediation_mode is set but no delegation is a mediator")
    if committee.proximity and committee.mediation_mode is None:
        errors.append(f"{where}: proximity talks need a mediation_mode (and a mediator)")

    names: set[str] = set()
    codes: dict[str, str] = {}
    for delegation in committee.delegations:
        errors.extend(f"{where}: {e}" for e in _validate_delegation(delegation))
        key = delegation.name.strip().casefold()
        if key and key in names:
            errors.append(f"{where}: delegation name {delegation.name!r} appears more than once")
        names.add(key)
        if delegation.country:
            if delegation.country in codes:
                errors.append(
                    f"{where}: {delegation.name!r} and {codes[delegation.country]!r} "
                    f"share country code {delegation.country}"
                )
            codes.setdefault(delegation.country, delegation.name)
    return errors


def _validate_delegation(d: DelegationSpec) -> list[str]:
    who = repr(d.name) if d.name.strip() else "a delegation with no name"
    errors: list[str] = []
    if not d.name.strip():
        errors.append("a delegation has no name")
    if d.kind is None:
        errors.append(f"{who} has no kind (one of: {', '.join(k.value for k in ActorKind)})")
    elif d.kind.is_state:
        if d.fictional:
            if d.country:
                errors.append(f"{who} is fictional and must not have a country code")
        elif not d.country:
            errors.append(
                f"{who} is a {d.kind.label.lower()} and needs an ISO 3166-1 alpha-2 country "
                "code (or `fictional: true` for a state invented by the scenario)"
            )
    else:
        if d.country:
            errors.append(f"{who} is not a state ({d.kind.label}) and must not have a country code")
        if d.fictional:
            errors.append(f"{who}: `fictional` applies only to states")
    if d.country and not is_known_country(d.country):
        errors.append(f"{who} has unknown country code {d.country!r} (ISO 3166-1 alpha-2)")
    if not MIN_SEATS <= d.seats <= MAX_SEATS:
        errors.append(f"{who} has {d.seats} seats; a delegation seats {MIN_SEATS} to {MAX_SEATS}")
    if not d.brief.strip():
        errors.append(f"{who} has an empty brief")
    try:
        parse_overrides(d.rights)
    except ValueError as exc:
        errors.append(f"{who}: {exc}")
    else:
        if d.kind is not None:
            rights = effective_rights(d.kind, d.rights)
            if d.kind is ActorKind.PERMANENT_MEMBER and Right.VETO not in rights:
                errors.append(f"{who} is a permanent member and must keep the veto")
            if d.kind is not ActorKind.PERMANENT_MEMBER and Right.VETO in rights:
                errors.append(f"{who}: only a permanent member may hold the veto")
    return errors


def is_known_country(code: str) -> bool:
    return bool(_CODE_RE.match(code)) and pycountry.countries.get(alpha_2=code) is not None


# --- reading files ----------------------------------------------------------------------


def load_scenario(slug_or_path: str | Path, *, validate: bool = True) -> ScenarioSpec:
    """Read a shipped scenario by slug, or any scenario file by path.

    Raises ``ScenarioNotFound`` for an unknown slug or missing file and ``ScenarioError``
    for a file that is malformed or (with ``validate``) not valid.
    """
    path = _resolve(slug_or_path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ScenarioNotFound(str(slug_or_path), ["no such scenario"]) from exc
    spec = _load_file(path, stat.st_mtime_ns, stat.st_size)
    errors: list[str] = []
    if path.parent == SCENARIOS_DIR and spec.slug != path.stem:
        errors.append(f"slug {spec.slug!r} differs from the file name {path.name!r}")
    if validate:
        errors.extend(validate_scenario(spec))
    if errors:
        raise ScenarioError(path.name, errors)
    return spec


def list_scenarios() -> list[ScenarioSummary]:
    """The shipped scenarios, valid ones only (a broken file raises), in display order."""
    specs = [load_scenario(path) for path in sorted(SCENARIOS_DIR.glob("*.yaml"))]
    specs.sort(key=lambda s: (s.order, s.slug))
    return [
        ScenarioSummary(
            slug=s.slug,
            title=s.title,
            description=s.description,
            committees=tuple(c.name for c in s.committees),
            delegation_count=sum(len(c.delegations) for c in s.committees),
            actor_kinds=s.actor_kinds(),
        )
        for s in specs
    ]


def _resolve(slug_or_path: str | Path) -> Path:
    if isinstance(slug_or_path, Path):
        return slug_or_path
    if _SLUG_RE.match(slug_or_path):
        return SCENARIOS_DIR / f"{slug_or_path}.yaml"
    if slug_or_path.endswith((".yaml", ".yml")):
        return Path(slug_or_path)
    # Neither a slug nor a YAML path: never let user input wander the file system.
    raise ScenarioNotFound(slug_or_path, ["not a scenario slug or .yaml path"])


@lru_cache(maxsize=32)
def _load_file(path: Path, mtime_ns: int, size: int) -> ScenarioSpec:
    """Parse once per file version; specs are frozen, so sharing them is safe."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(path.name, [f"not valid YAML: {exc}"]) from exc
    return parse_scenario(data, source=path.name)


@lru_cache(maxsize=1)
def un_member_states() -> tuple[UNMemberState, ...]:
    """The 193 UN member states, from ``data/un_member_states.yaml``, in UN order."""
    data = yaml.safe_load((DATA_DIR / "un_member_states.yaml").read_text(encoding="utf-8"))
    return tuple(
        UNMemberState(name=str(row["name"]), code=str(row["code"])) for row in data["member_states"]
    )


def generic_brief(state_name: str) -> str:
    return (
        f"You represent {state_name}. Before the session, research your government's "
        "published positions on each agenda topic (statements in the General Assembly, "
        "votes on earlier resolutions, its regional group and negotiating blocs). Decide "
        "what you must obtain, what you can trade and what you cannot accept, and identify "
        "two or three likely allies to co-sponsor a draft with."
    )


# --- parsing (shape only) ---------------------------------------------------------------


class _Reader:
    """Collects every shape error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def mapping(self, value: object, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.errors.append(f"{where} must be a mapping")
            return {}
        for key in value:
            if key not in allowed:
                self.errors.append(
                    f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})"
                )
        return {str(k): v for k, v in value.items()}

    def text(self, data: dict[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errors.append(f"{where}: {key} must be text")
            return ""
        return value.strip()

    def optional_text(self, data: dict[str, Any], key: str, where: str) -> str | None:
        return self.text(data, key, where) or None

    def boolean(self, data: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.errors.append(f"{where}: {key} must be true or false")
            return default
        return value

    def integer(self, data: dict[str, Any], key: str, where: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.append(f"{where}: {key} must be a whole number")
            return default
        return value

    def sequence(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.errors.append(f"{where}: {key} must be a list")
            return []
        return value


_SCENARIO_KEYS = {"slug", "title", "description", "order", "settings", "committees"}
_COMMITTEE_KEYS = {
    "name",
    "body",
    "preset",
    "mediation_mode",
    "proximity",
    "agenda",
    "delegations",
    "generate",
}
_DELEGATION_KEYS = {"name", "kind", "country", "fictional", "seats", "rights", "brief"}


def parse_scenario(data: object, *, source: str = "scenario") -> ScenarioSpec:
    """Build a ``ScenarioSpec`` from parsed YAML; raises ``ScenarioError`` on a shape error."""
    r = _Reader()
    top = r.mapping(data, source, _SCENARIO_KEYS)
    raw_settings = r.mapping(top.get("settings") or {}, "settings", set(SETTINGS_DEFAULTS))
    settings: dict[str, bool] = {}
    for key, value in raw_settings.items():
        if isinstance(value, bool):
            settings[key] = value
        else:
            r.errors.append(f"settings: {key} must be true or false")
    committees = tuple(
        _parse_committee(r, raw, index)
        for index, raw in enumerate(r.sequence(top, "committees", source))
    )
    if r.errors:
        raise ScenarioError(source, r.errors)
    return ScenarioSpec(
        slug=r.text(top, "slug", source),
        title=r.text(top, "title", source),
        description=r.text(top, "description", source),
        order=r.integer(top, "order", source, 100),
        settings=MappingProxyType(settings),
        committees=committees,
    )


def _parse_committee(r: _Reader, raw: object, index: int) -> CommitteeSpec:
    name = raw.get("name") if isinstance(raw, dict) else None
    where = str(name) if isinstance(name, str) and name.strip() else f"committee #{index + 1}"
    data = r.mapping(raw, where, _COMMITTEE_KEYS)
    agenda = r.sequence(data, "agenda", where)
    if not all(isinstance(topic, str) for topic in agenda):
        r.errors.append(f"{where}: every agenda topic must be text")
    generate = r.optional_text(data, "generate", where)
    delegations = [
        _parse_delegation(r, item, where, i)
        for i, item in enumerate(r.sequence(data, "delegations", where))
    ]
    if generate == "un_member_states":
        delegations = _with_un_member_states(delegations)
    return CommitteeSpec(
        name=r.text(data, "name", where),
        body=r.text(data, "body", where),
        preset=r.text(data, "preset", where),
        mediation_mode=r.optional_text(data, "mediation_mode", where),
        proximity=r.boolean(data, "proximity", where, False),
        agenda=tuple(str(topic).strip() for topic in agenda),
        delegations=tuple(delegations),
        generate=generate,
    )


def _parse_delegation(r: _Reader, raw: object, committee: str, index: int) -> DelegationSpec:
    name = raw.get("name") if isinstance(raw, dict) else None
    where = f"{committee} › " + (
        str(name) if isinstance(name, str) and name.strip() else f"delegation #{index + 1}"
    )
    data = r.mapping(raw, where, _DELEGATION_KEYS)
    kind: ActorKind | None = None
    raw_kind = r.optional_text(data, "kind", where)
    if raw_kind is not None:
        try:
            kind = ActorKind(raw_kind)
        except ValueError:
            r.errors.append(
                f"{where}: unknown kind {raw_kind!r} (one of: {', '.join(k.value for k in ActorKind)})"
            )
    country = data.get("country")
    if isinstance(country, bool):
        r.errors.append(
            f'{where}: country must be quoted text (YAML reads a bare NO as false: "NO")'
        )
        country = None
    elif country is not None and not isinstance(country, str):
        r.errors.append(f"{where}: country must be text")
        country = None
    rights = data.get("rights") or {}
    if not isinstance(rights, dict):
        r.errors.append(f"{where}: rights must be a mapping of right to true or false")
        rights = {}
    return DelegationSpec(
        name=r.text(data, "name", where),
        kind=kind,
        country=country.strip().upper() if country else None,
        fictional=r.boolean(data, "fictional", where, False),
        seats=r.integer(data, "seats", where, DEFAULT_SEATS),
        rights=MappingProxyType({str(k): v for k, v in rights.items()}),
        brief=r.text(data, "brief", where),
    )


def _with_un_member_states(listed: list[DelegationSpec]) -> list[DelegationSpec]:
    taken_names = {d.name.casefold() for d in listed}
    taken_codes = {d.country for d in listed if d.country}
    generated = [
        DelegationSpec(
            name=state.name,
            kind=ActorKind.MEMBER_STATE,
            country=state.code,
            brief=generic_brief(state.name),
            generated=True,
        )
        for state in un_member_states()
        if state.name.casefold() not in taken_names and state.code not in taken_codes
    ]
    return listed + generated
