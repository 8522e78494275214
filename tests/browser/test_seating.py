"""From a scenario to two seated students on phones, each reading only their own brief."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.delegations.models import Delegation, Simulation
from tests.browser.conftest import LAPTOP, PHONE, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GOVERNMENT = "Government of the Republic of Kaldera"
FRONT = "Northern Lakes Front"
# A phrase of each brief, found in no other.
BRIEF_PHRASE = {
    GOVERNMENT: "You represent President Adaran's government.",
    FRONT: "the movement of the northern lake peoples",
}


def logged_in_context(browser, server: str, user: User, viewport: dict):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, base_url=server)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )
    return context


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling at 390 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def join_on_a_phone(browser, server: str, code: str, name: str) -> Page:
    phone = browser.new_context(
        viewport=PHONE, base_url=server, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto("/")
    phone.get_by_label("Join code").fill(code)
    phone.get_by_label("Your name").fill(name)
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="Choose your delegation")).to_be_visible()
    return phone


def take_seat(phone: Page, delegation: str) -> None:
    phone.get_by_role("button", name=f"Take a seat in {delegation}").click()
    expect(phone.get_by_role("heading", name=f"You represent {delegation}")).to_be_visible()


def test_an_instructor_starts_the_peace_talks_and_two_students_read_only_their_own_briefs(
    browser, server: str, instructor: User
) -> None:
    teacher = logged_in_context(browser, server, instructor, LAPTOP).new_page()
    teacher.goto("/sims/")
    teacher.get_by_role("radio", name=re.compile("Kaldera peace talks")).check()
    shot(teacher, "seating-1-dashboard")
    teacher.get_by_role("button", name="Create from scenario").click()
    expect(teacher.get_by_role("heading", name=re.compile("Kaldera peace talks"))).to_be_visible()
    code = teacher.locator(".join-code").inner_text().strip()
    simulation = Simulation.objects.get(join_code=code)
    assert simulation.owner == instructor and simulation.scenario_slug == "peace-talks"
    shot(teacher, "seating-2-simulation-staff")

    amina = join_on_a_phone(browser, server, code.lower(), "Amina Diallo")
    fits_the_phone(amina)
    shot(amina, "seating-3-phone-choose-seat")
    kofi = join_on_a_phone(browser, server, code, "Kofi Mensah")

    take_seat(amina, GOVERNMENT)
    take_seat(kofi, FRONT)
    fits_the_phone(amina)
    shot(amina, "seating-4-phone-seated")

    for phone, own, other in ((amina, GOVERNMENT, FRONT), (kofi, FRONT, GOVERNMENT)):
        phone.get_by_role("button", name="Read your confidential brief").click()
        expect(phone.get_by_role("heading", name=own)).to_be_visible()
        expect(phone.get_by_text(BRIEF_PHRASE[own])).to_be_visible()
        expect(phone.get_by_text(BRIEF_PHRASE[other])).to_have_count(0)
        fits_the_phone(phone)
        other_brief = Delegation.objects.get(committee__simulation=simulation, name=other)
        response = phone.goto(f"/sims/{simulation.pk}/delegations/{other_brief.pk}/brief/")
        assert response is not None and response.status == 403
        expect(phone.get_by_text(BRIEF_PHRASE[other])).to_have_count(0)
    shot(kofi, "seating-6-phone-other-brief-refused")
    amina.go_back()
    shot(amina, "seating-5-phone-brief")

    # The full delegation offers no seat to a third student; the instructor sees both seated.
    teacher.reload()
    expect(teacher.locator("#participants")).to_contain_text("Amina Diallo")
    expect(teacher.locator("#participants")).to_contain_text("Kofi Mensah")
    shot(teacher, "seating-7-simulation-staff-seated")


def test_the_instructors_simulation_page_fits_a_phone(
    browser, server: str, instructor: User
) -> None:
    from apps.delegations.services import simulation_from_scenario

    simulation = simulation_from_scenario(owner=instructor, slug="peace-talks")
    page = logged_in_context(browser, server, instructor, PHONE).new_page()
    page.goto(f"/sims/{simulation.pk}/")
    expect(page.locator(".join-code")).to_have_text(simulation.join_code)
    fits_the_phone(page)
    shot(page, "seating-8-phone-simulation-staff")
    committee = simulation.committees.get()
    page.goto(committee.get_absolute_url())
    fits_the_phone(page)
    shot(page, "seating-9-phone-committee-staff")
    delegation = committee.delegations.first()
    assert delegation is not None
    page.goto(f"/sims/{simulation.pk}/delegations/{delegation.pk}/")
    fits_the_phone(page)
    shot(page, "seating-10-phone-delegation-staff")
