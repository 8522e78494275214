"""Reads of a session: the floor (one constant set of queries, as a typed `Floor`), the
groups a client may follow, and the delegations seated in a committee."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.utils import timezone

from apps.accounts.models import User
from apps.core import policy
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_seats,
    group_for_session_staff,
    stream_for_session,
)
from apps.core.i18n import render
from apps.delegations.models import Committee, Delegation, Membership
from apps.proceedings.domain import machine
from apps.proceedings.domain.majority import placards_shown
from apps.proceedings.domain.mediation import MediationMode, MediatorAction, mediator_may
from apps.proceedings.domain.motions import Motion as RuleMotion
from apps.proceedings.domain.motions import MotionKind, MotionParams, order_motions
from apps.proceedings.domain.phases import Phase
from apps.proceedings.domain.presets import Preset, preset_from_dict
from apps.proceedings.domain.speakers import SPEAKERS_LIST_PHASES, YieldKind
from apps.proceedings.domain.text import text_from_data
from apps.proceedings.event_kinds import motion_text, render_event
from apps.proceedings.models import Attendance, Event, Motion, PlacardVote, Session, SpeakerEntry

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

JOURNAL_LENGTH = 12
# Placards are counted in the vote box (and listed there by the committee's placard rule);
# in the journal 48 of them would push everything else out.
NOT_IN_JOURNAL = ("placard",)


# --- committee pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: int
    number: int
    phase: Phase


def committee_sessions(*, committee: Committee) -> list[SessionRow]:
    rows = Session.objects.filter(committee=committee).order_by("-number")[:20]
    return [SessionRow(s.pk, s.number, Phase(s.phase)) for s in rows]


def session_for_page(*, session_id: int) -> Session | None:
    return Session.objects.select_related("committee__simulation").filter(pk=session_id).first()


# --- the floor ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A delegation as the floor names it."""

    id: int
    name: str
    flag: str


@dataclass(frozen=True)
class PhaseView:
    """The phase panel: where the floor is, its clock and what the chair may do next."""

    phase: Phase
    agenda_item: str
    topic: str
    deadline: dt.datetime | None
    # What the timer shows before the script takes over (and without it): time left.
    left_s: int | None
    caucus_speaking_time_s: int | None
    next_phases: tuple[Phase, ...]
    mediation_mode: str
    proximity: bool
    mediation_powers: tuple[MediatorAction, ...]

    @property
    def is_open(self) -> bool:
        return self.phase not in (Phase.NOT_STARTED, Phase.ADJOURNED)


@dataclass(frozen=True)
class Speech:
    """Who has the floor, until when."""

    number: int
    seat: Seat
    deadline: dt.datetime | None
    left_s: int | None


@dataclass(frozen=True)
class ListEntry:
    id: int
    seat: Seat
    side: str
    side_label: str


@dataclass(frozen=True)
class SpeakersView:
    entries: tuple[ListEntry, ...]
    speaking_time_s: int
    # Whether delegations may add themselves to the list in this phase.
    open: bool
    # Phases whose list has a side (for/against).
    separate_sides: bool
    yields: tuple[YieldKind, ...]

    @property
    def next(self) -> ListEntry | None:
        return self.entries[0] if self.entries else None


@dataclass(frozen=True)
class Placard:
    seat: Seat
    choice: str
    label: str


@dataclass(frozen=True)
class MotionView:
    id: int
    text: str
    mover: str
    status: str
    status_label: str
    tally: str
    # Each delegation's placard, when the committee's rule shows them (decided motions).
    placards: tuple[Placard, ...] = ()


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int


@dataclass(frozen=True)
class VoteView:
    """The open vote: its count for everyone, each placard for the chair (and for everyone
    when the committee shows placards live), each delegation's own for that delegation."""

    motion: MotionView
    tally: Tally
    placards: tuple[Placard, ...]
    placards_public: bool
    abstentions_allowed: bool
    held: Mapping[int, str]

    def held_by(self, delegation_id: int | None) -> str:
        return self.held.get(delegation_id, "") if delegation_id else ""


@dataclass(frozen=True)
class RollRow:
    seat: Seat
    status: str


@dataclass(frozen=True)
class RollCall:
    rows: tuple[RollRow, ...]
    present: int
    statuses: tuple[tuple[str, str], ...] = tuple(Attendance.Status.choices)


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: dt.datetime
    public: bool
    event: _EventRow = field(repr=False, compare=False)

    @functools.cached_property
    def local(self) -> dt.datetime:
        return timezone.localtime(self.at)

    @property
    def clock(self) -> str:
        return self.local.strftime("%H:%M:%S")

    @functools.cached_property
    def text(self) -> str:
        """The sentence, in the reader's language: rendered when the journal is (a change
        that does not show the journal does not pay for it), once for all its readers."""
        return self.event.text


@dataclass(frozen=True)
class SeatRights:
    """A delegation with a delegate seated in it, and what its kind and overrides grant."""

    id: int
    kind: str
    rights_overrides: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class DelegationView:
    """What one delegation may do on the floor now: its own fragments are rendered from it."""

    id: int
    may_speak: bool
    may_move: bool
    may_vote: bool
    is_speaker: bool
    held: str


@dataclass(frozen=True)
class Floor:
    """One session's floor as every screen shows it; the chair's console, a delegation's
    screen and the projector render parts of it (apps/proceedings/fragments.py)."""

    session_id: int
    number: int
    version: int
    seq: int
    now: dt.datetime
    simulation_id: int
    committee_id: int
    committee_name: str
    agenda: tuple[str, ...]
    phase: PhaseView
    speech: Speech | None
    speakers: SpeakersView
    vote: VoteView | None
    pending: tuple[MotionView, ...]
    decided: tuple[MotionView, ...]
    roll: RollCall
    journal: tuple[JournalEntry, ...]
    seats: tuple[Seat, ...]
    movable_now: tuple[MotionKind, ...]
    session: Session = field(repr=False, compare=False)
    # The sections read (floor_context's `sections`): the others are empty, not known empty.
    loaded: frozenset[Section] = field(default=frozenset(), compare=False)

    def has_read(self, section: Section) -> bool:
        # The motions' reading includes the open vote's.
        return section in self.loaded or (
            section is Section.VOTE and Section.MOTIONS in self.loaded
        )

    @property
    def stream(self) -> str:
        return stream_for_session(self.session_id)

    @property
    def members(self) -> int:
        return len(self.seats)

    def roll_row(self, delegation_id: int) -> RollRow | None:
        return next((row for row in self.roll.rows if row.seat.id == delegation_id), None)

    def is_speaking(self, delegation_id: int) -> bool:
        return self.speech is not None and self.speech.seat.id == delegation_id

    def delegation_view(self, seat: SeatRights) -> DelegationView:
        """What every delegate seated in this delegation may do, by the policy's rules."""
        delegation = Delegation(
            pk=seat.id,
            committee_id=self.committee_id,
            kind=seat.kind,
            rights_overrides=seat.rights_overrides,
        )
        return DelegationView(
            id=seat.id,
            may_speak=policy.seat_can(delegation, "session.speak", self.session),
            may_move=policy.seat_can(delegation, "session.move_motion", self.session),
            may_vote=policy.seat_can(delegation, "session.vote_procedure", self.session),
            is_speaker=self.is_speaking(seat.id),
            held=self.vote.held_by(seat.id) if self.vote else "",
        )


@functools.lru_cache(maxsize=256)
def _parsed_preset(rules_json: str) -> Preset:
    return preset_from_dict(json.loads(rules_json))


def _preset(rules: dict[str, Any]) -> Preset:
    """The committee's rules, parsed once per distinct set of rules (a Preset is immutable;
    parsing it is a tenth of a floor's reading)."""
    return _parsed_preset(json.dumps(rules, sort_keys=True))


@functools.lru_cache(maxsize=512)
def _flag(country_code: str) -> str:
    """The delegation's flag, by the rule of `Delegation.flag`, without a model instance."""
    return str(Delegation.flag.fget(SimpleNamespace(country_code=country_code or "")))  # type: ignore[attr-defined]


def _seconds_left(deadline: dt.datetime | None, now: dt.datetime) -> int | None:
    if deadline is None:
        return None
    return max(0, math.ceil((deadline - now).total_seconds()))


def _kind(value: str) -> MotionKind:
    try:
        return MotionKind(value)
    except ValueError:
        return MotionKind.POINT_OF_ORDER


def _params(data: dict[str, Any]) -> MotionParams:
    return MotionParams(
        duration_s=data.get("duration_s"),
        speaking_time_s=data.get("speaking_time_s"),
        topic=data.get("topic", ""),
    )


def _placard(vote: _Vote, seats: Mapping[int, Seat]) -> Placard | None:
    seat = seats.get(vote.delegation_id)
    if seat is None:
        return None
    return Placard(seat, vote.choice, CHOICE_LABELS.get(vote.choice, vote.choice))


def _motion_view(
    motion: _MotionRow, seats: Mapping[int, Seat], placards: tuple[Placard, ...] = ()
) -> MotionView:
    mover = seats.get(motion.mover_id) if motion.mover_id else None
    return MotionView(
        id=motion.pk,
        text=motion_text(motion),
        mover=mover.name if mover else "",
        status=motion.status,
        status_label=str(STATUS_LABELS.get(motion.status, motion.status)),
        tally=render(text_from_data((motion.result or {}).get("tally", ""))),
        placards=placards,
    )


@dataclass(slots=True)
class _MotionRow:
    """A motion's columns the floor shows (plain rows: a floor reads up to 40)."""

    pk: int
    seq: int
    kind: str
    params: dict[str, Any]
    mover_id: int | None
    status: str
    result: dict[str, Any]

    @property
    def is_open(self) -> bool:
        return self.status in (Motion.Status.PENDING, Motion.Status.VOTING)


_MOTION_COLUMNS = ("pk", "seq", "kind", "params", "mover_id", "status", "result")
STATUS_LABELS: Mapping[str, str] = dict(Motion.Status.choices)
SIDE_LABELS: Mapping[str, str] = dict(SpeakerEntry.Side.choices)


@dataclass(slots=True)
class _EventRow:
    """An event as the journal reads it (`render_event` takes its kind and payload)."""

    seq: int
    created_at: dt.datetime
    visibility: str
    kind: str
    payload: Any

    @property
    def text(self) -> str:
        return render_event(self)


class _Vote(NamedTuple):
    motion_id: int
    delegation_id: int
    choice: str


CHOICE_LABELS: Mapping[str, str] = dict(PlacardVote.Choice.choices)


def _placards_by_motion(motion_ids: list[int]) -> dict[int, list[_Vote]]:
    """The placards raised on these motions (a vote of 48 placards: plain rows, not models)."""
    placards: dict[int, list[_Vote]] = {pk: [] for pk in motion_ids}
    if placards:
        rows = PlacardVote.objects.filter(motion_id__in=motion_ids).values_list(
            "motion_id", "delegation_id", "choice"
        )
        for row in rows:
            vote = _Vote(*row)
            placards[vote.motion_id].append(vote)
    return placards


def _sorted_placards(votes: list[_Vote], seats: Mapping[int, Seat]) -> tuple[Placard, ...]:
    found = (_placard(v, seats) for v in votes)
    return tuple(sorted((p for p in found if p is not None), key=lambda p: p.seat.name))


def _vote_view(
    voting: _MotionRow, votes: list[_Vote], preset: Preset, seats: Mapping[int, Seat]
) -> VoteView:
    """The open vote. Each delegation's placard is shown by one rule (the committee's
    placard setting) on the vote box and the decided motions alike; every render of the
    floor (page, action reply, push, replay) goes through here. The chair's console shows
    them all: the chair counts the placards, as in the room."""
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for vote in votes:
        counts[vote.choice] += 1
    return VoteView(
        motion=_motion_view(voting, seats),
        tally=Tally(**counts),
        placards=_sorted_placards(votes, seats),
        placards_public=placards_shown(preset.voting.placards_visible, vote_open=True),
        abstentions_allowed=preset.voting.abstentions_allowed,
        held={v.delegation_id: v.choice for v in votes},
    )


def _vote_only(session: Session, preset: Preset, seats: Mapping[int, Seat]) -> VoteView | None:
    """The open vote alone (a placard changes nothing else): two small queries."""
    found = (
        Motion.objects.filter(session=session, status=Motion.Status.VOTING)
        .values_list(*_MOTION_COLUMNS)
        .first()
    )
    if found is None:
        return None
    voting = _MotionRow(*found)
    return _vote_view(voting, _placards_by_motion([voting.pk])[voting.pk], preset, seats)


def _motions(
    session: Session, preset: Preset, seats: Mapping[int, Seat]
) -> tuple[VoteView | None, tuple[MotionView, ...], tuple[MotionView, ...]]:
    """The open vote, the motions pending in order of precedence, the recently decided."""
    motions = [
        _MotionRow(*row)
        for row in Motion.objects.filter(session=session)
        .order_by("-seq")
        .values_list(*_MOTION_COLUMNS)[:40]
    ]
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
    voting = next((m for m in open_motions if m.status == Motion.Status.VOTING), None)
    decided = [m for m in motions if not m.is_open][:6]
    # The open vote's placards and the recently decided motions' in one query.
    placards = _placards_by_motion(
        [m.pk for m in decided] + ([voting.pk] if voting is not None else [])
    )
    decided_public = placards_shown(preset.voting.placards_visible, vote_open=False)
    return (
        _vote_view(voting, placards[voting.pk], preset, seats) if voting is not None else None,
        tuple(_motion_view(m, seats) for m in ordered if m.status == Motion.Status.PENDING),
        tuple(
            _motion_view(
                m, seats, _sorted_placards(placards[m.pk], seats) if decided_public else ()
            )
            for m in decided
        ),
    )


def _roll(session: Session, seats: Mapping[int, Seat]) -> RollCall:
    rows = [
        RollRow(seats[delegation_id], status)
        for delegation_id, status in Attendance.objects.filter(session=session).values_list(
            "delegation_id", "status"
        )
        if delegation_id in seats
    ]
    position = {pk: i for i, pk in enumerate(seats)}
    rows.sort(key=lambda row: position[row.seat.id])
    present = sum(1 for row in rows if row.status != Attendance.Status.ABSENT)
    return RollCall(tuple(rows), present)


class Section(StrEnum):
    """What a floor reads beyond its session and delegations: one query each (two for the
    motions and their placards). A change reads only the sections its parts show."""

    SPEAKERS = "speakers"
    VOTE = "vote"  # the open vote and its placards
    MOTIONS = "motions"  # the motions pending and decided (with the open vote)
    ROLL = "roll"
    JOURNAL = "journal"


ALL_SECTIONS = frozenset(Section)


def floor_context(
    *,
    session_id: int,
    sections: frozenset[Section] = ALL_SECTIONS,
    session: Session | None = None,
) -> Floor | None:
    """The floor of one session in at most seven queries, whatever the size of the committee.
    A section not asked for stays empty (`Floor.loaded` says which were read). `session`:
    the row with its committee, when the caller has just read it (a page)."""
    if session is None:
        session = Session.objects.select_related("committee").filter(pk=session_id).first()
    if session is None:
        return None
    committee = session.committee
    preset = _preset(committee.rules)
    state = session.machine
    now = timezone.now()
    # The rows' few columns only (not their briefs): a General Assembly has 195.
    seats = {
        pk: Seat(pk, name, _flag(code))
        for pk, name, code in Delegation.objects.filter(committee=committee)
        .order_by("position", "name")
        .values_list("pk", "name", "country_code")
    }

    vote_view: VoteView | None = None
    pending: tuple[MotionView, ...] = ()
    decided: tuple[MotionView, ...] = ()
    if Section.MOTIONS in sections:
        vote_view, pending, decided = _motions(session, preset, seats)
    elif Section.VOTE in sections:
        vote_view = _vote_only(session, preset, seats)
    roll = _roll(session, seats) if Section.ROLL in sections else RollCall((), 0)
    entries = (
        tuple(
            ListEntry(pk, seats[delegation_id], side, str(SIDE_LABELS.get(side, side)))
            for pk, delegation_id, side in SpeakerEntry.objects.filter(session=session)
            .order_by("position")
            .values_list("pk", "delegation_id", "side")
            if delegation_id in seats
        )
        if Section.SPEAKERS in sections
        else ()
    )
    journal = (
        tuple(
            JournalEntry(e.seq, e.created_at, e.visibility == Event.Visibility.PUBLIC, e)
            for e in (
                _EventRow(*row)
                for row in Event.objects.filter(session=session)
                .exclude(kind__in=NOT_IN_JOURNAL)
                .order_by("-seq")
                .values_list("seq", "created_at", "visibility", "kind", "payload")[:JOURNAL_LENGTH]
            )
        )
        if Section.JOURNAL in sections
        else ()
    )

    mode = MediationMode(session.mediation_mode) if session.mediation_mode else None
    powers = (
        tuple(a for a in MediatorAction if mediator_may(mode, a, proximity=session.proximity))
        if mode
        else ()
    )
    next_phases = (
        sorted(machine.next_phases(preset, state), key=lambda p: list(Phase).index(p))
        if state.phase is not Phase.NOT_STARTED
        else []
    )
    speaker = seats.get(session.speaker_id) if session.speaker_id else None
    return Floor(
        session_id=session.pk,
        number=session.number,
        version=session.version,
        seq=session.last_event_seq,
        now=now,
        simulation_id=committee.simulation_id,
        committee_id=committee.pk,
        committee_name=committee.name,
        agenda=tuple(committee.agenda or ()),
        phase=PhaseView(
            phase=state.phase,
            agenda_item=state.agenda_item,
            topic=state.topic,
            deadline=session.deadline,
            left_s=_seconds_left(session.deadline, now),
            caucus_speaking_time_s=state.caucus_speaking_time_s,
            next_phases=tuple(p for p in next_phases if p is not Phase.NOT_STARTED),
            mediation_mode=session.mediation_mode,
            proximity=session.proximity,
            mediation_powers=powers,
        ),
        speech=(
            Speech(
                session.speech_number,
                speaker,
                session.speech_deadline,
                _seconds_left(session.speech_deadline, now),
            )
            if speaker is not None
            else None
        ),
        speakers=SpeakersView(
            entries=entries,
            speaking_time_s=machine.speaking_time(preset, state),
            open=state.phase in SPEAKERS_LIST_PHASES,
            separate_sides=state.phase in preset.speakers.separate_for_against_in,
            yields=tuple(preset.speakers.yields),
        ),
        vote=vote_view,
        pending=pending,
        decided=decided,
        roll=roll,
        journal=journal,
        seats=tuple(seats.values()),
        movable_now=tuple(
            k
            for k in MOVABLE
            if k in preset.motions and state.phase in preset.motions[k].in_order_in
        ),
        session=session,
        loaded=frozenset(sections),
    )


def events_since(*, session_id: int, after: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, payload) of the session's events numbered after `after`, in order: what a
    change made, to tell which parts of the floor it touched."""
    rows = Event.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")
    return [(kind, payload) for kind, payload in rows.values_list("kind", "payload")]


def seated_delegations(
    *, committee_id: int, only: frozenset[int] | None = None
) -> list[SeatRights]:
    """The committee's delegations with a delegate in them (of `only`, when given), with
    their rights: the groups per-delegation fragments are pushed to (an empty delegation has
    no screen to update)."""
    rows = Delegation.objects.filter(
        committee_id=committee_id,
        pk__in=Membership.objects.filter(role=Membership.Role.DELEGATE).values("delegation_id"),
    )
    if only is not None:
        rows = rows.filter(pk__in=only)
    return [
        SeatRights(pk, kind, overrides or {})
        for pk, kind, overrides in rows.order_by("pk").values_list("pk", "kind", "rights_overrides")
    ]


# --- who follows which floor ----------------------------------------------------------------

# A page that must show the public floor whoever looks at it (the projector, opened on the
# chair's laptop) follows "session-<id>:public": the public group, never the chair's.
PUBLIC_SUFFIX = ":public"


def session_id_of_stream(stream: str) -> int | None:
    tail = stream.removeprefix("session-").removesuffix(PUBLIC_SUFFIX)
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 12 else None


def sees_chair_floor(user: User, session: Session, stream: str) -> bool:
    return not stream.endswith(PUBLIC_SUFFIX) and policy.can(user, "session.chair", session)


def session_of_stream(*, stream: str, simulation_id: int) -> Session | None:
    session_id = session_id_of_stream(stream)
    session = (
        Session.objects.select_related("committee").filter(pk=session_id).first()
        if session_id
        else None
    )
    if session is None or session.committee.simulation_id != simulation_id:
        return None
    return session


def session_groups(*, user: User, simulation_id: int, stream: str) -> list[str]:
    """The floor groups a client may follow: the chair's console, or the public floor and,
    for a delegate on their own screen, their delegation's fragments."""
    session = session_of_stream(stream=stream, simulation_id=simulation_id)
    if session is None:
        return []
    if sees_chair_floor(user, session, stream):
        return [group_for_session_staff(session.pk)]
    if policy.can(user, "session.view", session):
        groups = [group_for_session(session.pk)]
        if (own := own_delegation_id(user, session)) and not stream.endswith(PUBLIC_SUFFIX):
            groups.append(group_for_session_delegation(session.pk, own))
            rights = DelegationView(
                id=own,
                may_speak=policy.can(user, "session.speak", session),
                may_move=policy.can(user, "session.move_motion", session),
                may_vote=policy.can(user, "session.vote_procedure", session),
                is_speaker=False,
                held="",
            )
            groups.append(group_for_session_seats(session.pk, rights_code(rights)))
        return groups
    return []


def rights_code(view: DelegationView) -> str:
    """A short code of what a delegation may do on the floor: "110" speaks and moves motions
    but does not vote (the name of the group of screens that get the same fragments)."""
    return "".join("1" if may else "0" for may in (view.may_speak, view.may_move, view.may_vote))


def own_delegation_id(user: User, session: Session) -> int | None:
    """The delegation `user` sits in as a delegate, if it is a member of the session's
    committee: whose fragments (placard, ballot, yield, actions) are theirs to see."""
    standing = policy.standing(user, session.committee.simulation_id)
    if (
        standing.role == Membership.Role.DELEGATE
        and standing.delegation_id
        and standing.delegation_committee_id == session.committee_id
    ):
        return standing.delegation_id
    return None
