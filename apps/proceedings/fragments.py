"""The parts of a session's floor, rendered on their own: pushed after a change, answered to
the htmx action that made it, or replayed to a client that reconnects.

A floor is made of parts, each one element with a stable id (`floor-<session>-<part>`, see
`templates/proceedings/parts/`). A change re-renders only the parts it touched
(`touched_by`: a mapping from the kind of each event to parts), once for the public floor
and once for the chair's console; what differs per delegation (its actions, its ballot in
the open vote, the yield form of the delegation that has the floor) is rendered once per
distinct content and sent to that delegation's screens alone (`Push`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import User
from apps.core import policy
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_seats,
    group_for_session_staff,
)
from apps.proceedings import selectors
from apps.proceedings.domain.phases import Phase
from apps.proceedings.event_kinds import Kind
from apps.proceedings.selectors import DelegationView, Floor, SeatRights, Section


class Part(StrEnum):
    """The parts of a floor, in page order (their templates: parts/<value>.html)."""

    PHASE = "phase"
    SPEAKER = "speaker"
    SPEAKERS = "speakers"
    SPEAKER_ADD = "speaker-add"
    VOTE = "vote"
    TALLY = "tally"
    MOTIONS = "motions"
    DECIDED = "decided"
    ROLL = "roll"
    ROLL_COUNT = "roll-count"
    JOURNAL = "journal"


TEMPLATES: Mapping[Part, str] = {
    part: f"proceedings/parts/{part.value.replace('-', '_')}.html" for part in Part
}
# Parts only the chair's console has.
STAFF_ONLY = frozenset({Part.SPEAKER_ADD, Part.ROLL, Part.ROLL_COUNT})
# Parts inside another: rendered with it, so not again on their own.
INSIDE: Mapping[Part, Part] = {Part.TALLY: Part.VOTE, Part.ROLL_COUNT: Part.ROLL}
# What each part shows beyond the session and its delegations (selectors.Section).
READS: Mapping[Part, Section] = {
    Part.SPEAKERS: Section.SPEAKERS,
    Part.VOTE: Section.VOTE,
    Part.TALLY: Section.VOTE,
    Part.MOTIONS: Section.MOTIONS,
    Part.DECIDED: Section.MOTIONS,
    Part.ROLL: Section.ROLL,
    Part.ROLL_COUNT: Section.ROLL,
    Part.JOURNAL: Section.JOURNAL,
}
ROLL_ROW_TEMPLATE = "proceedings/parts/roll_row.html"
ACTIONS_TEMPLATE = "proceedings/partials/delegate_actions.html"
BALLOT_TEMPLATE = "proceedings/parts/ballot.html"
YIELD_TEMPLATE = "proceedings/parts/yield.html"


@dataclass(frozen=True)
class Touched:
    """What a change (one or more events) touched on the floor."""

    parts: frozenset[Part] = frozenset()
    # Roll-call rows (delegation ids): the chair's console replaces those rows alone.
    rows: frozenset[int] = frozenset()
    # Every seated delegation's actions (they follow the phase).
    actions: bool = False
    # Delegations whose ballot changed (they raised a placard).
    ballots: frozenset[int] = frozenset()

    def __or__(self, other: Touched) -> Touched:
        return Touched(
            self.parts | other.parts,
            self.rows | other.rows,
            self.actions or other.actions,
            self.ballots | other.ballots,
        )


EVERYTHING = Touched(frozenset(Part) - {Part.TALLY, Part.ROLL_COUNT}, actions=True)
NEW_PHASE = Touched(
    frozenset(
        {
            Part.PHASE,
            Part.SPEAKER,
            Part.SPEAKERS,
            Part.VOTE,
            Part.MOTIONS,
            Part.DECIDED,
            Part.JOURNAL,
        }
    ),
    actions=True,
)


def _parts(*parts: Part) -> Touched:
    return Touched(frozenset(parts))


# What each kind of event touches. A kind missing here re-renders everything: a new kind
# is correct before it is fast.
BY_KIND: Mapping[str, Touched] = {
    Kind.SESSION_CREATED: EVERYTHING,
    Kind.SESSION_OPENED: EVERYTHING,
    Kind.PHASE_CHANGED: NEW_PHASE,
    Kind.PHASE_ENDED: NEW_PHASE,
    # A motion that passes may move the floor (a caucus begins, the speaking time or the
    # agenda changes); one that fails leaves it where it was.
    Kind.MOTION_PASSED: NEW_PHASE,
    Kind.MOTION_FAILED: _parts(Part.VOTE, Part.MOTIONS, Part.DECIDED, Part.JOURNAL),
    Kind.AGENDA_SET: _parts(Part.PHASE, Part.JOURNAL),
    Kind.MEDIATION_CHANGED: _parts(Part.PHASE, Part.JOURNAL),
    Kind.ATTENDANCE: _parts(Part.ROLL_COUNT, Part.JOURNAL),  # + the row: see touched_by
    Kind.SPEAKER_ADDED: _parts(Part.SPEAKERS, Part.JOURNAL),
    Kind.SPEAKER_REMOVED: _parts(Part.SPEAKERS, Part.JOURNAL),
    Kind.SPEAKERS_REORDERED: _parts(Part.SPEAKERS, Part.JOURNAL),
    Kind.SPEECH_STARTED: _parts(Part.SPEAKER, Part.SPEAKERS, Part.JOURNAL),
    Kind.SPEECH_EXTENDED: _parts(Part.SPEAKER, Part.JOURNAL),
    Kind.SPEECH_ENDED: _parts(Part.SPEAKER, Part.JOURNAL),
    Kind.SPEECH_YIELDED: _parts(Part.SPEAKER, Part.SPEAKERS, Part.JOURNAL),
    Kind.MOTION_MOVED: _parts(Part.MOTIONS, Part.JOURNAL),
    Kind.MOTION_WITHDRAWN: _parts(Part.MOTIONS, Part.DECIDED, Part.JOURNAL),
    Kind.MOTION_OUT_OF_ORDER: _parts(Part.MOTIONS, Part.DECIDED, Part.JOURNAL),
    Kind.VOTE_OPENED: _parts(Part.VOTE, Part.MOTIONS, Part.JOURNAL),
    Kind.PLACARD: _parts(Part.TALLY),  # + the voter's ballot: see touched_by
    Kind.RULES_CHANGED: _parts(Part.JOURNAL),
    Kind.FLOOR_MESSAGE: _parts(Part.JOURNAL),
}


def sections_for(touched: Touched) -> frozenset[Section]:
    """What a floor must read to render what a change touched."""
    needed = {READS[part] for part in touched.parts if part in READS}
    if touched.rows:
        needed.add(Section.ROLL)
    if touched.ballots:
        needed.add(Section.VOTE)  # a ballot shows the open vote
    return frozenset(needed)


def _check_read(floor: Floor, touched: Touched) -> None:
    missing = [section for section in sections_for(touched) if not floor.has_read(section)]
    if missing:
        raise ValueError(f"The floor was read without {sorted(missing)}, which these parts show.")


def touched_by(events: Iterable[tuple[str, Mapping[str, Any]]]) -> Touched:
    """What a change made of these events (kind, payload) touched."""
    touched = Touched()
    for kind, payload in events:
        touched |= BY_KIND.get(kind, EVERYTHING)
        delegation = payload.get("delegation") if isinstance(payload, Mapping) else None
        if kind == Kind.ATTENDANCE and isinstance(delegation, int):
            touched |= Touched(rows=frozenset({delegation}))
        elif kind == Kind.ATTENDANCE:
            touched |= _parts(Part.ROLL)
        if kind == Kind.PLACARD and isinstance(delegation, int):
            touched |= Touched(ballots=frozenset({delegation}))
    return touched


# --- rendering -------------------------------------------------------------------------------


def _context(floor: Floor, **extra: Any) -> dict[str, Any]:
    # Pushed forms carry no token of their own ({% form_token %} renders nothing): htmx sends
    # the page's, from hx-headers on <body>.
    return {
        "floor": floor,
        "csrf_token": "",
        "oob": True,
        "since": None,
        "att_url": reverse("proceedings:act", args=[floor.session_id, "attendance"]),
        **extra,
    }


def render_parts(
    floor: Floor,
    touched: Touched,
    *,
    staff: bool,
    projector: bool = False,
    me: DelegationView | None = None,
    since: int | None = None,
    csrf_token: str = "",
    shared: dict[Part, str] | None = None,
) -> str:
    """The touched parts for one audience, each out of band. With `me` (a reply or a replay
    to one delegate), the parts hold that delegation's own slots (ballot, yield form).
    `shared`: parts already rendered for another audience that are the same for this one
    (read and filled in)."""
    _check_read(floor, touched)
    parts = touched.parts
    if floor.phase.phase is Phase.ADJOURNED and Part.PHASE in parts:
        parts = parts | {Part.ROLL, Part.SPEAKER_ADD}  # the chair's lists close with the session
    context = _context(
        floor, staff=staff, projector=projector, me=me, since=since, csrf_token=csrf_token
    )
    html = []
    for part in Part:
        if part not in parts or (part in STAFF_ONLY and not staff):
            continue
        if INSIDE.get(part) in parts:
            continue
        same = shared is not None and me is None and _same_for_all(part, floor)
        if same and shared is not None and part in shared:
            html.append(shared[part])
            continue
        rendered = render_to_string(TEMPLATES[part], context)
        if same and shared is not None:
            shared[part] = rendered
        html.append(rendered)
    if staff and Part.ROLL not in parts:
        for delegation_id in sorted(touched.rows):
            row = floor.roll_row(delegation_id)
            if row is not None:
                html.append(render_to_string(ROLL_ROW_TEMPLATE, {**context, "row": row}))
    return "".join(html)


def _same_for_all(part: Part, floor: Floor) -> bool:
    """Whether the chair's console and the public floor show this part alike."""
    if part is Part.DECIDED:
        return True
    if part is Part.JOURNAL:
        return all(entry.public for entry in floor.journal)
    if part is Part.TALLY:
        return floor.vote is None or floor.vote.placards_public
    return False


def render_own(
    floor: Floor,
    me: DelegationView,
    *,
    actions: bool = False,
    ballot: bool = False,
    yield_form: bool = False,
    since: int | None = None,
    csrf_token: str = "",
) -> str:
    """A delegation's own fragments: its actions, its ballot, its yield form."""
    if ballot:
        _check_read(floor, Touched(ballots=frozenset({me.id})))
    context = _context(floor, me=me, since=since, csrf_token=csrf_token)
    html = []
    if actions:
        html.append(render_to_string(ACTIONS_TEMPLATE, context))
    if ballot:
        html.append(render_to_string(BALLOT_TEMPLATE, context))
    if yield_form:
        html.append(render_to_string(YIELD_TEMPLATE, context))
    return "".join(html)


@dataclass
class Push:
    """What one change sends: a message per group (one group send each, no query per
    recipient)."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    def add(self, group: str, html: str) -> None:
        if html:
            self.messages.append((group, html))


def push_for(floor: Floor, touched: Touched, *, since: int) -> Push:
    """The public floor, the chair's console, then the delegations' own fragments (after
    the public parts: a slot they fill must be on the page first)."""
    session_id = floor.session_id
    push = Push()
    shared: dict[Part, str] = {}
    push.add(
        group_for_session(session_id),
        render_parts(floor, touched, staff=False, since=since, shared=shared),
    )
    push.add(
        group_for_session_staff(session_id),
        render_parts(floor, touched, staff=True, since=since, shared=shared),
    )
    for group, html in own_messages(floor, touched, since=since):
        push.add(group, html)
    return push


def own_messages(floor: Floor, touched: Touched, *, since: int) -> list[tuple[str, str]]:
    """What the delegations get of a change, rendered once per distinct content.

    What depends only on a delegation's rights (the actions of a new phase, the ballot of a
    vote that just opened) goes once to each group of delegations with the same rights; what
    is one delegation's own (its placard, its yield form) to that delegation's group."""
    session_id = floor.session_id
    vote = floor.vote
    fresh_ballots = Part.VOTE in touched.parts and vote is not None
    shared = touched.actions or fresh_ballots
    mine: dict[int, tuple[bool, bool]] = {d: (True, False) for d in touched.ballots}
    if Part.SPEAKER in touched.parts and floor.speech is not None:
        speaker = floor.speech.seat.id
        mine[speaker] = (mine.get(speaker, (False, False))[0], True)
    if fresh_ballots and vote is not None and vote.held:
        # A ballot already held (a re-sent floor): each delegation's own.
        for delegation_id in vote.held:
            mine[delegation_id] = (True, mine.get(delegation_id, (False, False))[1])
    if not shared and not mine:
        return []
    seats = selectors.seated_delegations(
        committee_id=floor.committee_id,
        only=None if shared else frozenset(mine),
    )
    views = _views(floor, seats)
    # A delegation's own first: a fragment it shares with others, of the same version,
    # then changes nothing on its screens (live.js keeps the newer-or-equal one).
    messages: list[tuple[str, str]] = []
    for delegation_id, (ballot, yield_form) in sorted(mine.items()):
        view = views.get(delegation_id)
        if view is not None:
            html = render_own(floor, view, ballot=ballot, yield_form=yield_form, since=since)
            messages.append((group_for_session_delegation(session_id, delegation_id), html))
    if shared:
        by_rights: dict[str, DelegationView] = {}
        for view in views.values():
            by_rights.setdefault(selectors.rights_code(view), view)
        for code, view in sorted(by_rights.items()):
            blank = replace(view, id=0, is_speaker=False, held="")
            html = render_own(
                floor, blank, actions=touched.actions, ballot=fresh_ballots, since=since
            )
            messages.append((group_for_session_seats(session_id, code), html))
    return messages


def _views(floor: Floor, seats: list[SeatRights]) -> dict[int, DelegationView]:
    """Each seated delegation's view; the policy asked once per kind and overrides."""
    by_rights: dict[tuple[str, str], DelegationView] = {}
    out = {}
    for seat in seats:
        key = (seat.kind, json.dumps(seat.rights_overrides, sort_keys=True))
        if key not in by_rights:
            by_rights[key] = floor.delegation_view(seat)
        out[seat.id] = replace(
            by_rights[key],
            id=seat.id,
            is_speaker=floor.is_speaking(seat.id),
            held=floor.vote.held_by(seat.id) if floor.vote else "",
        )
    return out


# --- a viewer's own floor: pages, replies, replay -------------------------------------------


def viewer(user: User, floor: Floor) -> DelegationView | None:
    """The viewer's own delegation on this floor, with what the policy lets this user do."""
    own = selectors.own_delegation_id(user, floor.session)
    if own is None:
        return None
    session = floor.session
    return DelegationView(
        id=own,
        may_speak=policy.can(user, "session.speak", session),
        may_move=policy.can(user, "session.move_motion", session),
        may_vote=policy.can(user, "session.vote_procedure", session),
        is_speaker=floor.is_speaking(own),
        held=floor.vote.held_by(own) if floor.vote else "",
    )


def render_for(
    floor: Floor,
    touched: Touched,
    *,
    staff: bool,
    projector: bool = False,
    me: DelegationView | None = None,
    csrf_token: str = "",
) -> str:
    """What one viewer gets for a change (an action's reply) or for everything (a replay)."""
    html = render_parts(
        floor, touched, staff=staff, projector=projector, me=me, csrf_token=csrf_token
    )
    if me is not None and not staff and not projector:
        # The parts hold this delegation's ballot and yield slots already (rendered with
        # `me`); a placard alone touches no part that holds the ballot.
        ballot = me.id in touched.ballots and Part.VOTE not in touched.parts
        html += render_own(floor, me, actions=touched.actions, ballot=ballot, csrf_token=csrf_token)
    return html


def session_replay(
    *, user: User, simulation_id: int, after: int, limit: int, stream: str
) -> list[str]:
    """The floor is a snapshot: a client behind by any number of events gets every part
    again (each replaces its own; a part the client already has at this version stays)."""
    session = selectors.session_of_stream(stream=stream, simulation_id=simulation_id)
    if session is None:
        return []
    if not policy.can(user, "session.view", session) or session.last_event_seq <= after:
        return []
    floor = selectors.floor_context(session_id=session.pk)
    if floor is None:
        return []
    projector = stream.endswith(selectors.PUBLIC_SUFFIX)
    staff = selectors.sees_chair_floor(user, session, stream)
    me = None if staff or projector else viewer(user, floor)
    return [render_for(floor, EVERYTHING, staff=staff, projector=projector, me=me)]
