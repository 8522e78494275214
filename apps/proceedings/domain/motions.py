"""Motions and points: what each needs, when it is in order, and the order the chair takes them.

Every kind of motion has a ``MotionRule`` in the committee's preset; ``DEFAULT_RULES`` is the
catalogue a preset starts from (UNA-USA-like) and overrides field by field. A kind missing
from a preset is not used in that committee.

Precedence: the chair takes the most disruptive motion first. ``precedence`` 1 is taken
first; it is unique per kind within a preset. Motions of the same kind whose rule says
``longer_first`` (caucuses, as in UNA-USA practice) are taken longest first; ties then go
to the earlier submission. ``order_motions`` is a total, deterministic order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from apps.core.text import Text, _, gettext_noop
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.majority import MajorityRule, Question, VotingRules
from apps.proceedings.domain.phases import Phase, PhaseRules, legal_next_phases
from apps.proceedings.domain.text import capitalise, duration_text


class MotionKind(StrEnum):
    SET_AGENDA = "set_agenda"
    OPEN_DEBATE = "open_debate"
    OPEN_SPEAKERS_LIST = "open_debate"  # alias: UNA-USA's name for the same motion
    MODERATED_CAUCUS = "moderated_caucus"
    UNMODERATED_CAUCUS = "unmoderated_caucus"
    EXTEND_CAUCUS = "extend_caucus"
    SET_SPEAKING_TIME = "set_speaking_time"
    CLOSE_DEBATE = "close_debate"
    TABLE_DEBATE = "table_debate"
    SUSPEND_MEETING = "suspend_meeting"
    ADJOURN_MEETING = "adjourn_meeting"
    DIVIDE_THE_QUESTION = "divide_the_question"
    ROLL_CALL_VOTE = "roll_call_vote"
    REORDER_DRAFTS = "reorder_drafts"
    INTRODUCE_DRAFT = "introduce_draft"
    POINT_OF_ORDER = "point_of_order"
    POINT_OF_INFORMATION = "point_of_information"
    POINT_OF_PERSONAL_PRIVILEGE = "point_of_personal_privilege"
    POINT_OF_PARLIAMENTARY_INQUIRY = "point_of_parliamentary_inquiry"
    RIGHT_OF_REPLY = "right_of_reply"

    @property
    def label(self) -> str:
        """``"motion for a moderated caucus"``, ``"point of order"``."""
        return _LABELS[self]

    @property
    def is_point(self) -> bool:
        return self in POINTS


POINTS: frozenset[MotionKind] = frozenset(
    {
        MotionKind.POINT_OF_ORDER,
        MotionKind.POINT_OF_INFORMATION,
        MotionKind.POINT_OF_PERSONAL_PRIVILEGE,
        MotionKind.POINT_OF_PARLIAMENTARY_INQUIRY,
        MotionKind.RIGHT_OF_REPLY,
    }
)

_LABELS: Mapping[MotionKind, str] = {
    MotionKind.SET_AGENDA: gettext_noop("motion to set the agenda"),
    MotionKind.OPEN_DEBATE: gettext_noop("motion to open debate"),
    MotionKind.MODERATED_CAUCUS: gettext_noop("motion for a moderated caucus"),
    MotionKind.UNMODERATED_CAUCUS: gettext_noop("motion for an unmoderated caucus"),
    MotionKind.EXTEND_CAUCUS: gettext_noop("motion to extend the caucus"),
    MotionKind.SET_SPEAKING_TIME: gettext_noop("motion to set the speaking time"),
    MotionKind.CLOSE_DEBATE: gettext_noop("motion to close debate and move into voting"),
    MotionKind.TABLE_DEBATE: gettext_noop("motion to table debate"),
    MotionKind.SUSPEND_MEETING: gettext_noop("motion to suspend the meeting"),
    MotionKind.ADJOURN_MEETING: gettext_noop("motion to adjourn the meeting"),
    MotionKind.DIVIDE_THE_QUESTION: gettext_noop("motion to divide the question"),
    MotionKind.ROLL_CALL_VOTE: gettext_noop("motion for a roll-call vote"),
    MotionKind.REORDER_DRAFTS: gettext_noop("motion to reorder the drafts"),
    MotionKind.INTRODUCE_DRAFT: gettext_noop("motion to introduce a draft"),
    MotionKind.POINT_OF_ORDER: gettext_noop("point of order"),
    MotionKind.POINT_OF_INFORMATION: gettext_noop("point of information"),
    MotionKind.POINT_OF_PERSONAL_PRIVILEGE: gettext_noop("point of personal privilege"),
    MotionKind.POINT_OF_PARLIAMENTARY_INQUIRY: gettext_noop("point of parliamentary inquiry"),
    MotionKind.RIGHT_OF_REPLY: gettext_noop("right of reply"),
}

# What a duration limit is about, for messages: "A moderated caucus may last at most ...".
_DURATION_SUBJECT: Mapping[MotionKind, str] = {
    MotionKind.MODERATED_CAUCUS: gettext_noop("a moderated caucus"),
    MotionKind.UNMODERATED_CAUCUS: gettext_noop("an unmoderated caucus"),
    MotionKind.EXTEND_CAUCUS: gettext_noop("an extension of the caucus"),
    MotionKind.SUSPEND_MEETING: gettext_noop("a suspension"),
}


class VoteRule(StrEnum):
    """The vote a motion needs. ``procedural`` means the committee's procedural rule."""

    CHAIR = "chair"
    PROCEDURAL = "procedural"
    SIMPLE_MAJORITY = "simple_majority"
    TWO_THIRDS = "two_thirds"
    CONSENSUS = "consensus"
    UNANIMITY = "unanimity"
    SECURITY_COUNCIL_PROCEDURAL = "security_council_procedural"

    def majority(self, voting: VotingRules) -> MajorityRule | None:
        """The majority rule of the ballot on the motion; ``None`` when the chair decides."""
        if self is VoteRule.CHAIR:
            return None
        if self is VoteRule.PROCEDURAL:
            return voting.procedural
        return _VOTE_MAJORITY[self]


_VOTE_MAJORITY: Mapping[VoteRule, MajorityRule] = {
    VoteRule.SIMPLE_MAJORITY: MajorityRule.SIMPLE,
    VoteRule.TWO_THIRDS: MajorityRule.TWO_THIRDS,
    VoteRule.CONSENSUS: MajorityRule.CONSENSUS,
    VoteRule.UNANIMITY: MajorityRule.UNANIMITY,
    # Nine affirmative votes; ballots on motions are procedural questions, so no veto.
    VoteRule.SECURITY_COUNCIL_PROCEDURAL: MajorityRule.SECURITY_COUNCIL,
}

MOTION_QUESTION = Question.PROCEDURAL
"""Every ballot on a motion is a procedural question (the veto never applies to one)."""


class Param(StrEnum):
    DURATION = "duration_s"
    SPEAKING_TIME = "speaking_time_s"
    TOPIC = "topic"
    DRAFTS = "draft_ids"
    PARTS = "parts"
    DELEGATION = "delegation_id"


@dataclass(frozen=True)
class MotionParams:
    """What the mover specifies. Unused fields stay empty."""

    duration_s: int | None = None
    speaking_time_s: int | None = None
    topic: str = ""
    draft_ids: tuple[int, ...] = ()
    """introduce_draft: the draft; reorder_drafts: the new order; divide_the_question: the draft."""
    parts: tuple[str, ...] = ()
    """divide_the_question: the parts to vote on separately, e.g. ``("1-3", "4")``."""
    delegation_id: int | None = None
    """right_of_reply, point_of_information: the delegation addressed."""

    def provided(self) -> frozenset[Param]:
        given = {
            Param.DURATION: self.duration_s is not None,
            Param.SPEAKING_TIME: self.speaking_time_s is not None,
            Param.TOPIC: bool(self.topic.strip()),
            Param.DRAFTS: bool(self.draft_ids),
            Param.PARTS: bool(self.parts),
            Param.DELEGATION: self.delegation_id is not None,
        }
        return frozenset(param for param, present in given.items() if present)


@dataclass(frozen=True)
class MotionRule:
    """How one kind of motion works in a committee. Durations are in seconds."""

    precedence: int
    in_order_in: frozenset[Phase]
    vote: VoteRule = VoteRule.PROCEDURAL
    needs_second: bool = True
    debatable: bool = False
    speakers_for: int = 0
    speakers_against: int = 0
    required: frozenset[Param] = frozenset()
    min_duration_s: int | None = None
    max_duration_s: int | None = None
    default_duration_s: int | None = None
    min_speaking_time_s: int | None = None
    max_speaking_time_s: int | None = None
    default_speaking_time_s: int | None = None
    leads_to: Phase | None = None
    """The phase the session enters when the motion passes; ``None``: no phase change."""
    longer_first: bool = False
    """Among motions of this kind, take the longest duration first (caucuses)."""
    mover_right: str | None = "vote_procedure"
    """The right (``delegations.domain.actors.Right`` value) the mover needs; ``None``: any."""

    def duration(self, params: MotionParams) -> int | None:
        return params.duration_s if params.duration_s is not None else self.default_duration_s

    def speaking_time(self, params: MotionParams) -> int | None:
        if params.speaking_time_s is not None:
            return params.speaking_time_s
        return self.default_speaking_time_s


@dataclass(frozen=True)
class Motion:
    """A motion or point on the floor. ``seq`` is its submission order (unique per floor)."""

    kind: MotionKind
    params: MotionParams = field(default_factory=MotionParams)
    mover_id: int | None = None
    seq: int = 0


class ProcedureRules(PhaseRules, Protocol):
    """What the motion functions need from a preset (``presets.Preset`` has it)."""

    @property
    def motions(self) -> Mapping[MotionKind, MotionRule]: ...


# --- the catalogue ------------------------------------------------------------------------

_P = Phase
_FLOOR = frozenset({_P.GENERAL_DEBATE})
_FORMAL = frozenset(
    {
        _P.ROLL_CALL,
        _P.AGENDA_SETTING,
        _P.GENERAL_DEBATE,
        _P.MODERATED_CAUCUS,
        _P.DRAFTING,
        _P.AMENDMENTS,
        _P.VOTING_PROCEDURE,
    }
)
_BREAKABLE = frozenset({_P.AGENDA_SETTING, _P.GENERAL_DEBATE, _P.DRAFTING, _P.AMENDMENTS})
_SPEAK = "speak"
_MINUTE = 60


def _point(
    precedence: int, in_order_in: frozenset[Phase], required: frozenset[Param] = frozenset()
) -> MotionRule:
    """Points need no second and no vote: the chair rules on them."""
    return MotionRule(
        precedence=precedence,
        in_order_in=in_order_in,
        vote=VoteRule.CHAIR,
        needs_second=False,
        required=required,
        mover_right=_SPEAK,
    )


DEFAULT_RULES: Mapping[MotionKind, MotionRule] = MappingProxyType(
    {
        MotionKind.POINT_OF_PERSONAL_PRIVILEGE: _point(1, _FORMAL),
        MotionKind.POINT_OF_ORDER: _point(2, _FORMAL),
        MotionKind.POINT_OF_PARLIAMENTARY_INQUIRY: _point(3, _FORMAL),
        MotionKind.POINT_OF_INFORMATION: _point(4, frozenset({_P.GENERAL_DEBATE, _P.AMENDMENTS})),
        MotionKind.RIGHT_OF_REPLY: _point(
            5,
            frozenset({_P.GENERAL_DEBATE, _P.MODERATED_CAUCUS}),
            required=frozenset({Param.DELEGATION}),
        ),
        MotionKind.ADJOURN_MEETING: MotionRule(
            precedence=10, in_order_in=_BREAKABLE, leads_to=_P.ADJOURNED
        ),
        MotionKind.SUSPEND_MEETING: MotionRule(
            precedence=11,
            in_order_in=_BREAKABLE,
            leads_to=_P.SUSPENDED,
            min_duration_s=1 * _MINUTE,
            max_duration_s=60 * _MINUTE,
            default_duration_s=10 * _MINUTE,
        ),
        MotionKind.UNMODERATED_CAUCUS: MotionRule(
            precedence=12,
            in_order_in=_FLOOR,
            leads_to=_P.UNMODERATED_CAUCUS,
            required=frozenset({Param.DURATION}),
            min_duration_s=1 * _MINUTE,
            max_duration_s=20 * _MINUTE,
            longer_first=True,
        ),
        MotionKind.MODERATED_CAUCUS: MotionRule(
            precedence=13,
            in_order_in=_FLOOR,
            leads_to=_P.MODERATED_CAUCUS,
            required=frozenset({Param.DURATION, Param.SPEAKING_TIME, Param.TOPIC}),
            min_duration_s=1 * _MINUTE,
            max_duration_s=20 * _MINUTE,
            min_speaking_time_s=15,
            max_speaking_time_s=2 * _MINUTE,
            longer_first=True,
        ),
        MotionKind.EXTEND_CAUCUS: MotionRule(
            precedence=14,
            in_order_in=frozenset({_P.MODERATED_CAUCUS, _P.UNMODERATED_CAUCUS}),
            required=frozenset({Param.DURATION}),
            min_duration_s=1 * _MINUTE,
            max_duration_s=10 * _MINUTE,
            longer_first=True,
        ),
        MotionKind.CLOSE_DEBATE: MotionRule(
            precedence=15,
            in_order_in=_FLOOR,
            leads_to=_P.VOTING_PROCEDURE,
            vote=VoteRule.TWO_THIRDS,
            debatable=True,
            speakers_against=2,
        ),
        MotionKind.TABLE_DEBATE: MotionRule(
            precedence=16,
            in_order_in=_FLOOR,
            leads_to=_P.AGENDA_SETTING,
            vote=VoteRule.TWO_THIRDS,
            debatable=True,
            speakers_for=2,
            speakers_against=2,
        ),
        MotionKind.SET_SPEAKING_TIME: MotionRule(
            precedence=17,
            in_order_in=_FLOOR,
            required=frozenset({Param.SPEAKING_TIME}),
            min_speaking_time_s=15,
            max_speaking_time_s=5 * _MINUTE,
            debatable=True,
            speakers_for=2,
            speakers_against=2,
        ),
        MotionKind.SET_AGENDA: MotionRule(
            precedence=18,
            in_order_in=frozenset({_P.AGENDA_SETTING}),
            leads_to=_P.GENERAL_DEBATE,
            required=frozenset({Param.TOPIC}),
            debatable=True,
            speakers_for=2,
            speakers_against=2,
        ),
        MotionKind.OPEN_DEBATE: MotionRule(
            precedence=19,
            in_order_in=frozenset({_P.ROLL_CALL, _P.DRAFTING, _P.AMENDMENTS}),
            leads_to=_P.GENERAL_DEBATE,
        ),
        MotionKind.INTRODUCE_DRAFT: MotionRule(
            precedence=20,
            in_order_in=frozenset({_P.GENERAL_DEBATE, _P.DRAFTING}),
            vote=VoteRule.CHAIR,
            needs_second=False,
            required=frozenset({Param.DRAFTS}),
            mover_right="sponsor",
        ),
        MotionKind.REORDER_DRAFTS: MotionRule(
            precedence=21,
            in_order_in=frozenset({_P.VOTING_PROCEDURE}),
            required=frozenset({Param.DRAFTS}),
        ),
        MotionKind.DIVIDE_THE_QUESTION: MotionRule(
            precedence=22,
            in_order_in=frozenset({_P.VOTING_PROCEDURE}),
            required=frozenset({Param.DRAFTS, Param.PARTS}),
            debatable=True,
            speakers_for=2,
            speakers_against=2,
        ),
        MotionKind.ROLL_CALL_VOTE: MotionRule(
            precedence=23,
            in_order_in=frozenset({_P.VOTING_PROCEDURE}),
        ),
    }
)

# Kinds whose effect is not a phase change; they must not name a ``leads_to``.
EXTENDS_TIMER = MotionKind.EXTEND_CAUCUS
SETS_SPEAKING_TIME = MotionKind.SET_SPEAKING_TIME
NO_PHASE_CHANGE: frozenset[MotionKind] = frozenset({EXTENDS_TIMER, SETS_SPEAKING_TIME}) | POINTS


# --- validation ---------------------------------------------------------------------------

# A delegation moves one motion and waits for the chair, who asks "are there any other
# motions on the floor?" before taking them. Two open at once leaves room for a point (of
# order, of personal privilege) while its own motion waits, or for a second caucus length;
# a third adds nothing the chair can use, and a flood of them buries the other
# delegations' motions (each one also redraws every screen). Withdrawing one, or the chair
# deciding it, frees the place.
MAX_OPEN_MOTIONS_PER_DELEGATION = 2


def open_motions_error(
    open_motions: int, *, limit: int = MAX_OPEN_MOTIONS_PER_DELEGATION
) -> Text | None:
    """Why a delegation with ``open_motions`` motions or points on the floor (pending or
    being voted on) may not move another now; ``None`` when it may."""
    if open_motions < limit:
        return None
    if open_motions == 1:
        return _(
            "Your delegation already has one motion on the floor (at most {limit} at a time). "
            "Wait for the chair to take them, or withdraw one first.",
            limit=limit,
        )
    return _(
        "Your delegation already has {count} motions on the floor (at most {limit} at a "
        "time). Wait for the chair to take them, or withdraw one first.",
        count=open_motions,
        limit=limit,
    )


def validate_motion(
    preset: ProcedureRules,
    phase: Phase,
    kind: MotionKind,
    params: MotionParams | None = None,
    mover_rights: Collection[str] | None = None,
) -> list[Text]:
    """Every reason the motion cannot be put to the committee now; empty when it can.

    ``mover_rights`` are the mover's rights (``Right`` values); ``None`` skips the check
    (the chair moving on its own initiative).
    """
    params = params if params is not None else MotionParams()
    rule = preset.motions.get(kind)
    if rule is None:
        return [_("This committee does not use the {motion}.", motion=kind.label)]
    if phase is Phase.ADJOURNED:
        return [_("The session is adjourned.")]
    if phase is Phase.NOT_STARTED:
        return [_("The session has not started.")]
    if phase not in rule.in_order_in or phase not in preset.phases:
        return [_("A {motion} is not in order {during}.", motion=kind.label, during=phase.during)]

    errors: list[Text] = []
    if (
        mover_rights is not None
        and rule.mover_right is not None
        and rule.mover_right not in mover_rights
    ):
        errors.append(
            _(
                "Your delegation may not make a {motion}: it lacks the right '{right}'.",
                motion=kind.label,
                right=rule.mover_right,
            )
        )
    if rule.leads_to is not None and rule.leads_to not in legal_next_phases(preset, phase):
        errors.append(
            _(
                "A {motion} cannot lead from {phase} to {target}.",
                motion=kind.label,
                phase=phase.label.lower(),
                target=rule.leads_to.label.lower(),
            )
        )
    errors.extend(_param_errors(kind, rule, params))
    return errors


def _param_errors(kind: MotionKind, rule: MotionRule, params: MotionParams) -> list[Text]:
    errors: list[Text] = []
    what = _DURATION_SUBJECT.get(kind, f"the {kind.label}")
    subject = capitalise(what)
    missing = rule.required - params.provided()
    for param in sorted(missing):
        if param is Param.DURATION and rule.default_duration_s is not None:
            continue
        if param is Param.SPEAKING_TIME and rule.default_speaking_time_s is not None:
            continue
        errors.append(_missing(param, kind))

    needs_duration = Param.DURATION in rule.required or (
        rule.leads_to is not None and rule.leads_to.is_timed
    )
    duration = rule.duration(params)
    if duration is None:
        if needs_duration and Param.DURATION not in missing:
            errors.append(_missing(Param.DURATION, kind))
    elif duration <= 0:
        errors.append(_("{subject} must last a positive time.", subject=subject))
    elif rule.max_duration_s is not None and duration > rule.max_duration_s:
        errors.append(
            _(
                "{subject} may last at most {duration}.",
                subject=subject,
                duration=duration_text(rule.max_duration_s),
            )
        )
    elif rule.min_duration_s is not None and duration < rule.min_duration_s:
        errors.append(
            _(
                "{subject} must last at least {duration}.",
                subject=subject,
                duration=duration_text(rule.min_duration_s),
            )
        )

    speaking = rule.speaking_time(params)
    if speaking is not None:
        error = _speaking_time_error(kind, rule, speaking, duration, what)
        if error is not None:
            errors.append(error)

    if kind is MotionKind.REORDER_DRAFTS and 0 < len(params.draft_ids) < 2:
        errors.append(_("Reordering needs at least two drafts, in their new order."))
    if kind is MotionKind.REORDER_DRAFTS and len(set(params.draft_ids)) != len(params.draft_ids):
        errors.append(_("Each draft may appear only once in the new order."))
    if kind is MotionKind.DIVIDE_THE_QUESTION and 0 < len(params.parts) < 2:
        errors.append(_("Dividing the question needs at least two parts."))
    return errors


def _speaking_time_error(
    kind: MotionKind, rule: MotionRule, speaking: int, duration: int | None, subject: str
) -> Text | None:
    """Why the speaking time a motion sets is out of bounds (said "in a moderated caucus",
    except for the motion that sets the speaking time itself)."""
    alone = kind is SETS_SPEAKING_TIME
    if speaking <= 0:
        if alone:
            return _("Speaking time must be positive.")
        return _("Speaking time in {subject} must be positive.", subject=subject)
    if rule.max_speaking_time_s is not None and speaking > rule.max_speaking_time_s:
        limit = duration_text(rule.max_speaking_time_s)
        if alone:
            return _("Speaking time may be at most {duration}.", duration=limit)
        return _(
            "Speaking time in {subject} may be at most {duration}.",
            subject=subject,
            duration=limit,
        )
    if rule.min_speaking_time_s is not None and speaking < rule.min_speaking_time_s:
        limit = duration_text(rule.min_speaking_time_s)
        if alone:
            return _("Speaking time must be at least {duration}.", duration=limit)
        return _(
            "Speaking time in {subject} must be at least {duration}.",
            subject=subject,
            duration=limit,
        )
    if duration is not None and 0 < duration < speaking and not alone:
        return _(
            "Speaking time in {subject} cannot be longer than the caucus itself.",
            subject=subject,
        )
    return None


def _missing(param: Param, kind: MotionKind) -> Text:
    return _(_MISSING[param], motion=kind.label)


# The templates are marked where they are written (`_` binds nothing until `_missing` does).
_MISSING: Mapping[Param, str] = {
    Param.DURATION: _("A {motion} needs a duration.").template,
    Param.SPEAKING_TIME: _("A {motion} needs a speaking time for each speaker.").template,
    Param.TOPIC: _("A {motion} needs a topic.").template,
    Param.DRAFTS: _("A {motion} needs the draft it is about.").template,
    Param.PARTS: _("A {motion} needs the parts to vote on separately.").template,
    Param.DELEGATION: _("A {motion} needs the delegation it is addressed to.").template,
}


# --- precedence ---------------------------------------------------------------------------


PrecedenceKey = tuple[int, int, int, str, int, int, int, str, tuple[int, ...], tuple[str, ...], int]


def precedence_key(preset: ProcedureRules, motion: Motion) -> PrecedenceKey:
    """Sort key of a motion on the floor: smaller is taken first.

    Precedence, then (for ``longer_first`` kinds) longer duration, then submission order,
    then every remaining field, so two different motions never compare equal.
    """
    rule = preset.motions.get(motion.kind)
    if rule is None:
        raise RuleViolation(
            _("This committee does not use the {motion}.", motion=motion.kind.label)
        )
    duration = rule.duration(motion.params) if rule.longer_first else None
    p = motion.params
    return (
        rule.precedence,
        -(duration or 0),
        motion.seq,
        motion.kind.value,
        -1 if motion.mover_id is None else motion.mover_id,
        -1 if p.duration_s is None else p.duration_s,
        -1 if p.speaking_time_s is None else p.speaking_time_s,
        p.topic,
        p.draft_ids,
        p.parts,
        -1 if p.delegation_id is None else p.delegation_id,
    )


def order_motions(preset: ProcedureRules, motions: Iterable[Motion]) -> list[Motion]:
    """The floor in the order the chair takes it (most disruptive first)."""
    return sorted(motions, key=lambda motion: precedence_key(preset, motion))
