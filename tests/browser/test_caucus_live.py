"""Caucusing live, in three browsers: two parties on phones and the mediator on a laptop.

The Kaldera peace talks, with the session's mediation set to directive without proximity
(so that the parties may also meet in a bloc room): the government opens a bloc room with the
Northern Lakes Front, the Front passes the government a note, the envoy opens a shuttle to the
government. Everyone sees what they should, live, with no reload, and nothing else.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from apps.accounts.models import User
from apps.caucus.models import Channel
from apps.proceedings import services as proceedings
from tests.browser.conftest import LAPTOP, PHONE, shot
from tests.caucus.helpers import Talks, build_talks

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_forms(page) -> None:  # noqa: ANN001 - a Playwright page
    """Unfold "Open a channel" the way a person does, if it is folded."""
    details = page.locator("#open-channels-details")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()


def page_of(browser: Any, server: str, user: User, phone: bool) -> Page:
    client = Client()
    client.force_login(user)
    extra: dict[str, Any] = {"is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(viewport=PHONE if phone else LAPTOP, base_url=server, **extra)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )
    return context.new_page()


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling at 390 px."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (page.url, width)


def never_reloaded(page: Page) -> None:
    """The mark set on the page at the start is still there: no navigation since."""
    assert page.evaluate("window.__stayed === true"), page.url


def stay(page: Page) -> None:
    page.evaluate("window.__stayed = true")


def tab(page: Page, name: str) -> Locator:
    return page.locator("#channel-list a", has_text=name)


def unread(page: Page, name: str) -> Locator:
    return tab(page, name).locator(".unread")


def send(page: Page, channel: Channel, text: str) -> None:
    box = page.locator(f"#channel-box-{channel.pk}")
    box.get_by_role("textbox").fill(text)
    box.get_by_role("button", name="Send").click()
    expect(box.locator(".channel-feed")).to_contain_text(text)
    expect(box.get_by_role("textbox")).to_have_value("")
    expect(box.get_by_role("textbox")).to_be_focused()  # ready for the next one


@pytest.fixture
def talks(instructor: User) -> Talks:
    talks = build_talks(instructor)
    session = proceedings.session_create(committee=talks.committee, by=instructor)
    proceedings.mediation_set(session=session, by=instructor, mode="directive", proximity=False)
    return talks


def test_a_bloc_room_a_note_and_a_shuttle_reach_exactly_their_members_live(
    browser: Any, server: str, talks: Talks
) -> None:
    url = f"/committees/{talks.committee.pk}/caucus/"
    government, front, mediator = (
        talks.delegation(short).name for short in ("government", "nlf", "envoy")
    )
    gov = page_of(browser, server, talks.delegate("government"), phone=True)
    nlf = page_of(browser, server, talks.delegate("nlf"), phone=True)
    envoy = page_of(browser, server, talks.delegate("envoy"), phone=False)
    for page in (gov, envoy):
        page.goto(url)
        expect(page.locator(".live-status")).to_have_text("Live")
        stay(page)
    shot(gov, "caucus-phone-start")
    fits_the_phone(gov)

    # 1. The government opens a bloc room with the Front, through the form; the Front is
    #    not connected yet, and its presence dot says so.
    open_forms(gov)
    gov.get_by_label("Name").fill("Northern corridor")
    gov.locator("#bloc-with").select_option(label=front)
    gov.get_by_role("button", name="Open bloc room").click()
    expect(tab(gov, "Northern corridor")).to_have_attribute("aria-current", "true")
    room = Channel.objects.get(kind="bloc")
    dot = gov.locator(f'#channel-box-{room.pk} [data-presence="{talks.delegation("nlf").pk}"]')
    own_dot = gov.locator(
        f'#channel-box-{room.pk} [data-presence="{talks.delegation("government").pk}"]'
    )
    expect(own_dot).to_have_class(re.compile(r"\bonline\b"))
    expect(dot).not_to_have_class(re.compile(r"\bonline\b"))
    expect(tab(envoy, "Northern corridor")).to_have_count(0)
    stay(gov)  # (the government navigated: it submitted the form)

    # 2. The Front opens the room page: its dot turns online on the government's phone.
    nlf.goto(url)
    expect(nlf.locator(".live-status")).to_have_text("Live")
    stay(nlf)
    expect(dot).to_have_class(re.compile(r"\bonline\b"))
    expect(dot).to_have_attribute("title", "online")

    # 3. A message in the room: the Front is on the plenary tab, so the room's tab gets an
    #    unread badge; it opens the room, reads and answers.
    send(gov, room, "Can we talk about the corridor before the envoy arrives?")
    expect(unread(nlf, "Northern corridor")).to_have_text("1")
    expect(unread(nlf, "Northern corridor")).to_be_visible()
    shot(nlf, "caucus-phone-unread")
    tab(nlf, "Northern corridor").click()
    expect(nlf.locator(f"#channel-box-{room.pk}")).to_contain_text("before the envoy arrives")
    expect(unread(nlf, "Northern corridor")).to_be_hidden()
    send(nlf, room, "Yes: autonomy first, then the corridor.")
    expect(gov.locator(f"#channel-box-{room.pk}")).to_contain_text("autonomy first")
    box = gov.locator(f"#channel-box-{room.pk}")
    box.locator("summary", has_text="Members").click()
    expect(box.get_by_role("button", name="Invite")).to_be_visible()
    shot(gov, "caucus-phone-bloc")
    fits_the_phone(gov)

    # 4. The government passes the Front a note: it arrives on the Front's page live, as a
    #    new tab with its unread badge (a pair channel is called after the other side).
    open_forms(gov)
    gov.locator("#note-with").select_option(label=front)
    gov.get_by_role("button", name="Open note thread").click()
    note = Channel.objects.get(kind="note")
    expect(tab(gov, front)).to_have_attribute("aria-current", "true")
    stay(gov)
    send(gov, note, "Off the record: we could accept district councils.")
    expect(tab(nlf, government)).to_be_visible()
    expect(unread(nlf, government)).to_have_text("1")
    expect(envoy.locator(f"#channel-tab-{note.pk}")).to_have_count(0)
    shot(nlf, "caucus-phone-note")

    # 5. The envoy opens a shuttle to the government, which sees it arrive live.
    never_reloaded(envoy)
    open_forms(envoy)
    envoy.locator("#shuttle-with").select_option(label=government)
    envoy.get_by_role("button", name="Open shuttle").click()
    shuttle = Channel.objects.get(kind="shuttle")
    expect(tab(envoy, government)).to_have_attribute("aria-current", "true")
    send(envoy, shuttle, "What would the government accept on the north?")
    expect(unread(gov, mediator)).to_have_text("1")
    expect(nlf.locator(f"#channel-tab-{shuttle.pk}")).to_have_count(0)
    tab(gov, mediator).click()
    expect(gov.locator(f"#channel-box-{shuttle.pk}")).to_contain_text("accept on the north")
    send(gov, shuttle, "District councils, and 15 per cent of the oil revenue.")
    expect(envoy.locator(f"#channel-box-{shuttle.pk}")).to_contain_text("15 per cent")
    shot(gov, "caucus-phone-shuttle")
    shot(envoy, "caucus-laptop-shuttle")

    # Each sees only their channels, and the receiving pages never reloaded.
    assert tab_names(gov) == ["Plenary floor", "Northern corridor", mediator, front]
    assert tab_names(nlf) == ["Plenary floor", "Northern corridor", government]
    assert tab_names(envoy) == ["Plenary floor", government]
    assert "Off the record" not in envoy.content()
    assert "per cent of the oil" not in nlf.content()
    for page in (gov, nlf):  # (the envoy navigated: it opened the shuttle)
        never_reloaded(page)
        fits_the_phone(page)


def tab_names(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#channel-list .channel-name").all_inner_texts()]


def test_in_proximity_talks_a_partys_phone_offers_only_a_note_to_the_mediator(
    browser: Any, server: str, instructor: User
) -> None:
    talks = build_talks(instructor)  # as shipped: directive mediation, proximity talks
    page = page_of(browser, server, talks.delegate("prm"), phone=True)
    page.goto(f"/committees/{talks.committee.pk}/caucus/")
    expect(page.locator(".live-status")).to_have_text("Live")

    expect(
        page.get_by_text("proximity talks (the parties talk through the mediator)")
    ).to_be_visible()
    for button in ("Open bloc room", "Open bilateral", "Open shuttle"):
        expect(page.get_by_role("button", name=button)).to_have_count(0)
    options = page.locator("#note-with option").all_inner_texts()
    assert options == [talks.delegation("envoy").name]
    fits_the_phone(page)
    shot(page, "caucus-phone-proximity")
