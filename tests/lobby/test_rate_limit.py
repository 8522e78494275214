"""The lobby takes the same posting limit as caucus channels: a flood is refused with a
message, and nothing before it is lost."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import override_settings

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
