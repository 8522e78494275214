import pytest
from django.test import Client, override_settings
from django.urls import reverse

from apps.accounts.models import User
from apps.delegations.models import JOIN_CODE_ALPHABET, Membership, Simulation

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
        ("ZZZZZZ", "Amina", "No open simulation has this code"),
        ("ZZZZZZZZ", "Amina", "No open simulation has this code"),
        ("12", "Amina", "A join code has 8 letters and digits (6 for older ones)"),
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
    assert "No open simulation has this code" in response.content.decode()
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
    assert len(simulation.join_code) == 8


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


# --- limits on joining ------------------------------------------------------------------------


def join_from(address: str, code: str, name: str = "Amina", client: Client | None = None):
    return (client or Client()).post(
        reverse("accounts:join"), {"code": code, "display_name": name}, REMOTE_ADDR=address
    )


def error_of(response) -> str:
    """The message under the code field (what the student reads)."""
    html = response.content.decode()
    return html.split('id="join-code-error"', 1)[1].split(">", 1)[1].split("</p>", 1)[0]


def test_ten_wrong_codes_lock_the_address_out_even_with_the_right_code(
    simulation: Simulation,
) -> None:
    for attempt in range(10):
        response = join_from("10.0.0.7", f"WRNGCD{attempt:02d}")
        assert "No open simulation has this code" in error_of(response)
    response = join_from("10.0.0.7", simulation.join_code)
    assert response.status_code == 429  # a rate limit, as every rate limit answers
    assert error_of(response) == "Too many attempts to join: wait a few minutes, then try again."
    assert not User.objects.filter(display_name="Amina").exists()
    # Another phone in the room is not locked out.
    assert join_from("10.0.0.8", simulation.join_code).status_code == 302


def test_a_lockout_reads_the_same_whether_or_not_the_code_exists(simulation: Simulation) -> None:
    for _ in range(10):
        join_from("10.0.0.7", "QQQQQQQQ")
    locked_real = error_of(join_from("10.0.0.7", simulation.join_code))
    locked_unknown = error_of(join_from("10.0.0.7", "KKKKKKKK"))
    assert locked_real == locked_unknown
    assert "Too many attempts" in locked_real


def test_an_unknown_code_and_a_closed_simulations_code_are_refused_alike(
    simulation: Simulation,
) -> None:
    simulation.status = Simulation.Status.CLOSED
    simulation.save()
    closed = error_of(join_from("10.0.0.7", simulation.join_code))
    unknown = error_of(join_from("10.0.0.7", "KKKKKKKK"))
    assert closed == unknown
    assert "ask your instructor" in closed


def test_a_name_error_does_not_tell_whether_the_code_exists(simulation: Simulation) -> None:
    real = join_from("10.0.0.7", simulation.join_code, name="")
    unknown = join_from("10.0.0.7", "KKKKKKKK", name="")
    for response in (real, unknown):
        assert response.status_code == 422
        assert "Enter the name others will see" in response.content.decode()
        assert 'id="join-code-error"' not in response.content.decode()


def test_a_class_behind_one_address_joins_and_only_failures_count(simulation: Simulation) -> None:
    """A school network shows every phone as one address: 30 joins are not attempts to guess."""
    for i in range(30):
        assert join_from("203.0.113.5", simulation.join_code, f"Student {i}").status_code == 302
    for _ in range(9):
        join_from("203.0.113.5", "KKKKKKKK")
    assert join_from("203.0.113.5", simulation.join_code, "Latecomer").status_code == 302


def test_attempts_per_code_are_limited_from_any_address(simulation: Simulation) -> None:
    with override_settings(JOIN_ATTEMPTS_PER_CODE=3):
        for i in range(3):
            assert join_from(f"10.0.1.{i}", simulation.join_code, f"S{i}").status_code == 302
        response = join_from("10.0.1.9", simulation.join_code, "One too many")
        assert "Too many attempts" in error_of(response)
        for i in range(3):
            join_from(f"10.0.2.{i}", "KKKKKKKK")
        # The same lockout, in the same words, for a code that does not exist.
        assert error_of(join_from("10.0.2.9", "KKKKKKKK")) == error_of(response)
    assert not User.objects.filter(display_name="One too many").exists()


def test_joining_stops_at_the_simulations_limit_and_the_student_is_told_to_ask(
    simulation: Simulation, instructor_client: Client
) -> None:
    simulation.join_limit = 2
    simulation.save()
    assert join_from("10.0.0.1", simulation.join_code, "First").status_code == 302
    second = Client()
    assert join_from("10.0.0.2", simulation.join_code, "Second", second).status_code == 302
    response = join_from("10.0.0.3", simulation.join_code, "Third")
    assert response.status_code == 422
    assert error_of(response) == "No more students can join this simulation: ask your instructor."
    assert not User.objects.filter(display_name="Third").exists()
    # A student already in it who follows the link again is not refused.
    assert join_from("10.0.0.2", simulation.join_code, client=second).status_code == 302
    page = instructor_client.get(simulation.get_absolute_url()).content.decode()
    assert "2 of 2 joined" in page
    # The instructor raises the limit in the settings: the third student gets in.
    instructor_client.post(
        reverse("delegations:settings", args=[simulation.pk]),
        {"title": simulation.title, "status": "open", "join_limit": "3"},
    )
    assert join_from("10.0.0.3", simulation.join_code, "Third").status_code == 302


def test_a_limit_of_zero_closes_joining(simulation: Simulation, instructor_client: Client) -> None:
    instructor_client.post(
        reverse("delegations:settings", args=[simulation.pk]),
        {"title": simulation.title, "status": "open", "join_limit": "0"},
    )
    simulation.refresh_from_db()
    assert simulation.join_limit == 0 and simulation.is_open
    response = join_from("10.0.0.1", simulation.join_code)
    assert "No more students can join" in error_of(response)


@pytest.mark.parametrize("raw", ["-1", "2001", "²", "1" * 30, "ten"])
def test_a_join_limit_that_is_not_a_number_in_range_is_refused_with_a_message(
    simulation: Simulation, instructor_client: Client, raw: str
) -> None:
    response = instructor_client.post(
        reverse("delegations:settings", args=[simulation.pk]),
        {"title": simulation.title, "status": "open", "join_limit": raw},
        follow=True,
    )
    assert "a whole number from 0 to 2000" in response.content.decode()
    simulation.refresh_from_db()
    assert simulation.join_limit == 60


def test_new_codes_have_eight_characters_and_a_six_character_code_still_works(
    simulation: Simulation,
) -> None:
    assert len(simulation.join_code) == 8
    assert set(simulation.join_code) <= set(JOIN_CODE_ALPHABET)
    Simulation.objects.filter(pk=simulation.pk).update(join_code="K7PQ2M")
    assert join_from("10.0.0.1", "k7pq-2m").status_code == 302
