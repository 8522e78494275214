"""Building a committee with seated delegates and a chair, and reading a session's event log.

Everything goes through the real services (no factories writing rows behind their back), so
what a test sets up is what a class would have set up through the screens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from apps.accounts.models import User
from apps.delegations import services as delegation_services
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.proceedings import services
from apps.proceedings.models import Event, Session
from tests.conftest import make_student

# Four fictional member states: every one votes on procedure.
STATES = ("Veridia", "Osterland", "Calvia", "Norbek")
MEMBER_STATES: tuple[tuple[str, str], ...] = tuple((name, "member_state") for name in STATES)


@dataclass
class Floor:
    """A committee, its chair, and one seated delegate per delegation (by delegation name)."""

    simulation: Simulation
    committee: Committee
    instructor: User
    chair: User
    delegations: dict[str, Delegation] = field(default_factory=dict)
    delegates: dict[str, User] = field(default_factory=dict)

    def delegation(self, name: str) -> Delegation:
        return self.delegations[name]

    def delegate(self, name: str) -> User:
        return self.delegates[name]


def seat(simulation: Simulation, delegation: Delegation, name: str) -> User:
    user = make_student(simulation, name)
    delegation_services.seat_take(simulation=simulation, by=user, delegation_id=delegation.pk)
    return user


def give_role(
    simulation: Simulation, by: User, user: User, role: str, committee: Committee | None = None
) -> User:
    membership = Membership.objects.get(simulation=simulation, user=user)
    delegation_services.member_set_role(
        simulation=simulation,
        by=by,
        membership_id=membership.pk,
        role=role,
        committee_id=committee.pk if committee else None,
    )
    return User.objects.get(pk=user.pk)  # a new object: no cached standing


def build_floor(
    simulation: Simulation,
    instructor: User,
    *,
    preset_key: str = "una_usa",
    name: str = "General Assembly",
    delegations: tuple[tuple[str, str], ...] = MEMBER_STATES,
    rules_overrides: dict[str, object] | None = None,
) -> Floor:
    committee = delegation_services.committee_create(
        simulation=simulation,
        by=instructor,
        name=name,
        preset_key=preset_key,
        agenda=["Water rights on the Meru river"],
        rules_overrides=rules_overrides,
    )
    chair = give_role(
        simulation,
        instructor,
        make_student(simulation, f"Chair of {name}"),
        Membership.Role.CHAIR,
        committee,
    )
    floor = Floor(simulation, committee, instructor, chair)
    for delegation_name, kind in delegations:
        delegation = delegation_services.delegation_create(
            committee=committee, by=instructor, name=delegation_name, kind=kind, fictional=True
        )
        floor.delegations[delegation_name] = delegation
        floor.delegates[delegation_name] = seat(
            simulation, delegation, f"Delegate of {delegation_name}"
        )
    return floor


def fresh(session: Session) -> Session:
    return Session.objects.select_related("committee__simulation").get(pk=session.pk)


def log(session: Session) -> list[Event]:
    return list(Event.objects.filter(session_id=session.pk).order_by("seq"))


def texts(session: Session) -> list[str]:
    return [e.text for e in log(session)]


def assert_log_is_gap_free(session: Session) -> None:
    row = fresh(session)
    seqs = [e.seq for e in log(session)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert row.last_event_seq == len(seqs)


@contextlib.contextmanager
def records(session: Session, *kinds: str) -> Iterator[list[Event]]:
    """The block appends exactly these events, numbered on from the last one, one version
    bump each. Yields the list of new events (filled when the block ends)."""
    before = fresh(session)
    new: list[Event] = []
    yield new
    new.extend(Event.objects.filter(session_id=session.pk, seq__gt=before.last_event_seq))
    after = fresh(session)
    assert [e.kind for e in new] == list(kinds), [e.text for e in new]
    assert [e.seq for e in new] == list(
        range(before.last_event_seq + 1, before.last_event_seq + 1 + len(kinds))
    )
    assert after.last_event_seq == before.last_event_seq + len(kinds)
    assert after.version == before.version + len(kinds)


@contextlib.contextmanager
def refused(session: Session, message: str) -> Iterator[None]:
    """The block raises a ValidationError whose text contains `message` and changes nothing
    on the floor: no event, no version bump."""
    before = fresh(session)
    try:
        yield
    except ValidationError as error:
        text = " ".join(error.messages)
        assert message in text, text
    else:
        raise AssertionError(f"expected a refusal containing {message!r}")
    after = fresh(session)
    assert after.last_event_seq == before.last_event_seq
    assert after.version == before.version
    assert after.state == before.state


def open_session(floor: Floor) -> Session:
    session = services.session_create(committee=floor.committee, by=floor.chair)
    return services.session_open(session=session, by=floor.chair)


def all_present(floor: Floor, session: Session) -> None:
    for delegation in floor.delegations.values():
        services.attendance_set(
            session=session, by=floor.chair, delegation_id=delegation.pk, status="present"
        )


def in_general_debate(floor: Floor) -> Session:
    """An open UNA-USA-like session, every delegation present, in general debate."""
    session = open_session(floor)
    all_present(floor, session)
    return services.phase_advance(session=session, by=floor.chair, to="general_debate")
