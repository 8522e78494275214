"""Who may do what, route by route and role by role: a matrix generated from the URL conf and
from the message types the websocket consumer accepts.

Every named route (admin internals aside) and every client message type must have a case in
the tables below: a new route without one fails `test_every_route_has_a_case`, naming it. A
case says how to call the route for an object of the simulation the roles are in ("own") or
of a second simulation ("other", run by `other_instructor`), and which roles may use it.

Outcomes: *allowed* is a 2xx, a 3xx that is not a redirect to a login page, or a validation
refusal (409, 422: the form was empty, the floor is in the wrong phase); *refused* is 403,
404 or a redirect to a login page, and a refused POST changes nothing in the database.
On "other", `other_instructor` is that simulation's owner and must be answered exactly as
`instructor` is on "own" (which also proves the "other" arguments reach a real object);
everyone else is an outsider there. A site superuser who is not a member is an outsider to
simulation content; the admin site is theirs.

POST bodies are the smallest that reach the permission check (an id of an object the check
is about, never a full valid form): "allowed" means "not refused for permission".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.core import consumers
from apps.core.groups import (
    group_for_channel,
    group_for_presence,
    group_for_session,
    group_for_session_staff,
    group_for_user,
)
from apps.proceedings.views import ACTIONS
from config.asgi import application
from config.routing import websocket_urlpatterns
from tests.security.conftest import ROLES, Side, World, committed, fingerprint

MODULE = "tests/security/test_permission_matrix.py"

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
STAFF = frozenset({"instructor", "co_instructor"})
FLOOR = STAFF | {"chair", "mediator"}  # session.chair: staff and the committee's chair/mediator
MEMBERS = FLOOR | {"delegate", "observer"}
ACTIVE = MEMBERS - {"observer"}  # observers only watch
CREATORS = frozenset({"instructor", "other_instructor"})  # instructors create simulations
NOBODY: frozenset[str] = frozenset()

Kwargs = Callable[[Side], dict[str, Any]]
Body = Callable[[Side], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    allowed: frozenset[str]  # roles allowed on "own" (or, for a route of no simulation, at all)
    kwargs: Kwargs | None = None  # None: the route belongs to no simulation
    body: Body | None = None
    variant: str = ""
    htmx: bool = False
    # What also counts as a refusal here, beyond 403/404/login (always with nothing changed).
    refusals: frozenset[int] = frozenset({403, 404})

    @property
    def label(self) -> str:
        return f"{self.route}[{self.variant}]" if self.variant else self.route

    def expects(self, role: str, target: str) -> bool:
        if target == "other":
            return role == "other_instructor" and "instructor" in self.allowed
        return role in self.allowed


def sim(s: Side) -> dict[str, Any]:
    return {"simulation_id": s.simulation.pk}


def committee(s: Side) -> dict[str, Any]:
    return {"simulation_id": s.simulation.pk, "committee_id": s.committee.pk}


def delegation(name: str) -> Kwargs:
    return lambda s: {"simulation_id": s.simulation.pk, "delegation_id": s.delegations[name].pk}


def seated_membership(s: Side) -> dict[str, Any]:
    return {
        "simulation_id": s.simulation.pk,
        "membership_id": s.membership(s.users["delegate"]).pk,
    }


def session(s: Side) -> dict[str, Any]:
    return {"session_id": s.session.pk}


def caucus_committee(s: Side) -> dict[str, Any]:
    return {"committee_id": s.committee.pk}


def channel(kind: str) -> Kwargs:
    return lambda s: {"channel_id": s.channels[kind].pk}


def of_delegation(field: str, name: str, **extra: Any) -> Body:
    return lambda s: {field: s.delegations[name].pk, **extra}


ROUTE_CASES: list[Case] = [
    # --- no simulation: public pages, accounts, the dashboard, one admin check -------------
    Case("home", "GET", EVERYONE),
    Case("healthz", "GET", EVERYONE),
    Case("accounts:join", "GET", EVERYONE),
    Case("accounts:join", "POST", EVERYONE),  # an empty form: 422
    Case("accounts:signup", "GET", EVERYONE),
    Case("accounts:signup", "POST", EVERYONE),
    Case("accounts:login", "GET", EVERYONE),
    Case("accounts:login", "POST", EVERYONE),
    Case("accounts:logout", "POST", EVERYONE),
    Case("delegations:dashboard", "GET", LOGGED_IN),
    Case("delegations:dashboard", "POST", CREATORS),
    Case("delegations:from_scenario", "POST", CREATORS),
    Case("admin:index", "GET", frozenset({"superuser"})),
    # --- a simulation, its committees and delegations ----------------------------------------
    Case("delegations:simulation", "GET", MEMBERS, sim),
    Case("delegations:settings", "POST", STAFF, sim),
    Case("delegations:join_instructions", "GET", STAFF, sim),
    Case("delegations:committee_create", "POST", STAFF, sim),
    Case("delegations:committee", "GET", MEMBERS, committee),
    Case("delegations:committee_update", "POST", STAFF, committee),
    Case("delegations:committee_delete", "POST", STAFF, committee),
    Case("delegations:delegation_create", "POST", STAFF, committee),
    Case("delegations:delegation", "GET", MEMBERS, delegation("Veridia")),
    Case("delegations:delegation", "POST", STAFF, delegation("Veridia")),
    Case("delegations:brief", "GET", STAFF | {"delegate"}, delegation("Veridia"), variant="mine"),
    Case("delegations:brief", "GET", STAFF, delegation("Osterland"), variant="another"),
    Case("delegations:delegation_delete", "POST", STAFF, delegation("Osterland")),
    # Norbek has a free seat. Only an unseated delegate may take one; the seated delegate is
    # told "you already have a seat" (a validation refusal, so "allowed" here).
    Case(
        "delegations:seat_take",
        "POST",
        frozenset({"delegate"}),
        sim,
        of_delegation("delegation", "Norbek"),
    ),
    Case("delegations:seat_assign", "POST", STAFF, seated_membership),
    Case("delegations:member_role", "POST", STAFF, seated_membership),
    # --- the lobby ------------------------------------------------------------------------------
    Case("lobby:post", "POST", ACTIVE, sim),
    Case("lobby:announce", "POST", STAFF, sim),
    # --- sessions and rules -----------------------------------------------------------------------
    Case("proceedings:session_create", "POST", FLOOR, committee),
    Case("proceedings:rules", "GET", MEMBERS, committee),
    Case("proceedings:rules", "POST", FLOOR, committee),
    # The mediation mode is the instructor's call: neither the chair nor a student mediator
    # may switch it through the rules editor's advanced JSON (refused: 403, or 422 saying so).
    Case(
        "proceedings:rules",
        "POST",
        STAFF,
        committee,
        lambda s: {"advanced": json.dumps({"mediation": {"mode": "facilitative"}})},
        variant="mediation",
        refusals=frozenset({403, 404, 422}),
    ),
    Case("proceedings:session", "GET", MEMBERS, session),
    Case("proceedings:projector", "GET", MEMBERS, session),
    # --- caucus -----------------------------------------------------------------------------------
    Case("caucus:room", "GET", MEMBERS, caucus_committee),
    Case("caucus:panel", "GET", MEMBERS, caucus_committee),
    Case(
        "caucus:open",
        "POST",
        frozenset({"delegate"}),  # a seated delegation with the right to open channels
        caucus_committee,
        lambda s: {"kind": "bilateral", "with": [s.delegations["Norbek"].pk]},
        variant="bilateral",
    ),
    Case(
        "caucus:open",
        "POST",
        frozenset({"delegate"}),
        caucus_committee,
        lambda s: {"kind": "note", "with": [s.delegations["Norbek"].pk]},
        variant="note",
    ),
    Case("caucus:mute", "POST", FLOOR, caucus_committee),
    # Posting (an empty body: 422 for whoever may post). Staff may *read* private channels
    # (the simulation allows it) but never post in them.
    Case("caucus:post", "POST", FLOOR | {"delegate"}, channel("plenary"), variant="plenary"),
    Case("caucus:post", "POST", frozenset({"delegate"}), channel("bloc_mine"), variant="bloc_mine"),
    Case("caucus:post", "POST", NOBODY, channel("bloc_theirs"), variant="bloc_theirs"),
    Case("caucus:post", "POST", frozenset({"mediator"}), channel("shuttle"), variant="shuttle"),
    Case("caucus:post", "POST", NOBODY, channel("note"), variant="note"),
    # Inviting and removing: staff, or the delegation that created the bloc room.
    Case(
        "caucus:invite",
        "POST",
        STAFF | {"delegate"},
        channel("bloc_mine"),
        of_delegation("with", "Norbek"),
        variant="bloc_mine",
    ),
    Case(
        "caucus:invite",
        "POST",
        STAFF,
        channel("bloc_theirs"),
        of_delegation("with", "Norbek"),
        variant="bloc_theirs",
    ),
    Case(
        "caucus:remove",
        "POST",
        STAFF | {"delegate"},
        channel("bloc_mine"),
        of_delegation("delegation", "Osterland"),
        variant="bloc_mine",
    ),
    Case(
        "caucus:remove",
        "POST",
        STAFF,
        channel("bloc_theirs"),
        of_delegation("delegation", "Calvia"),
        variant="bloc_theirs",
    ),
]


def act(action: str) -> Kwargs:
    return lambda s: {"session_id": s.session.pk, "action": action}


def entry(**extra: Any) -> Body:
    return lambda s: {"entry": s.entry.pk, **extra}


def motion(**extra: Any) -> Body:
    return lambda s: {"motion": s.motion.pk, **extra}


# One case per floor action of `proceedings:act` (the session is in general debate, Osterland
# has the floor, Calvia is on the speakers list, Osterland's motion to suspend is pending).
ACTION_CASES: dict[str, tuple[frozenset[str], Body | None]] = {
    "open": (FLOOR, None),
    "advance": (FLOOR, None),
    "end-phase": (FLOOR, None),
    "attendance": (FLOOR, of_delegation("delegation", "Norbek", status="present")),
    "speaker-add": (FLOOR | {"delegate"}, of_delegation("delegation", "Veridia")),
    "speaker-remove": (FLOOR, entry()),  # Calvia's entry: not the delegate's own
    "speaker-move": (FLOOR, entry(direction="up")),
    "speaker-next": (FLOOR, None),
    "speaker-extend": (FLOOR, lambda s: {"seconds": 30}),
    "speaker-end": (FLOOR, None),
    "speaker-yield": (FLOOR, lambda s: {"kind": "chair"}),  # Osterland's floor, not theirs
    "motion-move": (frozenset({"delegate"}), None),
    "motion-withdraw": (FLOOR, motion()),  # Osterland's motion, not the delegate's
    "motion-out-of-order": (FLOOR, motion()),
    "motion-entertain": (FLOOR, motion()),
    "vote": (frozenset({"delegate"}), motion(choice="yes")),
    "vote-close": (FLOOR, motion()),
    "agenda": (FLOOR, lambda s: {"topic": "Water rights on the Meru river"}),
    "mediation": (STAFF, lambda s: {"mode": "facilitative"}),
}
# Refusals the floor states as a rule of debate (422, nothing changed) rather than a 403.
RULE_REFUSALS = {"speaker-yield": frozenset({403, 404, 422})}

CASES: list[Case] = ROUTE_CASES + [
    Case(
        "proceedings:act",
        "POST",
        allowed,
        act(action),
        body,
        variant=action,
        htmx=True,
        refusals=RULE_REFUSALS.get(action, frozenset({403, 404})),
    )
    for action, (allowed, body) in ACTION_CASES.items()
]


def targets(case: Case) -> tuple[str, ...]:
    return ("own", "other") if case.kwargs else ("-",)


MATRIX = [
    pytest.param(case, role, target, id=f"{case.label}-{case.method}-{role}-{target}")
    for case in CASES
    for role in ROLES
    for target in targets(case)
]


# --- coverage: every route and every client message type has a case ---------------------------


def named_routes() -> tuple[set[str], list[str]]:
    """The URL conf's route names ("namespace:name"), and the patterns that have none;
    the admin site's internals are left out (one admin case covers them)."""
    names: set[str] = set()
    unnamed: list[str] = []

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    names.add("admin:index")
                    continue
                ns = pattern.namespace or ""
                inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name:
                    names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                else:
                    unnamed.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", "/")
    return names, unnamed


def test_every_route_has_a_case() -> None:
    names, unnamed = named_routes()
    assert not unnamed, f"Give these routes a name and a case in {MODULE}: {unnamed}"
    covered = {case.route for case in CASES}
    missing = sorted(names - covered)
    assert not missing, "\n".join(f"add a case for {name} to {MODULE}" for name in missing)
    gone = sorted(covered - names)
    assert not gone, f"These cases name routes that no longer exist: {gone}"


def test_every_floor_action_has_a_case() -> None:
    missing = sorted(set(ACTIONS) - set(ACTION_CASES))
    assert not missing, "\n".join(
        f"add a case for proceedings:act[{action}] to {MODULE}" for action in missing
    )
    assert not set(ACTION_CASES) - set(ACTIONS), "a case names a floor action that is gone"


def test_the_websocket_has_one_route_and_it_has_cases() -> None:
    routes = [str(pattern.pattern) for pattern in websocket_urlpatterns]
    # The last route is the catch-all that refuses any other path (config/routing.py).
    assert routes == ["ws/sim/<int:simulation_id>/", ""], (
        f"add cases for the websocket routes {routes} to {MODULE}"
    )


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/sim/abc/", "/ws/"])
async def test_an_unknown_websocket_path_is_refused_cleanly(path: str) -> None:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(
        application, path, headers=[(b"host", b"testserver"), (b"origin", b"http://testserver")]
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4404


def client_message_types() -> tuple[str, ...]:
    return tuple(getattr(consumers, "CLIENT_MESSAGE_TYPES", ("ping", "resume")))


def test_the_consumer_declares_the_message_types_it_accepts() -> None:
    declared = getattr(consumers, "CLIENT_MESSAGE_TYPES", None)
    assert declared is not None, "apps/core/consumers.py must declare CLIENT_MESSAGE_TYPES"
    assert {"ping", "resume"} <= set(declared)
    assert all(isinstance(kind, str) for kind in declared)


def test_every_client_message_type_has_a_case() -> None:
    missing = sorted(set(client_message_types()) - set(MESSAGE_CASES))
    assert not missing, "\n".join(f"add a case for {kind} to {MODULE}" for kind in missing)


# --- the HTTP matrix ------------------------------------------------------------------------------


def is_login_redirect(response: Any) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    login_pages = (str(settings.LOGIN_URL), reverse("admin:login"))
    return urlsplit(response["Location"]).path.startswith(login_pages)


def is_allowed(response: Any) -> bool:
    status = response.status_code
    if 200 <= status < 300 or status in (409, 422):
        return True
    return 300 <= status < 400 and not is_login_redirect(response)


def describe(response: Any) -> str:
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "role", "target"), MATRIX)
def test_each_route_answers_each_role_as_the_policy_says(
    world: World, case: Case, role: str, target: str
) -> None:
    side = world.side(target)
    url = reverse(case.route, kwargs=case.kwargs(side) if case.kwargs else None)
    client = world.client(role)
    headers = {"HX-Request": "true"} if case.htmx else {}
    expected = case.expects(role, target)
    if case.method == "GET":
        response = client.get(url, headers=headers)
    else:
        before = None if expected else fingerprint()
        response = client.post(url, case.body(side) if case.body else {}, headers=headers)
        if before is not None:
            assert fingerprint() == before, (
                f"{case.label} as {role} on {target}: refused ({describe(response)}) "
                "but the database changed"
            )
    what = f"{case.method} {case.label} as {role} on the {target} simulation"
    if expected:
        assert is_allowed(response), f"{what}: expected allowed, got {describe(response)}"
    else:
        refused = response.status_code in case.refusals or is_login_redirect(response)
        hint = (
            " (a superuser who is not a member is an outsider to simulation content)"
            if role == "superuser"
            else ""
        )
        assert refused, f"{what}: expected refused, got {describe(response)}{hint}"


# --- the websocket ----------------------------------------------------------------------------------

ORIGIN_HEADERS = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
PONG = '{"type": "pong"}'


def can_connect(role: str, target: str) -> bool:
    return role == "other_instructor" if target == "other" else role in MEMBERS


async def connect(world: World, role: str, side: Side) -> tuple[WebsocketCommunicator, bool, Any]:
    communicator = WebsocketCommunicator(
        application, f"/ws/sim/{side.simulation.pk}/", headers=ORIGIN_HEADERS
    )
    communicator.scope["user"] = world.users[role] or AnonymousUser()
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def until_pongs(communicator: WebsocketCommunicator, pongs: int = 1) -> list[str]:
    """Everything received until the `pongs`-th pong (the consumer answers in order)."""
    out: list[str] = []
    while pongs:
        text = await communicator.receive_from(timeout=5)
        if text == PONG:
            pongs -= 1
        else:
            out.append(text)
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
async def test_each_role_connects_to_the_websocket_only_as_a_member(
    world_db: World, role: str, target: str
) -> None:
    communicator, connected, code = await connect(world_db, role, world_db.side(target))
    if can_connect(role, target):
        assert connected, f"{role} could not connect to the {target} simulation (code {code})"
        await communicator.disconnect()
    else:
        assert not connected, f"{role} connected to the {target} simulation"
        assert code == consumers.CLOSE_FORBIDDEN


@dataclass(frozen=True)
class MessageCase:
    message: Callable[[Side], dict[str, Any]]
    served: Callable[[list[str]], bool]  # what was received answers the message
    pongs: int = 1  # pongs to wait for: the sentinel ping's, plus the message's own


MESSAGE_CASES: dict[str, MessageCase] = {
    "ping": MessageCase(lambda s: {"type": "ping"}, lambda out: True, pongs=2),
    "resume": MessageCase(
        lambda s: {"type": "resume", "streams": {"lobby": 0}},
        lambda out: any('data-stream="lobby"' in html for html in out),
    ),
}


async def exchange(communicator: WebsocketCommunicator, case: MessageCase, side: Side) -> bool:
    await communicator.send_json_to(case.message(side))
    await communicator.send_json_to({"type": "ping"})
    out = await until_pongs(communicator, case.pongs)
    assert not any('"type": "error"' in text for text in out), out
    return case.served(out)


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", client_message_types())
async def test_each_client_message_is_served_to_members_only(
    world_db: World, kind: str, role: str, target: str
) -> None:
    case = MESSAGE_CASES.get(kind)
    assert case is not None, f"add a case for {kind} to {MODULE}"
    side = world_db.side(target)
    communicator, connected, _ = await connect(world_db, role, side)
    if not can_connect(role, target):
        assert not connected, f"{role} connected to the {target} simulation"
        return
    assert connected
    assert await exchange(communicator, case, side), f"{kind} was not answered for {role}"
    await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", client_message_types())
async def test_each_client_message_is_refused_once_the_user_left_the_simulation(
    world_db: World, kind: str
) -> None:
    from channels.db import database_sync_to_async

    from apps.accounts.models import User
    from apps.delegations.models import Membership
    from tests.conftest import make_student

    case = MESSAGE_CASES.get(kind)
    assert case is not None, f"add a case for {kind} to {MODULE}"
    side = world_db.own
    student = await database_sync_to_async(make_student)(side.simulation, "Leaving soon")
    try:
        communicator = WebsocketCommunicator(
            application, f"/ws/sim/{side.simulation.pk}/", headers=ORIGIN_HEADERS
        )
        communicator.scope["user"] = student
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        # No service removes a member yet: the row goes, as an admin deleting it would.
        await database_sync_to_async(Membership.objects.filter(user=student).delete)()
        await communicator.send_json_to(case.message(side))
        output = await communicator.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}
    finally:
        await database_sync_to_async(User.objects.filter(pk=student.pk).delete)()


# Streams a page follows, what each is named, and which channel-layer groups it leads to.
# "replay": the roles that get the missed items on resume; "groups": for each group the
# stream may lead to, the roles that join it. The simulation lets staff read private channels.


@dataclass(frozen=True)
class StreamCase:
    name: Callable[[Side], str]
    replay: frozenset[str]
    groups: dict[str, tuple[Callable[[Side], str], frozenset[str]]]


def channel_stream(kind: str, readers: frozenset[str]) -> StreamCase:
    return StreamCase(
        name=lambda s: f"channel-{s.channels[kind].pk}",
        replay=readers,
        groups={"channel": (lambda s: group_for_channel(s.channels[kind].pk), readers)},
    )


STREAM_CASES: dict[str, StreamCase] = {
    "lobby": StreamCase(lambda s: "lobby", MEMBERS, {}),
    "presence": StreamCase(
        lambda s: f"presence-{s.simulation.pk}",
        NOBODY,  # a snapshot is pushed to the group on joining, nothing is replayed
        {"presence": (lambda s: group_for_presence(s.simulation.pk), MEMBERS)},
    ),
    "session": StreamCase(
        lambda s: f"session-{s.session.pk}",
        MEMBERS,
        {
            "chair console": (lambda s: group_for_session_staff(s.session.pk), FLOOR),
            "public floor": (lambda s: group_for_session(s.session.pk), MEMBERS - FLOOR),
        },
    ),
    "session_public": StreamCase(
        lambda s: f"session-{s.session.pk}:public",
        MEMBERS,
        {
            "chair console": (lambda s: group_for_session_staff(s.session.pk), NOBODY),
            "public floor": (lambda s: group_for_session(s.session.pk), MEMBERS),
        },
    ),
    "plenary": channel_stream("plenary", MEMBERS),
    "bloc_mine": channel_stream("bloc_mine", STAFF | {"delegate"}),
    "bloc_theirs": channel_stream("bloc_theirs", STAFF),
    "shuttle": channel_stream("shuttle", STAFF | {"chair", "mediator"}),
    "note": channel_stream("note", STAFF),
}
PRIVATE_STREAMS = ("bloc_mine", "bloc_theirs", "shuttle", "note")


async def follow(
    world: World, role: str, side: Side, streams: dict[str, int], groups: dict[str, str]
) -> tuple[list[str], set[str]]:
    """Connect as `role`, resume `streams`, and return what was replayed and which of
    `groups` (label → group name) the socket then receives pushes from."""
    communicator, connected, code = await connect(world, role, side)
    assert connected, f"{role} could not connect (code {code})"
    try:
        await communicator.send_json_to({"type": "resume", "streams": streams})
        await communicator.send_json_to({"type": "ping"})
        replayed = await until_pongs(communicator)
        layer = get_channel_layer()
        assert layer is not None
        for label, group in groups.items():
            await layer.group_send(
                group, {"type": "push.html", "html": f"<marker>{label}</marker>", "group": group}
            )
        # A push to the user's own group, sent last, arrives after any of the markers that
        # are delivered at all (one publisher, one subscriber connection: in order).
        user = world.users[role]
        assert user is not None
        mine = group_for_user(user.pk)
        await layer.group_send(mine, {"type": "push.html", "html": "<sentinel/>", "group": mine})
        received: set[str] = set()
        while (text := await communicator.receive_from(timeout=5)) != "<sentinel/>":
            for label in groups:
                if text == f"<marker>{label}</marker>":
                    received.add(label)
        # The presence snapshot pushed on joining is not a replay.
        return [html for html in replayed if 'class="presence"' not in html], received
    finally:
        await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stream", list(STREAM_CASES))
async def test_resume_joins_and_replays_each_stream_only_for_its_readers(
    world_db: World, stream: str, role: str, target: str
) -> None:
    case = STREAM_CASES[stream]
    side = world_db.side(target)
    if not can_connect(role, target):
        _, connected, _ = await connect(world_db, role, side)
        assert not connected, f"{role} connected to the {target} simulation"
        return
    as_role = "instructor" if role == "other_instructor" else role  # the owner of "other"
    groups = {label: group(side) for label, (group, _) in case.groups.items()}
    replayed, received = await follow(world_db, role, side, {case.name(side): 0}, groups)
    expected = {label for label, (_, readers) in case.groups.items() if as_role in readers}
    assert received == expected, f"{role} follows {sorted(received)} of the {stream} stream"
    if as_role in case.replay:
        assert replayed, f"{role} was replayed nothing of the {stream} stream"
    else:
        assert not replayed, f"{role} was replayed the {stream} stream: {replayed[:1]}"


@pytest.mark.django_db
@pytest.mark.parametrize("stream", [name for name in STREAM_CASES if name != "lobby"])
async def test_a_member_cannot_follow_another_simulations_streams_through_its_own_socket(
    world_db: World, stream: str
) -> None:
    case = STREAM_CASES[stream]
    other = world_db.other
    groups = {label: group(other) for label, (group, _) in case.groups.items()}
    # The instructor reads everything in their own simulation, nothing in the other.
    replayed, received = await follow(
        world_db, "instructor", world_db.own, {case.name(other): 0}, groups
    )
    assert (replayed, received) == ([], set())


@pytest.fixture
def private_channels_closed_to_staff(world_db: World) -> Iterator[World]:
    """The simulation stops letting staff read private channels (set back afterwards)."""
    from apps.delegations import services

    simulation = world_db.own.simulation
    owner = world_db.own.users["instructor"]

    def set_to(value: bool) -> None:
        services.simulation_update(
            simulation=simulation,
            by=owner,
            title=simulation.title,
            description=simulation.description,
            status=simulation.status,
            staff_can_read_private_channels=value,
        )

    committed(set_to, value=False)
    try:
        yield world_db
    finally:
        committed(set_to, value=True)


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(STAFF))
@pytest.mark.parametrize("stream", PRIVATE_STREAMS)
async def test_staff_follow_no_private_channel_when_the_simulation_does_not_allow_it(
    private_channels_closed_to_staff: World, stream: str, role: str
) -> None:
    world = private_channels_closed_to_staff
    case = STREAM_CASES[stream]
    side = world.own
    groups = {label: group(side) for label, (group, _) in case.groups.items()}
    assert await follow(world, role, side, {case.name(side): 0}, groups) == ([], set())
