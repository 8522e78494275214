"""Session pages and floor actions through the real views: every action answers htmx with the
parts of the floor it changed (out of band) and plain posts with a redirect, refusals come
back as 422 in the page's error slot, delegates cannot use the chair's controls, and pages
and pushes cost the same queries at any size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.core.groups import (
    group_for_session,
    group_for_session_delegation,
    group_for_session_seats,
    group_for_session_staff,
)
from apps.delegations import services as delegation_services
from apps.delegations.models import Committee, Delegation, Simulation
from apps.proceedings import fragments, selectors, services
from apps.proceedings.models import Attendance, Motion, Session, SpeakerEntry
from apps.proceedings.views import ACTIONS
from tests.conftest import make_student
from tests.proceedings.test_broadcast import top_level_elements

pytestmark = pytest.mark.django_db


def render_floor(session_id: int, *, staff: bool) -> str:
    """Every part of the floor as pushed to the chair's console or to the public floor."""
    floor = selectors.floor_context(session_id=session_id)
    assert floor is not None
    return fragments.render_parts(floor, fragments.EVERYTHING, staff=staff, since=floor.version)


STATES = [("Ghana", "GH"), ("Norway", "NO"), ("Brazil", "BR"), ("Japan", "JP"), ("Kenya", "KE")]


@dataclass
class Floor:
    """A UNA-USA committee of five states, two seated delegates, a session in general
    debate with everyone present. The instructor chairs."""

    instructor: User
    simulation: Simulation
    committee: Committee
    session: Session
    delegations: dict[str, Delegation] = field(default_factory=dict)
    delegates: dict[str, User] = field(default_factory=dict)

    def fresh(self) -> Session:
        return Session.objects.select_related("committee__simulation").get(pk=self.session.pk)

    def url(self, action: str) -> str:
        return reverse("proceedings:act", args=[self.session.pk, action])

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def seat(simulation: Simulation, delegation: Delegation, name: str) -> User:
    user = make_student(simulation, name)
    delegation_services.seat_take(simulation=simulation, by=user, delegation_id=delegation.pk)
    return user


def start_session(committee: Committee, by: User, present: list[int] | None = None) -> Session:
    session = services.session_create(committee=committee, by=by)
    services.session_open(session=session, by=by)
    ids = present if present is not None else [d.pk for d in committee.delegations.all()]
    for delegation_id in ids:
        services.attendance_set(
            session=session, by=by, delegation_id=delegation_id, status="present"
        )
    return services.phase_advance(session=session, by=by, to="general_debate")


@pytest.fixture
def floor(instructor: User, simulation: Simulation) -> Floor:
    committee = delegation_services.committee_create(
        simulation=simulation,
        by=instructor,
        name="Human Rights Council",
        preset_key="una_usa",
        agenda=["Freedom of expression online"],
    )
    delegations = {
        name: delegation_services.delegation_create(
            committee=committee, by=instructor, name=name, kind="member_state", country_code=code
        )
        for name, code in STATES
    }
    delegates = {
        "Ghana": seat(simulation, delegations["Ghana"], "Amina Diallo"),
        "Norway": seat(simulation, delegations["Norway"], "Lars Berg"),
    }
    session = start_session(committee, instructor)
    return Floor(instructor, simulation, committee, session, delegations, delegates)


# --- every action, through the view ---------------------------------------------------------

Prepare = Callable[[Floor], dict[str, Any]]


def _nothing(floor: Floor) -> dict[str, Any]:
    return {}


def _version(floor: Floor) -> dict[str, Any]:
    return {"version": floor.fresh().version}


def _not_started(floor: Floor) -> dict[str, Any]:
    # One sitting at a time: adjourn the fixture's, then create the next one.
    services.phase_advance(session=floor.session, by=floor.instructor, to="adjourned")
    floor.session = services.session_create(committee=floor.committee, by=floor.instructor)
    return {"version": floor.fresh().version}


def _listed(floor: Floor) -> dict[str, Any]:
    ghana = services.speaker_add(session=floor.session, by=floor.delegates["Ghana"])
    services.speaker_add(session=floor.session, by=floor.delegates["Norway"])
    return {"entry": ghana.pk, "direction": "down"}


def _speaking(floor: Floor) -> dict[str, Any]:
    _listed(floor)
    services.speaker_next(session=floor.session, by=floor.instructor)
    return {}


def _caucus(floor: Floor) -> dict[str, Any]:
    services.phase_advance(
        session=floor.session, by=floor.instructor, to="unmoderated_caucus", duration_s=600
    )
    return {"version": floor.fresh().version}


def _moved(floor: Floor) -> dict[str, Any]:
    motion = services.motion_move(
        session=floor.session,
        by=floor.delegates["Ghana"],
        kind="unmoderated_caucus",
        params={"duration_s": 600},
    )
    return {"motion": motion.pk, "version": floor.fresh().version}


def _voting(floor: Floor) -> dict[str, Any]:
    data = _moved(floor)
    services.motion_entertain(session=floor.session, by=floor.instructor, motion_id=data["motion"])
    return {"motion": data["motion"]}


@dataclass(frozen=True)
class Case:
    action: str
    by: str  # "chair" or a delegation name
    prepare: Prepare
    data: dict[str, Any]
    then: Callable[[Session], bool]
    part: str  # a part of the floor the answer carries: "floor-<session>-<part>"


def _motion_status(status: str) -> Callable[[Session], bool]:
    return lambda s: Motion.objects.get(session=s).status == status


CASES = [
    Case("open", "chair", _not_started, {}, lambda s: s.phase == "roll_call", "phase"),
    Case(
        "advance",
        "chair",
        _version,
        {"to": "unmoderated_caucus", "duration_min": "1.5"},
        lambda s: s.phase == "unmoderated_caucus" and s.machine.timer_s == 90,
        "phase",
    ),
    Case("end-phase", "chair", _caucus, {}, lambda s: s.phase == "general_debate", "phase"),
    Case(
        "attendance",
        "chair",
        lambda f: {"delegation": f.delegations["Kenya"].pk},
        {"status": "absent"},
        lambda s: Attendance.objects.filter(session=s, status="absent").count() == 1,
        "att",
    ),
    Case(
        "speaker-add",
        "Ghana",
        _nothing,
        {},
        lambda s: SpeakerEntry.objects.filter(session=s).count() == 1,
        "speakers",
    ),
    Case(
        "speaker-remove",
        "chair",
        _listed,
        {},
        lambda s: SpeakerEntry.objects.filter(session=s).count() == 1,
        "speakers",
    ),
    Case(
        "speaker-move",
        "chair",
        _listed,
        {},
        lambda s: (
            [e.delegation.name for e in SpeakerEntry.objects.filter(session=s)]
            == ["Norway", "Ghana"]
        ),
        "speakers",
    ),
    Case(
        "speaker-next",
        "chair",
        lambda f: {**_listed(f), **_version(f)},
        {},
        lambda s: s.speaker is not None and s.speaker.name == "Ghana",
        "speaker",
    ),
    Case(
        "speaker-extend",
        "chair",
        _speaking,
        {"seconds": "30"},
        lambda s: (
            s.speech_deadline is not None
            and s.speech_started_at is not None
            and (s.speech_deadline - s.speech_started_at).total_seconds() == 120
        ),
        "speaker",
    ),
    Case("speaker-end", "chair", _speaking, {}, lambda s: s.speaker is None, "speaker"),
    Case(
        "speaker-yield",
        "Ghana",
        _speaking,
        {"kind": "chair"},
        lambda s: s.speaker is None,
        "speaker",
    ),
    Case(
        "motion-move",
        "Ghana",
        _nothing,
        {
            "kind": "moderated_caucus",
            "duration_min": "10",
            "speaking_time_s": "45",
            "topic": "Press",
        },
        _motion_status("pending"),
        "motions",
    ),
    Case("motion-withdraw", "Ghana", _moved, {}, _motion_status("withdrawn"), "motions"),
    Case("motion-out-of-order", "chair", _moved, {}, _motion_status("out_of_order"), "motions"),
    Case("motion-entertain", "chair", _moved, {}, _motion_status("voting"), "vote"),
    Case(
        "vote",
        "Norway",
        _voting,
        {"choice": "yes"},
        lambda s: Motion.objects.get(session=s).votes.get().choice == "yes",
        "ballot",
    ),
    Case(
        "vote-close",
        "chair",
        _voting,
        {"counted": "on", "yes": "4", "no": "1"},
        lambda s: s.phase == "unmoderated_caucus",
        "phase",
    ),
    Case(
        "agenda",
        "chair",
        _nothing,
        {"topic": "Freedom of expression online"},
        lambda s: s.machine.agenda_item == "Freedom of expression online",
        "phase",
    ),
    Case(
        "mediation",
        "chair",
        _nothing,
        {"mode": "directive", "proximity": "on"},
        lambda s: s.mediation_mode == "directive" and s.proximity,
        "phase",
    ),
]


def test_the_cases_cover_every_action() -> None:
    assert sorted(c.action for c in CASES) == sorted(ACTIONS)


def _user(floor: Floor, who: str) -> User:
    return floor.instructor if who == "chair" else floor.delegates[who]


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_an_htmx_action_answers_with_the_parts_it_changed_out_of_band(
    floor: Floor, case: Case
) -> None:
    data = {**case.prepare(floor), **case.data}
    response = floor.client(_user(floor, case.by)).post(
        floor.url(case.action), data, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200, body
    # No main swap and no target: a push may have replaced the form that was sent.
    assert response["HX-Reswap"] == "none"
    assert "HX-Retarget" not in response
    assert f'id="floor-{floor.session.pk}-{case.part}' in body, body[:500]
    assert f'id="floor-{floor.session.pk}"' not in body  # never the whole floor
    # Every element of the answer is swapped out of band, by its own id.
    tops = top_level_elements(body)
    assert tops and all(attrs.get("hx-swap-oob") == "true" and attrs.get("id") for attrs in tops)
    # The answer clears the error slot of an earlier refusal.
    slot = f'<p id="action-error-{floor.session.pk}" class="form-error action-error" hx-swap-oob'
    assert slot in body
    assert case.then(floor.fresh())


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_a_plain_post_action_redirects_to_the_session_page(floor: Floor, case: Case) -> None:
    data = {**case.prepare(floor), **case.data}
    response = floor.client(_user(floor, case.by)).post(floor.url(case.action), data)
    assert response.status_code == 302
    assert response["Location"] == floor.session.get_absolute_url()
    assert case.then(floor.fresh())


REFUSALS = [
    ("open", "chair", {}, "already open"),
    ("agenda", "chair", {"topic": "  "}, "Choose the topic to take up."),
    ("advance", "chair", {"to": "nowhere"}, "Choose a phase."),
    ("advance", "chair", {"to": "adjourned", "version": "0"}, "The floor changed"),
    ("end-phase", "chair", {}, "Only a caucus or a suspension can be ended early."),
    ("attendance", "chair", {"delegation": "1", "status": "asleep"}, "Choose present"),
    ("speaker-remove", "chair", {"entry": "999"}, "no longer on the list"),
    ("speaker-move", "chair", {"entry": "999", "direction": "up"}, "no longer on the list"),
    ("speaker-next", "chair", {}, "The speakers list is empty."),
    ("speaker-extend", "chair", {"seconds": "2"}, "Extend by 5 seconds"),
    ("speaker-end", "chair", {}, "Nobody has the floor."),
    ("speaker-yield", "Ghana", {"kind": "chair"}, "Nobody has the floor."),
    ("motion-move", "Ghana", {"kind": "filibuster"}, "Choose a motion."),
    ("motion-withdraw", "Ghana", {"motion": "999"}, "no longer on the floor"),
    ("motion-out-of-order", "chair", {"motion": "999"}, "no longer on the floor"),
    ("motion-entertain", "chair", {"motion": "999"}, "no longer on the floor"),
    ("vote", "Ghana", {"motion": "999", "choice": "yes"}, "This vote is closed."),
    ("vote-close", "chair", {"motion": "999"}, "This vote is not open."),
    ("mediation", "chair", {"mode": "telepathic"}, "Choose facilitative"),
]


@pytest.mark.parametrize(
    ("action", "by", "data", "message"), REFUSALS, ids=[f"{r[0]}:{r[3]}" for r in REFUSALS]
)
def test_a_refused_htmx_action_answers_422_in_the_error_slot(
    floor: Floor, action: str, by: str, data: dict[str, Any], message: str
) -> None:
    before = floor.fresh()
    response = floor.client(_user(floor, by)).post(floor.url(action), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 422, body
    # Out of band into the page's slot: the form that was sent may be gone already.
    assert response["HX-Reswap"] == "none"
    assert "HX-Retarget" not in response
    slot = f'<p id="action-error-{floor.session.pk}" class="form-error action-error" role="alert"'
    assert slot in body
    assert 'hx-swap-oob="true"' in body
    assert message in body
    after = floor.fresh()
    assert (after.version, after.last_event_seq) == (before.version, before.last_event_seq)


def test_every_action_is_refused_somewhere() -> None:
    assert {r[0] for r in REFUSALS} >= set(ACTIONS) - {"speaker-add"}


def test_a_delegate_already_on_the_list_is_told_so(floor: Floor) -> None:
    ghana = floor.client(floor.delegates["Ghana"])
    assert ghana.post(floor.url("speaker-add"), HTTP_HX_REQUEST="true").status_code == 200
    response = ghana.post(floor.url("speaker-add"), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "already" in response.content.decode()


def test_a_refused_plain_post_redirects_with_the_reason_as_a_message(floor: Floor) -> None:
    client = floor.client(floor.instructor)
    response = client.post(floor.url("speaker-next"), follow=True)
    assert response.redirect_chain == [(floor.session.get_absolute_url(), 302)]
    assert "The speakers list is empty." in response.content.decode()


CHAIR_ONLY = [
    ("open", _version, {}),
    ("agenda", _nothing, {"topic": "Freedom of expression online"}),
    ("advance", _version, {"to": "unmoderated_caucus", "duration_min": "5"}),
    ("end-phase", _caucus, {}),
    ("attendance", lambda f: {"delegation": f.delegations["Ghana"].pk}, {"status": "absent"}),
    ("speaker-move", _listed, {}),
    ("speaker-next", _listed, {}),
    ("speaker-extend", _speaking, {"seconds": "30"}),
    ("speaker-end", _speaking, {}),
    ("motion-out-of-order", _moved, {}),
    ("motion-entertain", _moved, {}),
    ("vote-close", _voting, {}),
    ("mediation", _nothing, {"mode": "directive"}),
]


@pytest.mark.parametrize(("action", "prepare", "data"), CHAIR_ONLY, ids=[c[0] for c in CHAIR_ONLY])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_a_delegate_posting_a_chair_action_gets_403_and_changes_nothing(
    floor: Floor, action: str, prepare: Prepare, data: dict[str, Any], htmx: bool
) -> None:
    data = {**prepare(floor), **data}
    before = floor.fresh()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = floor.client(floor.delegates["Norway"]).post(floor.url(action), data, **headers)
    assert response.status_code == 403
    after = floor.fresh()
    assert (after.version, after.last_event_seq) == (before.version, before.last_event_seq)


def test_a_delegate_cannot_remove_another_delegation_from_the_list(floor: Floor) -> None:
    data = _listed(floor)
    response = floor.client(floor.delegates["Norway"]).post(
        floor.url("speaker-remove"), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert SpeakerEntry.objects.filter(session=floor.session).count() == 2


def test_an_unknown_action_is_404(floor: Floor) -> None:
    response = floor.client(floor.instructor).post(floor.url("dissolve-parliament"))
    assert response.status_code == 404


def test_an_outsider_gets_403_for_the_page_and_the_actions(floor: Floor, outsider: User) -> None:
    client = floor.client(outsider)
    assert client.get(floor.session.get_absolute_url()).status_code == 403
    assert client.post(floor.url("speaker-add"), HTTP_HX_REQUEST="true").status_code == 403


def test_an_action_needs_a_post(floor: Floor) -> None:
    assert floor.client(floor.instructor).get(floor.url("open")).status_code == 405


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("advance", {"to": "unmoderated_caucus", "duration_min": "abc"}, "in minutes"),
        ("advance", {"to": "unmoderated_caucus", "duration_min": "inf"}, "in minutes"),
        ("advance", {"to": "unmoderated_caucus", "duration_min": "nan"}, "in minutes"),
        ("advance", {"to": "unmoderated_caucus", "duration_min": "1e300"}, "7 days"),
        ("advance", {"to": "unmoderated_caucus", "duration_min": "-5"}, "in minutes"),
        ("advance", {"to": "moderated_caucus", "speaking_time_s": "x"}, "speaking time"),
        ("advance", {"to": "moderated_caucus", "speaking_time_s": "9" * 30}, "speaking time"),
        ("advance", {"to": "general_debate", "version": "v2"}, "version"),
        ("attendance", {"delegation": "Ghana", "status": "present"}, "delegation"),
        ("speaker-extend", {"seconds": "half a minute"}, "extension"),
        ("motion-entertain", {"motion": "1; DROP TABLE"}, "motion"),
        ("vote-close", {"motion": "1", "counted": "on", "yes": "many"}, "yes count"),
    ],
)
def test_bad_numbers_get_a_clear_message_not_a_500(
    floor: Floor, action: str, data: dict[str, Any], message: str
) -> None:
    response = floor.client(floor.instructor).post(floor.url(action), data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # An id or whole number that cannot be read is a 400 (apps.core.inputs); minutes a chair
    # types are read as a duration and refused (422) like any other duration out of range.
    assert response.status_code == (422 if "duration_min" in data else 400), body
    assert f'id="action-error-{floor.session.pk}"' in body  # shown in the page's error slot
    assert message.lower() in body.lower()


def test_a_delegate_moving_a_caucus_with_a_bad_duration_is_told_why(floor: Floor) -> None:
    client = floor.client(floor.delegates["Ghana"])
    for value, message in [("abc", "in minutes"), ("0.1", "at least"), ("500", "at most")]:
        response = client.post(
            floor.url("motion-move"),
            {"kind": "unmoderated_caucus", "duration_min": value},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 422
        assert message in response.content.decode(), (value, response.content.decode())
    response = client.post(
        floor.url("motion-move"),
        {"kind": "moderated_caucus", "duration_min": "10", "speaking_time_s": "ten"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400  # not a whole number: unreadable, said in the slot
    assert "speaking time" in response.content.decode().lower()


# --- pages ------------------------------------------------------------------------------


def test_the_chair_gets_the_console_and_a_delegate_the_delegate_screen(floor: Floor) -> None:
    _voting(floor)
    url = floor.session.get_absolute_url()
    console = floor.client(floor.instructor).get(url).content.decode()
    for control in ["Close the vote", 'class="roll-call"', "Move the floor", "chair-controls"]:
        assert control in console, control
    screen = floor.client(floor.delegates["Ghana"]).get(url).content.decode()
    for control in ["Close the vote", 'class="roll-call"', "Move the floor", "chair-controls"]:
        assert control not in screen, control
    assert "Move a motion or raise a point" in screen and "Add me to the speakers list" in screen
    # The delegate's own ballot, rendered for their delegation: its buttons, none pressed.
    motion = Motion.objects.get(session=floor.session)
    assert f'id="vote-yes-{motion.pk}" class="vote-yes" aria-pressed="false"' in screen


def test_the_projector_has_no_forms_even_for_the_chair(floor: Floor) -> None:
    _voting(floor)
    _speaking(floor)
    response = floor.client(floor.instructor).get(
        reverse("proceedings:projector", args=[floor.session.pk])
    )
    body = response.content.decode()
    floor_html = body[body.index(f'id="floor-{floor.session.pk}"') :]
    assert "<form" not in floor_html
    assert "Voting:" in floor_html and "Speaking time" in floor_html
    assert "data-follow-public" in body


def test_timers_show_the_time_left_before_the_script_runs(floor: Floor) -> None:
    _caucus(floor)
    body = floor.client(floor.delegates["Ghana"]).get(floor.session.get_absolute_url())
    text = body.content.decode()
    assert 'class="timer big"' in text
    assert ">10:00</time>" in text or ">9:59</time>" in text


# --- the pushed floor ---------------------------------------------------------------------


def test_the_public_floor_pushed_to_delegates_has_no_chair_controls(floor: Floor) -> None:
    _voting(floor)
    services.motion_move(
        session=floor.session,
        by=floor.delegates["Norway"],
        kind="moderated_caucus",
        params={"duration_s": 600, "speaking_time_s": 45, "topic": "Press freedom"},
    )
    _speaking(floor)
    public = render_floor(floor.session.pk, staff=False)
    staff = render_floor(floor.session.pk, staff=True)
    for control in [
        "Entertain",
        "Out of order",
        "Close the vote",
        "Move the floor",
        "Roll call",
        "Next speaker",
        "End speech",
        "+30 s",
        ": Present and voting",  # roll-call buttons' labels
        "act/attendance/",
        "act/motion-entertain/",
        "act/vote-close/",
    ]:
        assert control not in public, control
        assert control in staff, control
    # Both are the same parts, pushed out of band, numbered for the client's dedupe.
    for html in (public, staff):
        for part in ("phase", "speaker", "speakers", "vote", "motions", "journal"):
            assert f'id="floor-{floor.session.pk}-{part}"' in html, part
        assert 'hx-swap-oob="true"' in html
        assert f'data-stream-seq="{floor.fresh().last_event_seq}"' in html
        assert f'data-version="{floor.fresh().version}"' in html
        assert "csrfmiddlewaretoken" not in html  # htmx sends the page's token


# --- queries do not grow with the committee ---------------------------------------------


def _busy(session: Session, chair: User, delegates: list[User], delegations: list[Delegation]):
    """A few speakers, a pending motion, a vote in progress with placards, a decided motion."""
    for delegation in delegations[:4]:
        services.speaker_add(session=session, by=chair, delegation_id=delegation.pk)
    services.speaker_next(session=session, by=chair)
    decided = services.motion_move(
        session=session, by=delegates[0], kind="unmoderated_caucus", params={"duration_s": 300}
    )
    services.motion_rule_out_of_order(session=session, by=chair, motion_id=decided.pk)
    voting = services.motion_move(
        session=session,
        by=delegates[1],
        kind="unmoderated_caucus",
        params={"duration_s": 600},
    )
    services.motion_move(
        session=session,
        by=delegates[0],
        kind="moderated_caucus",
        params={"duration_s": 600, "speaking_time_s": 45, "topic": "Press freedom"},
    )
    services.motion_entertain(session=session, by=chair, motion_id=voting.pk)
    for delegate in delegates:
        services.motion_vote_cast(session=session, by=delegate, motion_id=voting.pk, choice="yes")


def _page_queries(session: Session, users: dict[str, User]) -> dict[str, int]:
    counts = {}
    pages = {
        "console": (users["chair"], session.get_absolute_url()),
        "delegate": (users["delegate"], session.get_absolute_url()),
        "projector": (users["chair"], reverse("proceedings:projector", args=[session.pk])),
    }
    for name, (user, url) in pages.items():
        client = logged_in(user)
        client.get(url)  # warm the session and the user's standing caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts[name] = len(queries.captured_queries)
    # What one change pushes: the floor read once, rendered for the chair, the public and
    # each seated delegation (here every part, every delegation: the most a change pushes).
    with CaptureQueriesContext(connection) as queries:
        state = selectors.floor_context(session_id=session.pk)
        assert state is not None
        fragments.push_for(state, fragments.EVERYTHING, since=state.version)
    counts["pushes"] = len(queries.captured_queries)
    return counts


def test_pages_use_as_many_queries_for_195_delegations_as_for_5(
    floor: Floor, instructor: User
) -> None:
    small = floor
    _busy(
        small.session,
        instructor,
        [small.delegates["Ghana"], small.delegates["Norway"]],
        list(small.delegations.values()),
    )
    small_counts = _page_queries(
        small.session, {"chair": instructor, "delegate": small.delegates["Ghana"]}
    )

    assembly = delegation_services.simulation_from_scenario(
        owner=instructor, slug="general-assembly"
    )
    committee = assembly.committees.get()
    members = list(committee.delegations.order_by("position"))
    assert len(members) >= 195
    states = [d for d in members if d.kind == "member_state"]
    delegates = [seat(assembly, states[i], name) for i, name in enumerate(["Ama", "Bo", "Cyd"])]
    session = start_session(committee, instructor, present=[d.pk for d in states[:10]])
    _busy(session, instructor, delegates, states)
    large_counts = _page_queries(session, {"chair": instructor, "delegate": delegates[0]})

    assert large_counts == small_counts, (small_counts, large_counts)
    # Sessions, user, standing (2), the session, then one query per kind of row on the floor.
    assert max(small_counts[page] for page in ("console", "delegate", "projector")) <= 11, (
        small_counts
    )
    # The session, its delegations, five kinds of rows, the delegations with a delegate.
    assert small_counts["pushes"] <= 8, small_counts


# --- who follows which floor ----------------------------------------------------------------


def test_the_projector_stream_follows_the_public_floor_even_for_the_chair(floor: Floor) -> None:
    session, sim = floor.session, floor.simulation.pk
    stream = f"session-{session.pk}"
    chair, delegate = floor.instructor, floor.delegates["Ghana"]
    assert selectors.session_groups(user=chair, simulation_id=sim, stream=stream) == [
        group_for_session_staff(session.pk)
    ]
    for user in (chair, delegate):
        assert selectors.session_groups(
            user=user, simulation_id=sim, stream=f"{stream}:public"
        ) == [group_for_session(session.pk)]
    _moved(floor)
    (replayed,) = fragments.session_replay(
        user=chair, simulation_id=sim, after=0, limit=200, stream=f"{stream}:public"
    )
    assert "Entertain" not in replayed and "<form" not in replayed
    (console,) = fragments.session_replay(
        user=chair, simulation_id=sim, after=0, limit=200, stream=stream
    )
    assert "Entertain" in console


def test_a_delegate_follows_the_public_floor_and_their_own_delegations_fragments(
    floor: Floor,
) -> None:
    session, sim = floor.session, floor.simulation.pk
    stream = f"session-{session.pk}"
    ghana = floor.delegations["Ghana"]
    # The public floor, the delegation's own fragments, and those of every delegation with
    # the same rights (a member state speaks, moves motions and votes: "111").
    assert selectors.session_groups(
        user=floor.delegates["Ghana"], simulation_id=sim, stream=stream
    ) == [
        group_for_session(session.pk),
        group_for_session_delegation(session.pk, ghana.pk),
        group_for_session_seats(session.pk, "111"),
    ]
    # On the projector (the public variant) a delegate follows no delegation's fragments.
    assert selectors.session_groups(
        user=floor.delegates["Ghana"], simulation_id=sim, stream=f"{stream}:public"
    ) == [group_for_session(session.pk)]


def test_an_outsider_follows_no_floor(floor: Floor, outsider: User) -> None:
    for stream in (f"session-{floor.session.pk}", f"session-{floor.session.pk}:public"):
        assert (
            selectors.session_groups(
                user=outsider, simulation_id=floor.simulation.pk, stream=stream
            )
            == []
        )


def test_the_delegates_actions_follow_the_phase(floor: Floor) -> None:
    """The actions pushed to a delegation when the phase changes offer what is in order."""

    def actions() -> str:
        state = selectors.floor_context(session_id=floor.session.pk)
        assert state is not None
        (seat,) = selectors.seated_delegations(
            committee_id=floor.committee.pk, only=frozenset({floor.delegations["Ghana"].pk})
        )
        ghana = state.delegation_view(seat)
        return fragments.render_own(state, ghana, actions=True)

    debate = actions()
    assert 'hx-swap-oob="true"' in debate and "Add me to the speakers list" in debate
    assert "Motion for an unmoderated caucus" in debate
    services.phase_advance(
        session=floor.session, by=floor.instructor, to="unmoderated_caucus", duration_s=600
    )
    caucus = actions()
    assert (
        "Add me to the speakers list" not in caucus and "No speakers list in this phase" in caucus
    )
    assert "Motion for an unmoderated caucus" not in caucus
    assert "Motion to extend the caucus" in caucus
