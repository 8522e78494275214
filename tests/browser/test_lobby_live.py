"""Two people, two browsers: one posts, the other sees it appear without reloading."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from apps.accounts.models import User
from apps.delegations.models import Simulation
from tests.browser.conftest import LAPTOP, PHONE, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def logged_in_context(browser, server: str, user: User, viewport: dict):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, base_url=server)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )
    return context


def test_a_student_joins_on_a_phone_and_messages_cross_between_windows_live(
    browser, server: str, instructor: User, simulation: Simulation
) -> None:
    teacher = logged_in_context(browser, server, instructor, LAPTOP).new_page()
    teacher.goto(f"/sims/{simulation.pk}/")
    expect(teacher.locator(".live-status")).to_have_text("Live")
    expect(teacher.locator(".join-code")).to_have_text(simulation.join_code)

    phone = browser.new_context(
        viewport=PHONE, base_url=server, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto("/")
    phone.get_by_label("Join code").fill(simulation.join_code.lower())
    phone.get_by_label("Your name").fill("Amina Diallo")
    shot(phone, "phone-join")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name=simulation.title)).to_be_visible()
    expect(phone.locator(".live-status")).to_have_text("Live")

    phone.get_by_role("textbox", name="Message").fill("Hello from the delegation of Ghana")
    phone.get_by_role("button", name="Send").click()
    expect(teacher.locator("#lobby-messages")).to_contain_text("Hello from the delegation of Ghana")
    expect(phone.locator("#lobby-messages li[data-seq]")).to_have_count(
        1
    )  # not duplicated by the echo
    expect(phone.get_by_role("textbox", name="Message")).to_have_value("")

    teacher.get_by_role("textbox", name="Message").fill("Welcome! Session starts in 5 minutes.")
    teacher.get_by_role("textbox", name="Message").press("Enter")
    expect(phone.locator("#lobby-messages")).to_contain_text("Session starts in 5 minutes")
    # The phone layout does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "phone-lobby")
    shot(teacher, "laptop-lobby")


def test_an_empty_message_is_refused_with_a_message_on_the_form(
    browser, server: str, instructor: User, simulation: Simulation
) -> None:
    page = logged_in_context(browser, server, instructor, PHONE).new_page()
    page.goto(f"/sims/{simulation.pk}/")
    page.evaluate("document.getElementById('lobby-body').removeAttribute('required')")
    page.get_by_role("textbox", name="Message").fill("   ")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("the message is empty")


def test_a_wrong_join_code_is_explained_on_the_form(
    browser, server: str, simulation: Simulation
) -> None:
    page = browser.new_context(viewport=PHONE, base_url=server).new_page()
    page.goto("/join/")
    page.get_by_label("Join code").fill("QQQQQQ")
    page.get_by_label("Your name").fill("Amina")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_contain_text("No open simulation has this code")
    shot(page, "phone-join-error")


def test_joining_navigates_to_the_simulation_page_not_into_the_form(
    browser, server: str, simulation: Simulation
) -> None:
    page = browser.new_context(viewport=PHONE, base_url=server).new_page()
    page.goto("/")
    page.get_by_label("Join code").fill(simulation.join_code)
    page.get_by_label("Your name").fill("Amina")
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(f"{server}/sims/{simulation.pk}/")
    expect(page.locator("header.site-header")).to_have_count(1)
