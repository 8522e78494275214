import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.delegations.models import Membership, Simulation

pytestmark = pytest.mark.django_db


def join(client: Client, code: str, name: str):
    return client.post(reverse("accounts:join"), {"code": code, "display_name": name})


def test_a_student_joins_with_the_code_and_a_name(simulation: Simulation) -> None:
    client = Client()
    response = join(client, simulation.join_code.lower(), "  Amina   Diallo ")
    assert response.status_code == 302
    assert response["Location"] == simulation.get_absolute_url()
    user = User.objects.get(display_name="Amina Diallo")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Membership.Role.DELEGATE
    assert client.get(simulation.get_absolute_url()).status_code == 200


def test_the_student_session_survives_a_browser_restart(simulation: Simulation) -> None:
    client = Client()
    join(client, simulation.join_code, "Amina")
    cookie = client.cookies["sessionid"]
    # A persistent cookie (with max-age), not a session cookie that dies with the browser.
    assert int(cookie["max-age"]) >= 7 * 24 * 3600
    restarted = Client()
    restarted.cookies["sessionid"] = cookie.value
    assert restarted.get(simulation.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("ZZZZZZ", "Amina", "No simulation has the code ZZZZZZ"),
        ("12", "Amina", "A join code has 6 letters and digits"),
        ("", "Amina", "Enter the join code"),
        (None, "", "Enter the name others will see"),
        (None, "   ", "Enter the name others will see"),
        (None, "x" * 10_000, "Names are limited to 60 characters (this one has 10000)"),
    ],
)
def test_a_bad_join_shows_a_clear_message_and_creates_nothing(
    simulation: Simulation, code: str | None, name: str, message: str
) -> None:
    users_before = User.objects.count()
    response = join(Client(), simulation.join_code if code is None else code, name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert User.objects.count() == users_before
    assert Membership.objects.filter(role=Membership.Role.DELEGATE).count() == 0


def test_a_closed_simulation_refuses_new_students(simulation: Simulation) -> None:
    simulation.status = Simulation.Status.CLOSED
    simulation.save()
    response = join(Client(), simulation.join_code, "Amina")
    assert response.status_code == 422
    assert "This simulation is closed" in response.content.decode()
    assert not User.objects.filter(display_name="Amina").exists()


def test_the_join_form_is_prefilled_from_the_qr_code_link(simulation: Simulation) -> None:
    response = Client().get(reverse("accounts:join") + f"?code={simulation.join_code}")
    assert f'value="{simulation.join_code}"' in response.content.decode()


def test_an_instructor_signs_up_and_can_create_a_simulation() -> None:
    client = Client()
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "mensah",
            "email": "mensah@example.org",
            "display_name": "Mr. Mensah",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="mensah").is_instructor
    response = client.post(reverse("delegations:dashboard"), {"title": "Model UN, 10th grade"})
    assert response.status_code == 302
    simulation = Simulation.objects.get(title="Model UN, 10th grade")
    assert simulation.owner.username == "mensah"
    assert len(simulation.join_code) == 6


def test_a_student_cannot_create_a_simulation(student_client: Client) -> None:
    response = student_client.post(reverse("delegations:dashboard"), {"title": "Mine"})
    assert response.status_code == 403
    assert not Simulation.objects.filter(title="Mine").exists()


def test_login_is_throttled_after_repeated_failures(instructor: User) -> None:
    client = Client()
    for _ in range(8):
        client.post(reverse("accounts:login"), {"username": "okafor", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "okafor", "password": "a-long-test-password"}
    )
    assert response.status_code == 429
