from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.delegations import services as delegation_services
from apps.delegations.models import Membership, Simulation


@pytest.fixture
def instructor(db: None) -> User:
    return User.objects.create_user(
        username="okafor",
        password="a-long-test-password",
        display_name="Ms. Okafor",
        is_instructor=True,
    )


@pytest.fixture
def simulation(instructor: User) -> Simulation:
    return delegation_services.simulation_create(owner=instructor, title="Crisis in Veridia")


def make_student(simulation: Simulation, name: str) -> User:
    user, _ = delegation_services.simulation_join(
        code=simulation.join_code, display_name=name, user=None
    )
    return user


@pytest.fixture
def student(simulation: Simulation) -> User:
    return make_student(simulation, "Amina")


@pytest.fixture
def outsider(db: None) -> User:
    return User.objects.create_user(username="outsider", password="another-long-password")


@pytest.fixture
def instructor_client(instructor: User) -> Client:
    client = Client()
    client.force_login(instructor)
    return client


@pytest.fixture
def student_client(student: User) -> Client:
    client = Client()
    client.force_login(student)
    return client


def membership_of(user: User, simulation: Simulation) -> Membership:
    return Membership.objects.get(user=user, simulation=simulation)
