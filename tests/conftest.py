from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the test database is dropped, end connections other threads left open
    (Channels' executor threads, finished servers): PostgreSQL refuses to drop a database
    in use, and each run would leave one behind on the server."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate limits are counted in Redis per user and channel id, and ids repeat after the
    test database is flushed: every test starts with no hits counted (this test process's
    keys only: RATELIMIT_PREFIX is per run and xdist worker)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{settings.RATELIMIT_PREFIX}:rl:*", count=500))
    if keys:
        client.delete(*keys)
    client.close()
    yield
