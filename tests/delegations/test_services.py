"""Services of simulations, committees, delegations and seats, on the real database (SQLite
or PostgreSQL) and, for access notices, the real Redis channel layer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.core import policy
from apps.core.consumers import ACCESS_CHANGED_HTML, CLOSE_RECONNECT
from apps.delegations import services
from apps.delegations.domain.actors import ActorKind, Right
from apps.delegations.domain.scenarios import list_scenarios, load_scenario
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.proceedings.domain.presets import (
    load_preset,
    preset_from_dict,
    preset_to_dict,
    validate_preset,
)
from apps.proceedings.rule_changes import rules_change_errors
from tests.conftest import make_student, membership_of
from tests.proceedings.helpers import build_floor, open_session
from tests.sockets import open_socket

SCENARIOS = [s.slug for s in list_scenarios()]


def committee_in(simulation: Simulation, by: User, name: str = "Security Council") -> Committee:
    return services.committee_create(
        simulation=simulation, by=by, name=name, preset_key="security_council"
    )


def delegation_in(committee: Committee, by: User, name: str, **fields: Any) -> Delegation:
    fields.setdefault("kind", "ngo")
    return services.delegation_create(committee=committee, by=by, name=name, **fields)


# --- scenarios ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", SCENARIOS)
def test_every_scenario_loads_into_a_playable_simulation(instructor: User, slug: str) -> None:
    spec = load_scenario(slug)
    simulation = services.simulation_from_scenario(owner=instructor, slug=slug)

    assert simulation.scenario_slug == slug
    assert simulation.title == spec.title
    assert membership_of(instructor, simulation).role == Membership.Role.INSTRUCTOR
    committees = list(simulation.committees.order_by("position"))
    assert [c.name for c in committees] == [c.name for c in spec.committees]
    for committee, committee_spec in zip(committees, spec.committees, strict=True):
        committee.refresh_from_db()  # the rules as stored (JSON), not as written
        preset = preset_from_dict(committee.rules)
        assert validate_preset(preset) == []
        assert preset_to_dict(preset) == committee.rules
        assert preset.key == committee.preset_key == committee_spec.preset
        assert committee.agenda and committee.agenda == list(committee_spec.agenda)
        delegations = list(committee.delegations.all())
        assert len(delegations) == len(committee_spec.delegations)
        for delegation in delegations:
            assert delegation.kind in ActorKind.__members__.values()
            holds_veto = delegation.has_right(Right.VETO)
            assert holds_veto == (delegation.actor_kind is ActorKind.PERMANENT_MEMBER), delegation
            assert delegation.brief.strip(), delegation
            assert 1 <= delegation.seats <= 3
            if delegation.actor_kind.is_state and not delegation.fictional:
                assert len(delegation.country_code) == 2, delegation


@pytest.mark.django_db
def test_the_security_council_has_fifteen_voting_members_and_five_vetoes(
    instructor: User,
) -> None:
    simulation = services.simulation_from_scenario(owner=instructor, slug="security-council-crisis")
    council = simulation.committees.get(name="Security Council")
    delegations = list(council.delegations.all())
    assert sum(d.has_right(Right.VOTE_SUBSTANCE) for d in delegations) == 15
    assert sorted(d.name for d in delegations if d.has_right(Right.VETO)) == [
        "China",
        "France",
        "Russian Federation",
        "United Kingdom",
        "United States",
    ]


@pytest.mark.django_db
def test_the_peace_talks_are_mediated_in_directive_mode_through_proximity_talks(
    instructor: User,
) -> None:
    simulation = services.simulation_from_scenario(owner=instructor, slug="peace-talks")
    talks = simulation.committees.get()
    talks.refresh_from_db()
    assert talks.mediation["mode"] == "directive"
    assert talks.mediation["proximity"] is True
    mediation = preset_from_dict(talks.rules).mediation
    assert mediation is not None and mediation.mode.value == "directive" and mediation.proximity
    kinds = {d.actor_kind for d in talks.delegations.all()}
    assert {ActorKind.MEDIATOR, ActorKind.ARMED_GROUP, ActorKind.MEMBER_STATE} <= kinds


@pytest.mark.django_db
def test_the_general_assembly_seats_all_member_states_and_two_observer_states(
    instructor: User,
) -> None:
    simulation = services.simulation_from_scenario(owner=instructor, slug="general-assembly")
    delegations = Delegation.objects.filter(committee__simulation=simulation)
    assert delegations.count() == 195
    assert delegations.filter(kind=ActorKind.MEMBER_STATE).count() == 193
    observers = delegations.filter(kind=ActorKind.OBSERVER_STATE)
    assert sorted(observers.values_list("name", flat=True)) == ["Holy See", "State of Palestine"]
    assert not any(d.has_right(Right.VOTE_SUBSTANCE) for d in observers)
    assert delegations.values("country_code").distinct().count() == 195


@pytest.mark.django_db
def test_an_unknown_scenario_is_refused_and_leaves_nothing_behind(instructor: User) -> None:
    with pytest.raises(ValidationError, match="no such scenario"):
        services.simulation_from_scenario(owner=instructor, slug="no-such-scenario")
    with pytest.raises(ValidationError):
        services.simulation_from_scenario(owner=instructor, slug="../../etc/passwd")
    assert not Simulation.objects.exists()
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_a_student_cannot_create_a_simulation_from_a_scenario(simulation: Simulation) -> None:
    student = make_student(simulation, "Amina")
    with pytest.raises(ValidationError, match="Only instructors"):
        services.simulation_from_scenario(owner=student, slug="peace-talks")
    assert Simulation.objects.count() == 1
    assert Committee.objects.count() == 0


# --- joining --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_join_code_of_another_simulation_opens_that_simulation_only(
    instructor: User, simulation: Simulation
) -> None:
    other = services.simulation_create(owner=instructor, title="Climate talks")
    student, membership = services.simulation_join(
        code=other.join_code, display_name="Amina", user=None
    )
    assert membership.simulation == other
    assert list(Membership.objects.filter(user=student).values_list("simulation", flat=True)) == [
        other.pk
    ]
    client = Client()
    client.force_login(student)
    assert client.get(other.get_absolute_url()).status_code == 200
    assert client.get(simulation.get_absolute_url()).status_code == 403


@pytest.mark.django_db
def test_a_code_of_a_closed_simulation_is_refused_and_creates_nothing(
    instructor: User, simulation: Simulation
) -> None:
    other = services.simulation_create(owner=instructor, title="Last year's conference")
    other.status = Simulation.Status.CLOSED
    other.save()
    student = make_student(simulation, "Amina")
    users_before = User.objects.count()
    for user in (None, student):
        with pytest.raises(ValidationError, match="No open simulation has this code"):
            services.simulation_join(code=other.join_code, display_name="Amina", user=user)
    assert User.objects.count() == users_before
    assert not Membership.objects.filter(simulation=other).exclude(user=instructor).exists()


@pytest.mark.django_db
def test_joining_twice_with_the_same_code_keeps_one_membership_and_the_seat(
    instructor: User, simulation: Simulation
) -> None:
    committee = committee_in(simulation, instructor)
    ghana = delegation_in(committee, instructor, "Ghana", kind="member_state", country_code="GH")
    student = make_student(simulation, "Amina")
    services.seat_take(simulation=simulation, by=student, delegation_id=ghana.pk)
    _, membership = services.simulation_join(
        code=simulation.join_code, display_name="", user=student
    )
    assert membership.delegation_id == ghana.pk
    assert Membership.objects.filter(user=student).count() == 1


# --- seats --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_student_takes_a_free_seat_and_may_then_read_the_brief(
    instructor: User, simulation: Simulation, student: User
) -> None:
    committee = committee_in(simulation, instructor)
    ghana = delegation_in(committee, instructor, "Ghana", kind="member_state", country_code="GH")
    assert not policy.can(student, "delegation.read_brief", ghana)
    membership = services.seat_take(simulation=simulation, by=student, delegation_id=ghana.pk)
    assert membership.delegation == ghana
    assert policy.can(student, "delegation.read_brief", ghana)


@pytest.mark.django_db
def test_a_seated_student_cannot_take_a_second_seat(
    instructor: User, simulation: Simulation, student: User
) -> None:
    committee = committee_in(simulation, instructor)
    ghana = delegation_in(committee, instructor, "Ghana", kind="member_state", country_code="GH")
    kenya = delegation_in(committee, instructor, "Kenya", kind="member_state", country_code="KE")
    services.seat_take(simulation=simulation, by=student, delegation_id=ghana.pk)
    with pytest.raises(ValidationError, match="You already have a seat"):
        services.seat_take(simulation=simulation, by=student, delegation_id=kenya.pk)
    assert membership_of(student, simulation).delegation_id == ghana.pk
    assert not kenya.seats_taken.exists()


@pytest.mark.django_db
def test_a_student_cannot_take_a_seat_in_a_full_delegation(
    instructor: User, simulation: Simulation
) -> None:
    committee = committee_in(simulation, instructor)
    ngo = delegation_in(committee, instructor, "Amnesty", seats=1)
    first, second = make_student(simulation, "Amina"), make_student(simulation, "Bruno")
    services.seat_take(simulation=simulation, by=first, delegation_id=ngo.pk)
    with pytest.raises(ValidationError, match="Amnesty is full"):
        services.seat_take(simulation=simulation, by=second, delegation_id=ngo.pk)


@pytest.mark.django_db
def test_a_student_cannot_take_a_seat_in_another_simulation(
    instructor: User, simulation: Simulation, student: User
) -> None:
    other = services.simulation_create(owner=instructor, title="Climate talks")
    elsewhere = delegation_in(committee_in(other, instructor), instructor, "Greenpeace")
    with pytest.raises(ValidationError, match="does not exist in this simulation"):
        services.seat_take(simulation=simulation, by=student, delegation_id=elsewhere.pk)
    with pytest.raises(PermissionDenied):
        services.seat_take(simulation=other, by=student, delegation_id=elsewhere.pk)
    assert not elsewhere.seats_taken.exists()


@pytest.mark.django_db
def test_an_observer_cannot_take_a_seat(instructor: User, simulation: Simulation) -> None:
    ngo = delegation_in(committee_in(simulation, instructor), instructor, "Amnesty")
    observer = make_student(simulation, "Press")
    services.member_set_role(
        simulation=simulation,
        by=instructor,
        membership_id=membership_of(observer, simulation).pk,
        role=Membership.Role.OBSERVER,
    )
    with pytest.raises(PermissionDenied):
        services.seat_take(simulation=simulation, by=observer, delegation_id=ngo.pk)
    assert membership_of(observer, simulation).delegation_id is None


@pytest.mark.django_db
def test_no_seat_is_taken_once_the_simulation_is_closed(
    instructor: User, simulation: Simulation, student: User
) -> None:
    ngo = delegation_in(committee_in(simulation, instructor), instructor, "Amnesty")
    Simulation.objects.filter(pk=simulation.pk).update(status=Simulation.Status.CLOSED)
    stale = Simulation.objects.get(pk=simulation.pk)
    with pytest.raises(ValidationError, match="closed"):
        services.seat_take(simulation=stale, by=student, delegation_id=ngo.pk)


@pytest.mark.django_db
def test_reducing_seats_below_the_students_seated_is_refused(
    instructor: User, simulation: Simulation
) -> None:
    ghana = delegation_in(
        committee_in(simulation, instructor),
        instructor,
        "Ghana",
        kind="member_state",
        country_code="GH",
        seats=3,
    )
    for name in ("Amina", "Kofi"):
        services.seat_take(
            simulation=simulation, by=make_student(simulation, name), delegation_id=ghana.pk
        )
    fields = {
        "name": "Ghana",
        "kind": "member_state",
        "country_code": "GH",
        "fictional": False,
        "brief": "",
        "rights_overrides": {},
    }
    with pytest.raises(ValidationError, match="2 students sit in this delegation"):
        services.delegation_update(delegation=ghana, by=instructor, seats=1, **fields)
    ghana.refresh_from_db()
    assert ghana.seats == 3
    services.delegation_update(delegation=ghana, by=instructor, seats=2, **fields)
    ghana.refresh_from_db()
    assert ghana.seats == 2


@pytest.mark.django_db
def test_an_instructor_cannot_seat_a_student_in_a_full_delegation(
    instructor: User, simulation: Simulation
) -> None:
    ngo = delegation_in(committee_in(simulation, instructor), instructor, "Amnesty", seats=1)
    services.seat_take(
        simulation=simulation, by=make_student(simulation, "Amina"), delegation_id=ngo.pk
    )
    second = membership_of(make_student(simulation, "Bruno"), simulation)
    with pytest.raises(ValidationError, match="Amnesty is full"):
        services.seat_assign(
            simulation=simulation, by=instructor, membership_id=second.pk, delegation_id=ngo.pk
        )


@pytest.mark.django_db
def test_the_owner_cannot_be_seated_as_a_delegate(instructor: User, simulation: Simulation) -> None:
    ngo = delegation_in(committee_in(simulation, instructor), instructor, "Amnesty")
    owner = membership_of(instructor, simulation)
    with pytest.raises(ValidationError, match="owner stays its instructor"):
        services.seat_assign(
            simulation=simulation, by=instructor, membership_id=owner.pk, delegation_id=ngo.pk
        )
    owner.refresh_from_db()
    assert (owner.role, owner.delegation_id) == (Membership.Role.INSTRUCTOR, None)


@pytest.mark.django_db
def test_moving_a_student_notifies_them_only_after_commit(
    instructor: User, simulation: Simulation, student: User, django_capture_on_commit_callbacks: Any
) -> None:
    committee = committee_in(simulation, instructor)
    ghana = delegation_in(committee, instructor, "Ghana", kind="member_state", country_code="GH")
    kenya = delegation_in(committee, instructor, "Kenya", kind="member_state", country_code="KE")
    services.seat_take(simulation=simulation, by=student, delegation_id=ghana.pk)
    membership = membership_of(student, simulation)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.seat_assign(
            simulation=simulation,
            by=instructor,
            membership_id=membership.pk,
            delegation_id=kenya.pk,
        )
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # Seating them where they already sit changes nothing and tells nobody.
        services.seat_assign(
            simulation=simulation,
            by=instructor,
            membership_id=membership.pk,
            delegation_id=kenya.pk,
        )
    assert callbacks == []


# --- two students race for the last seat ------------------------------------------------------


def all_at_once(*calls: Callable[[], object]) -> list[object]:
    """Each call runs at the same moment in its own thread (and database connection): what
    each returned, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def race(simulation: Simulation, students: list[User], delegation_id: int) -> list[object]:
    """Each student takes a seat in the delegation at the same moment."""
    return all_at_once(
        *(
            partial(services.seat_take, simulation=simulation, by=user, delegation_id=delegation_id)
            for user in students
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_students_racing_for_the_last_seat_exactly_one_gets_it(
    instructor: User, simulation: Simulation
) -> None:
    committee = committee_in(simulation, instructor)
    for round_ in range(5):
        delegation = delegation_in(committee, instructor, f"Delegation {round_}", seats=2)
        services.seat_take(
            simulation=simulation,
            by=make_student(simulation, f"Early {round_}"),
            delegation_id=delegation.pk,
        )
        racers = [make_student(simulation, f"Racer {round_}{side}") for side in "ab"]
        results = race(simulation, racers, delegation.pk)

        seated = [r for r in results if isinstance(r, Membership)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(seated) == 1 and len(refused) == 1, results
        assert f"Delegation {round_} is full" in refused[0].messages[0]
        assert Membership.objects.filter(delegation=delegation).count() == 2


def race_to_join(simulation: Simulation, names: list[str]) -> list[object]:
    """Each newcomer joins with the code at the same moment."""
    return all_at_once(
        *(
            partial(services.simulation_join, code=simulation.join_code, display_name=n, user=None)
            for n in names
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_students_racing_for_the_last_place_to_join_exactly_one_gets_it(
    simulation: Simulation,
) -> None:
    for round_ in range(5):
        Simulation.objects.filter(pk=simulation.pk).update(join_limit=2 * round_ + 1)
        if round_:
            make_student(simulation, f"Early {round_}")
        results = race_to_join(simulation, [f"Racer {round_}a", f"Racer {round_}b"])
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(refused) == 1, results
        assert refused[0].messages == [services.JOIN_FULL]
        joined = Membership.objects.filter(simulation=simulation).exclude(user=simulation.owner)
        assert joined.count() == 2 * round_ + 1


# --- access changes reach open sockets through Redis ------------------------------------------


async def expect_access_notice(socket: WebsocketCommunicator) -> None:
    assert await socket.receive_from(timeout=5) == ACCESS_CHANGED_HTML
    assert await socket.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_RECONNECT,
    }


def seated_world(instructor: User, simulation: Simulation, student: User) -> list[Delegation]:
    committee = committee_in(simulation, instructor)
    ghana = delegation_in(committee, instructor, "Ghana", kind="member_state", country_code="GH")
    kenya = delegation_in(committee, instructor, "Kenya", kind="member_state", country_code="KE")
    services.seat_take(simulation=simulation, by=student, delegation_id=ghana.pk)
    return [ghana, kenya]


def assign(simulation: Simulation, by: User, student: User, delegation_id: int | None) -> None:
    services.seat_assign(
        simulation=simulation,
        by=by,
        membership_id=membership_of(student, simulation).pk,
        delegation_id=delegation_id,
    )


def may_read_brief(user_id: int, delegation: Delegation) -> bool:
    return policy.can(User.objects.get(pk=user_id), "delegation.read_brief", delegation)


@pytest.mark.django_db(transaction=True)
async def test_moving_a_student_tells_their_open_socket_to_reconnect(
    instructor: User, simulation: Simulation, student: User
) -> None:
    ghana, kenya = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)
    await database_sync_to_async(assign)(simulation, instructor, student, kenya.pk)
    await expect_access_notice(socket)
    assert not await database_sync_to_async(may_read_brief)(student.pk, ghana)
    assert await database_sync_to_async(may_read_brief)(student.pk, kenya)


@pytest.mark.django_db(transaction=True)
async def test_an_unseated_student_is_told_and_can_no_longer_read_the_brief(
    instructor: User, simulation: Simulation, student: User
) -> None:
    ghana, _ = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)
    await database_sync_to_async(assign)(simulation, instructor, student, None)
    await expect_access_notice(socket)
    assert not await database_sync_to_async(may_read_brief)(student.pk, ghana)

    def brief_status() -> int:
        client = Client()
        client.force_login(student)
        url = f"/sims/{simulation.pk}/delegations/{ghana.pk}/brief/"
        return client.get(url).status_code

    assert await database_sync_to_async(brief_status)() == 403


@pytest.mark.django_db(transaction=True)
async def test_removing_a_delegation_tells_its_students(
    instructor: User, simulation: Simulation, student: User
) -> None:
    ghana, _ = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)
    await database_sync_to_async(services.delegation_delete)(delegation=ghana, by=instructor)
    await expect_access_notice(socket)
    membership = await database_sync_to_async(membership_of)(student, simulation)
    assert membership.delegation_id is None


@pytest.mark.django_db(transaction=True)
async def test_a_role_change_tells_the_user_and_a_rolled_back_move_tells_nobody(
    instructor: User, simulation: Simulation, student: User
) -> None:
    from django.db import transaction

    _, kenya = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)

    def move_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            assign(simulation, instructor, student, kenya.pk)
            raise RuntimeError("the request failed after the write")

    await database_sync_to_async(move_then_fail)()
    assert await socket.receive_nothing(timeout=0.5)

    def make_observer() -> None:
        services.member_set_role(
            simulation=simulation,
            by=instructor,
            membership_id=membership_of(student, simulation).pk,
            role=Membership.Role.OBSERVER,
        )

    await database_sync_to_async(make_observer)()
    await expect_access_notice(socket)


# --- switching presets mid-session ----------------------------------------------------------


@pytest.mark.django_db
def test_switching_presets_mid_session_cannot_strand_the_session_in_a_phase_the_new_rules_lack(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)  # UNA-USA: sessions open in roll call
    session = open_session(floor)
    assert session.phase == "roll_call"

    with pytest.raises(ValidationError, match="which these rules do not use") as refused:
        services.committee_update(
            committee=floor.committee,
            by=instructor,
            name="Renamed",
            body="",
            agenda=[],
            preset_key="peace_talks",  # no roll call in peace talks
        )
    assert [e.code for e in refused.value.error_list] == ["rules"]
    unchanged = Committee.objects.get(pk=floor.committee.pk)
    assert (unchanged.preset_key, unchanged.name) == ("una_usa", "General Assembly")

    # A preset that has the session's phase takes over: the same check lets it through.
    services.committee_update(
        committee=unchanged, by=instructor, name="General Assembly", body="", agenda=[],
        preset_key="thimun",
    )  # fmt: skip
    assert Committee.objects.get(pk=floor.committee.pk).preset_key == "thimun"


@pytest.mark.django_db
def test_the_rules_editor_and_the_preset_switch_ask_the_same_question(
    simulation: Simulation, instructor: User
) -> None:
    floor = build_floor(simulation, instructor)
    committee = floor.committee
    assert rules_change_errors(committee=committee, rules=load_preset("peace_talks")) == []
    open_session(floor)
    assert rules_change_errors(committee=committee, rules=load_preset("thimun")) == []
    assert rules_change_errors(committee=committee, rules=load_preset("peace_talks")) == [
        "The session is in roll call, which these rules do not use; move it to another phase first."
    ]


def edit_rights(instructor: User, delegation: Delegation, overrides: dict[str, bool]) -> None:
    services.delegation_update(
        delegation=delegation,
        by=instructor,
        name=delegation.name,
        kind=delegation.kind,
        country_code=delegation.country_code,
        fictional=delegation.fictional,
        seats=delegation.seats,
        brief="A new brief.",
        rights_overrides=overrides,
    )


@pytest.mark.django_db(transaction=True)
async def test_changing_a_delegations_rights_tells_its_open_sockets_to_reconnect(
    instructor: User, simulation: Simulation, student: User
) -> None:
    """The floor pushes actions and ballots to a group per set of rights, joined at connect:
    a socket must rejoin under the new rights."""
    ghana, _ = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)
    await database_sync_to_async(edit_rights)(instructor, ghana, {"vote_substance": False})
    await expect_access_notice(socket)


@pytest.mark.django_db(transaction=True)
async def test_editing_only_a_delegations_brief_does_not_disturb_its_sockets(
    instructor: User, simulation: Simulation, student: User
) -> None:
    ghana, _ = await database_sync_to_async(seated_world)(instructor, simulation, student)
    socket = await open_socket(student, simulation)
    await database_sync_to_async(edit_rights)(instructor, ghana, {})
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()
