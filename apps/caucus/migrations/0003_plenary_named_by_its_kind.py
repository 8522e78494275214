"""The plenary floor is called by its kind ("Plenary floor", translated for each reader)
rather than by an English name stored once."""

from typing import Any

from django.db import migrations


def unname_plenary(apps: Any, schema_editor: Any) -> None:
    Channel = apps.get_model("caucus", "Channel")
    Channel.objects.filter(kind="plenary", name="Plenary floor").update(name="")


def name_plenary(apps: Any, schema_editor: Any) -> None:
    Channel = apps.get_model("caucus", "Channel")
    Channel.objects.filter(kind="plenary", name="").update(name="Plenary floor")


class Migration(migrations.Migration):
    dependencies = [
        ("caucus", "0002_notes_via_the_chair_numbered"),
    ]

    operations = [migrations.RunPython(unname_plenary, name_plenary)]
