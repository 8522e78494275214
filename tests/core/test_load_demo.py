"""`manage.py load_demo` (run by `make run`): an ordinary demo instructor, and no published
password or join code on a server other machines can reach."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.core.management.commands.load_demo import DEMO_CODE, DEMO_PASSWORD, DEMO_USERNAME
from apps.delegations.models import Membership, Simulation

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def logged_in(username: str, password: str) -> Client | None:
    """A client logged in through the login page (django-axes needs the request), or None."""
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return client if response.status_code == 302 else None


def printed_password(output: str) -> str:
    """The password from "Demo instructor: teacher / <password>   Join code: ..."."""
    return output.split(f"{DEMO_USERNAME} / ", 1)[1].split()[0]


def test_the_demo_instructor_is_an_ordinary_instructor_who_owns_the_demo() -> None:
    output = load_demo()
    teacher = User.objects.get(username=DEMO_USERNAME)
    assert teacher.is_instructor
    assert not teacher.is_staff and not teacher.is_superuser
    simulation = Simulation.objects.get(join_code=DEMO_CODE)
    assert simulation.owner == teacher
    assert Membership.objects.get(simulation=simulation, user=teacher).role == "instructor"
    assert f"{DEMO_USERNAME} / {DEMO_PASSWORD}" in output and f"Join code: {DEMO_CODE}" in output


def test_a_demo_teacher_left_a_superuser_by_an_older_demo_is_demoted() -> None:
    User.objects.create_superuser(username=DEMO_USERNAME, password="old-password-1234")
    load_demo()
    teacher = User.objects.get(username=DEMO_USERNAME)
    assert not teacher.is_superuser and not teacher.is_staff and teacher.is_instructor


def test_the_demo_teacher_cannot_open_the_site_administration() -> None:
    load_demo()
    client = logged_in(DEMO_USERNAME, DEMO_PASSWORD)
    assert client is not None
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_loading_the_demo_twice_keeps_one_demo_simulation() -> None:
    load_demo()
    load_demo()
    assert Simulation.objects.count() == 1
    assert Membership.objects.count() == 1


def test_the_demo_is_seated_with_the_security_council_scenario_ready_to_run() -> None:
    load_demo()
    simulation = Simulation.objects.get(join_code=DEMO_CODE)
    committee = simulation.committees.get()
    assert committee.name == "Security Council"
    delegations = list(committee.delegations.all())
    members = [d for d in delegations if d.kind in {"member_state", "permanent_member"}]
    assert len(members) == 15
    assert all(d.brief for d in delegations)
    assert sum(d.kind == "permanent_member" for d in delegations) == 5


def test_reloading_the_demo_keeps_the_instructors_changes_to_its_committees() -> None:
    load_demo()
    simulation = Simulation.objects.get(join_code=DEMO_CODE)
    simulation.committees.update(name="Renamed by the teacher")
    load_demo()
    assert list(simulation.committees.values_list("name", flat=True)) == ["Renamed by the teacher"]


def test_on_the_network_the_demo_gets_a_fresh_printed_password_and_join_code() -> None:
    load_demo()  # a loopback run first: the published password and code
    first = load_demo("--random-password")
    second = load_demo("--random-password")
    passwords = [printed_password(first), printed_password(second)]
    assert DEMO_PASSWORD not in passwords and passwords[0] != passwords[1]
    assert all(len(p) >= 12 for p in passwords)
    teacher = User.objects.get(username=DEMO_USERNAME)
    assert teacher.check_password(passwords[1]) and not teacher.check_password(DEMO_PASSWORD)
    simulation = Simulation.objects.get()
    assert simulation.join_code != DEMO_CODE
    assert f"Join code: {simulation.join_code}" in second
    assert logged_in(DEMO_USERNAME, DEMO_PASSWORD) is None
    assert logged_in(DEMO_USERNAME, passwords[1]) is not None


def run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plenary_run", ROOT / "scripts" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),  # noqa: S104
        ("192.168.1.20", False),
        ("::", False),
    ],
)
def test_make_run_uses_the_published_login_on_loopback_only(host: str, loopback: bool) -> None:
    assert run_script().is_loopback(host) is loopback


def test_on_the_network_make_run_gives_phones_the_machines_address_not_localhost() -> None:
    run = run_script()
    assert run.public_url("192.168.1.20", "8000") == "http://192.168.1.20:8000"
    url = run.public_url("0.0.0.0", "8080")  # noqa: S104
    assert url.endswith(":8080")
    assert "0.0.0.0" not in url and "127.0.0.1" not in url and "localhost" not in url  # noqa: S104
    address = run.network_address()
    assert address is None or not address.startswith("127.")
