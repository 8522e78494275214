"""Each simulation's lobby gets a counter row: messages are numbered by
`apps.core.streams.next_seq` on it, no longer under the simulation row's lock."""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max


def count_existing(apps: Any, schema_editor: Any) -> None:
    LobbyMessage = apps.get_model("lobby", "LobbyMessage")
    LobbyStream = apps.get_model("lobby", "LobbyStream")
    last = LobbyMessage.objects.order_by().values("simulation_id").annotate(last=Max("seq"))
    LobbyStream.objects.bulk_create(
        [LobbyStream(simulation_id=row["simulation_id"], last_seq=row["last"]) for row in last],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("delegations", "0001_initial"),
        ("lobby", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LobbyStream",
            fields=[
                (
                    "simulation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="delegations.simulation",
                    ),
                ),
                ("last_seq", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
