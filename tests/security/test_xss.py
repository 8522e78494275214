"""No user text runs as code: a corpus of XSS payloads put in every text field a user fills
shows as inert text on every page that displays it and in every fragment pushed over a real
websocket (through the Redis layer); invisible and direction-changing characters are
refused; the CSP and htmx's configuration forbid inline code and eval.

Each payload carries a marker unique to the field it was typed in (`qzx0307`: field 3,
payload 7). A page is inert when every marker in it sits in text or in a text attribute
(`value`, `aria-label`...): never in a tag or attribute the payload created, an event
handler, a `javascript:` URL, an htmx attribute or a script. Every marker must show up
somewhere, or the page that should display it was not checked.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from apps.accounts.models import User
from apps.caucus import services as caucus
from apps.caucus.models import Channel, Message
from apps.delegations import services
from apps.delegations.models import Committee, Delegation, Membership, Simulation
from apps.lobby import services as lobby
from apps.lobby.models import Announcement, LobbyMessage
from apps.proceedings import services as proceedings
from apps.proceedings.models import Event, Session
from tests.security.abuse_helpers import Sockets, client_of, committed_world

db = database_sync_to_async

# Each at most 60 characters with its marker (a display name's limit).
CORPUS = (
    '<script>alert("{m}")</script>',
    '<img src=x onerror=alert("{m}")>',
    '<svg onload=alert("{m}")>',
    "<iframe src=\"javascript:alert('{m}')\">",
    '"><b onmouseover=alert("{m}")>x',
    "'><b onfocus=alert('{m}') autofocus>",
    'javascript:alert("{m}")',
    "<a href=\"javascript:alert('{m}')\">go</a>",
    '<div hx-get="/{m}" hx-trigger="load">h</div>',
    "<b hx-on:click=\"alert('{m}')\">h</b>",
    "{{{{7*7}}}}{m}{{% debug %}}",
    "${{7*7}}#{{7*7}}<%= 7*7 %>{m}",
    '</textarea><script>alert("{m}")</script>',
    "<style>@import'//x.example/{m}'</style>",
    '<details open ontoggle=alert("{m}")>',
    "www.x.example/\"onmouseover=\"alert('{m}')",
    "<math><mi xlink:href=\"javascript:alert('{m}')\">m",
    "</title><script>alert('{m}')</script>",
    '<base href="//x.example/{m}/">',
    '<meta http-equiv="refresh" content="0;url=//x.to/{m}">',
    '<form action="//x.to/{m}"><button>go</button></form>',
    "<!--{m}--><p title='a' data-x=\"{m}\">c</p>",
)
# Characters that make text display unlike what it holds, or that no text should carry.
TRICKS = {
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200b",
    "byte order mark": "\ufeff",
    "NUL": "\x00",
    "escape": "\x1b",
}

MARKER = re.compile(r"qzx\d{4}")
# Attributes where escaped text of a user legitimately lands.
TEXT_ATTRIBUTES = frozenset(
    {"value", "placeholder", "title", "aria-label", "alt", "label", "data-confirm"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "background", "data"}
)


def payloads(field_no: int, limit: int) -> list[str]:
    """The corpus marked for one field, packed into values of at most `limit` characters."""
    marked = [p.format(m=f"qzx{field_no:02d}{i:02d}") for i, p in enumerate(CORPUS)]
    values: list[str] = []
    for payload in marked:
        if values and len(values[-1]) + 1 + len(payload) <= limit:
            values[-1] += " " + payload
        else:
            values.append(payload)
    return values


# --- what "inert" means ---------------------------------------------------------------------------


class Inspector(HTMLParser):
    """Walks a page the way a browser's parser would and notes every place a marker (so a
    payload) became markup rather than text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.raw_text: str | None = None  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, raw in attrs:
            value = raw or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an event handler")
            if MARKER.search(name):
                self.problems.append(f"<{tag} {name}>: an attribute made by a payload")
            if name in URL_ATTRIBUTES and _dangerous_url(tag, value):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>: a script URL")
            if MARKER.search(value) and not _text_attribute(name, value):
                self.problems.append(f"<{tag} {name}={value[:60]!r}>: a payload in markup")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>: a script not served by us")
        if tag in {"script", "style"}:
            self.raw_text = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.raw_text = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self.raw_text:
            self.raw_text = None

    def handle_data(self, data: str) -> None:
        if self.raw_text and MARKER.search(data):
            self.problems.append(f"<{self.raw_text}> holding {data[:60]!r}")
        for evaluated in re.findall(r"49qzx\d{4}", data):
            self.problems.append(f"a template evaluated a payload: {evaluated}")

    def handle_comment(self, data: str) -> None:
        if MARKER.search(data):
            self.problems.append(f"<!--{data[:60]}-->: a comment made by a payload")


def _text_attribute(name: str, value: str) -> bool:
    if name in TEXT_ATTRIBUTES:
        return True
    # urlize turns "www.x.example/..." in a message into a link: fine while it stays http(s).
    return name == "href" and value.startswith(("http://", "https://"))


def _dangerous_url(tag: str, value: str) -> bool:
    compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
    if compact.startswith("data:image/") and tag == "img":
        return False
    return compact.startswith(("javascript:", "vbscript:", "data:"))


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def assert_inert(documents: dict[str, str]) -> None:
    found = {where: problems_in(html) for where, html in documents.items()}
    assert {where: p for where, p in found.items() if p} == {}


def markers_in(texts: Any) -> set[str]:
    return {m for text in texts for m in MARKER.findall(text)}


# --- a simulation where every text field holds the corpus ---------------------------------------


@dataclass
class Filled:
    """A simulation whose text fields were all typed in over HTTP with the corpus."""

    owner: User
    simulation: Simulation
    committee: Committee
    session: Session
    delegates: dict[str, User]  # by delegation pk as a string, the student seated there
    delegation_ids: list[int]
    chair: User
    plenary: Channel
    bloc: Channel
    note: Channel
    note_author: User  # seated in "Aland", which passes notes to "Bland"
    stored: set[str] = field(default_factory=set)  # every marker the fields accepted
    answers: dict[str, str] = field(default_factory=dict)  # what each refused write answered
    field_no: int = 0

    def next_field(self, limit: int) -> list[str]:
        self.field_no += 1
        return payloads(self.field_no, limit)

    def delegate(self, index: int) -> User:
        return list(self.delegates.values())[index]


def why(response: Any) -> str:
    """The reasons a page gives (its alerts and flashed messages), for assertion messages."""
    html = response.content.decode()
    found = re.findall(r'(?:role="alert"|class="flash-[a-z]+")[^>]*>(.*?)</', html, re.S)
    return f"{response.status_code}: {found or html[:300]}"


def _post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, data, **extra)


def fill() -> Filled:
    """Every write through its page's form (the path a student or instructor takes)."""
    anonymous = Client()
    signup = payloads(1, 60)[0]
    response = anonymous.post(
        "/accounts/signup/",
        {
            "username": "okafor",
            "email": "okafor@example.org",
            "display_name": signup,
            "password1": "a-long-test-password-1",
            "password2": "a-long-test-password-1",
        },
    )
    assert response.status_code == 302, why(response)
    owner = User.objects.get(username="okafor")
    staff = client_of(owner)

    titles = payloads(2, 200)
    for title in titles:
        assert (
            _post(staff, "/sims/", {"title": title, "description": "\n".join(titles)}).status_code
            == 302
        )
    simulation = Simulation.objects.filter(owner=owner).order_by("pk").first()
    assert simulation is not None
    sim = f"/sims/{simulation.pk}"

    names, bodies = payloads(3, 120), payloads(4, 200)
    agenda = payloads(5, 200)
    for i, name in enumerate(names):
        data = {"name": name, "body": bodies[i % len(bodies)], "preset_key": "una_usa"}
        if i == 0:
            data["agenda"] = "\n".join(agenda)
        assert _post(staff, f"{sim}/committees/new/", data).status_code == 302
    committee = Committee.objects.filter(simulation=simulation).order_by("pk").first()
    assert committee is not None

    delegation_names = payloads(6, 120)
    brief = "\n".join(payloads(7, 10_000))
    for name in delegation_names:
        data = {
            "name": name,
            "kind": "member_state",
            "fictional": "on",
            "seats": "3",
            "brief": brief,
        }
        response = _post(staff, f"{sim}/committees/{committee.pk}/delegations/new/", data)
        assert response.status_code == 302
    # Two with short names for the note thread (see the test on long names below).
    for short in ("Aland", "Bland"):
        services.delegation_create(
            committee=committee, by=owner, name=short, kind="member_state", fictional=True
        )
    delegations = list(Delegation.objects.filter(committee=committee).order_by("pk"))

    filled = Filled(
        owner=owner,
        simulation=simulation,
        committee=committee,
        session=None,  # type: ignore[arg-type]  # opened below
        delegates={},
        delegation_ids=[d.pk for d in delegations],
        chair=None,  # type: ignore[arg-type]
        plenary=None,  # type: ignore[arg-type]
        bloc=None,  # type: ignore[arg-type]
        note=None,  # type: ignore[arg-type]
        note_author=None,  # type: ignore[arg-type]
        field_no=7,
    )
    filled.stored |= markers_in(
        [signup, *titles, *names, *bodies, *agenda, *delegation_names, brief]
    )

    # Students join with the corpus as their names; the first ones take a seat each.
    students: list[User] = []
    for name in filled.next_field(60):
        joiner = Client()
        response = joiner.post("/join/", {"code": simulation.join_code, "display_name": name})
        assert response.status_code == 302, why(response)
        students.append(User.objects.get(display_name=" ".join(name.split())))
        filled.stored |= markers_in([name])
    assert len(students) > len(delegations)  # one each, and one left to chair
    for student, delegation in zip(students[:-1], delegations, strict=False):
        response = client_of(student).post(f"{sim}/seat/", {"delegation": delegation.pk})
        assert response.status_code == 302
        filled.delegates[str(delegation.pk)] = student
    chair_membership = Membership.objects.get(simulation=simulation, user=students[-1])
    response = staff.post(
        f"{sim}/members/{chair_membership.pk}/role/", {"role": "chair", "committee": committee.pk}
    )
    assert response.status_code == 302
    filled.chair = User.objects.get(pk=students[-1].pk)

    first, second = filled.delegate(0), filled.delegate(1)
    # Bloc rooms named with the corpus (the creator invites the second delegation).
    for name in filled.next_field(80):
        response = client_of(first).post(
            f"/committees/{committee.pk}/caucus/open/",
            {"kind": "bloc", "name": name, "with": [delegations[1].pk]},
        )
        assert response.status_code == 302
        filled.stored |= markers_in([name])
    filled.bloc = Channel.objects.filter(committee=committee, kind="bloc").order_by("pk").first()  # type: ignore[assignment]
    filled.note_author = filled.delegates[str(delegations[-2].pk)]
    response = client_of(filled.note_author).post(
        f"/committees/{committee.pk}/caucus/open/", {"kind": "note", "with": [delegations[-1].pk]}
    )
    assert response.status_code == 302
    filled.note = Channel.objects.get(committee=committee, kind="note")
    filled.plenary = caucus.plenary_ensure(committee=committee)

    # Messages on the floor, in the bloc room and in notes (before the session moderates).
    writes = [
        (filled.plenary, first, 1000),
        (filled.bloc, second, 2000),
        (filled.note, filled.note_author, 300),
    ]
    for channel, author, limit in writes:
        for body in filled.next_field(limit):
            response = client_of(author).post(
                f"/channels/{channel.pk}/post/", {"body": body}, HTTP_HX_REQUEST="true"
            )
            assert response.status_code == 200, why(response)
            filled.stored |= markers_in([body])

    # The lobby: a post, an announcement posted now and one still pending.
    for body in filled.next_field(2000):
        response = client_of(second).post(
            f"{sim}/lobby/post/", {"body": body}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        filled.stored |= markers_in([body])
    for delay in (0, 3600):
        for body in filled.next_field(2000):
            response = staff.post(
                f"{sim}/lobby/announce/",
                {"body": body, "delay_seconds": delay},
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200
            filled.stored |= markers_in([body])
    for announcement in Announcement.objects.filter(simulation=simulation, message__isnull=True):
        lobby.announcement_post_if_due(announcement_id=announcement.pk)

    # A session in general debate: topics taken up from the console, points raised.
    session = proceedings.session_create(committee=committee, by=filled.chair)
    session = proceedings.session_open(session=session, by=filled.chair)
    for delegation in delegations:
        proceedings.attendance_set(
            session=session, by=filled.chair, delegation_id=delegation.pk, status="present"
        )
    session = proceedings.phase_advance(session=session, by=filled.chair, to="general_debate")
    filled.session = session
    chair = client_of(filled.chair)
    for topic in filled.next_field(200):
        response = chair.post(
            f"/sessions/{session.pk}/act/agenda/", {"topic": topic}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200, why(response)
        filled.stored |= markers_in([topic])
    # The last two delegations keep no motion pending: the other tests move theirs.
    movers = [client_of(s) for s in list(filled.delegates.values())[:-2]]
    for i, topic in enumerate(filled.next_field(200)):
        response = movers[i % len(movers)].post(
            f"/sessions/{session.pk}/act/motion-move/",
            {"kind": "point_of_order", "topic": topic},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200, why(response)
        filled.stored |= markers_in([topic])

    # The rules editor: free text in the advanced JSON, and numbers that are not numbers.
    rules_url = f"{sim}/committees/{committee.pk}/rules/"
    texts = filled.next_field(200)
    response = staff.post(
        rules_url, {"advanced": json.dumps({"name": texts[0], "description": " ".join(texts)})}
    )
    filled.answers["rules (advanced)"] = response.content.decode()
    if response.status_code == 302:
        filled.stored |= markers_in(texts)
    for value in filled.next_field(60)[:6]:
        response = staff.post(rules_url, {"default_speaking_time_s": value, "quorum": value})
        filled.answers[f"rules ({value[:20]})"] = response.content.decode()
        assert response.status_code in {400, 422}
    # A country code is two characters: what is refused is said back, escaped.
    for code in ("<b", '">', "'<"):
        response = staff.post(
            f"{sim}/committees/{committee.pk}/delegations/new/",
            {"name": "Codeland", "kind": "member_state", "country_code": code, "seats": 1},
            follow=True,
        )
        filled.answers[f"country code {code}"] = response.content.decode()
    return filled


@pytest.fixture(scope="module")
def filled(django_db_setup: None, django_db_blocker: Any) -> Iterator[Filled]:
    with committed_world(django_db_blocker, fill) as built:
        yield built


def pages(filled: Filled) -> dict[str, str]:
    """Every page that shows what was typed, as the instructor, a delegate and the chair."""
    sim = f"/sims/{filled.simulation.pk}"
    committee = f"{sim}/committees/{filled.committee.pk}/"
    caucus_room = f"/committees/{filled.committee.pk}/caucus/"
    delegation = next(iter(filled.delegates))
    committees = [
        f"{sim}/committees/{pk}/"
        for pk in Committee.objects.filter(simulation=filled.simulation).values_list(
            "pk", flat=True
        )
    ]
    urls = {
        "instructor": [
            "/sims/",
            f"{sim}/",
            f"{sim}/join-instructions/",
            *committees,
            f"{sim}/delegations/{delegation}/",
            f"{sim}/delegations/{delegation}/brief/",
            f"{caucus_room}?channel={filled.bloc.pk}",
            f"{sim}/committees/{filled.committee.pk}/rules/",
            f"/sessions/{filled.session.pk}/",
            f"/sessions/{filled.session.pk}/projector/",
        ],
        "delegate": [
            "/sims/",
            f"{sim}/",
            committee,
            f"{sim}/delegations/{delegation}/",
            f"{sim}/delegations/{delegation}/brief/",
            caucus_room,
            f"{caucus_room}panel/?channel={filled.note.pk}",
            f"/sessions/{filled.session.pk}/",
        ],
        "chair": [
            f"/sessions/{filled.session.pk}/",
            f"{sim}/committees/{filled.committee.pk}/rules/",
        ],
    }
    users = {"instructor": filled.owner, "delegate": filled.delegate(0), "chair": filled.chair}
    documents: dict[str, str] = {}
    for who, paths in urls.items():
        client = client_of(users[who])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            documents[f"{who} {path}"] = response.content.decode()
    return documents


@pytest.mark.django_db
def test_every_payload_shows_as_inert_text_on_every_page_that_displays_it(filled: Filled) -> None:
    documents = pages(filled)

    assert_inert(documents)
    assert_inert(filled.answers)
    assert sorted(filled.stored - markers_in(documents.values())) == []


@pytest.mark.django_db
def test_what_a_refused_form_gives_back_is_escaped(filled: Filled) -> None:
    """A refusal shows what was typed, to be fixed: as text, never as markup."""
    sim = f"/sims/{filled.simulation.pk}"
    typed = payloads(90, 60)
    answers = {
        "plenary, too long": client_of(filled.delegate(0)).post(
            f"/channels/{filled.plenary.pk}/post/",
            {"body": " ".join(typed) * 3},
            HTTP_HX_REQUEST="true",
        ),
        "lobby, too long": client_of(filled.delegate(0)).post(
            f"{sim}/lobby/post/", {"body": " ".join(typed) * 3}, HTTP_HX_REQUEST="true"
        ),
        "join, wrong code": Client().post(
            "/join/", {"code": typed[0][:32], "display_name": typed[1]}
        ),
        "delegation, no kind": client_of(filled.owner).post(
            f"{sim}/delegations/{next(iter(filled.delegates))}/",
            {"name": typed[2][:120], "seats": 9},
        ),
    }
    documents = {}
    for where, response in answers.items():
        assert response.status_code == 422, (where, response.status_code)
        documents[where] = response.content.decode()
    assert_inert(documents)
    assert markers_in(documents.values()), "the refusals did not show what was typed"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["bilateral", "note"])
def test_a_pair_channel_between_delegations_with_the_longest_names_opens(
    filled: Filled, kind: str
) -> None:
    """A pair channel is named after both delegations: two names of the 120 characters a
    delegation name may have must not overflow the channel's name (a 500 before)."""
    first, second = filled.delegation_ids[0], filled.delegation_ids[1]
    for pk, letter in ((first, "A"), (second, "B")):
        Delegation.objects.filter(pk=pk).update(name=f"{letter} Republic of " + "x" * 106)
    client = client_of(filled.delegate(0))
    client.raise_request_exception = False

    response = client.post(
        f"/committees/{filled.committee.pk}/caucus/open/", {"kind": kind, "with": [second]}
    )

    assert response.status_code == 302, why(response)
    channel = Channel.objects.get(
        committee=filled.committee, kind=kind, pair_key=f"{first}-{second}"
    )
    assert 0 < len(channel.name) <= 80


# --- pushed fragments, through the real Redis layer -------------------------------------------


@pytest.fixture
def live(filled: Filled, db: None, settings: Any) -> Filled:
    """For a test whose writes run in other threads (committed by their own connections)."""
    settings.CAUCUS_USER_LIMIT = 10_000
    settings.CAUCUS_CHANNEL_LIMIT = 10_000
    return filled


def push_everything(filled: Filled, field_no: int) -> set[str]:
    """A message on each channel, a lobby post, a topic and a point: each pushes fragments."""
    sent: set[str] = set()
    second = filled.delegate(1)
    for channel, author, limit in (
        (filled.plenary, filled.chair, 1000),
        (filled.bloc, second, 2000),
        (filled.note, filled.note_author, 300),
    ):
        body = payloads(field_no, limit)[0]
        field_no += 1
        response = client_of(author).post(
            f"/channels/{channel.pk}/post/", {"body": body}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200, why(response)
        sent |= markers_in([body])
    body = payloads(field_no, 2000)[0]
    response = client_of(second).post(
        f"/sims/{filled.simulation.pk}/lobby/post/", {"body": body}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    sent |= markers_in([body])
    topic = payloads(field_no + 1, 200)[0]
    response = client_of(filled.chair).post(
        f"/sessions/{filled.session.pk}/act/agenda/", {"topic": topic}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    sent |= markers_in([topic])
    topic = payloads(field_no + 2, 200)[0]
    mover = filled.delegate(-1)
    response = client_of(mover).post(
        f"/sessions/{filled.session.pk}/act/motion-move/",
        {"kind": "point_of_order", "topic": topic},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, why(response)
    sent |= markers_in([topic])
    return sent


async def test_every_pushed_fragment_carries_payloads_only_as_inert_text(live: Filled) -> None:
    filled = live
    streams = {
        f"channel-{filled.plenary.pk}": 10_000,
        f"channel-{filled.bloc.pk}": 10_000,
        f"channel-{filled.note.pk}": 10_000,
        f"session-{filled.session.pk}": 10_000,
        "lobby": 10_000,
    }
    readers = [filled.delegate(0), filled.delegate(1), filled.note_author]
    async with Sockets() as sockets:
        followers = [
            await sockets.open(await db(User.objects.get)(pk=u.pk), filled.simulation.pk)
            for u in readers
        ]
        for socket in followers:
            assert socket is not None
            await socket.resume(streams)

        sent = await db(push_everything)(filled, 80)

        # Each socket gets what its user may read: wait until all of it came, somewhere.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            received = [f for socket in followers if socket for f in socket.frames]
            if not sent - markers_in(received):
                break
            for socket in followers:
                assert socket is not None
                await socket.drain(0.1)
        frames: dict[str, str] = {}
        for n, socket in enumerate(followers):
            assert socket is not None
            await socket.drain(0.3)
            for i, frame in enumerate(socket.frames):
                frames[f"socket {n} frame {i}"] = frame
    assert_inert(frames)
    assert sorted(sent - markers_in(frames.values())) == []


# --- what no text may hold ---------------------------------------------------------------------


def quiet(user: User | None) -> Client:
    """A client that answers a server error with its 500 page instead of raising it."""
    client = client_of(user)
    client.raise_request_exception = False
    return client


def _write(filled: Filled, what: str, text: str) -> Any:
    """One write of `text` into the field `what`, through its form; the response."""
    sim = f"/sims/{filled.simulation.pk}"
    delegate, staff = quiet(filled.delegate(0)), quiet(filled.owner)
    htmx: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
    if what == "display name":
        return quiet(None).post(
            "/join/", {"code": filled.simulation.join_code, "display_name": text}
        )
    if what == "caucus message":
        return delegate.post(f"/channels/{filled.bloc.pk}/post/", {"body": text}, **htmx)
    if what == "note":
        author = quiet(filled.note_author)
        return author.post(f"/channels/{filled.note.pk}/post/", {"body": text}, **htmx)
    if what == "lobby post":
        return delegate.post(f"{sim}/lobby/post/", {"body": text}, **htmx)
    if what == "announcement":
        return staff.post(f"{sim}/lobby/announce/", {"body": text, "delay_seconds": 60}, **htmx)
    if what == "agenda topic":
        return quiet(filled.chair).post(
            f"/sessions/{filled.session.pk}/act/agenda/", {"topic": text}, **htmx
        )
    if what == "point":
        return quiet(filled.delegate(-2)).post(
            f"/sessions/{filled.session.pk}/act/motion-move/",
            {"kind": "point_of_order", "topic": text},
            **htmx,
        )
    if what == "delegation name":
        return staff.post(
            f"{sim}/delegations/{next(iter(filled.delegates))}/",
            {"name": text, "kind": "member_state", "fictional": "on", "seats": 3},
        )
    if what == "bloc room name":
        return delegate.post(
            f"/committees/{filled.committee.pk}/caucus/open/",
            {"kind": "bloc", "name": text, "with": [filled.delegation_ids[1]]},
        )
    if what == "committee name":
        return staff.post(
            f"{sim}/committees/new/", {"name": text, "preset_key": "una_usa", "agenda": text}
        )
    raise AssertionError(what)


def _count(model: Any, lookup: str) -> Any:
    return lambda needle: model.objects.filter(**{lookup: needle}).count()


def _events_saying(needle: str) -> int:
    """Events whose sentence holds the text (sentences are rendered when read, from the
    typed payload: apps/proceedings/event_kinds.py)."""
    return sum(needle.lower() in event.text.lower() for event in Event.objects.all())


# How many rows of each field hold a text: what a write stored.
STORED = {
    "display name": _count(User, "display_name__contains"),
    "caucus message": _count(Message, "body__contains"),
    "note": _count(Message, "body__contains"),
    "lobby post": _count(LobbyMessage, "body__contains"),
    "announcement": _count(Announcement, "body__contains"),
    "agenda topic": lambda needle: _events_saying(needle),
    "point": lambda needle: _events_saying(needle),
    "delegation name": _count(Delegation, "name__contains"),
    "bloc room name": _count(Channel, "name__contains"),
    "committee name": _count(Committee, "name__contains"),
}
# Where a refusal re-renders its form with the reason: 422. The forms on the simulation and
# caucus pages redirect back with the reason flashed instead; refused all the same.
ANSWERED_422 = (
    "display name",
    "caucus message",
    "note",
    "lobby post",
    "announcement",
    "agenda topic",
    "point",
    "delegation name",
)


@pytest.mark.django_db
@pytest.mark.parametrize("what", list(STORED))
def test_invisible_and_direction_changing_characters_are_refused_in_every_text(
    filled: Filled, settings: Any, what: str
) -> None:
    settings.CAUCUS_USER_LIMIT = 10_000
    settings.CAUCUS_CHANNEL_LIMIT = 10_000
    wrong: dict[str, Any] = {}
    for n, (name, char) in enumerate(TRICKS.items()):
        needle = f"Tricky{n:02d}"
        response = _write(filled, what, f"{needle} {char}name{char} here")
        stored = STORED[what](needle)
        expected = {422} if what in ANSWERED_422 else {422, 302}
        if response.status_code not in expected or stored:
            wrong[name] = (response.status_code, f"{stored} stored")
    assert wrong == {}
    # The same text without the trick goes through: the refusal is about the character.
    response = _write(filled, what, "Tricky99 plain name here")
    assert response.status_code in {200, 302}, why(response)
    assert STORED[what]("Tricky99") == 1


# --- the browser side: no inline code, no eval -----------------------------------------------


@pytest.mark.django_db
def test_the_csp_forbids_inline_code_and_htmx_may_not_eval(filled: Filled) -> None:
    response = client_of(filled.delegate(0)).get(f"/sims/{filled.simulation.pk}/")
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )

    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    script_src = directives.get("script-src") or directives["default-src"]
    assert script_src.split() == ["'self'"], script_src
    assert "*" not in directives.get("default-src", "")
    assert directives.get("object-src", directives["default-src"]) in {"'none'", "'self'"}
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] in {"'self'", "'none'"}

    html = response.content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta, "htmx is configured by a meta tag"
    config = json.loads(meta.group(1))
    assert config["allowEval"] is False  # no hx-on, no js: in hx-vals, no eval'd triggers
    assert config["allowScriptTags"] is False  # swapped-in <script> tags never run
    assert config["includeIndicatorStyles"] is False  # no inline <style> the CSP refuses
    assert problems_in(html) == []  # and the page itself has no inline script or handler
