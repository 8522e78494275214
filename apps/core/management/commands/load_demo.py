"""Demo data for `make run`: an instructor login and one simulation with a join code."""

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.delegations.models import Membership, Simulation

DEMO_USERNAME = "teacher"
DEMO_PASSWORD = "plenary-demo"  # noqa: S105 - printed on purpose: local demo only
DEMO_CODE = "MUNDAY"


class Command(BaseCommand):
    help = "Create (or reset) the demo instructor and the demo simulation."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        teacher, _ = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={
                "display_name": "Ms. Okafor (demo)",
                "is_instructor": True,
                "is_staff": True,
                "is_superuser": True,
            },
        )
        teacher.set_password(DEMO_PASSWORD)
        teacher.save()
        simulation, _ = Simulation.objects.get_or_create(
            join_code=DEMO_CODE,
            defaults={
                "owner": teacher,
                "title": "Demo: Security Council, ceasefire in Veridia",
                "description": "A demo simulation to try Plenary: join it from a phone with the code.",
            },
        )
        Membership.objects.get_or_create(
            simulation=simulation, user=teacher, defaults={"role": Membership.Role.INSTRUCTOR}
        )
        self.stdout.write(
            f"Demo instructor: {DEMO_USERNAME} / {DEMO_PASSWORD}   Join code: {simulation.join_code}"
        )
