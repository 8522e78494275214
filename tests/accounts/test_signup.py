"""Instructor sign-up: a setting turns it off, and attempts are limited per client address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def signup_data(username: str = "mensah") -> dict[str, str]:
    return {
        "username": username,
        "email": f"{username}@example.org",
        "display_name": "Mr. Mensah",
        "password1": "correct-horse-battery",
        "password2": "correct-horse-battery",
    }


def test_with_sign_up_off_the_page_says_it_is_closed_and_creates_nobody() -> None:
    with override_settings(PLENARY_INSTRUCTOR_SIGNUP=False):
        page = Client().get(reverse("accounts:signup"))
        posted = Client().post(reverse("accounts:signup"), signup_data())
    assert page.status_code == 403 and posted.status_code == 403
    assert "Instructor sign-up is closed on this server" in page.content.decode()
    assert not User.objects.filter(username="mensah").exists()


def test_with_sign_up_off_no_page_links_to_it() -> None:
    signup_url = reverse("accounts:signup")
    with override_settings(PLENARY_INSTRUCTOR_SIGNUP=False):
        for url in (reverse("accounts:login"), reverse("home")):
            assert signup_url not in Client().get(url).content.decode(), url
    for url in (reverse("accounts:login"), reverse("home")):
        assert signup_url in Client().get(url).content.decode(), url


def test_sign_up_attempts_are_limited_per_address() -> None:
    for i in range(10):
        response = Client().post(
            reverse("accounts:signup"), {"username": f"x{i}"}, REMOTE_ADDR="10.0.0.7"
        )
        assert response.status_code == 422
    response = Client().post(reverse("accounts:signup"), signup_data(), REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    assert "Too many sign-up attempts from here" in response.content.decode()
    assert not User.objects.filter(username="mensah").exists()
    # Another address signs up.
    response = Client().post(reverse("accounts:signup"), signup_data(), REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302
    assert User.objects.get(username="mensah").is_instructor
