"""The vocabulary of a session's event log: every kind of event, the payload it carries and
the sentence it reads as.

A payload is a frozen dataclass per kind, checked when it is written (`validate_payload`:
unknown, missing or mistyped keys raise `PayloadError`, a programming error). It holds
facts, not prose: ids, values, and the names as they were at the time (a delegation renamed
later keeps its old name in the record). The sentence is made when the event is read
(`render_event`), in the reader's language, through the translation seam (`apps.core.text._`
rendered by `apps.core.i18n.render`): the journal, replay, transcripts and exports all read
the same words.

A new kind of event is one class here, with its `kind` and its `sentence()`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.db import models

from apps.core.i18n import render
from apps.core.text import Text, _
from apps.proceedings.domain.motions import MotionKind
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.text import capitalise, duration_text, text_from_data


class Kind(models.TextChoices):
    SESSION_CREATED = "session_created", "Session created"
    SESSION_OPENED = "session_opened", "Session opened"
    PHASE_CHANGED = "phase_changed", "Phase changed"
    PHASE_ENDED = "phase_ended", "Phase ended (time up)"
    AGENDA_SET = "agenda_set", "Agenda set"
    MEDIATION_CHANGED = "mediation_changed", "Mediation changed"
    ATTENDANCE = "attendance", "Attendance"
    SPEAKER_ADDED = "speaker_added", "Speaker added"
    SPEAKER_REMOVED = "speaker_removed", "Speaker removed"
    SPEAKERS_REORDERED = "speakers_reordered", "Speakers list reordered"
    SPEECH_STARTED = "speech_started", "Speech started"
    SPEECH_EXTENDED = "speech_extended", "Speech extended"
    SPEECH_ENDED = "speech_ended", "Speech ended"
    SPEECH_YIELDED = "speech_yielded", "Speech yielded"
    MOTION_MOVED = "motion_moved", "Motion moved"
    MOTION_WITHDRAWN = "motion_withdrawn", "Motion withdrawn"
    MOTION_OUT_OF_ORDER = "motion_out_of_order", "Motion ruled out of order"
    VOTE_OPENED = "vote_opened", "Vote opened"
    PLACARD = "placard", "Placard raised"
    MOTION_PASSED = "motion_passed", "Motion passed"
    MOTION_FAILED = "motion_failed", "Motion failed"
    RULES_CHANGED = "rules_changed", "Rules changed"
    FLOOR_MESSAGE = "floor_message", "Message on the floor"
    LEGACY = "legacy", "Recorded before event kinds"


class PayloadError(TypeError):
    """A payload that does not match its kind's schema: a bug in the code that wrote it."""


# --- wording shared by several kinds ------------------------------------------------------------


def phase_label(value: str) -> str:
    """ "Moderated caucus", in the reader's language."""
    try:
        return render(Phase(value).label)
    except ValueError:
        return value.replace("_", " ").capitalize()


_ATTENDANCE = {
    "present": _("present"),
    "present_and_voting": _("present and voting"),
    "absent": _("absent"),
}
_PLACARDS = {"yes": _("yes"), "no": _("no"), "abstain": _("abstain")}


def motion_words(kind: str, params: Mapping[str, Any]) -> str:
    """ "a moderated caucus of 10 minutes (45 s per speaker) on “water rights”", in the
    reader's language."""
    try:
        label = render(MotionKind(kind).label).lower()
    except ValueError:
        label = kind.replace("_", " ")
    parts = [label]
    if params.get("duration_s"):
        parts.append(render(_("of {duration}", duration=duration_text(int(params["duration_s"])))))
    if params.get("speaking_time_s"):
        seconds = int(params["speaking_time_s"])
        parts.append(render(_("({seconds} s per speaker)", seconds=seconds)))
    if params.get("topic"):
        parts.append(render(_("on “{topic}”", topic=params["topic"])))
    words = " ".join(parts)
    if label.startswith(("point", "right")):
        return words
    return render(_("a {motion}", motion=words))


class _MotionLike(Protocol):
    kind: str
    params: Any


def motion_text(motion: _MotionLike) -> str:
    """A motion of the floor in words (see `motion_words`)."""
    return motion_words(motion.kind, motion.params or {})


# --- the schemas -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Payload:
    """Base of every schema: `kind` names the kind it belongs to; `sentence()` reads it."""

    kind: ClassVar[Kind]

    def sentence(self) -> Text:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class SessionCreated(Payload):
    kind = Kind.SESSION_CREATED
    number: int

    def sentence(self) -> Text:
        return _("Session {number} created.", number=self.number)


@dataclass(frozen=True, kw_only=True)
class SessionOpened(Payload):
    kind = Kind.SESSION_OPENED
    phase: str

    def sentence(self) -> Text:
        return _("The session is open: {phase}.", phase=phase_label(self.phase))


@dataclass(frozen=True, kw_only=True)
class PhaseChanged(Payload):
    """The chair moved the floor to `phase` (for `timer_s` seconds when timed), or ended the
    timed phase `ended` early."""

    kind = Kind.PHASE_CHANGED
    phase: str
    timer_s: int | None
    ended: str | None

    def sentence(self) -> Text:
        if self.ended:
            return _(
                "The chair ended the {ended}; {phase}.",
                ended=phase_label(self.ended).lower(),
                phase=phase_label(self.phase).lower(),
            )
        if self.timer_s is None:
            return _("{phase}.", phase=phase_label(self.phase))
        return _(
            "{phase}, {duration}.",
            phase=phase_label(self.phase),
            duration=duration_text(self.timer_s),
        )


@dataclass(frozen=True, kw_only=True)
class PhaseEnded(Payload):
    """A timed phase's time is up; `deadline` is the one that passed (ISO 8601)."""

    kind = Kind.PHASE_ENDED
    phase: str
    ended: str
    deadline: str | None

    def sentence(self) -> Text:
        return _(
            "Time is up: {ended} ended; {phase}.",
            ended=phase_label(self.ended).lower(),
            phase=phase_label(self.phase).lower(),
        )


@dataclass(frozen=True, kw_only=True)
class AgendaSet(Payload):
    kind = Kind.AGENDA_SET
    topic: str

    def sentence(self) -> Text:
        return _("The committee takes up: {topic}.", topic=self.topic)


@dataclass(frozen=True, kw_only=True)
class MediationChanged(Payload):
    kind = Kind.MEDIATION_CHANGED
    mode: str
    proximity: bool

    def sentence(self) -> Text:
        if self.proximity:
            return _("Mediation is now {mode} with proximity talks.", mode=self.mode)
        return _("Mediation is now {mode}.", mode=self.mode)


@dataclass(frozen=True, kw_only=True)
class AttendanceSet(Payload):
    kind = Kind.ATTENDANCE
    delegation: int
    name: str
    status: str

    def sentence(self) -> Text:
        status = _ATTENDANCE.get(self.status, self.status.replace("_", " "))
        return _("{name}: {status}.", name=self.name, status=render(status))


@dataclass(frozen=True, kw_only=True)
class SpeakerAdded(Payload):
    kind = Kind.SPEAKER_ADDED
    delegation: int
    name: str

    def sentence(self) -> Text:
        return _("{name} joins the speakers list.", name=self.name)


@dataclass(frozen=True, kw_only=True)
class SpeakerRemoved(Payload):
    kind = Kind.SPEAKER_REMOVED
    delegation: int
    name: str

    def sentence(self) -> Text:
        return _("{name} leaves the speakers list.", name=self.name)


@dataclass(frozen=True, kw_only=True)
class SpeakersReordered(Payload):
    kind = Kind.SPEAKERS_REORDERED

    def sentence(self) -> Text:
        return _("The chair reordered the speakers list.")


@dataclass(frozen=True, kw_only=True)
class SpeechStarted(Payload):
    kind = Kind.SPEECH_STARTED
    delegation: int
    name: str
    seconds: int

    def sentence(self) -> Text:
        return _("{name} has the floor ({seconds} s).", name=self.name, seconds=self.seconds)


@dataclass(frozen=True, kw_only=True)
class SpeechExtended(Payload):
    kind = Kind.SPEECH_EXTENDED
    delegation: int
    name: str
    seconds: int

    def sentence(self) -> Text:
        return _("{name} gets {seconds} more seconds.", name=self.name, seconds=self.seconds)


@dataclass(frozen=True, kw_only=True)
class SpeechEnded(Payload):
    """The speech ended: the chair ended it, or (`timed_out`) its time ran out."""

    kind = Kind.SPEECH_ENDED
    delegation: int | None
    name: str
    timed_out: bool

    def sentence(self) -> Text:
        if self.timed_out:
            return _("Time: {name}'s speaking time is over.", name=self.name)
        # The chair ended it (a speaker giving up the floor is SpeechYielded).
        return _("The chair ends {name}'s speech.", name=self.name)


@dataclass(frozen=True, kw_only=True)
class SpeechYielded(Payload):
    """The speaker yielded the rest of its time: to the chair, to questions (`seconds` of
    them) or to another delegation (`to_delegation`, which speaks for `seconds`)."""

    kind = Kind.SPEECH_YIELDED
    delegation: int | None
    name: str
    yield_to: str
    seconds: int
    to_delegation: int | None
    to_name: str

    def sentence(self) -> Text:
        if self.yield_to == "chair":
            return _("{name} yields to the chair.", name=self.name)
        if self.yield_to == "questions":
            return _(
                "{name} yields {seconds} s to questions.", name=self.name, seconds=self.seconds
            )
        return _(
            "{name} yields {seconds} s to {other}.",
            name=self.name,
            seconds=self.seconds,
            other=self.to_name,
        )


@dataclass(frozen=True, kw_only=True)
class _MotionEvent(Payload):
    """A motion, as it stood: its id, kind and parameters (None or "" when it has none)."""

    motion: int
    motion_kind: str
    duration_s: int | None
    speaking_time_s: int | None
    topic: str

    @property
    def words(self) -> str:
        params = {
            "duration_s": self.duration_s,
            "speaking_time_s": self.speaking_time_s,
            "topic": self.topic,
        }
        return motion_words(self.motion_kind, params)


def motion_fields(motion: _MotionLike, *, pk: int) -> dict[str, Any]:
    """The `_MotionEvent` fields of a motion of the floor."""
    params = motion.params or {}
    duration, speaking = params.get("duration_s"), params.get("speaking_time_s")
    return {
        "motion": pk,
        "motion_kind": motion.kind,
        "duration_s": int(duration) if duration not in (None, "") else None,
        "speaking_time_s": int(speaking) if speaking not in (None, "") else None,
        "topic": str(params.get("topic") or ""),
    }


@dataclass(frozen=True, kw_only=True)
class MotionMoved(_MotionEvent):
    kind = Kind.MOTION_MOVED
    mover: int
    mover_name: str

    def sentence(self) -> Text:
        return _("{mover} moves {motion}.", mover=self.mover_name, motion=self.words)


@dataclass(frozen=True, kw_only=True)
class MotionWithdrawn(_MotionEvent):
    kind = Kind.MOTION_WITHDRAWN

    def sentence(self) -> Text:
        return _("{motion} is withdrawn.", motion=capitalise(self.words))


@dataclass(frozen=True, kw_only=True)
class MotionOutOfOrder(_MotionEvent):
    kind = Kind.MOTION_OUT_OF_ORDER

    def sentence(self) -> Text:
        return _("The chair rules {motion} out of order.", motion=self.words)


@dataclass(frozen=True, kw_only=True)
class VoteOpened(_MotionEvent):
    kind = Kind.VOTE_OPENED

    def sentence(self) -> Text:
        return _("Vote on {motion}: raise your placards.", motion=self.words)


@dataclass(frozen=True, kw_only=True)
class PlacardRaised(Payload):
    """A delegation's placard on the open vote (stored staff-only: the floor shows it to
    others by the committee's placard rule)."""

    kind = Kind.PLACARD
    motion: int
    delegation: int
    name: str
    choice: str

    def sentence(self) -> Text:
        choice = _PLACARDS.get(self.choice, self.choice)
        return _("{name}: {choice}.", name=self.name, choice=render(choice))


@dataclass(frozen=True, kw_only=True)
class _MotionDecided(_MotionEvent):
    """A decided motion: granted by the chair (`granted`), or put to a vote whose counts
    (`yes`, `no`, `abstain`, None when not counted) and `reason` decided it: the sentence's
    template and parameters (`text_to_data`), "" when there is none, or the English sentence
    in rows written before. `phase` is the phase the floor is in after it."""

    phase: str
    granted: bool
    yes: int | None
    no: int | None
    abstain: int | None
    reason: str | dict[str, Any]

    passed: ClassVar[bool]

    def tally(self) -> str:
        if self.yes is None or self.no is None or self.abstain is None:
            return ""
        if self.abstain == 1:
            abstentions = render(_("1 abstention"))
        else:
            abstentions = render(_("{count} abstentions", count=self.abstain))
        return render(
            _(
                "{yes} in favour, {no} against, {abstentions}",
                yes=self.yes,
                no=self.no,
                abstentions=abstentions,
            )
        )

    def sentence(self) -> Text:
        if self.granted:
            return _("The chair grants {motion}.", motion=self.words)
        motion = capitalise(self.words)
        tally = self.tally()
        if self.passed:
            if tally:
                return _("{motion} passes ({tally}).", motion=motion, tally=tally)
            return _("{motion} passes.", motion=motion)
        reason = text_from_data(self.reason)
        if tally and reason:
            return _(
                "{motion} fails ({tally}). {reason}", motion=motion, tally=tally, reason=reason
            )
        if tally:
            return _("{motion} fails ({tally}).", motion=motion, tally=tally)
        if reason:
            return _("{motion} fails. {reason}", motion=motion, reason=reason)
        return _("{motion} fails.", motion=motion)


@dataclass(frozen=True, kw_only=True)
class MotionPassed(_MotionDecided):
    kind = Kind.MOTION_PASSED
    passed = True


@dataclass(frozen=True, kw_only=True)
class MotionFailed(_MotionDecided):
    kind = Kind.MOTION_FAILED
    passed = False


@dataclass(frozen=True, kw_only=True)
class RulesChanged(Payload):
    kind = Kind.RULES_CHANGED

    def sentence(self) -> Text:
        return _("The chair changed the rules of procedure.")


@dataclass(frozen=True, kw_only=True)
class FloorMessage(Payload):
    """A message posted on the committee's public floor channel: `channel` and `seq` find
    it; `author` is the delegation's name ("" for the chair) and `body` the words."""

    kind = Kind.FLOOR_MESSAGE
    channel: int
    seq: int
    author: str
    body: str

    def sentence(self) -> Text:
        return _("{who}: {body}", who=self.author or render(_("The chair")), body=self.body)


@dataclass(frozen=True, kw_only=True)
class Legacy(Payload):
    """An event recorded before kinds had schemas, whose payload could not be converted:
    its sentence as it was stored (in English), and what it was."""

    kind = Kind.LEGACY
    legacy_text: str
    legacy_kind: str
    legacy_payload: dict[str, Any]

    def sentence(self) -> Text:
        return Text("{text}", (("text", self.legacy_text),))


SCHEMAS: dict[Kind, type[Payload]] = {
    schema.kind: schema
    for schema in (
        SessionCreated,
        SessionOpened,
        PhaseChanged,
        PhaseEnded,
        AgendaSet,
        MediationChanged,
        AttendanceSet,
        SpeakerAdded,
        SpeakerRemoved,
        SpeakersReordered,
        SpeechStarted,
        SpeechExtended,
        SpeechEnded,
        SpeechYielded,
        MotionMoved,
        MotionWithdrawn,
        MotionOutOfOrder,
        VoteOpened,
        PlacardRaised,
        MotionPassed,
        MotionFailed,
        RulesChanged,
        FloorMessage,
        Legacy,
    )
}


# --- checking and reading ---------------------------------------------------------------------


def _accepts(annotation: Any, value: object) -> bool:
    """Whether `value` (read from JSON) is of the field's type: int, str, bool, dict, None
    and unions of them. A bool is not an int here (JSON tells them apart)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return any(_accepts(arm, value) for arm in typing.get_args(annotation))
    origin = typing.get_origin(annotation) or annotation
    if annotation is type(None):
        return value is None
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (str, bool, dict):
        return isinstance(value, origin)
    raise PayloadError(f"schema field type {annotation!r} is not supported")


def _read_fields(schema: type[Payload]) -> dict[str, Any]:
    hints = typing.get_type_hints(schema)
    return {f.name: hints[f.name] for f in dataclasses.fields(schema)}


# A schema's fields never change: their type hints are read once, when the module loads.
_FIELDS: dict[Kind, dict[str, Any]] = {kind: _read_fields(s) for kind, s in SCHEMAS.items()}


def _fields(schema: type[Payload]) -> dict[str, Any]:
    return _FIELDS[schema.kind]


def validate_payload(kind: str, payload: object) -> None:
    """Raise PayloadError unless `payload` is exactly what `kind`'s schema holds."""
    try:
        schema = SCHEMAS[Kind(kind)]
    except ValueError:
        raise PayloadError(f"unknown event kind {kind!r}") from None
    if not isinstance(payload, dict):
        raise PayloadError(f"{kind}: the payload must be an object, not {type(payload).__name__}")
    fields = _fields(schema)
    unknown = sorted(set(payload) - set(fields))
    missing = sorted(set(fields) - set(payload))
    if unknown or missing:
        raise PayloadError(f"{kind}: unknown keys {unknown}, missing keys {missing}")
    wrong = [
        f"{name}={payload[name]!r}"
        for name, annotation in fields.items()
        if not _accepts(annotation, payload[name])
    ]
    if wrong:
        raise PayloadError(f"{kind}: wrong types for {', '.join(wrong)}")


def payload_to_dict(payload: Payload) -> dict[str, Any]:
    """The stored form of a payload (checked)."""
    data = dataclasses.asdict(payload)
    validate_payload(payload.kind, data)
    return data


def payload_from_dict(kind: str, data: dict[str, Any]) -> Payload:
    """The stored form read back into its schema (checked)."""
    validate_payload(kind, data)
    return SCHEMAS[Kind(kind)](**data)


class _EventLike(Protocol):
    kind: str
    payload: Any


def render_event(event: _EventLike) -> str:
    """The event as a sentence in the reader's language: the one place events become words
    (the journal, replay, transcripts)."""
    return render(payload_from_dict(event.kind, event.payload).sentence())
