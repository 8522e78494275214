"""Demo data for `make run`: an instructor login and one simulation with a join code, seated
with the Security Council crisis scenario (committee, delegations, briefs) ready to run.

The demo instructor is an ordinary instructor (not staff, not a superuser): they own the demo
simulation and read what its settings let an instructor read, nothing more. The published
password and join code are for a server only this machine can reach; `make run` with a HOST
beyond loopback passes `--random-password`, which gives `teacher` a fresh password (printed)
and the demo simulation a fresh join code in place of the published one.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.accounts.models import User
from apps.delegations.domain.scenarios import load_scenario
from apps.delegations.models import Membership, Simulation, new_join_code
from apps.delegations.services import scenario_committees_create

DEMO_USERNAME = "teacher"
DEMO_PASSWORD = "plenary-demo"  # noqa: S105 - published on purpose: loopback demo only
DEMO_CODE = "MUNDAY"
# Marks the demo simulation, whatever its code or title became (scenario_slug is only ever
# set from a scenario's slug, and no scenario is called this).
DEMO_SLUG = "plenary-demo"
DEMO_SCENARIO = "security-council-crisis"


def random_password() -> str:
    """Twelve URL-safe characters (72 bits): read off a terminal, typed once on a laptop."""
    return secrets.token_urlsafe(9)


class Command(BaseCommand):
    help = "Create (or reset) the demo instructor and the demo simulation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--random-password",
            action="store_true",
            help="Give the demo instructor a fresh random password (printed) and replace the "
            "published demo join code: for a server other machines can reach.",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        public = bool(options["random_password"])
        teacher, _ = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"display_name": "Ms. Okafor (demo)"}
        )
        # An older demo made `teacher` a superuser: demote it on every load.
        teacher.is_instructor = True
        teacher.is_staff = False
        teacher.is_superuser = False
        password = random_password() if public else DEMO_PASSWORD
        teacher.set_password(password)
        teacher.save()
        simulation = self.demo_simulation(teacher, public=public)
        self.stdout.write(
            f"Demo instructor: {DEMO_USERNAME} / {password}   Join code: {simulation.join_code}"
        )

    def demo_simulation(self, teacher: User, *, public: bool) -> Simulation:
        simulation = (
            Simulation.objects.filter(scenario_slug=DEMO_SLUG).first()
            or Simulation.objects.filter(join_code=DEMO_CODE).first()  # made by an older demo
        )
        if simulation is None:
            simulation = Simulation(
                title="Demo: Security Council, ceasefire in Veridia",
                description="A demo simulation to try Plenary: join it from a phone with the code.",
                join_code=DEMO_CODE,
            )
        simulation.owner = teacher
        simulation.scenario_slug = DEMO_SLUG
        if public and simulation.join_code == DEMO_CODE:
            simulation.join_code = new_join_code()
        simulation.save()
        Membership.objects.update_or_create(
            simulation=simulation, user=teacher, defaults={"role": Membership.Role.INSTRUCTOR}
        )
        if not simulation.committees.exists():
            # Something to run at once: the Security Council crisis scenario's committee,
            # delegations and briefs (an instructor's later changes are kept on reloads).
            scenario_committees_create(simulation=simulation, spec=load_scenario(DEMO_SCENARIO))
        return simulation
