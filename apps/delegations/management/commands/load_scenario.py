"""Create a simulation from a shipped scenario template (or list them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import User
from apps.delegations.domain.scenarios import list_scenarios
from apps.delegations.services import simulation_from_scenario


class Command(BaseCommand):
    help = "Create a simulation from a scenario template: load_scenario <slug> --owner <username>."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="the scenario, e.g. peace-talks")
        parser.add_argument("--owner", help="username of the instructor who will own it")
        parser.add_argument("--title", default="", help="title (default: the scenario's)")
        parser.add_argument("--list", action="store_true", help="list the scenarios and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"] or not options["slug"]:
            for scenario in list_scenarios():
                self.stdout.write(
                    f"{scenario.slug:28} {scenario.delegation_count:4} delegations  {scenario.title}"
                )
            return
        if not options["owner"]:
            raise CommandError("Say who owns the simulation: --owner <username>.")
        owner = User.objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user {options['owner']!r}.")
        try:
            simulation = simulation_from_scenario(
                owner=owner, slug=options["slug"], title=options["title"]
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Created “{simulation.title}” (id {simulation.pk}), join code {simulation.join_code}."
            )
        )
