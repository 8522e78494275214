"""The one permission policy: every "may this user do X to Y" in Plenary is answered here.

Views, websocket consumers, tasks and templates all call `can()` / `require()`; no other
module decides permissions. An action is a dotted name; each has one rule, a function of the
user's standing in the simulation (`Standing`) and the object. The standing is loaded once
per user and simulation and cached on the user object, so a page asking many questions
costs one query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.accounts.models import User
from apps.delegations.domain.actors import ActorKind, Right, effective_rights
from apps.delegations.models import Committee, Delegation, Membership, Simulation

Role = Membership.Role

STAFF_ROLES = frozenset({Role.INSTRUCTOR, Role.CO_INSTRUCTOR})
FLOOR_ROLES = frozenset({Role.CHAIR, Role.MEDIATOR})


@dataclass(frozen=True)
class Standing:
    """Who the user is in one simulation."""

    user_id: int | None
    simulation_id: int
    is_owner: bool
    role: str | None
    simulation_open: bool
    delegation_id: int | None = None
    committee_id: int | None = None
    delegation_committee_id: int | None = None
    rights: frozenset[str] = frozenset()
    staff_read_private: bool = False

    @property
    def is_member(self) -> bool:
        return self.is_owner or self.role is not None

    @property
    def is_staff(self) -> bool:
        return self.is_owner or self.role in STAFF_ROLES


Rule = Callable[[Standing, Any], bool]


def _member(standing: Standing, obj: Any) -> bool:
    return standing.is_member


def _staff(standing: Standing, obj: Any) -> bool:
    return standing.is_staff


def _active_member(standing: Standing, obj: Any) -> bool:
    """Members who act: everyone but observers and archivists (read-only roles)."""
    if standing.is_staff:
        return True
    return standing.is_member and standing.role not in {Role.OBSERVER, Role.ORGANIZER}


def _own_delegation_or_staff(standing: Standing, delegation: Any) -> bool:
    """Staff, or a delegate seated in it: a seat left on a chair's or observer's membership
    (edited in the admin, say) does not open the brief."""
    return standing.is_staff or (
        standing.role == Role.DELEGATE
        and standing.delegation_id is not None
        and standing.delegation_id == delegation.pk
    )


def _may_take_seat(standing: Standing, delegation: Any) -> bool:
    """A delegate without a seat, in an open simulation, into a delegation with room."""
    if standing.role != Role.DELEGATE or standing.delegation_id is not None:
        return False
    if not standing.simulation_open:
        return False
    seated = getattr(delegation, "seated", None)
    if seated is None:
        seated = Membership.objects.filter(delegation_id=delegation.pk).count()
    return int(seated) < int(delegation.seats)


def _committee_id_of(obj: Any) -> int | None:
    """The committee of a session, motion, channel... (duck-typed: `committee_id` or `session`)."""
    if isinstance(obj, Committee):
        return int(obj.pk)
    committee_id = getattr(obj, "committee_id", None)
    if committee_id is None and hasattr(obj, "session"):
        committee_id = getattr(obj.session, "committee_id", None)
    return None if committee_id is None else int(committee_id)


def _chairs(standing: Standing, obj: Any) -> bool:
    """Staff, or the chair/mediator of this committee (or of the whole simulation)."""
    if standing.is_staff:
        return True
    if standing.role not in FLOOR_ROLES:
        return False
    return standing.committee_id is None or standing.committee_id == _committee_id_of(obj)


def _seated_here_with(right: Right) -> Rule:
    def rule(standing: Standing, obj: Any) -> bool:
        return (
            standing.role == Role.DELEGATE
            and standing.delegation_committee_id is not None
            and standing.delegation_committee_id == _committee_id_of(obj)
            and right.value in standing.rights
        )

    rule.__name__ = f"seated_here_with_{right.value}"
    return rule


def _in_channel(standing: Standing, channel: Any) -> bool:
    return (
        standing.delegation_id is not None
        and standing.delegation_id in channel.member_delegation_ids()
    )


def _reads_channel(standing: Standing, channel: Any) -> bool:
    """The plenary floor is public to the simulation; a private channel is read by its
    member delegations, by staff when the simulation allows it (members are told), by the
    committee's chair/mediator for shuttles; and in a note thread the chair reads the notes
    passed via the chair (those alone: `reads_only_via_chair`)."""
    return _reads_whole_channel(standing, channel) or _reads_notes_via_chair(standing, channel)


def _reads_whole_channel(standing: Standing, channel: Any) -> bool:
    if not standing.is_member:
        return False
    if channel.kind == "plenary":
        return True
    if _in_channel(standing, channel):
        return True
    if standing.is_staff and standing.staff_read_private:
        return True
    floor = _chairs(standing, channel) and standing.role in FLOOR_ROLES
    return floor and channel.kind == "shuttle"


def _reads_notes_via_chair(standing: Standing, channel: Any) -> bool:
    return (
        standing.is_member
        and channel.kind == "note"
        and bool(channel.chair_reads)
        and standing.role in FLOOR_ROLES
        and _chairs(standing, channel)
    )


def _posts_channel(standing: Standing, channel: Any) -> bool:
    """Members post in their channels; on the plenary floor, seated delegates with the
    right to speak, and the chair. Staff who may read a private channel do not post in it."""
    if channel.kind == "plenary":
        return _chairs(standing, channel) or _seated_here_with(Right.SPEAK)(standing, channel)
    if channel.kind == "shuttle" and standing.role == Role.MEDIATOR and _chairs(standing, channel):
        return True
    return standing.role == Role.DELEGATE and _in_channel(standing, channel)


def _manages_channel(standing: Standing, channel: Any) -> bool:
    """The creator delegation of a bloc room (or staff) invites and removes members."""
    if standing.is_staff:
        return True
    return (
        channel.kind == "bloc"
        and standing.delegation_id is not None
        and standing.delegation_id == channel.created_by_id
    )


RULES: dict[str, Rule] = {
    # simulations
    "simulation.view": _member,
    "simulation.manage": _staff,
    # committees and delegations: everyone in the simulation sees who sits where;
    # only staff change it; a brief is read by its own delegation and staff alone.
    "committee.view": _member,
    "committee.manage": _staff,
    # how far a mediator steps in (mode, proximity, powers): a teaching choice, so the
    # instructor's alone; a mediator must not widen their own powers by any path.
    "committee.set_mediation": _staff,
    "delegation.view": _member,
    "delegation.read_brief": _own_delegation_or_staff,
    "delegation.manage": _staff,
    "seat.take": _may_take_seat,
    "seat.assign": _staff,
    # sessions: the floor is public to the simulation; the chair (or mediator) runs it;
    # delegations act on it according to their rights.
    "session.view": _member,
    "session.chair": _chairs,
    "session.speak": _seated_here_with(Right.SPEAK),
    "session.move_motion": _seated_here_with(Right.SPEAK),
    "session.vote_procedure": _seated_here_with(Right.VOTE_PROCEDURE),
    # caucus channels
    "channel.read": _reads_channel,
    "channel.post": _posts_channel,
    "channel.manage": _manages_channel,
    "channel.moderate": _chairs,
    "channel.open": _seated_here_with(Right.OPEN_CHANNELS),
    "note.send": _seated_here_with(Right.SPEAK),
    # the lobby
    "lobby.read": _member,
    "lobby.post": _active_member,
    "lobby.announce": _staff,
}


class SimulationRef:
    """Lets the policy answer for a simulation known only by its id (a socket, a replay),
    without loading the row."""

    def __init__(self, simulation_id: int) -> None:
        self.simulation_id = simulation_id


def simulation_id_of(obj: Any) -> int:
    if isinstance(obj, Simulation):
        return int(obj.pk)
    if isinstance(obj, Delegation):
        return int(obj.committee.simulation_id)  # callers select_related("committee")
    committee = getattr(obj, "committee", None)
    if committee is not None and hasattr(committee, "simulation_id"):
        return int(committee.simulation_id)  # a session: callers select_related("committee")
    session = getattr(obj, "session", None)
    if session is not None:
        return simulation_id_of(session)
    simulation_id = getattr(obj, "simulation_id", None)
    if simulation_id is None:
        raise TypeError(f"The policy cannot tell which simulation {obj!r} belongs to.")
    return int(simulation_id)


def standing(user: User | AnonymousUser, simulation: Simulation | int) -> Standing:
    simulation_id = simulation if isinstance(simulation, int) else int(simulation.pk)
    if not user.is_authenticated:
        return Standing(None, simulation_id, False, None, False)
    cache: dict[int, Standing] = user.__dict__.setdefault("_plenary_standing", {})
    if simulation_id in cache:
        return cache[simulation_id]
    row = (
        Simulation.objects.filter(pk=simulation_id)
        .values("owner_id", "status", "staff_can_read_private_channels")
        .first()
    )
    if row is None:
        result = Standing(user.pk, simulation_id, False, None, False)
    else:
        found = (
            Membership.objects.filter(simulation_id=simulation_id, user_id=user.pk)
            .values(
                "role",
                "delegation_id",
                "committee_id",
                "delegation__committee_id",
                "delegation__kind",
                "delegation__rights_overrides",
            )
            .first()
        )
        membership: dict[str, Any] = dict(found) if found else {}
        result = Standing(
            user.pk,
            simulation_id,
            row["owner_id"] == user.pk,
            membership.get("role"),
            row["status"] == Simulation.Status.OPEN,
            membership.get("delegation_id"),
            membership.get("committee_id"),
            membership.get("delegation__committee_id"),
            _rights(
                membership.get("delegation__kind"), membership.get("delegation__rights_overrides")
            ),
            staff_read_private=bool(row["staff_can_read_private_channels"]),
        )
    cache[simulation_id] = result
    return result


def _rights(kind: str | None, overrides: Any) -> frozenset[str]:
    if not kind:
        return frozenset()
    return frozenset(r.value for r in effective_rights(ActorKind(kind), overrides or {}))


def forget(user: User | AnonymousUser) -> None:
    """Drop the cached standing (after the user's role changed in this request)."""
    user.__dict__.pop("_plenary_standing", None)


def can(user: User | AnonymousUser, action: str, obj: Any) -> bool:
    """Answers from the user's standing in the simulation alone. A superuser is a site
    administrator (Django's /admin/, which needs `is_staff`), not a reader of simulations:
    there is no short-circuit for `is_superuser`, so private channels and briefs stay
    private from a site account exactly as the simulation's own settings say."""
    rule = RULES[action]  # an unknown action is a programming error, not a "no"
    found = standing(user, simulation_id_of(obj))
    if not found.is_member:
        return False  # outsiders and anonymous visitors do nothing here, whatever the rule
    return rule(found, obj)


def seat_can(delegation: Delegation, action: str, obj: Any) -> bool:
    """What every delegate seated in `delegation` may do, by the same rule as `can()`: for
    what is rendered once per delegation and pushed to its screens (its own actions on the
    floor, its ballot), not per user. Reads the delegation's kind and rights overrides."""
    seat = Standing(
        user_id=None,
        simulation_id=0,
        is_owner=False,
        role=Role.DELEGATE,
        simulation_open=True,
        delegation_id=int(delegation.pk),
        delegation_committee_id=int(delegation.committee_id),
        rights=_rights(delegation.kind, delegation.rights_overrides),
    )
    return RULES[action](seat, obj)


def reads_only_via_chair(user: User | AnonymousUser, channel: Any) -> bool:
    """Whether `user` reads `channel` only as the committee's chair reading a note thread:
    the notes passed via the chair, none of the others (which its members alone read)."""
    found = standing(user, simulation_id_of(channel))
    return _reads_notes_via_chair(found, channel) and not _reads_whole_channel(found, channel)


def require(user: User | AnonymousUser, action: str, obj: Any) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(f"You may not do this ({action}).")
