"""Fixtures of the security suite.

Each helper keeps its fixtures in its own block below; add yours in a separate block.
"""

from __future__ import annotations

# === Permission matrix and CSRF (test_permission_matrix.py, test_csrf.py) ===================
#
# One "world" per test module, built through the real services and committed, so that both
# the test client (one transaction per test, rolled back) and the websocket consumer (its own
# database connection, in another thread) see it. The database is flushed when the module is
# done, as a transactional test would, so no other test ever sees this world.
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services as caucus
from apps.caucus.models import Channel
from apps.delegations import services as delegations
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.lobby import services as lobby
from apps.proceedings import services as proceedings
from apps.proceedings.models import Motion, Session, SpeakerEntry
from tests.conftest import make_student, own_test_database
from tests.proceedings.helpers import all_present, build_floor, give_role

T = TypeVar("T")

# Who looks, in the simulation "own" (every role below but `other_instructor` holds its role
# there) and in "other" (a second simulation, run by `other_instructor`).
ROLES = (
    "instructor",
    "co_instructor",
    "other_instructor",
    "chair",
    "mediator",
    "delegate",
    "observer",
    "anonymous",
    "superuser",
)

# Directive mediation without proximity talks: shuttles, notes, blocs and bilaterals all exist.
MEDIATED: dict[str, object] = {"mediation": {"mode": "directive", "proximity": False}}
DELEGATIONS = (
    ("Veridia", "member_state"),  # the `delegate` role sits here
    ("Osterland", "member_state"),  # has the floor; moved the motion on the floor
    ("Calvia", "member_state"),  # on the speakers list
    ("Norbek", "member_state"),  # a free seat
    ("Envoy", "mediator"),  # the mediator delegation (opens shuttles)
)


@dataclass
class Side:
    """One simulation of the world: a mediated committee in general debate, with a speaker,
    a speakers list, a motion on the floor, a channel of every kind and a lobby message."""

    simulation: Simulation
    committee: Committee
    session: Session
    users: dict[str, User]  # by role in this simulation
    delegations: dict[str, Delegation]
    delegates: dict[str, User]  # the student seated in each delegation
    entry: SpeakerEntry  # Calvia's place on the speakers list
    motion: Motion  # moved by Osterland, pending
    channels: dict[str, Channel] = field(default_factory=dict)

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(simulation=self.simulation, user=user)


@dataclass
class World:
    own: Side
    other: Side
    users: dict[str, User | None]  # by role; None for the anonymous visitor
    session_keys: dict[str, str]  # a logged-in session cookie per role (not anonymous)
    handlers: dict[bool, Any] = field(default_factory=dict)

    def side(self, target: str) -> Side:
        return self.other if target == "other" else self.own

    def client(self, role: str, *, enforce_csrf_checks: bool = False) -> Client:
        """A test client logged in as `role` (a session made once for the whole module).
        Its request handler is shared: loading the middleware afresh per client (WhiteNoise
        indexes every static file) would cost more than the request."""
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        handler = self.handlers.setdefault(enforce_csrf_checks, client.handler)
        client.handler = handler
        if role in self.session_keys:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_keys[role]
        return client


def build_side(owner: User, title: str) -> Side:
    simulation = delegations.simulation_create(owner=owner, title=title)
    floor = build_floor(
        simulation, owner, name="Council", delegations=DELEGATIONS, rules_overrides=MEDIATED
    )
    committee = floor.committee
    users = {
        "instructor": owner,
        "chair": floor.chair,
        "co_instructor": give_role(
            simulation, owner, make_student(simulation, "Co-instructor"), "co_instructor"
        ),
        "mediator": give_role(
            simulation, owner, make_student(simulation, "Mediator"), "mediator", committee
        ),
        "observer": give_role(
            simulation, owner, make_student(simulation, "Observer"), "observer", committee
        ),
        "delegate": floor.delegate("Veridia"),
    }
    d, who = floor.delegations, floor.delegates
    channels = {
        "plenary": caucus.plenary_ensure(committee=committee),
        # Veridia's own bloc room (Veridia created it, Osterland is in it).
        "bloc_mine": caucus.channel_open(
            committee=committee,
            by=who["Veridia"],
            kind="bloc",
            with_ids=[d["Osterland"].pk],
            name="Northern bloc",
        ),
        # A bloc room Veridia is not in.
        "bloc_theirs": caucus.channel_open(
            committee=committee,
            by=who["Osterland"],
            kind="bloc",
            with_ids=[d["Calvia"].pk],
            name="Southern bloc",
        ),
        "shuttle": caucus.channel_open(
            committee=committee, by=who["Envoy"], kind="shuttle", with_ids=[d["Calvia"].pk]
        ),
        # A note between two others, not passed via the chair.
        "note": caucus.channel_open(
            committee=committee, by=who["Calvia"], kind="note", with_ids=[d["Osterland"].pk]
        ),
    }
    # One message in each channel (before the session: the floor is not moderated yet).
    for kind, channel in channels.items():
        author = {"plenary": who["Osterland"], "bloc_mine": who["Veridia"]}.get(kind)
        author = author or {"shuttle": who["Envoy"]}.get(kind) or who["Osterland"]
        if kind == "note":
            author = who["Calvia"]
        caucus.message_post(channel=channel, by=author, body=f"First words in {kind}.")
    lobby.message_post(simulation=simulation, by=owner, body="Welcome to the simulation.")

    chair = floor.chair
    session = proceedings.session_create(committee=committee, by=chair)
    session = proceedings.session_open(session=session, by=chair)
    all_present(floor, session)
    session = proceedings.phase_advance(session=session, by=chair, to="general_debate")
    proceedings.speaker_add(session=session, by=who["Osterland"])
    entry = proceedings.speaker_add(session=session, by=who["Calvia"])
    session = proceedings.speaker_next(session=session, by=chair)  # Osterland has the floor
    motion = proceedings.motion_move(session=session, by=who["Osterland"], kind="suspend_meeting")
    return Side(
        simulation=simulation,
        committee=committee,
        session=Session.objects.select_related("committee").get(pk=session.pk),
        users=users,
        delegations=dict(d),
        delegates=dict(who),
        entry=entry,
        motion=motion,
        channels=channels,
    )


def build_world() -> World:
    instructor = User.objects.create_user(
        username="okafor", password="a-long-test-password", is_instructor=True
    )
    other_instructor = User.objects.create_user(
        username="lindqvist", password="a-long-test-password", is_instructor=True
    )
    superuser = User.objects.create_superuser(
        username="root", password="a-long-test-password", email="root@example.org"
    )
    own = build_side(instructor, "Crisis in Veridia")
    other = build_side(other_instructor, "Crisis elsewhere")
    users: dict[str, User | None] = {
        **own.users,
        "other_instructor": other_instructor,
        "superuser": superuser,
        "anonymous": None,
    }
    keys = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return World(own=own, other=other, users=users, session_keys=keys)


FINGERPRINTED_APPS = {"accounts", "delegations", "lobby", "proceedings", "caucus"}


def _table_digest_sql(table: str) -> str:
    """SQL for one table's digest (the table names come from the app registry)."""
    row = "(to_jsonb(t) - 'last_login')::text"
    digest = f"SELECT md5(string_agg({row}, ',' ORDER BY {row})) FROM \"{table}\" t"  # noqa: S608
    return f"SELECT '{table}' || coalesce(({digest}), '') AS part"  # noqa: S608


def fingerprint() -> str:
    """A digest of every row of the project's tables (last_login aside): equal before and
    after a refused request, or the request changed something it was refused."""
    tables = sorted(
        model._meta.db_table
        for model in django_apps.get_models(include_auto_created=True)
        if model._meta.app_label in FINGERPRINTED_APPS
    )
    if connection.vendor == "postgresql":  # one query: the matrix runs this a thousand times
        parts = " UNION ALL ".join(_table_digest_sql(table) for table in tables)
        query = f"SELECT md5(string_agg(part, '|' ORDER BY part)) FROM ({parts}) q"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(query)
            return str(cursor.fetchone()[0])
    digest = hashlib.sha256()
    for model in django_apps.get_models(include_auto_created=True):
        if model._meta.db_table in tables:
            digest.update(model._meta.db_table.encode())
            for values in model._default_manager.order_by("pk").values():
                values.pop("last_login", None)
                digest.update(repr(sorted(values.items())).encode())
    return digest.hexdigest()


def _flush_database() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    if own_test_database(connection.settings_dict) is None:
        # No test in the run asked for a database (pytest-django sets one up only then):
        # building here would write to, and flushing would wipe, the real DATABASE_URL one.
        pytest.fail("The test database is not set up: mark tests using `world` django_db.")
    with django_db_blocker.unblock():
        try:
            built = build_world()
        except BaseException:
            _flush_database()
            raise
    yield built
    with django_db_blocker.unblock():
        _flush_database()


@pytest.fixture
def world_db(world: World, django_db_blocker: Any) -> Iterator[World]:
    """The world with the database open to code that runs in other threads (the websocket
    consumer). Tests using it are marked `django_db` (so the test database is set up even
    when they run alone), and what they write from the test's own thread is rolled back:
    a change the consumer must see goes through `committed()`."""
    with django_db_blocker.unblock():
        yield world


def committed(function: Callable[..., T], /, **kwargs: Any) -> T:
    """Run `function(**kwargs)` in a thread of its own, outside the test's transaction, so
    that its writes are committed and other connections (the consumer's) see them."""
    from django.db import connections

    def run() -> T:
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


# === end of the permission matrix / CSRF block ==============================================
