from __future__ import annotations

import contextlib
import logging
import traceback
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
    own = own_test_database(connection.settings_dict)
    if own is None:
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND datname = current_database() AND pid <> pg_backend_pid()",
            [own],
        )


def own_test_database(settings_dict: dict[str, Any]) -> str | None:
    """The name of this run's own test database, if the connection is on it. When none was
    created (a run that needed no database, a setup that failed) the connection points at
    the real DATABASE_URL database: ending its sessions would cut off other people's work."""
    own = (settings_dict.get("TEST") or {}).get("NAME")
    if not own or settings_dict.get("NAME") != own:
        return None
    return str(own)


class BroadcastWatch(logging.Handler):
    """Collects the errors `apps.core.broadcast` logs (a failed send is logged, not raised)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def failure_report(self) -> str | None:
        if not self.records:
            return None
        first = self.records[0]
        detail = first.getMessage()
        if first.exc_info:
            detail += "\n" + "".join(traceback.format_exception(*first.exc_info))
        return f"{len(self.records)} broadcast(s) failed during the test:\n{detail}"


@contextlib.contextmanager
def watch_broadcasts() -> Iterator[BroadcastWatch]:
    watch = BroadcastWatch()
    broadcast_logger = logging.getLogger("apps.core.broadcast")
    broadcast_logger.addHandler(watch)
    try:
        yield watch
    finally:
        broadcast_logger.removeHandler(watch)


@pytest.fixture(autouse=True)
def _no_failed_broadcasts(request: pytest.FixtureRequest) -> Iterator[None]:
    """A broadcast that fails is logged, never raised (the write is committed; clients
    replay): so a test would pass while its pushes went nowhere. Any failed broadcast fails
    the test, unless it breaks Redis on purpose (`@pytest.mark.redis_outage`)."""
    with watch_broadcasts() as watch:
        yield
    report = watch.failure_report()
    if report and request.node.get_closest_marker("redis_outage") is None:
        pytest.fail(report)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Rate limits and presence are counted in Redis per user, channel and simulation id,
    and ids repeat after the test database is flushed: every test starts with no hits
    counted and nobody online (this test process's keys only: both prefixes are per run and
    xdist worker). A test's server stopping within a socket's grace period leaves its
    presence behind for STALE_SECONDS, as a crashed process would."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in (
        f"{settings.RATELIMIT_PREFIX}:rl:*",
        f"{settings.CHANNEL_LAYER_PREFIX}:presence:*",
    ):
        keys = list(client.scan_iter(match=pattern, count=500))
        if keys:
            client.delete(*keys)
    client.close()
    yield
