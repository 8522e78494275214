"""Notes passed via the chair get their own gap-free numbers: the chair follows those, not
the thread (whose other notes the chair does not read)."""

from typing import Any

from django.db import migrations, models


def number_notes_via_the_chair(apps: Any, schema_editor: Any) -> None:
    Channel = apps.get_model("caucus", "Channel")
    Message = apps.get_model("caucus", "Message")
    for channel in Channel.objects.filter(chair_reads=True):
        count = 0
        for message in Message.objects.filter(channel=channel, via_chair=True).order_by("seq"):
            count += 1
            message.chair_seq = count
            message.save(update_fields=["chair_seq"])
        channel.last_chair_seq = count
        channel.save(update_fields=["last_chair_seq"])


class Migration(migrations.Migration):
    dependencies = [
        ("caucus", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="last_chair_seq",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="message",
            name="chair_seq",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(number_notes_via_the_chair, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                condition=models.Q(("chair_seq__isnull", False)),
                fields=("channel", "chair_seq"),
                name="message_chair_seq_unique",
            ),
        ),
    ]
