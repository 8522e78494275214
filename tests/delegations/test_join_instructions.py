"""The projector's join page shows an address phones can open (issue: it showed 127.0.0.1)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from apps.delegations.models import Simulation


def page(client: Client, simulation: Simulation, host: str) -> str:
    response = client.get(f"/sims/{simulation.pk}/join-instructions/", HTTP_HOST=host)
    assert response.status_code == 200
    return response.content.decode()


@override_settings(ALLOWED_HOSTS=["*"], PUBLIC_URL="")
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"])
def test_on_loopback_the_page_says_how_to_let_phones_in(
    instructor_client: Client, simulation: Simulation, host: str
) -> None:
    html = page(instructor_client, simulation, host)
    assert "Phones cannot reach this address" in html
    assert "HOST=0.0.0.0 make run" in html


@override_settings(ALLOWED_HOSTS=["*"], PUBLIC_URL="http://192.168.1.20:8000")
def test_make_run_on_the_network_shows_the_laptops_address_even_to_a_localhost_browser(
    instructor_client: Client, simulation: Simulation
) -> None:
    html = page(instructor_client, simulation, "localhost:8000")
    assert "Phones cannot reach" not in html
    assert "<strong>192.168.1.20:8000/join</strong>" in html
    assert f"http://192.168.1.20:8000/join/?code={simulation.join_code}" in html


@override_settings(ALLOWED_HOSTS=["*"], PUBLIC_URL="")
def test_behind_a_real_host_name_the_page_uses_it(
    instructor_client: Client, simulation: Simulation
) -> None:
    html = page(instructor_client, simulation, "plenary.school.example")
    assert "Phones cannot reach" not in html
    assert "<strong>plenary.school.example/join</strong>" in html
