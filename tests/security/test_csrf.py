"""Cross-site request forgery: every form that changes something needs the CSRF token.

Django's test client skips the check unless asked (`enforce_csrf_checks=True`), so the rest of
the suite would pass without it. Each case posts what the page's own form (or htmx, with the
`X-CSRFToken` header the page sets on <body>) sends: without the token it is refused and
changes nothing; with the token from the page it goes through, so these tests fail if the
protection is ever switched off, and also if it breaks the forms.

Django (5.2) also checks the Origin header whenever a browser sends one, over plain HTTP too:
a request from another site's page is refused even with a valid token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from apps.accounts.models import User
from apps.caucus.models import Message
from apps.delegations.models import Membership
from apps.lobby.models import LobbyMessage
from apps.proceedings.models import Session
from tests.conftest import make_student
from tests.security.conftest import Side, World, fingerprint

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Form:
    """A form of the site: who uses it, the page it is on, where it posts, what it sends,
    and how to tell it worked."""

    role: str  # a role of the world, "anonymous", or "newcomer" (a student without a seat)
    page: Callable[[Side], str]
    action: Callable[[Side], str]
    body: Callable[[Side], dict[str, Any]]
    htmx: bool  # the token travels in the X-CSRFToken header (htmx) or in the form
    worked: Callable[[Side, Any], bool]  # (side, response) -> the post did its job


def session_page(s: Side) -> str:
    return f"/sessions/{s.session.pk}/"


def simulation_page(s: Side) -> str:
    return f"/sims/{s.simulation.pk}/"


def speaker_changed(s: Side, response: Any) -> bool:
    return Session.objects.get(pk=s.session.pk).speaker_id != s.session.speaker_id


def joined(s: Side, response: Any) -> bool:
    return (
        response.status_code == 302
        and Membership.objects.filter(simulation=s.simulation, user__display_name="Jonas").exists()
    )


FORMS: dict[str, Form] = {
    "floor action": Form(
        "chair",
        session_page,
        lambda s: f"/sessions/{s.session.pk}/act/speaker-next/",
        lambda s: {},
        htmx=True,
        worked=speaker_changed,
    ),
    "caucus message": Form(
        "chair",
        lambda s: f"/committees/{s.committee.pk}/caucus/",
        lambda s: f"/channels/{s.channels['plenary'].pk}/post/",
        lambda s: {"body": "The chair opens the floor."},
        htmx=True,
        worked=lambda s, r: Message.objects.filter(body="The chair opens the floor.").exists(),
    ),
    "rules editor": Form(
        "instructor",
        lambda s: f"/sims/{s.simulation.pk}/committees/{s.committee.pk}/rules/",
        lambda s: f"/sims/{s.simulation.pk}/committees/{s.committee.pk}/rules/",
        lambda s: {"advanced": '{"speakers": {"default_speaking_time_s": 75}}'},
        htmx=False,
        worked=lambda s, r: (
            s.committee.__class__.objects.get(pk=s.committee.pk).rules["speakers"][
                "default_speaking_time_s"
            ]
            == 75
        ),
    ),
    "join form": Form(
        "anonymous",
        lambda s: f"/join/?code={s.simulation.join_code}",
        lambda s: "/join/",
        lambda s: {"code": s.simulation.join_code, "display_name": "Jonas"},
        htmx=False,
        worked=joined,
    ),
    "lobby post": Form(
        "delegate",
        simulation_page,
        lambda s: f"/sims/{s.simulation.pk}/lobby/post/",
        lambda s: {"body": "Veridia proposes a coffee break."},
        htmx=True,
        worked=lambda s, r: LobbyMessage.objects.filter(
            body="Veridia proposes a coffee break."
        ).exists(),
    ),
    "seat take": Form(
        "newcomer",
        simulation_page,
        lambda s: f"/sims/{s.simulation.pk}/seat/",
        lambda s: {"delegation": s.delegations["Norbek"].pk},
        htmx=False,
        worked=lambda s, r: Membership.objects.filter(
            simulation=s.simulation, user__display_name="Newcomer", delegation__name="Norbek"
        ).exists(),
    ),
}


def csrf_client(world: World, role: str) -> Client:
    client = world.client("anonymous" if role == "newcomer" else role, enforce_csrf_checks=True)
    if role == "newcomer":
        user: User = make_student(world.own.simulation, "Newcomer")
        client.force_login(user)
    return client


def token_from(client: Client, page: str) -> str:
    """Open the form's page as a browser would; its CSRF cookie holds the token."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    cookie = client.cookies.get(settings.CSRF_COOKIE_NAME)
    assert cookie is not None and cookie.value, f"{page} set no CSRF cookie"
    return cookie.value


def post(client: Client, form: Form, side: Side, token: str | None, **headers: str) -> Any:
    data = form.body(side)
    if form.htmx:
        headers["HX-Request"] = "true"
        if token is not None:
            headers["X-CSRFToken"] = token
    elif token is not None:
        data["csrfmiddlewaretoken"] = token
    return client.post(form.action(side), data, headers=headers)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    world: World, name: str
) -> None:
    form, side = FORMS[name], world.own
    client = csrf_client(world, form.role)
    token_from(client, form.page(side))  # the cookie is there; the post leaves the token out
    before = fingerprint()
    response = post(client, form, side, token=None)
    assert response.status_code == 403, f"{name}: {response.status_code}"
    assert fingerprint() == before
    assert not form.worked(side, response)


@pytest.mark.parametrize("name", list(FORMS))
def test_a_post_with_the_pages_csrf_token_goes_through(world: World, name: str) -> None:
    form, side = FORMS[name], world.own
    client = csrf_client(world, form.role)
    token = token_from(client, form.page(side))
    response = post(client, form, side, token)
    assert response.status_code != 403, f"{name}: refused with the token"
    assert form.worked(side, response), f"{name}: {response.status_code} but nothing happened"


@pytest.mark.parametrize("name", list(FORMS))
def test_a_post_from_another_sites_page_is_refused_even_with_a_valid_token(
    world: World, name: str
) -> None:
    form, side = FORMS[name], world.own
    client = csrf_client(world, form.role)
    token = token_from(client, form.page(side))
    before = fingerprint()
    for origin in ("http://evil.example", "null", "https://testserver"):
        response = post(client, form, side, token, Origin=origin)
        assert response.status_code == 403, f"{name} from {origin}: {response.status_code}"
    assert fingerprint() == before


@pytest.mark.parametrize("name", list(FORMS))
def test_a_post_from_the_sites_own_page_passes_the_origin_check(world: World, name: str) -> None:
    form, side = FORMS[name], world.own
    client = csrf_client(world, form.role)
    token = token_from(client, form.page(side))
    response = post(client, form, side, token, Origin="http://testserver")
    assert response.status_code != 403, f"{name}: refused from the site's own origin"
    assert form.worked(side, response)


def test_over_https_a_post_without_origin_or_referer_is_refused(world: World) -> None:
    """Without an Origin header Django falls back to the Referer over HTTPS: a post that
    names neither (a stripped Referer) is refused there, even with the token."""
    form, side = FORMS["floor action"], world.own
    client = csrf_client(world, form.role)
    token = token_from(client, form.page(side))
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    url = form.action(side)
    assert client.post(url, {}, headers=headers, secure=True).status_code == 403
    elsewhere = {**headers, "Referer": "https://evil.example/page"}
    assert client.post(url, {}, headers=elsewhere, secure=True).status_code == 403
    assert not form.worked(side, None)
    own = {**headers, "Referer": f"https://testserver{form.page(side)}"}
    assert client.post(url, {}, headers=own, secure=True).status_code == 200
    assert form.worked(side, None)
