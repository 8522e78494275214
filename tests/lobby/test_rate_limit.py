"""The lobby takes the same posting limit as caucus channels: a flood is refused with a
message, and nothing before it is lost."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client, override_settings

from apps.accounts.models import User
from apps.core import ratelimit
from apps.delegations.models import Simulation
from apps.lobby import services
from apps.lobby.models import LobbyMessage

pytestmark = pytest.mark.django_db


@override_settings(CAUCUS_USER_LIMIT=5, CAUCUS_WINDOW_SECONDS=10)
def test_the_sixth_message_in_the_window_is_refused_and_none_is_lost(
    simulation: Simulation, student: User
) -> None:
    redis.Redis.from_url(settings.REDIS_URL).delete(ratelimit.key_name(f"lobby-user:{student.pk}"))
    for i in range(5):
        services.message_post(simulation=simulation, by=student, body=f"hello {i}")
    with pytest.raises(ValidationError, match="Slow down"):
        services.message_post(simulation=simulation, by=student, body="one too many")
    assert list(LobbyMessage.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


@override_settings(CAUCUS_USER_LIMIT=2, CAUCUS_WINDOW_SECONDS=10)
def test_a_rate_limited_lobby_post_answers_429_with_the_form_saying_to_slow_down(
    simulation: Simulation, student: User, student_client: Client
) -> None:
    redis.Redis.from_url(settings.REDIS_URL).delete(ratelimit.key_name(f"lobby-user:{student.pk}"))
    url = f"/sims/{simulation.pk}/lobby/post/"
    statuses = [
        student_client.post(url, {"body": f"m{n}"}, HTTP_HX_REQUEST="true") for n in range(3)
    ]

    assert [r.status_code for r in statuses] == [200, 200, 429]
    refusal = statuses[2].content.decode()
    assert "Slow down: at most 2 messages in 10 seconds." in refusal
    assert 'id="lobby-form"' in refusal  # the form again, for htmx to swap in
    assert LobbyMessage.objects.count() == 2
