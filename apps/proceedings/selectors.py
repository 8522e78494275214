"""Reads of a session: the floor (one constant set of queries), replay and groups."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.models import User
from apps.core import policy
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_staff,
    stream_for_session,
)
from apps.delegations.models import Delegation
from apps.proceedings.domain import machine
from apps.proceedings.domain.majority import placards_shown
from apps.proceedings.domain.mediation import MediationMode, MediatorAction, mediator_may
from apps.proceedings.domain.motions import Motion as RuleMotion
from apps.proceedings.domain.motions import MotionKind, MotionParams, order_motions
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import preset_from_dict
from apps.proceedings.domain.speakers import SPEAKERS_LIST_PHASES
from apps.proceedings.fragments import render_own_placard
from apps.proceedings.models import Attendance, Event, Motion, PlacardVote, Session, SpeakerEntry
from apps.proceedings.event_kinds import motion_text

# Motions a delegate can pick on their screen, in the order a form lists them.
MOVABLE = [
    MotionKind.OPEN_DEBATE,
    MotionKind.MODERATED_CAUCUS,
    MotionKind.UNMODERATED_CAUCUS,
    MotionKind.EXTEND_CAUCUS,
    MotionKind.SET_SPEAKING_TIME,
    MotionKind.SET_AGENDA,
    MotionKind.CLOSE_DEBATE,
    MotionKind.TABLE_DEBATE,
    MotionKind.SUSPEND_MEETING,
    MotionKind.ADJOURN_MEETING,
    MotionKind.POINT_OF_ORDER,
    MotionKind.POINT_OF_INFORMATION,
    MotionKind.POINT_OF_PERSONAL_PRIVILEGE,
    MotionKind.POINT_OF_PARLIAMENTARY_INQUIRY,
    MotionKind.RIGHT_OF_REPLY,
]


def _phase_label(phase: str) -> str:
    return "Not started" if phase == Phase.NOT_STARTED else Phase(phase).label


def committee_sessions(*, committee: Any) -> list[Session]:
    sessions = list(Session.objects.filter(committee=committee).order_by("-number")[:20])
    for session in sessions:
        session.phase_label = _phase_label(session.phase)  # type: ignore[attr-defined]
    return sessions


def session_for_page(*, session_id: int) -> Session | None:
    return Session.objects.select_related("committee__simulation").filter(pk=session_id).first()


def floor_context(*, session_id: int) -> dict[str, Any]:
    session = (
        Session.objects.select_related("committee__simulation", "speaker")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        return {}
    committee = session.committee
    preset = preset_from_dict(committee.rules)
    state = session.machine
    delegations = {
        d.pk: d for d in Delegation.objects.filter(committee=committee).order_by("position", "name")
    }
    motions = list(
        Motion.objects.filter(session=session).select_related("mover").order_by("-seq")[:40]
    )
    open_motions = [m for m in motions if m.is_open]
    by_seq = {m.seq: m for m in open_motions}
    ordered = [
        by_seq[rm.seq]
        for rm in order_motions(
            preset,
            [
                RuleMotion(_kind(m.kind), _params(m.params), m.mover_id, m.seq)
                for m in open_motions
                if _kind(m.kind) in preset.motions
            ],
        )
    ] + [m for m in open_motions if _kind(m.kind) not in preset.motions]
    for motion in motions:
        motion.text = motion_text(motion)  # type: ignore[attr-defined]
    voting = next((m for m in open_motions if m.status == Motion.Status.VOTING), None)
    decided = [m for m in motions if not m.is_open][:6]
    # The open vote's placards and the recently decided motions' in one query.
    placards: dict[int, list[PlacardVote]] = {m.pk: [] for m in decided}
    if voting is not None:
        placards[voting.pk] = []
    if placards:
        for vote in PlacardVote.objects.filter(motion_id__in=list(placards)):
            vote.delegation = delegations.get(vote.delegation_id)  # type: ignore[assignment]
            placards[vote.motion_id].append(vote)
    votes: list[PlacardVote] = placards[voting.pk] if voting is not None else []
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for vote in votes:
        counts[vote.choice] += 1
    # One rule for who sees which delegation's placard (the committee's placard setting),
    # applied to the vote box, the decided motions and the journal alike; every render of
    # the floor (page, action reply, push, replay) goes through here. The chair's console
    # shows them all: the chair counts the placards, as in the room.
    visibility = preset.voting.placards_visible
    for motion in decided:
        shown = placards_shown(visibility, vote_open=False)
        motion.placards = sorted(  # type: ignore[attr-defined]
            (v for v in placards[motion.pk] if shown and v.delegation is not None),
            key=lambda v: v.delegation.name,
        )
    attendance = list(Attendance.objects.filter(session=session))
    for row in attendance:
        row.delegation = delegations.get(row.delegation_id)  # type: ignore[assignment]
    attendance = [row for row in attendance if row.delegation is not None]
    attendance.sort(key=lambda row: (row.delegation.position, row.delegation.name))
    present = sum(1 for row in attendance if row.status != Attendance.Status.ABSENT)
    speakers = list(SpeakerEntry.objects.filter(session=session).order_by("position"))
    for entry in speakers:
        entry.delegation = delegations.get(entry.delegation_id)  # type: ignore[assignment]
    recent_events = list(Event.objects.filter(session=session).order_by("-seq")[:12])
    for event in recent_events:
        if event.kind == "placard":
            open_vote = voting is not None and event.payload.get("motion") == voting.pk
            public = placards_shown(visibility, vote_open=open_vote)
        else:
            public = event.visibility == Event.Visibility.PUBLIC
        event.public = public  # type: ignore[attr-defined]
    mode = MediationMode(session.mediation_mode) if session.mediation_mode else None
    powers = (
        [a for a in MediatorAction if mediator_may(mode, a, proximity=session.proximity)]
        if mode
        else []
    )
    next_phases = (
        sorted(machine.next_phases(preset, state), key=lambda p: list(Phase).index(p))
        if session.phase != Phase.NOT_STARTED
        else []
    )
    now = timezone.now()
    return {
        "session": session,
        "committee": committee,
        "simulation": committee.simulation,
        "preset": preset,
        "state": state,
        "phase": state.phase,
        "stream": stream_for_session(session.pk),
        "now": now,
        # What the timers show before the script takes over (and without it): time left.
        "timer_left_s": _seconds_left(session.deadline, now),
        "speech_left_s": _seconds_left(session.speech_deadline, now),
        "speaking_time": machine.speaking_time(preset, state),
        "speakers": speakers,
        "motions_open": ordered,
        "motions_pending": [m for m in ordered if m.status == Motion.Status.PENDING],
        "motions_decided": decided,
        "voting": voting,
        "votes": sorted(votes, key=lambda v: v.delegation.name if v.delegation else ""),
        "placards_public": placards_shown(visibility, vote_open=True),
        "counts": counts,
        "attendance": attendance,
        "present_count": present,
        "members_count": len(delegations),
        "delegations": list(delegations.values()),
        "events": recent_events,
        "next_phases": [p for p in next_phases if p is not Phase.NOT_STARTED],
        "timed_phases": [p for p in Phase if p.is_timed],
        "mediation_powers": powers,
        "mediation_modes": [
            ("facilitative", "Facilitative: manages communication"),
            ("procedural", "Procedural: also sets agenda and sequence"),
            ("directive", "Directive: also tables a single text, opens shuttles"),
        ],
        "movable": [k for k in MOVABLE if k in preset.motions],
        "movable_now": [
            k
            for k in MOVABLE
            if k in preset.motions and state.phase in preset.motions[k].in_order_in
        ],
        "speakers_open": state.phase in SPEAKERS_LIST_PHASES,
    }


def _seconds_left(deadline: dt.datetime | None, now: dt.datetime) -> int | None:
    if deadline is None:
        return None
    return max(0, math.ceil((deadline - now).total_seconds()))


def _kind(value: str) -> MotionKind:
    try:
        return MotionKind(value)
    except ValueError:
        return MotionKind.POINT_OF_ORDER


def _params(data: dict[str, Any]) -> Any:
    return MotionParams(
        duration_s=data.get("duration_s"),
        speaking_time_s=data.get("speaking_time_s"),
        topic=data.get("topic", ""),
    )


# A page that must show the public floor whoever looks at it (the projector, opened on the
# chair's laptop) follows "session-<id>:public": the public group, never the chair's.
PUBLIC_SUFFIX = ":public"


def _session_id(stream: str) -> int | None:
    tail = stream.removeprefix("session-").removesuffix(PUBLIC_SUFFIX)
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 12 else None


def _sees_chair_floor(user: User, session: Session, stream: str) -> bool:
    return not stream.endswith(PUBLIC_SUFFIX) and policy.can(user, "session.chair", session)


def session_groups(*, user: User, simulation_id: int, stream: str) -> list[str]:
    """The floor group a client may follow: the chair's console or the public floor."""
    session_id = _session_id(stream)
    session = (
        Session.objects.select_related("committee").filter(pk=session_id).first()
        if session_id
        else None
    )
    if session is None or session.committee.simulation_id != simulation_id:
        return []
    if _sees_chair_floor(user, session, stream):
        return [group_for_session_staff(session.pk)]
    if policy.can(user, "session.view", session):
        groups = [group_for_session(session.pk)]
        if (own := _own_delegation_id(user, session)) and not stream.endswith(PUBLIC_SUFFIX):
            groups.append(group_for_session_delegation(session.pk, own))
        return groups
    return []


def _own_delegation_id(user: User, session: Session) -> int | None:
    """The delegation `user` sits in, if it is a member of the session's committee."""
    standing = policy.standing(user, session.committee.simulation_id)
    if standing.delegation_id and standing.delegation_committee_id == session.committee_id:
        return standing.delegation_id
    return None


def own_placard(*, user: User, session: Session, context: dict[str, Any]) -> str:
    """The placard element for `user`'s own delegation in the open vote (empty when none),
    from a floor context (its placards are loaded already: no query)."""
    own = _own_delegation_id(user, session)
    voting: Motion | None = context.get("voting")
    votes: list[PlacardVote] = context.get("votes", [])
    choice = next((v.choice for v in votes if own and v.delegation_id == own), "")
    return render_own_placard(
        session_id=session.pk, motion_id=voting.pk if voting else None, choice=choice
    )


def session_replay(
    *, user: User, simulation_id: int, after: int, limit: int, stream: str
) -> list[str]:
    """The floor is a snapshot: a client behind by any number of events gets the current one."""
    session_id = _session_id(stream)
    session = (
        Session.objects.select_related("committee").filter(pk=session_id).first()
        if session_id
        else None
    )
    if session is None or session.committee.simulation_id != simulation_id:
        return []
    if not policy.can(user, "session.view", session) or session.last_event_seq <= after:
        return []
    context = floor_context(session_id=session.pk)
    context["staff"] = _sees_chair_floor(user, session, stream)
    context["projector"] = stream.endswith(PUBLIC_SUFFIX)
    context["oob"] = True
    context["csrf_token"] = ""
    html = render_to_string("proceedings/partials/floor.html", context)
    if context["projector"]:
        return [html]
    return [html + own_placard(user=user, session=session, context=context)]
