"""The floor, live: the chair completes the roll call, a delegate moves an unmoderated caucus
on a phone, the chair entertains it on a laptop, both delegates vote, the caucus runs on every
screen (and the projector) and a real Celery worker ends it at its deadline, with no reload
anywhere, and no page logs an error (tests/browser/conftest.py fails the test if one does)."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.delegations import services as delegation_services
from apps.delegations.models import Committee, Delegation, Simulation
from apps.proceedings import services
from apps.proceedings.models import Attendance, Session
from tests import live
from tests.browser.conftest import LAPTOP, PHONE, shot
from tests.conftest import make_student

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROJECTOR = {"width": 1600, "height": 900}
CHAIR_ONLY = ["Entertain", "Out of order", "Close the vote", "Open the session", "Move"]


def logged_in_context(browser: Any, server: str, user: User, viewport: dict[str, int], **kw: Any):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, base_url=server, **kw)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )
    return context


def phone_of(browser: Any, server: str, user: User) -> Page:
    context = logged_in_context(browser, server, user, PHONE, is_mobile=True, has_touch=True)
    return context.new_page()


def fits_the_phone(page: Page) -> None:
    """No sideways scrolling at 390 px."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def shows_no_chair_controls(page: Page) -> None:
    expect(page.locator(".chair-controls, .roll-call, .floor-staff")).to_have_count(0)
    for name in ["Entertain", "Out of order", "Close the vote", "Next speaker", "End the"]:
        expect(page.get_by_role("button", name=re.compile(name))).to_have_count(0)


def every_control_is_labelled_and_reachable(page: Page) -> None:
    """Every visible control in the page has an accessible name and is in the tab order."""
    problems = page.evaluate(
        """() => [...document.querySelectorAll(
              'main button, main input:not([type=hidden]), main select, main textarea,'
              + ' main summary, main a[href]')]
            .filter(el => el.getClientRects().length > 0)
            .filter(el => {
              const label = el.getAttribute('aria-label')
                || (el.labels && [...el.labels].map(l => l.textContent).join(' '))
                || el.textContent || '';
              return !label.trim() || el.tabIndex < 0;
            })
            .map(el => el.outerHTML.slice(0, 160))"""
    )
    assert problems == [], problems


def projector_has_no_controls(page: Page) -> None:
    expect(
        page.locator("form:visible, button:visible, input:visible, select:visible")
    ).to_have_count(0)
    expect(page.locator(".projector-view form, .projector-view button")).to_have_count(0)


def timer_seconds(page: Page) -> int:
    face = page.locator(".phase-panel time.timer").inner_text().strip()
    minutes, seconds = face.rsplit(":", 1)
    return int(minutes.split(":")[-1]) * 60 + int(seconds)


def is_live(page: Page) -> None:
    expect(page.locator(".live-status")).to_have_text("Live")


class Floor:
    """A committee under UNA-USA rules with caucuses allowed down to one second, three
    member states, two of them seated with a student each, a session in general debate
    (Brazil, with nobody seated, not yet marked present)."""

    def __init__(self, instructor: User) -> None:
        self.simulation: Simulation = delegation_services.simulation_create(
            owner=instructor, title="Model UN at Riverside"
        )
        self.committee: Committee = delegation_services.committee_create(
            simulation=self.simulation,
            by=instructor,
            name="Human Rights Council",
            preset_key="una_usa",
            agenda=["Freedom of expression online"],
            rules_overrides={"motions": {"unmoderated_caucus": {"min_duration_s": 1}}},
        )
        self.delegations: dict[str, Delegation] = {
            name: delegation_services.delegation_create(
                committee=self.committee,
                by=instructor,
                name=name,
                kind="member_state",
                country_code=code,
            )
            for name, code in [("Ghana", "GH"), ("Norway", "NO"), ("Brazil", "BR")]
        }
        self.amina = make_student(self.simulation, "Amina Diallo")
        self.lars = make_student(self.simulation, "Lars Berg")
        for student, name in [(self.amina, "Ghana"), (self.lars, "Norway")]:
            delegation_services.seat_take(
                simulation=self.simulation, by=student, delegation_id=self.delegations[name].pk
            )
        session = services.session_create(committee=self.committee, by=instructor)
        services.session_open(session=session, by=instructor)
        for delegation in (self.delegations["Ghana"], self.delegations["Norway"]):
            services.attendance_set(
                session=session,
                by=instructor,
                delegation_id=delegation.pk,
                status=Attendance.Status.PRESENT,
            )
        services.phase_advance(session=session, by=instructor, to="general_debate")
        self.session: Session = session


def test_a_caucus_moved_on_a_phone_runs_on_every_screen_and_the_worker_ends_it(
    browser: Any, server: str, instructor: User
) -> None:
    floor = Floor(instructor)
    url = f"/sessions/{floor.session.pk}/"
    with live.celery_worker():
        chair_context = logged_in_context(browser, server, instructor, LAPTOP)
        chair = chair_context.new_page()
        chair.goto(url)
        amina = phone_of(browser, server, floor.amina)
        amina.goto(url)
        lars = phone_of(browser, server, floor.lars)
        lars.goto(url)
        # The room's big screen, opened from the chair's laptop: still the public floor.
        projector = chair_context.new_page()
        projector.set_viewport_size(PROJECTOR)
        projector.goto(f"{url}projector/")
        screens = [chair, amina, lars, projector]
        for page in screens:
            is_live(page)
            expect(page.locator(".phase-name")).to_have_text("General debate")
            every_control_is_labelled_and_reachable(page)
        for phone in (amina, lars):
            shows_no_chair_controls(phone)
            fits_the_phone(phone)
        shot(amina, "floor-1-phone-general-debate")
        shot(chair, "floor-1-laptop-console")

        # The chair completes the roll call: one row changes on the console, the count
        # follows, and the delegates' journal says it, with no reload.
        chair.locator(".roll-call summary").click()
        expect(chair.locator(".roll-call summary")).to_contain_text("2/3 present")
        chair.get_by_role("button", name="Brazil: Present", exact=True).click()
        expect(chair.get_by_role("button", name="Brazil: Present", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(chair.locator(".roll-call summary")).to_contain_text("3/3 present")
        for phone in (amina, lars):
            expect(phone.locator(".journal")).to_contain_text("Brazil: present")
        expect(projector.locator(".journal")).to_contain_text("Brazil: present")

        # The chair starts filling in "Move the floor"; pushes must not wipe it.
        chair.get_by_text("Move the floor", exact=True).first.click()
        chair.get_by_label("Topic (moderated caucus)").fill("Press freedom")

        # A refusal shows where the delegate is looking (the form is far down the phone).
        amina.get_by_label("Motion", exact=True).select_option("unmoderated_caucus")
        amina.get_by_label("Duration (min)").fill("abc")
        amina.get_by_role("button", name="Move", exact=True).click()
        alert = amina.get_by_role("alert")
        expect(alert).to_contain_text("Give the duration in minutes")
        expect(alert).to_be_in_viewport()
        # What was typed stays for the correction.
        expect(amina.get_by_label("Motion", exact=True)).to_have_value("unmoderated_caucus")
        shot(amina, "floor-2-phone-refused")

        # By keyboard: a delegate moves a caucus of 0.1 minute (6 s in these rules).
        amina.get_by_label("Duration (min)").fill("0.1")
        amina.get_by_label("Duration (min)").press("Tab")
        amina.keyboard.press("Tab")  # speaking time, then topic
        amina.keyboard.press("Tab")
        expect(amina.get_by_role("button", name="Move", exact=True)).to_be_focused()
        amina.keyboard.press("Enter")
        expect(alert).to_have_count(0)
        expect(amina.get_by_label("Duration (min)")).to_have_value("")  # the form starts over

        # The chair's console shows it without a reload, and reads it out.
        motion_line = chair.locator(".motions li", has_text="unmoderated caucus of 6 seconds")
        expect(motion_line).to_be_visible()
        expect(motion_line).to_contain_text("Ghana")
        expect(chair.locator("#floor-announcer")).to_contain_text("Ghana moves")
        expect(amina.locator(".motions")).to_contain_text("unmoderated caucus of 6 seconds")
        # ...and the chair's half-filled form is still open and filled.
        expect(chair.get_by_label("Topic (moderated caucus)")).to_have_value("Press freedom")
        expect(chair.get_by_label("Topic (moderated caucus)")).to_be_visible()
        shot(chair, "floor-2-laptop-motion")
        for phone in (amina, lars):
            shows_no_chair_controls(phone)

        # The chair entertains it (keyboard: focus and Enter); both delegates vote yes.
        motion_line.get_by_role("button", name="Entertain").focus()
        chair.keyboard.press("Enter")
        for phone in (amina, lars):
            expect(phone.locator(".vote-box")).to_contain_text("Voting")
            shows_no_chair_controls(phone)
            fits_the_phone(phone)
            every_control_is_labelled_and_reachable(phone)
        expect(projector.locator(".vote-box")).to_contain_text("Voting")
        projector_has_no_controls(projector)
        shot(lars, "floor-3-phone-vote")
        amina.locator(".vote-box").get_by_role("button", name="Yes").click()
        expect(chair.locator(".tally")).to_contain_text("Yes 1")
        yes = lars.locator(".vote-box").get_by_role("button", name="Yes")
        yes.focus()
        lars.keyboard.press("Enter")
        expect(chair.locator(".tally")).to_contain_text("Yes 2")
        expect(amina.locator(".tally")).to_contain_text("Yes 2")
        expect(yes).to_be_focused()  # the re-rendered floor gives the focus back
        # Each delegate sees the placard their delegation holds up.
        expect(yes).to_have_attribute("aria-pressed", "true")
        expect(lars.locator(".vote-box").get_by_role("button", name="No")).to_have_attribute(
            "aria-pressed", "false"
        )
        every_control_is_labelled_and_reachable(chair)
        shot(chair, "floor-3-laptop-vote")
        shot(projector, "floor-3-projector-vote")

        # The chair closes the vote: every screen switches to the caucus with a countdown.
        chair.get_by_role("button", name="Close the vote").click()
        for page in screens:
            expect(page.locator(".phase-name")).to_have_text("Unmoderated caucus")
            expect(page.locator(".phase-panel time.timer")).to_be_visible()
        first = {id(page): timer_seconds(page) for page in screens}
        assert all(0 < value <= 6 for value in first.values()), first
        shot(amina, "floor-4-phone-caucus")
        shot(projector, "floor-4-projector-caucus")
        shot(chair, "floor-4-laptop-caucus")
        time.sleep(1.6)
        for page in screens:
            assert timer_seconds(page) < first[id(page)], page.url
        projector_has_no_controls(projector)
        for phone in (amina, lars):
            shows_no_chair_controls(phone)
            fits_the_phone(phone)

        # The deadline passes: the worker ends the caucus; every screen is back in debate.
        for page in screens:
            expect(page.locator(".phase-name")).to_have_text("General debate", timeout=15_000)
        # Time-up was announced to screen readers even if the push beat the countdown.
        for page in (amina, lars, chair):
            expect(page.locator("#timer-announcer")).to_have_text("Unmoderated caucus: time is up.")
        expect(chair.locator(".journal")).to_contain_text("Time is up")
        expect(projector.locator(".phase-panel time.timer")).to_have_count(0)
        expect(projector.locator(".floor-staff, .roll-call")).to_have_count(0)
        for phone in (amina, lars):
            shows_no_chair_controls(phone)
            fits_the_phone(phone)
        shot(amina, "floor-5-phone-back-to-debate")
        shot(projector, "floor-5-projector-debate")
    floor.session.refresh_from_db()
    assert floor.session.phase == "general_debate"


def test_the_timer_announces_thirty_seconds_left_and_time_up(
    browser: Any, server: str, instructor: User
) -> None:
    """A 31-second speech: the hidden live region says "30 seconds left" then "time is up"."""
    floor = Floor(instructor)
    Session.objects.filter(pk=floor.session.pk).update(
        speaker=floor.delegations["Ghana"],
        speech_started_at=timezone.now(),
        speech_deadline=timezone.now() + dt.timedelta(seconds=32),
        speech_number=1,
    )
    amina = phone_of(browser, server, floor.amina)
    amina.goto(f"/sessions/{floor.session.pk}/")
    announcer = amina.locator("#timer-announcer")
    expect(announcer).to_have_text("Speaking time: 30 seconds left.", timeout=10_000)
    # The same countdown run fast: move the deadline to now (as a push of the floor would).
    amina.evaluate(
        """() => { const t = document.querySelector('.speaker-panel time.timer');
                  t.setAttribute('data-deadline', new Date(Date.now() + 500).toISOString()); }"""
    )
    expect(announcer).to_have_text("Speaking time: time is up.", timeout=5_000)
    fits_the_phone(amina)
