"""The committee most caucus tests run in: a UNA-USA General Assembly of four member states
with a chair, every delegation seated (tests that need another set-up override `floor`)."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.delegations.models import Simulation
from tests.proceedings.helpers import Floor, build_floor


@pytest.fixture
def floor(simulation: Simulation, instructor: User) -> Floor:
    return build_floor(simulation, instructor)
