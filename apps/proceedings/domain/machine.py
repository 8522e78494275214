"""The session as a state machine: pure functions from one ``SessionState`` to the next.

Every way a session changes phase goes through here: the chair opening it or moving it
(``open_session``, ``advance``), a motion passing (``apply_motion_result``), a deadline
passing or the chair ending a timed phase early (``on_deadline``). Each returns a new state
or raises ``RuleViolation``; none has side effects, so the service can compare the old
and new state to know what to write, and tests can throw random sequences at it.

Guarantees, for any preset that passes ``validate_preset``:

- the session only ever is in ``not_started`` or a phase the preset uses;
- nothing leaves ``adjourned``;
- a timed phase always has a positive ``timer_s``; an untimed one has none.

How the service uses a new state: if ``entry`` changed, the session entered a phase (maybe
the same one again): restart the phase clock, so the deadline is ``now + timer_s``. If only
``timer_s`` changed (an extension), keep the clock: the deadline is ``started + timer_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from apps.core.text import Text, _
from apps.proceedings.domain.errors import RuleViolation
from apps.proceedings.domain.motions import (
    EXTENDS_TIMER,
    SETS_SPEAKING_TIME,
    Motion,
    MotionKind,
    validate_motion,
)
from apps.proceedings.domain.phases import (
    Phase,
    legal_next_phases,
    phase_after_deadline,
)
from apps.proceedings.domain.presets import Preset
from apps.proceedings.domain.text import duration_text


@dataclass(frozen=True)
class SessionState:
    phase: Phase = Phase.NOT_STARTED
    previous_phase: Phase | None = None
    """The phase before this one; a suspension resumes it."""
    entry: int = 0
    """Counts phase entries; a change means the phase (re)started and its clock restarts."""
    timer_s: int | None = None
    """Length of the current timed phase, counted from its start (extensions included)."""
    caucus_speaking_time_s: int | None = None
    """Speaking time per speaker in the current moderated caucus."""
    debate_speaking_time_s: int | None = None
    """Speaking time in general debate when a motion set it; ``None``: the preset's default."""
    topic: str = ""
    """The current moderated caucus's topic."""
    agenda_item: str = ""
    """The topic the committee set on its agenda."""


def initial_state(preset: Preset) -> SessionState:
    """A session that has not started."""
    return SessionState()


def speaking_time(preset: Preset, state: SessionState) -> int:
    """The speaking time in force now, in seconds."""
    if state.phase is Phase.MODERATED_CAUCUS and state.caucus_speaking_time_s is not None:
        return state.caucus_speaking_time_s
    if state.debate_speaking_time_s is not None:
        return state.debate_speaking_time_s
    return preset.speakers.default_speaking_time_s


def next_phases(preset: Preset, state: SessionState) -> frozenset[Phase]:
    """Where the chair may move the session from its current state."""
    return legal_next_phases(preset, state.phase, state.previous_phase)


def _enter(
    state: SessionState,
    phase: Phase,
    *,
    timer_s: int | None = None,
    caucus_speaking_time_s: int | None = None,
    topic: str = "",
) -> SessionState:
    return replace(
        state,
        phase=phase,
        previous_phase=state.phase,
        entry=state.entry + 1,
        timer_s=timer_s if phase.is_timed else None,
        caucus_speaking_time_s=(
            caucus_speaking_time_s if phase is Phase.MODERATED_CAUCUS else None
        ),
        topic=topic if phase is Phase.MODERATED_CAUCUS else "",
    )


def open_session(preset: Preset, state: SessionState) -> SessionState:
    """Open a session that has not started into the preset's initial phase."""
    if state.phase is not Phase.NOT_STARTED:
        raise RuleViolation(_("The session is already open."))
    return _enter(state, preset.initial_phase)


def advance(
    preset: Preset,
    state: SessionState,
    to: Phase,
    *,
    duration_s: int | None = None,
    speaking_time_s: int | None = None,
    topic: str = "",
) -> SessionState:
    """The chair moves the session to ``to``, which must be a legal next phase.

    Entering a timed phase needs a positive duration: ``duration_s``, or the default of the
    motion that leads there. Limits on motions do not bind the chair.
    """
    if to not in next_phases(preset, state):
        raise RuleViolation(
            _(
                "The session cannot move from {phase} to {target}.",
                phase=state.phase.label.lower(),
                target=to.label.lower(),
            )
        )
    if not to.is_timed:
        return _enter(state, to)
    duration = duration_s if duration_s is not None else _default_for(preset, to, "duration")
    if duration is None or duration <= 0:
        raise RuleViolation(_("Give a positive duration for the {phase}.", phase=to.label.lower()))
    speaking = None
    if to is Phase.MODERATED_CAUCUS:
        speaking = speaking_time_s
        if speaking is None:
            speaking = _default_for(preset, to, "speaking") or speaking_time(preset, state)
        if speaking <= 0:
            raise RuleViolation(_("Give a positive speaking time for the moderated caucus."))
    return _enter(state, to, timer_s=duration, caucus_speaking_time_s=speaking, topic=topic)


def _default_for(preset: Preset, phase: Phase, what: str) -> int | None:
    for rule in preset.motions.values():
        if rule.leads_to is phase:
            value = rule.default_duration_s if what == "duration" else rule.default_speaking_time_s
            if value is not None:
                return value
    return None


def on_deadline(preset: Preset, state: SessionState) -> SessionState:
    """A timed phase's deadline passed (or the chair ended it early): move on.

    A caucus returns to general debate; a suspension resumes the phase it suspended. For an
    untimed phase the state is returned unchanged, so a late or repeated timer does nothing.
    """
    if not state.phase.is_timed:
        return state
    target = phase_after_deadline(state.phase, state.previous_phase)
    if target is None or target not in preset.phases:
        target = preset.initial_phase
    return _enter(state, target)


def apply_motion_result(
    preset: Preset, state: SessionState, motion: Motion, passed: bool
) -> SessionState:
    """The state after the committee decided ``motion``.

    Raises ``RuleViolation`` if the motion was not in order (so it could not have been put
    to the committee). A failed motion changes nothing; a passed one enters the phase its
    rule leads to (with its timer), extends the caucus, or sets the speaking time.
    """
    errors = validate_motion(preset, state.phase, motion.kind, motion.params)
    if errors:
        raise RuleViolation(errors)
    if not passed:
        return state
    rule = preset.motions[motion.kind]
    params = motion.params
    if motion.kind is EXTENDS_TIMER:
        extra = rule.duration(params) or 0
        return replace(state, timer_s=(state.timer_s or 0) + extra)
    if motion.kind is SETS_SPEAKING_TIME:
        return replace(state, debate_speaking_time_s=rule.speaking_time(params))
    if motion.kind is MotionKind.SET_AGENDA:
        state = replace(state, agenda_item=params.topic.strip())
    if rule.leads_to is None:
        return state
    return _enter(
        state,
        rule.leads_to,
        timer_s=rule.duration(params),
        caucus_speaking_time_s=rule.speaking_time(params),
        topic=params.topic.strip(),
    )


def state_errors(preset: Preset, state: SessionState) -> list[Text]:
    """Why ``state`` cannot go on under ``preset`` (e.g. after the rules changed mid-session)."""
    errors: list[Text] = []
    if state.phase is not Phase.NOT_STARTED and state.phase not in preset.phases:
        errors.append(
            _(
                "The session is in {phase}, which these rules do not use; "
                "move it to another phase first.",
                phase=state.phase.label.lower(),
            )
        )
    if state.phase.is_timed and (state.timer_s is None or state.timer_s <= 0):
        errors.append(_("The {phase} has no time limit.", phase=state.phase.label.lower()))
    if state.phase is Phase.SUSPENDED and state.previous_phase not in preset.phases:
        errors.append(_("The suspended phase is not one these rules use."))
    return errors


def describe_timer(state: SessionState) -> str:
    """``"Moderated caucus, 20 minutes"``, for the event log."""
    if state.timer_s is None:
        return state.phase.label
    return f"{state.phase.label}, {duration_text(state.timer_s)}"


def state_to_dict(state: SessionState) -> dict[str, Any]:
    return {
        "phase": state.phase.value,
        "previous_phase": None if state.previous_phase is None else state.previous_phase.value,
        "entry": state.entry,
        "timer_s": state.timer_s,
        "caucus_speaking_time_s": state.caucus_speaking_time_s,
        "debate_speaking_time_s": state.debate_speaking_time_s,
        "topic": state.topic,
        "agenda_item": state.agenda_item,
    }


def state_from_dict(data: dict[str, Any]) -> SessionState:
    previous = data.get("previous_phase")
    return SessionState(
        phase=Phase(data["phase"]),
        previous_phase=None if previous is None else Phase(previous),
        entry=int(data.get("entry", 0)),
        timer_s=data.get("timer_s"),
        caucus_speaking_time_s=data.get("caucus_speaking_time_s"),
        debate_speaking_time_s=data.get("debate_speaking_time_s"),
        topic=str(data.get("topic", "")),
        agenda_item=str(data.get("agenda_item", "")),
    )
