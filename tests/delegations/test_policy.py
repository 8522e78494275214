"""The one permission policy, as a table: who (role) may do what (action) to which object.

Every action in `policy.RULES` has cases here (a test fails if one is missing), and the views
refuse forged POSTs with 403 whatever the page offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.core import policy
from apps.delegations import services
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from tests.conftest import make_student, membership_of

pytestmark = pytest.mark.django_db

Role = Membership.Role


@dataclass(frozen=True)
class Floor:
    """The floor of a committee as the policy sees a session: anything with a committee."""

    committee: Committee

    @property
    def committee_id(self) -> int:
        return int(self.committee.pk)


@dataclass(frozen=True)
class Room:
    """A caucus channel as the policy sees one: its committee, kind and member delegations."""

    committee: Committee
    kind: str
    members: frozenset[int] = frozenset()
    created_by_id: int | None = None
    chair_reads: bool = False

    @property
    def committee_id(self) -> int:
        return int(self.committee.pk)

    def member_delegation_ids(self) -> set[int]:
        return set(self.members)


@dataclass
class World:
    """Simulation A (a committee with Ghana, Kenya and a one-seat Brazil that is full) with a
    user in every role, and simulation B run by another instructor."""

    users: dict[str, User | AnonymousUser]
    objects: dict[str, Any]


def _member(simulation: Simulation, by: User, name: str, role: str, **extra: Any) -> User:
    user = make_student(simulation, name)
    membership = membership_of(user, simulation)
    services.member_set_role(
        simulation=simulation, by=by, membership_id=membership.pk, role=role, **extra
    )
    return user


@pytest.fixture
def world(instructor: User, simulation: Simulation) -> World:
    committee = services.committee_create(
        simulation=simulation, by=instructor, name="Security Council", preset_key="security_council"
    )
    other_committee_of_a = services.committee_create(
        simulation=simulation, by=instructor, name="General Assembly", preset_key="una_usa"
    )
    delegation = {
        name: services.delegation_create(
            committee=committee, by=instructor, name=name, kind="member_state", **fields
        )
        for name, fields in {
            "Ghana": {"country_code": "GH"},
            "Kenya": {"country_code": "KE"},
            "Brazil": {"country_code": "BR", "seats": 1},
        }.items()
    }
    delegate = make_student(simulation, "Amina")
    services.seat_take(simulation=simulation, by=delegate, delegation_id=delegation["Ghana"].pk)
    brazil = make_student(simulation, "Bruno")
    services.seat_take(simulation=simulation, by=brazil, delegation_id=delegation["Brazil"].pk)

    other_instructor = User.objects.create_user(
        username="mensah", password="another-long-password", is_instructor=True
    )
    other = services.simulation_create(owner=other_instructor, title="Climate talks")
    other_committee = services.committee_create(
        simulation=other, by=other_instructor, name="COP", preset_key="climate_consensus"
    )
    other_delegation = services.delegation_create(
        committee=other_committee, by=other_instructor, name="Tuvalu", kind="member_state",
        country_code="TV",
    )  # fmt: skip
    users: dict[str, User | AnonymousUser] = {
        "instructor": instructor,
        "co-instructor": _member(simulation, instructor, "Dr. Lee", Role.CO_INSTRUCTOR),
        "chair": _member(simulation, instructor, "Chair", Role.CHAIR, committee_id=committee.pk),
        "mediator": _member(simulation, instructor, "Envoy", Role.MEDIATOR),
        "delegate": delegate,
        "unseated delegate": make_student(simulation, "Chen"),
        "observer": _member(simulation, instructor, "Press", Role.OBSERVER),
        "organizer": _member(simulation, instructor, "Archivist", Role.ORGANIZER),
        "outsider": User.objects.create_user(username="outsider", password="long-password-1"),
        "anonymous": AnonymousUser(),
        "instructor of B": other_instructor,
    }
    objects = {
        "simulation": simulation,
        "committee": committee,
        "own delegation": delegation["Ghana"],
        "a delegation with room": delegation["Kenya"],
        "a full delegation": delegation["Brazil"],
        "the committee's floor": Floor(committee),
        "another committee's floor": Floor(other_committee_of_a),
        "the plenary channel": Room(committee, "plenary"),
        "a bloc Ghana created": Room(
            committee,
            "bloc",
            frozenset({delegation["Ghana"].pk, delegation["Kenya"].pk}),
            created_by_id=delegation["Ghana"].pk,
        ),
        "a bloc Kenya created": Room(
            committee,
            "bloc",
            frozenset({delegation["Ghana"].pk, delegation["Kenya"].pk}),
            created_by_id=delegation["Kenya"].pk,
        ),
        "a bilateral without Ghana": Room(
            committee, "bilateral", frozenset({delegation["Kenya"].pk, delegation["Brazil"].pk})
        ),
        "B": other,
        "B's committee": other_committee,
        "B's delegation": other_delegation,
        "B's floor": Floor(other_committee),
    }
    return World(users=users, objects=objects)


def case(role: str, action: str, obj: str, allowed: bool, why: str = "") -> Any:
    verb = "may" if allowed else "may not"
    return pytest.param(role, action, obj, allowed, id=why or f"{role} {verb} {action} {obj}")


A_OBJECTS = ("simulation", "committee", "own delegation", "a delegation with room")
B_OBJECTS = ("B", "B's committee", "B's delegation", "B's floor")
MANAGE_ACTIONS = (
    "simulation.manage",
    "committee.manage",
    "delegation.manage",
    "seat.assign",
    "lobby.announce",
    "session.chair",
)
STAFF_ACTIONS = tuple(a for a in MANAGE_ACTIONS if a != "session.chair")
VIEW_ACTIONS = (
    "simulation.view",
    "committee.view",
    "delegation.view",
    "lobby.read",
    "session.view",
)
DELEGATE_ACTIONS = ("session.speak", "session.move_motion", "session.vote_procedure")

CASES = [
    # instructors: the owner and a co-instructor manage everything in their simulation
    *(case("instructor", a, "simulation", True) for a in MANAGE_ACTIONS),
    *(case("co-instructor", a, "simulation", True) for a in MANAGE_ACTIONS),
    case("co-instructor", "committee.manage", "committee", True),
    # the mediation mode and proximity are the instructor's alone (not the chair's or
    # mediator's, who run the floor within them)
    case("instructor", "committee.set_mediation", "committee", True),
    case("co-instructor", "committee.set_mediation", "committee", True),
    *(
        case(r, "committee.set_mediation", "committee", False, f"a {r} cannot widen the mode")
        for r in ("chair", "mediator", "delegate", "observer")
    ),
    case("instructor", "committee.set_mediation", "B's committee", False),
    case("co-instructor", "delegation.manage", "own delegation", True),
    case("instructor", "delegation.read_brief", "own delegation", True),
    case("co-instructor", "delegation.read_brief", "a full delegation", True),
    case("instructor", "lobby.post", "simulation", True),
    case("instructor", "seat.take", "a delegation with room", False, "staff take no seat"),
    # an instructor of simulation A cannot touch simulation B: nothing at all
    *(case("instructor", a, o, False) for a in MANAGE_ACTIONS for o in B_OBJECTS),
    *(case("instructor", a, o, False) for a in VIEW_ACTIONS for o in B_OBJECTS),
    case("instructor", "delegation.read_brief", "B's delegation", False),
    case("co-instructor", "delegation.read_brief", "B's delegation", False),
    case("instructor", "lobby.post", "B", False),
    *(case("instructor of B", a, o, False) for a in MANAGE_ACTIONS for o in A_OBJECTS),
    case("instructor of B", "delegation.manage", "B's delegation", True),
    # a seated delegate
    *(case("delegate", a, o, True) for a in VIEW_ACTIONS for o in A_OBJECTS),
    case("delegate", "delegation.read_brief", "own delegation", True),
    case(
        "delegate",
        "delegation.read_brief",
        "a delegation with room",
        False,
        "a delegate cannot read another delegation's brief",
    ),
    case("delegate", "delegation.read_brief", "a full delegation", False),
    case("delegate", "committee.manage", "simulation", False, "a delegate cannot add committees"),
    case("delegate", "committee.manage", "committee", False, "a delegate cannot edit committees"),
    case("delegate", "delegation.manage", "committee", False, "a delegate cannot add delegations"),
    case(
        "delegate",
        "delegation.manage",
        "own delegation",
        False,
        "a delegate cannot edit even their own delegation",
    ),
    case("delegate", "simulation.manage", "simulation", False),
    case("delegate", "seat.assign", "simulation", False),
    case("delegate", "lobby.announce", "simulation", False),
    case("delegate", "lobby.post", "simulation", True),
    case(
        "delegate",
        "seat.take",
        "a delegation with room",
        False,
        "a seated delegate cannot take a second seat",
    ),
    case("delegate", "seat.take", "B's delegation", False),
    # a delegate without a seat
    case("unseated delegate", "seat.take", "a delegation with room", True),
    case(
        "unseated delegate",
        "seat.take",
        "a full delegation",
        False,
        "a delegate cannot seat themselves in a full delegation",
    ),
    case("unseated delegate", "seat.take", "B's delegation", False),
    case("unseated delegate", "delegation.read_brief", "a delegation with room", False),
    case("unseated delegate", "simulation.view", "simulation", True),
    case("unseated delegate", "committee.manage", "committee", False),
    # chair and mediator run the floor but read no brief and manage nothing
    *(
        case(r, "delegation.read_brief", o, False, f"a {r} cannot read {o}'s brief")
        for r in ("chair", "mediator")
        for o in ("own delegation", "a delegation with room", "a full delegation")
    ),
    *(case(r, a, "simulation", False) for r in ("chair", "mediator") for a in STAFF_ACTIONS),
    *(case(r, "committee.manage", "committee", False) for r in ("chair", "mediator")),
    *(case(r, "seat.take", "a delegation with room", False) for r in ("chair", "mediator")),
    *(case(r, a, "committee", True) for r in ("chair", "mediator") for a in ("committee.view",)),
    case("chair", "lobby.post", "simulation", True),
    case("mediator", "lobby.post", "simulation", True),
    # observers and organizers watch: they view but do not act
    *(case(r, a, o, True) for r in ("observer", "organizer") for a in VIEW_ACTIONS for o in A_OBJECTS),
    *(case(r, "lobby.post", "simulation", False) for r in ("observer", "organizer")),
    *(case(r, "seat.take", "a delegation with room", False) for r in ("observer", "organizer")),
    *(case(r, a, "simulation", False) for r in ("observer", "organizer") for a in STAFF_ACTIONS),
    *(
        case(r, "delegation.read_brief", "own delegation", False)
        for r in ("observer", "organizer")
    ),
    # the floor of a session: the chair runs it, seated delegations act on it
    case("instructor", "session.chair", "the committee's floor", True),
    case("co-instructor", "session.chair", "another committee's floor", True),
    case("chair", "session.chair", "the committee's floor", True),
    case(
        "chair",
        "session.chair",
        "another committee's floor",
        False,
        "a chair of one committee does not chair another",
    ),
    case("mediator", "session.chair", "the committee's floor", True, "a mediator of the whole simulation chairs any floor"),
    *(case(r, "session.chair", "the committee's floor", False) for r in ("delegate", "observer", "organizer", "outsider", "instructor of B")),
    *(case("delegate", a, "the committee's floor", True) for a in DELEGATE_ACTIONS),
    *(
        case("delegate", a, "another committee's floor", False, f"a delegate may not {a} on another committee's floor")
        for a in DELEGATE_ACTIONS
    ),
    *(
        case(r, a, "the committee's floor", False)
        for r in ("unseated delegate", "observer", "organizer", "outsider", "instructor of B")
        for a in DELEGATE_ACTIONS
    ),
    *(case(r, "session.view", "the committee's floor", True) for r in ("delegate", "observer", "chair")),
    # caucus channels: members read and post; staff read private rooms (the simulation allows
    # it here) but do not post in them; the creator of a bloc manages it
    *(case(r, "channel.read", "the plenary channel", True) for r in ("delegate", "observer", "unseated delegate")),
    case("delegate", "channel.read", "a bloc Kenya created", True),
    case(
        "delegate",
        "channel.read",
        "a bilateral without Ghana",
        False,
        "a delegate cannot read a bilateral between two other delegations",
    ),
    case("instructor", "channel.read", "a bilateral without Ghana", True),
    case("observer", "channel.read", "a bilateral without Ghana", False),
    case("chair", "channel.read", "a bilateral without Ghana", False),
    case("delegate", "channel.post", "a bloc Kenya created", True),
    case("delegate", "channel.post", "a bilateral without Ghana", False),
    case("delegate", "channel.post", "the plenary channel", True),
    case("observer", "channel.post", "the plenary channel", False, "an observer cannot speak on the floor"),
    case("chair", "channel.post", "the plenary channel", True),
    case("instructor", "channel.post", "a bilateral without Ghana", False, "staff read private rooms but do not post in them"),
    case("delegate", "channel.manage", "a bloc Ghana created", True),
    case("delegate", "channel.manage", "a bloc Kenya created", False, "only the creator of a bloc manages it"),
    case("co-instructor", "channel.manage", "a bloc Kenya created", True),
    case("chair", "channel.moderate", "the plenary channel", True),
    *(case(r, "channel.moderate", "the plenary channel", False) for r in ("delegate", "observer")),
    case("delegate", "channel.open", "the committee's floor", True),
    case("delegate", "channel.open", "another committee's floor", False),
    *(case(r, "channel.open", "the committee's floor", False) for r in ("observer", "unseated delegate")),
    case("delegate", "note.send", "the committee's floor", True),
    *(case(r, "note.send", "the committee's floor", False) for r in ("observer", "organizer", "unseated delegate")),
    *(
        case("instructor of B", a, "a bloc Ghana created", False)
        for a in ("channel.read", "channel.post", "channel.manage", "channel.moderate")
    ),
    # people outside the simulation
    *(case("outsider", a, "simulation", False) for a in VIEW_ACTIONS),
    case("outsider", "seat.take", "a delegation with room", False),
    case("outsider", "delegation.read_brief", "own delegation", False),
]  # fmt: skip


@pytest.mark.parametrize(("role", "action", "obj", "allowed"), CASES)
def test_the_policy_answers_who_may_do_what(
    world: World, role: str, action: str, obj: str, allowed: bool
) -> None:
    assert policy.can(world.users[role], action, world.objects[obj]) is allowed


def test_every_action_of_the_policy_has_cases_in_the_table() -> None:
    covered = {param.values[1] for param in CASES}
    assert set(policy.RULES) - covered == set()


def test_every_case_in_the_table_names_a_real_action() -> None:
    assert {param.values[1] for param in CASES} <= set(policy.RULES)


@pytest.mark.parametrize("action", sorted(policy.RULES))
def test_an_anonymous_visitor_may_do_nothing(world: World, action: str) -> None:
    for obj in world.objects.values():
        assert policy.can(AnonymousUser(), action, obj) is False, obj


@pytest.mark.parametrize("action", sorted(policy.RULES))
def test_an_instructor_of_another_simulation_may_do_nothing_there(
    world: World, action: str
) -> None:
    for name in A_OBJECTS:
        assert policy.can(world.users["instructor of B"], action, world.objects[name]) is False


@pytest.mark.parametrize("action", sorted(policy.RULES))
def test_a_superuser_who_is_not_a_member_may_do_nothing_in_a_simulation(
    world: World, action: str
) -> None:
    """A superuser administers the site (/admin/); simulation content is not theirs to read."""
    admin = User.objects.create_superuser(username="root", password="a-long-admin-password")
    for obj in (
        *(world.objects[name] for name in A_OBJECTS),
        world.objects["a bilateral without Ghana"],
    ):
        assert policy.can(admin, action, obj) is False, obj


def test_a_superuser_instructor_reads_private_channels_only_when_the_simulation_allows_it(
    world: World, instructor: User, simulation: Simulation
) -> None:
    User.objects.filter(pk=instructor.pk).update(is_superuser=True, is_staff=True)
    superuser = User.objects.get(pk=instructor.pk)
    services.simulation_update(
        simulation=simulation, by=superuser, title=simulation.title, description="",
        status=simulation.status, staff_can_read_private_channels=False,
    )  # fmt: skip
    policy.forget(superuser)
    assert not policy.can(superuser, "channel.read", world.objects["a bilateral without Ghana"])
    assert policy.can(superuser, "channel.read", world.objects["the plenary channel"])


def test_a_chair_who_is_a_superuser_still_reads_only_the_notes_passed_via_the_chair(
    world: World,
) -> None:
    chair = world.users["chair"]
    User.objects.filter(pk=chair.pk).update(is_superuser=True, is_staff=True)
    superuser_chair = User.objects.get(pk=chair.pk)
    ghana, kenya = world.objects["own delegation"], world.objects["a delegation with room"]
    notes = Room(
        world.objects["committee"], "note", frozenset({ghana.pk, kenya.pk}), chair_reads=True
    )
    assert policy.can(superuser_chair, "channel.read", notes)
    assert policy.reads_only_via_chair(superuser_chair, notes)


def test_a_superuser_gets_403_for_a_brief_of_a_simulation_they_are_not_in(
    world: World, simulation: Simulation
) -> None:
    admin = User.objects.create_superuser(username="root", password="a-long-admin-password")
    delegation = world.objects["own delegation"]
    client = client_for(admin)
    assert (
        client.get(reverse("delegations:brief", args=[simulation.pk, delegation.pk])).status_code
        == 403
    )
    assert client.get(simulation.get_absolute_url()).status_code == 403


def test_nobody_takes_a_seat_once_the_simulation_is_closed(
    world: World, instructor: User, simulation: Simulation
) -> None:
    student = world.users["unseated delegate"]
    services.simulation_update(
        simulation=simulation, by=instructor, title=simulation.title, description="",
        status=Simulation.Status.CLOSED, staff_can_read_private_channels=True,
    )  # fmt: skip
    policy.forget(student)
    assert not policy.can(student, "seat.take", world.objects["a delegation with room"])


def test_staff_read_no_private_room_when_the_simulation_says_so(
    world: World, instructor: User, simulation: Simulation
) -> None:
    services.simulation_update(
        simulation=simulation, by=instructor, title=simulation.title, description="",
        status=simulation.status, staff_can_read_private_channels=False,
    )  # fmt: skip
    policy.forget(instructor)
    assert not policy.can(instructor, "channel.read", world.objects["a bilateral without Ghana"])
    assert policy.can(instructor, "channel.read", world.objects["the plenary channel"])


def test_a_chair_with_a_stale_seat_still_cannot_read_its_brief(
    world: World, simulation: Simulation
) -> None:
    """A seat left on a chair's membership (edited in the admin, say) is not a delegation."""
    chair = world.users["chair"]
    Membership.objects.filter(user=chair, simulation=simulation).update(
        delegation=world.objects["own delegation"]
    )
    policy.forget(chair)
    assert not policy.can(chair, "delegation.read_brief", world.objects["own delegation"])


def test_a_page_asking_many_questions_costs_two_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    delegate = world.users["delegate"]
    policy.forget(delegate)
    with django_assert_num_queries(2):
        for action in ("simulation.view", "committee.view", "lobby.post", "seat.assign"):
            policy.can(delegate, action, world.objects["committee"])


# --- forged requests: the views refuse what the page does not offer ---------------------------


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def forged_posts(objects: dict[str, Any], membership: Membership) -> dict[str, tuple[str, dict]]:
    simulation: Simulation = objects["simulation"]
    committee: Committee = objects["committee"]
    delegation: Delegation = objects["a delegation with room"]
    sim, com, dele = simulation.pk, committee.pk, delegation.pk
    return {
        "add a committee": (
            reverse("delegations:committee_create", args=[sim]),
            {"name": "Forged", "preset_key": "una_usa"},
        ),
        "edit a committee": (
            reverse("delegations:committee_update", args=[sim, com]),
            {"name": "Renamed", "preset_key": "una_usa"},
        ),
        "remove a committee": (reverse("delegations:committee_delete", args=[sim, com]), {}),
        "add a delegation": (
            reverse("delegations:delegation_create", args=[sim, com]),
            {"name": "Forged", "kind": "ngo", "seats": 1},
        ),
        "edit a delegation": (
            reverse("delegations:delegation", args=[sim, dele]),
            {"name": "Forged", "kind": "ngo", "seats": 3},
        ),
        "remove a delegation": (reverse("delegations:delegation_delete", args=[sim, dele]), {}),
        "seat a student": (
            reverse("delegations:seat_assign", args=[sim, membership.pk]),
            {"delegation": dele},
        ),
        "change a role": (
            reverse("delegations:member_role", args=[sim, membership.pk]),
            {"role": Role.CO_INSTRUCTOR},
        ),
        "change the settings": (
            reverse("delegations:settings", args=[sim]),
            {"title": "Mine now", "status": "closed"},
        ),
    }


FORGED = [
    "add a committee",
    "edit a committee",
    "remove a committee",
    "add a delegation",
    "edit a delegation",
    "remove a delegation",
    "seat a student",
    "change a role",
    "change the settings",
]


def _snapshot(simulation: Simulation) -> tuple[Any, ...]:
    simulation.refresh_from_db()
    return (
        simulation.title,
        simulation.status,
        list(Committee.objects.filter(simulation=simulation).values_list("name", flat=True)),
        list(
            Delegation.objects.filter(committee__simulation=simulation).values_list(
                "name", "seats", "kind"
            )
        ),
        list(
            Membership.objects.filter(simulation=simulation).values_list(
                "user_id", "role", "delegation_id"
            )
        ),
    )


@pytest.mark.parametrize("what", FORGED)
@pytest.mark.parametrize("role", ["delegate", "observer", "chair", "organizer"])
def test_a_participant_who_is_not_staff_gets_403_for_a_forged_post(
    world: World, simulation: Simulation, role: str, what: str
) -> None:
    user = world.users[role]
    assert isinstance(user, User)
    target = membership_of(world.users["unseated delegate"], simulation)  # type: ignore[arg-type]
    url, data = forged_posts(world.objects, target)[what]
    before = _snapshot(simulation)
    response = client_for(user).post(url, data)
    assert response.status_code == 403
    assert _snapshot(simulation) == before


@pytest.mark.parametrize("what", FORGED)
def test_an_instructor_of_another_simulation_gets_403_for_a_forged_post(
    world: World, simulation: Simulation, what: str
) -> None:
    other_instructor = world.users["instructor of B"]
    assert isinstance(other_instructor, User)
    target = membership_of(world.users["unseated delegate"], simulation)  # type: ignore[arg-type]
    url, data = forged_posts(world.objects, target)[what]
    before = _snapshot(simulation)
    response = client_for(other_instructor).post(url, data)
    assert response.status_code == 403
    assert _snapshot(simulation) == before


def test_an_instructor_cannot_reach_another_simulations_rows_through_their_own_urls(
    world: World, instructor: User, simulation: Simulation
) -> None:
    """Ids of B's committee, delegation and members under A's URLs are not found in A."""
    other: Simulation = world.objects["B"]
    b_committee: Committee = world.objects["B's committee"]
    b_delegation: Delegation = world.objects["B's delegation"]
    b_member = make_student(other, "Zara")
    b_membership = membership_of(b_member, other)
    client = client_for(instructor)
    sim = simulation.pk
    assert (
        client.post(
            reverse("delegations:committee_update", args=[sim, b_committee.pk]),
            {"name": "Hijacked", "preset_key": "una_usa"},
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("delegations:delegation_delete", args=[sim, b_delegation.pk]))
    ).status_code == 404
    assert client.get(reverse("delegations:brief", args=[sim, b_delegation.pk])).status_code == 404
    client.post(
        reverse("delegations:seat_assign", args=[sim, b_membership.pk]),
        {"delegation": world.objects["a delegation with room"].pk},
    )
    client.post(
        reverse("delegations:member_role", args=[sim, b_membership.pk]),
        {"role": Role.OBSERVER},
    )
    b_membership.refresh_from_db()
    assert (b_membership.role, b_membership.delegation_id) == (Role.DELEGATE, None)
    b_committee.refresh_from_db()
    assert b_committee.name == "COP"
    assert Delegation.objects.filter(pk=b_delegation.pk).exists()


def test_a_delegate_gets_403_for_another_delegations_brief_page(
    world: World, simulation: Simulation
) -> None:
    delegate = world.users["delegate"]
    assert isinstance(delegate, User)
    client = client_for(delegate)
    own, other = world.objects["own delegation"], world.objects["a delegation with room"]
    assert client.get(reverse("delegations:brief", args=[simulation.pk, own.pk])).status_code == 200
    response = client.get(reverse("delegations:brief", args=[simulation.pk, other.pk]))
    assert response.status_code == 403


def test_an_observer_who_posts_for_a_seat_is_refused(world: World, simulation: Simulation) -> None:
    observer = world.users["observer"]
    assert isinstance(observer, User)
    response = client_for(observer).post(
        reverse("delegations:seat_take", args=[simulation.pk]),
        {"delegation": world.objects["a delegation with room"].pk},
    )
    assert response.status_code == 403
    assert membership_of(observer, simulation).delegation_id is None
